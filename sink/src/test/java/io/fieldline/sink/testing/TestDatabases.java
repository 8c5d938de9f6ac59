package io.fieldline.sink.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One PostgreSQL server per test JVM, and a fresh database per test that asks, so tests never see each
 * other's rows.
 */
public final class TestDatabases {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres server;

    private TestDatabases() {
    }

    private static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                // durability is not under test here; speed is welcome
                server = EmbeddedPostgres.builder()
                        .setServerConfig("fsync", "off")
                        .setServerConfig("synchronous_commit", "off")
                        .setServerConfig("full_page_writes", "off")
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return server;
    }

    /** A new, empty database. */
    public static TestDatabase create() {
        EmbeddedPostgres pg = server();
        String name = "sink_test_" + COUNTER.incrementAndGet() + "_" + ProcessHandle.current().pid();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new TestDatabase(pg.getJdbcUrl("postgres", name), "postgres", "");
    }

    /** Connection details of one test database. */
    public record TestDatabase(String jdbcUrl, String user, String password) {

        public DataSource dataSource() {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setUrl(jdbcUrl);
            ds.setUser(user);
            ds.setPassword(password);
            return ds;
        }
    }
}
