package io.fieldline.testing;

import io.fieldline.embedded.PostgresEndpoint;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/** A fresh database per test on a (shared or dedicated) PostgreSQL server, so tests never see each other's rows. */
public final class TestDatabases {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TestDatabases() {}

    /** A new, empty database on {@code server}. */
    public static TestDatabase create(PostgresEndpoint server) {
        String name = "test_db_" + COUNTER.incrementAndGet() + "_"
                + ProcessHandle.current().pid();
        try (Connection c = server.dataSource().getConnection();
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        String url = server.jdbcUrl();
        int slash = url.lastIndexOf('/');
        return new TestDatabase(url.substring(0, slash + 1) + name, server.user(), server.password());
    }

    /** Connection details of one test database. */
    public record TestDatabase(String jdbcUrl, String user, String password) {

        /** A plain, non-pooling DataSource on this database. */
        public DataSource dataSource() {
            return PostgresEndpoint.external(jdbcUrl, user, password).dataSource();
        }

        /** The settings that point a component at this database: {@code <prefix>url}, {@code user}, {@code password}. */
        public Map<String, Object> properties(String prefix) {
            return Map.of(prefix + "url", jdbcUrl, prefix + "user", user, prefix + "password", password);
        }
    }
}
