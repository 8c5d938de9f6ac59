package io.fieldline.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A PostgreSQL installed on this machine (not unpacked from Maven Central): its {@code bin} directory with
 * {@code initdb}, {@code pg_ctl} and {@code postgres}, and the directory of its loadable libraries, where an
 * extension such as TimescaleDB puts its {@code .so} files.
 *
 * <p>{@link #newest()} looks where Debian's packages put each major version, {@code /usr/lib/postgresql/<major>/bin},
 * and takes the highest major; {@link #at(Path)} takes a given {@code bin} directory (any layout).
 *
 * @param binDir       the directory holding {@code initdb}, {@code pg_ctl} and {@code postgres}
 * @param libDir       the server's package library directory ({@code pg_config --pkglibdir})
 * @param version      what {@code postgres --version} prints after "(PostgreSQL) ", e.g. {@code 15.20}
 */
public record PostgresInstallation(Path binDir, Path libDir, String version) {

    /** Where Debian and Ubuntu install each major version of PostgreSQL. */
    public static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

    /** How to get a PostgreSQL with TimescaleDB on the development machines, for error messages. */
    public static final String HOW_TO_INSTALL_TIMESCALE =
            "Install it as root with ../shared/tools/timescaledb/install.sh "
                    + "(beside the repository: PostgreSQL 15 from Debian and TimescaleDB built from the vendored source, "
                    + "about 1.5 minutes, a no-op once done), or install Debian's postgresql-15 with TimescaleDB's own packages "
                    + "(timescaledb-2-postgresql-15 from packagecloud.io/timescale/timescaledb); a PostgreSQL installed "
                    + "elsewhere is used when embedded.postgres.bin.dir names its bin directory.";

    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\S+)");
    private static final List<String> PROGRAMS = List.of("initdb", "pg_ctl", "postgres");

    public PostgresInstallation {
        Objects.requireNonNull(binDir, "binDir");
        Objects.requireNonNull(libDir, "libDir");
        Objects.requireNonNull(version, "version");
    }

    /**
     * @return the highest major version under {@link #DEBIAN_ROOT} that has a complete {@code bin} directory, or
     *         empty when there is none
     */
    public static Optional<PostgresInstallation> newest() {
        if (!Files.isDirectory(DEBIAN_ROOT)) {
            return Optional.empty();
        }
        try (Stream<Path> majors = Files.list(DEBIAN_ROOT)) {
            return majors.filter(dir -> dir.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .filter(dir -> complete(dir.resolve("bin")))
                    .max(Comparator.comparingDouble(
                            dir -> Double.parseDouble(dir.getFileName().toString())))
                    .map(dir -> at(dir.resolve("bin")));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + DEBIAN_ROOT, e);
        }
    }

    /**
     * @param binDir a PostgreSQL {@code bin} directory
     * @return the installation it belongs to
     * @throws IllegalArgumentException when {@code initdb}, {@code pg_ctl} or {@code postgres} is missing there
     */
    public static PostgresInstallation at(Path binDir) {
        Path bin = binDir.toAbsolutePath().normalize();
        if (!complete(bin)) {
            throw new IllegalArgumentException(
                    "No PostgreSQL in " + bin + ": it needs the executables " + String.join(", ", PROGRAMS));
        }
        String versionLine = run(bin.resolve("postgres").toString(), "--version");
        Matcher m = VERSION.matcher(versionLine);
        String version = m.find() ? m.group(1) : versionLine.trim();
        Path libDir = Files.isExecutable(bin.resolve("pg_config"))
                ? Path.of(
                        run(bin.resolve("pg_config").toString(), "--pkglibdir").trim())
                : bin.getParent().resolve("lib"); // Debian's layout without the -dev package
        return new PostgresInstallation(bin, libDir, version);
    }

    /**
     * The installation to run TimescaleDB from: {@code binDir} when given, else {@link #newest()}.
     *
     * @throws IllegalStateException saying how to install TimescaleDB when there is no PostgreSQL, or it has no
     *                               TimescaleDB library
     */
    public static PostgresInstallation withTimescale(Optional<Path> binDir) {
        PostgresInstallation installation;
        if (binDir.isPresent()) {
            try {
                installation = at(binDir.get());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage() + ". " + HOW_TO_INSTALL_TIMESCALE, e);
            }
        } else {
            installation = newest().orElseThrow(
                            () -> new IllegalStateException("TimescaleDB needs an installed PostgreSQL, and none "
                                    + "was found under " + DEBIAN_ROOT + "/<major>/bin. " + HOW_TO_INSTALL_TIMESCALE));
        }
        if (!installation.hasLibrary("timescaledb")) {
            throw new IllegalStateException("PostgreSQL " + installation.version() + " in " + installation.binDir()
                    + " has no TimescaleDB (no timescaledb.so in " + installation.libDir() + "). "
                    + HOW_TO_INSTALL_TIMESCALE);
        }
        return installation;
    }

    /** @return whether the server can load {@code <name>.so} (what {@code shared_preload_libraries} names) */
    public boolean hasLibrary(String name) {
        return Files.isRegularFile(libDir.resolve(name + ".so"));
    }

    /** @return the absolute path of one of the installation's programs */
    Path program(String name) {
        return binDir.resolve(name);
    }

    private static boolean complete(Path bin) {
        return PROGRAMS.stream().allMatch(p -> Files.isExecutable(bin.resolve(p)));
    }

    private static String run(String... command) {
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        String.join(" ", command) + " failed: " + new String(output, StandardCharsets.UTF_8).trim());
            }
            return new String(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted running " + String.join(" ", command), e);
        }
    }
}
