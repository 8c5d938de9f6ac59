package io.fieldline.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway PostgreSQL cluster run from an installed PostgreSQL ({@link PostgresInstallation}), as a child
 * process: what {@link PostgresServer} is for zonky's binaries, for a server that can load extensions installed
 * on the machine, TimescaleDB first of all ({@link #timescale(Path)}).
 *
 * <p>The first start runs {@code initdb} in {@code <dataDir>/pgdata} (superuser {@code postgres}, {@code trust}
 * authentication, UTF-8, C locale); every start writes the settings to {@code pgdata/fieldline.conf}, included
 * by {@code postgresql.conf}, and runs {@code pg_ctl start}. The settings are {@link PostgresServer}'s (logical
 * WAL for Debezium, no fsync) plus, for TimescaleDB, {@code shared_preload_libraries=timescaledb}. It listens on
 * 127.0.0.1 only, on a port picked once, with no Unix socket. {@link #stop()} ({@code pg_ctl stop -m fast}) and
 * {@link #start()} keep the port and the data, for outage tests.
 *
 * <p><b>Running as root.</b> PostgreSQL refuses to run as root. When this JVM runs as root (CI, the development
 * containers), every PostgreSQL program runs inside a new user namespace, {@code unshare -U}, as zonky does: the
 * namespace maps no user, so the program sees itself as the overflow user ({@code nobody}, 65534) and starts,
 * while the kernel still accounts its files and signals to root, so the data directory needs no {@code chown}
 * and this JVM can stop the server. Run as a normal user, the programs run directly. Root without user
 * namespaces (a kernel or container that forbids them) fails at start, saying so.
 *
 * <p>The server log is {@code <dataDir>/postgres.log}. Like {@link PostgresServer}, the postmaster dies with this
 * JVM even on SIGKILL ({@link ParentDeathWatchdog}).
 */
public final class InstalledPostgresServer extends LocalServer implements LocalPostgres {

    private static final Logger LOG = LoggerFactory.getLogger(InstalledPostgresServer.class);
    private static final String USER = "postgres";
    private static final String PASSWORD = "postgres";
    private static final String INCLUDE_FILE = "fieldline.conf";

    private final PostgresInstallation installation;
    private final boolean timescale;
    private final int port;
    private final Map<String, String> serverConfig;
    private boolean running;
    private long postmasterPid = -1;

    /**
     * @param installation the PostgreSQL to run
     * @param dataDir      its own directory (created if missing), deleted on {@link #close()}
     * @param timescale    whether to preload TimescaleDB (the installation must have it)
     * @param overrides    settings that replace or extend the defaults of {@link #serverConfig()}
     */
    public InstalledPostgresServer(
            PostgresInstallation installation, Path dataDir, boolean timescale, Map<String, String> overrides) {
        super(dataDir);
        this.installation = Objects.requireNonNull(installation, "installation");
        this.timescale = timescale;
        if (timescale && !installation.hasLibrary("timescaledb")) {
            throw new IllegalStateException("PostgreSQL in " + installation.binDir() + " has no TimescaleDB. "
                    + PostgresInstallation.HOW_TO_INSTALL_TIMESCALE);
        }
        this.port = LoopbackPort.pick();
        Map<String, String> config = new LinkedHashMap<>(PostgresServer.defaultSettings());
        config.put("port", Integer.toString(port));
        // TCP on loopback only: a socket directory would need a short path the namespace may write to.
        config.put("unix_socket_directories", "");
        if (timescale) {
            config.put("shared_preload_libraries", "timescaledb");
            config.put("timescaledb.telemetry_level", "off");
            // One scheduler per database with the extension (the tests create many) plus the jobs they start.
            config.put("max_worker_processes", "24");
            config.put("timescaledb.max_background_workers", "16");
        }
        config.putAll(overrides);
        this.serverConfig = Map.copyOf(config);
    }

    /**
     * A TimescaleDB server from the newest installed PostgreSQL that has it.
     *
     * @param dataDir its own directory, deleted on close
     * @throws IllegalStateException saying how to install TimescaleDB when it is not installed
     */
    public static InstalledPostgresServer timescale(Path dataDir) {
        return new InstalledPostgresServer(
                PostgresInstallation.withTimescale(java.util.Optional.empty()), dataDir, true, Map.of());
    }

    /** As {@link #timescale(Path)}, in a new temporary directory. */
    public static InstalledPostgresServer timescale() {
        return timescale(DataDirectory.createTemp("timescaledb"));
    }

    @Override
    public String name() {
        return "postgres";
    }

    /** @return the installation this server runs */
    public PostgresInstallation installation() {
        return installation;
    }

    /** @return whether TimescaleDB is preloaded */
    public boolean preloadsTimescale() {
        return timescale;
    }

    /** @return the settings written to {@code fieldline.conf} */
    public Map<String, String> serverConfig() {
        return serverConfig;
    }

    /** @return the port the server listens on */
    public int port() {
        return port;
    }

    /** @return the data directory (the server's {@code PGDATA} is its {@code pgdata} child) */
    public Path dataDir() {
        return dataDir;
    }

    @Override
    public String jdbcUrl() {
        return "jdbc:postgresql://" + LoopbackPort.HOST + ":" + port + "/" + PostgresServer.DATABASE;
    }

    @Override
    public String url() {
        return jdbcUrl();
    }

    @Override
    public String user() {
        return USER;
    }

    /** @return a password clients may send; the server trusts loopback connections and ignores it */
    @Override
    public String password() {
        return PASSWORD;
    }

    @Override
    public DataSource dataSource() {
        return PostgresServer.dataSource(port, PostgresServer.DATABASE, USER, PASSWORD);
    }

    @Override
    public synchronized void start() {
        ensureOpen("PostgreSQL server");
        if (running) {
            return;
        }
        long begin = System.nanoTime();
        Path pgdata = dataDir.resolve("pgdata");
        Path log = dataDir.resolve("postgres.log");
        try {
            if (!Files.exists(pgdata.resolve("PG_VERSION"))) {
                run(
                        List.of(
                                installation.program("initdb").toString(),
                                "-D",
                                pgdata.toString(),
                                "-U",
                                USER,
                                "-A",
                                "trust",
                                "-E",
                                "UTF8",
                                "--no-locale"),
                        120);
                Files.writeString(
                        pgdata.resolve("postgresql.conf"),
                        "\ninclude '" + INCLUDE_FILE + "'\n",
                        StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.APPEND);
            }
            Files.writeString(pgdata.resolve(INCLUDE_FILE), settingsFile(), StandardCharsets.UTF_8);
            run(
                    List.of(
                            installation.program("pg_ctl").toString(),
                            "start",
                            "-D",
                            pgdata.toString(),
                            "-l",
                            log.toString(),
                            "-w",
                            "-t",
                            "60"),
                    90);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare PostgreSQL in " + pgdata, e);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + logTail(log), e);
        }
        running = true;
        watchPostmaster(pgdata);
        try {
            PostgresServer.createDatabaseIfMissing(PostgresServer.dataSource(port, "postgres", USER, PASSWORD));
            if (timescale) {
                LOG.debug("TimescaleDB {} available on port {}", timescaleVersion(), port);
            }
        } catch (SQLException e) {
            stop();
            throw new IllegalStateException("PostgreSQL on port " + port + " started but does not serve", e);
        }
        LOG.info(
                "PostgreSQL {}{} ({}) listening on {} (data {}) in {} ms",
                installation.version(),
                timescale ? " with TimescaleDB" : "",
                installation.binDir(),
                jdbcUrl(),
                dataDir,
                (System.nanoTime() - begin) / 1_000_000);
    }

    private String timescaleVersion() throws SQLException {
        try (Connection c = dataSource().getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'")) {
            if (!rs.next()) {
                throw new SQLException("the server does not offer the timescaledb extension. "
                        + PostgresInstallation.HOW_TO_INSTALL_TIMESCALE);
            }
            return rs.getString(1);
        }
    }

    private String settingsFile() {
        StringBuilder out = new StringBuilder("# Written by Fieldline's InstalledPostgresServer at every start.\n");
        serverConfig.forEach((key, value) ->
                out.append(key).append(" = '").append(value.replace("'", "''")).append("'\n"));
        return out.toString();
    }

    private void watchPostmaster(Path pgdata) {
        Path pidFile = pgdata.resolve("postmaster.pid");
        try {
            postmasterPid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
            ParentDeathWatchdog.watch(postmasterPid, "INT");
        } catch (IOException | RuntimeException e) {
            LOG.warn(
                    "Cannot read the postmaster's pid from {}: PostgreSQL on port {} will outlive a killed JVM ({})",
                    pidFile,
                    port,
                    e.toString());
        }
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        if (postmasterPid > 0) {
            ParentDeathWatchdog.forget(postmasterPid);
            postmasterPid = -1;
        }
        Path pgdata = dataDir.resolve("pgdata");
        if (!Files.exists(pgdata.resolve("postmaster.pid"))) {
            LOG.warn("PostgreSQL on port {} was not running any more", port);
            return;
        }
        run(
                List.of(
                        installation.program("pg_ctl").toString(),
                        "stop",
                        "-D",
                        pgdata.toString(),
                        "-m",
                        "fast",
                        "-w",
                        "-t",
                        "60"),
                90);
        LOG.info("PostgreSQL on port {} stopped", port);
    }

    @Override
    public synchronized boolean isRunning() {
        return running;
    }

    /** Runs a PostgreSQL program to its end, inside a user namespace when this JVM is root. */
    private void run(List<String> command, long timeoutSeconds) {
        List<String> full = new ArrayList<>(UserNamespace.prefix());
        full.addAll(command);
        Path output = dataDir.resolve("command.log");
        try {
            Process process = new ProcessBuilder(full)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        String.join(" ", full) + " did not finish in " + timeoutSeconds + " s" + tail(output));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        String.join(" ", full) + " failed with exit code " + process.exitValue() + tail(output));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + String.join(" ", full), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted running " + String.join(" ", full), e);
        }
    }

    private static String logTail(Path log) {
        return Files.exists(log) ? "; server log " + log + tail(log) : "";
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return ": " + String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    @Override
    public String toString() {
        return "InstalledPostgresServer[" + jdbcUrl() + ", " + installation.binDir()
                + (timescale ? ", timescaledb" : "") + "]";
    }

    /**
     * Whether PostgreSQL's programs must run in a user namespace: yes when this JVM is root. Checked once:
     * {@code unshare -U id -u} must answer a user other than 0.
     */
    static final class UserNamespace {

        private static List<String> prefix;

        private UserNamespace() {}

        static synchronized List<String> prefix() {
            if (prefix == null) {
                prefix = isRoot() ? checkedUnshare() : List.of();
            }
            return prefix;
        }

        private static boolean isRoot() {
            return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        }

        private static List<String> checkedUnshare() {
            String answer;
            try {
                Process process = new ProcessBuilder("unshare", "-U", "id", "-u")
                        .redirectErrorStream(true)
                        .start();
                answer = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                    answer = "failed: " + answer;
                }
            } catch (IOException e) {
                answer = "failed: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted checking user namespaces", e);
            }
            if (answer.isEmpty() || answer.equals("0") || answer.startsWith("failed")) {
                throw new IllegalStateException(
                        "This JVM runs as root, which PostgreSQL refuses, and `unshare -U id -u` "
                                + "cannot run it as another user (" + answer + "): run as a non-root user, or allow "
                                + "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or the "
                                + "container's seccomp profile)");
            }
            LOG.debug("Running as root: PostgreSQL programs run in a user namespace as uid {}", answer);
            return List.of("unshare", "-U");
        }
    }
}
