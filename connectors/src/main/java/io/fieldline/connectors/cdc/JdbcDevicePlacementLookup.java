package io.fieldline.connectors.cdc;

import io.fieldline.core.retry.RetryExhaustedException;
import io.fieldline.core.retry.RetryPolicy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves a device's room and facility with a query at change time: the device row names a room
 * (or a rack), the topologies need the facility as well.
 *
 * <p>Why a query rather than state built from the captured room and rack changes: the connector
 * then holds no state of its own that a restart without a snapshot would lose. The query reads
 * the current rows, which is what a consumer wants; a room moved to another facility is reflected
 * in device records when each device row next changes (see docs/cdc.md).
 *
 * <p>Database errors are retried with Fieldline's {@link RetryPolicy} (four attempts, pauses doubling
 * from 250 ms, on a new connection each time), then fail loudly: the engine stops rather than publish a
 * device with a wrong site.
 */
final class JdbcDevicePlacementLookup implements DevicePlacement.Lookup, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcDevicePlacementLookup.class);
    static final RetryPolicy RETRY = RetryPolicy.exponential(
                    Duration.ofMillis(250), Duration.ofSeconds(2), Duration.ZERO)
            .withMaxAttempts(4);

    private final String url;
    private final String user;
    private final String password;
    private final String roomQuery;
    private final String rackQuery;
    private final RetryPolicy retry;
    private Connection connection;

    JdbcDevicePlacementLookup(String url, String user, String password, String schema) {
        this(url, user, password, schema, RETRY);
    }

    JdbcDevicePlacementLookup(String url, String user, String password, String schema, RetryPolicy retry) {
        this.retry = Objects.requireNonNull(retry, "retry");
        this.url = Objects.requireNonNull(url, "url");
        this.user = Objects.requireNonNull(user, "user");
        this.password = Objects.requireNonNull(password, "password");
        String qualified = "\"" + schema + "\".";
        this.roomQuery = "SELECT facility_id FROM " + qualified + "room WHERE room_id = ?";
        this.rackQuery = "SELECT k.room_id, r.facility_id FROM " + qualified + "rack k LEFT JOIN " + qualified
                + "room r ON r.room_id = k.room_id WHERE k.rack_id = ?";
    }

    @Override
    public synchronized DevicePlacement place(String roomId, String rackId) {
        try {
            return retry.call(
                    "device placement query",
                    () -> {
                        try {
                            return roomId != null ? byRoom(roomId) : byRack(rackId);
                        } catch (SQLException e) {
                            closeQuietly(); // the next attempt connects afresh
                            LOG.warn(
                                    "Device placement query failed (room {}, rack {}): {}",
                                    roomId,
                                    rackId,
                                    e.toString());
                            throw e;
                        }
                    },
                    e -> e instanceof SQLException);
        } catch (RetryExhaustedException e) {
            throw new ConnectException(
                    "Cannot resolve the room and facility of a device (room " + roomId + ", rack " + rackId + ") after "
                            + e.attempts() + " attempts",
                    e);
        } catch (InterruptedException e) {
            throw new ConnectException("Interrupted while retrying the device placement query", e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("unexpected failure of the device placement query", e);
        }
    }

    private DevicePlacement byRoom(String roomId) throws SQLException {
        try (PreparedStatement query = connection().prepareStatement(roomQuery)) {
            query.setString(1, roomId);
            try (ResultSet row = query.executeQuery()) {
                return new DevicePlacement(row.next() ? row.getString(1) : null, roomId);
            }
        }
    }

    private DevicePlacement byRack(String rackId) throws SQLException {
        try (PreparedStatement query = connection().prepareStatement(rackQuery)) {
            query.setString(1, rackId);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? new DevicePlacement(row.getString(2), row.getString(1)) : DevicePlacement.NOWHERE;
            }
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = DriverManager.getConnection(url, user, password);
            connection.setReadOnly(true);
        }
        return connection;
    }

    private void closeQuietly() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("Closing a failed placement connection: {}", e.toString());
            }
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly();
    }
}
