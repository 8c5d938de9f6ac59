package io.fieldline.connectors.cdc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks, before the engine starts, that PostgreSQL can serve a logical replication slot, so that
 * a misconfigured server fails with a message naming the setting instead of a replication-protocol
 * error deep in Debezium's logs.
 */
public final class LogicalReplicationCheck {

    /**
     * The server settings the check looks at.
     *
     * @param walLevel {@code SHOW wal_level}
     * @param maxReplicationSlots {@code SHOW max_replication_slots}
     * @param maxWalSenders {@code SHOW max_wal_senders}
     * @param user the connecting user
     * @param canReplicate whether that user is a superuser or has the REPLICATION attribute
     */
    public record Settings(
            String walLevel, int maxReplicationSlots, int maxWalSenders, String user, boolean canReplicate) {}

    private LogicalReplicationCheck() {}

    /** What is wrong with these settings, one sentence each; empty when logical replication can work. */
    public static List<String> problems(Settings settings) {
        List<String> problems = new ArrayList<>();
        if (!"logical".equals(settings.walLevel().toLowerCase(Locale.ROOT))) {
            problems.add("wal_level is '" + settings.walLevel() + "' but must be 'logical' (set wal_level = logical "
                    + "in postgresql.conf or run ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL)");
        }
        if (settings.maxReplicationSlots() < 1) {
            problems.add("max_replication_slots is " + settings.maxReplicationSlots()
                    + " but must be at least 1 (restart PostgreSQL after changing it)");
        }
        if (settings.maxWalSenders() < 1) {
            problems.add("max_wal_senders is " + settings.maxWalSenders()
                    + " but must be at least 1 (restart PostgreSQL after changing it)");
        }
        if (!settings.canReplicate()) {
            problems.add("user '" + settings.user() + "' has neither the REPLICATION attribute nor superuser "
                    + "(ALTER ROLE \"" + settings.user() + "\" WITH REPLICATION)");
        }
        return problems;
    }

    /** Reads the settings over a JDBC connection. */
    public static Settings read(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            String walLevel = show(statement, "wal_level");
            int slots = Integer.parseInt(show(statement, "max_replication_slots"));
            int senders = Integer.parseInt(show(statement, "max_wal_senders"));
            try (ResultSet role = statement.executeQuery(
                    "SELECT current_user, rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user")) {
                if (!role.next()) {
                    throw new SQLException("current_user not found in pg_roles");
                }
                return new Settings(walLevel, slots, senders, role.getString(1), role.getBoolean(2));
            }
        }
    }

    /**
     * Fails with {@link LogicalReplicationNotConfiguredException} when the server cannot serve a
     * logical replication slot.
     *
     * @param connection a connection to the database to capture
     * @param database how to name the database in the message (URL without credentials)
     */
    public static void verify(Connection connection, String database) throws SQLException {
        List<String> problems = problems(read(connection));
        if (!problems.isEmpty()) {
            throw new LogicalReplicationNotConfiguredException(database, problems);
        }
    }

    private static String show(Statement statement, String setting) throws SQLException {
        try (ResultSet result = statement.executeQuery("SHOW " + setting)) {
            if (!result.next()) {
                throw new SQLException("SHOW " + setting + " returned nothing");
            }
            return result.getString(1);
        }
    }
}
