package io.fieldline.testing;

import io.fieldline.embedded.InstalledPostgresServer;
import io.fieldline.embedded.LocalPostgres;
import io.fieldline.embedded.PostgresEndpoint;
import io.fieldline.embedded.PostgresInstallation;
import java.util.Optional;
import org.opentest4j.TestAbortedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A TimescaleDB server for the tests, whichever way this machine offers one:
 *
 * <ol>
 *   <li>the installed TimescaleDB ({@link InstalledPostgresServer}: PostgreSQL 15 and TimescaleDB 2.28 from
 *       {@code ../shared/tools/timescaledb/install.sh}, or any {@code /usr/lib/postgresql/<major>} with it), a
 *       throwaway cluster started once per test JVM;</li>
 *   <li>else, where a Docker engine answers, the {@value #IMAGE} image through Testcontainers, once per JVM;</li>
 *   <li>else none: the test is skipped (aborted) with a message naming both ways, unless the environment says
 *       {@code TIMESCALEDB_TESTS_REQUIRED=true} (.ci/run sets it after installing TimescaleDB), which makes it
 *       a failure, so CI can never pass with the TimescaleDB tests silently skipped.</li>
 * </ol>
 *
 * <p>The shared server is for tests that create their own database ({@link TestDatabases}); a test that stops
 * and starts its server asks for a {@link #dedicated()} one.
 */
public final class TimescaleServers {

    /** The image used where TimescaleDB is not installed but Docker is there. */
    public static final String IMAGE = "timescale/timescaledb:2.17.2-pg17";

    /** Set to {@code true} to fail rather than skip when no TimescaleDB is available. */
    public static final String REQUIRED_VARIABLE = "TIMESCALEDB_TESTS_REQUIRED";
    /** The system property failsafe sets from {@link #REQUIRED_VARIABLE} (only ConfigSources reads the environment). */
    public static final String REQUIRED_PROPERTY = "fieldline.timescaledb.required";

    private static final Logger LOG = LoggerFactory.getLogger(TimescaleServers.class);

    private static PostgresEndpoint shared;
    private static String unavailable;

    private TimescaleServers() {}

    /**
     * The TimescaleDB server shared by every test of this JVM, started on first use and stopped when the JVM
     * exits.
     *
     * @throws TestAbortedException when there is none (the test is reported as skipped, with the reason)
     */
    public static synchronized PostgresEndpoint shared() {
        if (shared != null) {
            return shared;
        }
        if (unavailable != null) {
            throw missing(unavailable);
        }
        Optional<String> notInstalled = notInstalled();
        if (notInstalled.isEmpty()) {
            InstalledPostgresServer server = InstalledPostgresServer.timescale();
            server.start();
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "timescaledb-test-server-stop"));
            shared = server;
            return shared;
        }
        if (dockerAvailable()) {
            LOG.info(
                    "TimescaleDB is not installed ({}); using the {} image through Testcontainers",
                    notInstalled.get(),
                    IMAGE);
            PostgreSQLContainer<?> container =
                    new PostgreSQLContainer<>(DockerImageName.parse(IMAGE).asCompatibleSubstituteFor("postgres"));
            container.start(); // Testcontainers' reaper removes it when the JVM exits
            shared =
                    PostgresEndpoint.external(container.getJdbcUrl(), container.getUsername(), container.getPassword());
            return shared;
        }
        unavailable = notInstalled.get();
        throw missing(unavailable);
    }

    /**
     * A TimescaleDB server of the test's own, not started, for tests that stop and restart it (outages): only
     * the installed TimescaleDB offers that (a container would come back on another port).
     *
     * @throws TestAbortedException when TimescaleDB is not installed
     */
    public static LocalPostgres dedicated() {
        Optional<String> notInstalled = notInstalled();
        if (notInstalled.isPresent()) {
            throw missing(notInstalled.get() + " (a test that restarts its server needs an installed TimescaleDB)");
        }
        return InstalledPostgresServer.timescale();
    }

    /** @return whether the TimescaleDB tests must run (not skip) in this environment */
    public static boolean required() {
        return "true".equalsIgnoreCase(System.getProperty(REQUIRED_PROPERTY));
    }

    private static Optional<String> notInstalled() {
        try {
            PostgresInstallation.withTimescale(Optional.empty());
            return Optional.empty();
        } catch (IllegalStateException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static RuntimeException missing(String why) {
        String message = "No TimescaleDB for this test: it is not installed and no Docker engine answers for "
                + "Testcontainers (" + IMAGE
                + "). Either install it as root with ../shared/tools/timescaledb/install.sh "
                + "(or Debian's postgresql-15 with TimescaleDB's packages), or run where Docker is. Detail: " + why;
        if (required()) {
            throw new IllegalStateException(REQUIRED_VARIABLE + "=true: " + message);
        }
        return new TestAbortedException(message);
    }
}
