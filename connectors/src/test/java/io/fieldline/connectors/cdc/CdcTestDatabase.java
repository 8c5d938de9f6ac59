package io.fieldline.connectors.cdc;

import io.fieldline.sink.Migrations;
import io.fieldline.sink.SinkConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One test's own schema with the captured tables in a shared PostgreSQL, and clean-up of the
 * replication slot and publication the connector leaves behind (a forgotten slot would hold WAL
 * back for every other test).
 */
final class CdcTestDatabase implements AutoCloseable {

    private final String url;
    private final String user;
    private final String password;
    private final String schema;

    CdcTestDatabase(String url, String user, String password, String schema) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.schema = schema;
    }

    /** Creates the schema with the sink's own migrations, so the captured tables are the production ones. */
    CdcTestDatabase create() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(url);
        dataSource.setUser(user);
        dataSource.setPassword(password);
        Migrations.apply(dataSource, new SinkConfig(Map.of(SinkConfig.POSTGRES_SCHEMA, schema)));
        return this;
    }

    String schema() {
        return schema;
    }

    /** Runs statements with the test's schema first on the search path. */
    void execute(String sql) {
        try (Connection connection = connect();
                Statement statement = connection.createStatement()) {
            statement.execute("SET search_path TO " + schema);
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + sql, e);
        }
    }

    /** The first column of the first row of a query, as text. */
    String queryString(String sql, Object... parameters) {
        try (Connection connection = connect();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            try (ResultSet result = statement.executeQuery()) {
                return result.next() ? result.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + sql, e);
        }
    }

    /** Drops the slot and publication of a stopped connector, then the schema. */
    void dropReplication(String slot, String publication) {
        execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot
                + "'");
        execute("DROP PUBLICATION IF EXISTS " + publication);
    }

    @Override
    public void close() {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }
}
