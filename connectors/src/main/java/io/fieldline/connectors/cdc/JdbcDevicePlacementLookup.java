package io.fieldline.connectors.cdc;

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
 * <p>Transient database errors are retried a few times with backoff, then fail loudly: the
 * engine stops rather than publish a device with a wrong site.
 */
final class JdbcDevicePlacementLookup implements DevicePlacement.Lookup, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcDevicePlacementLookup.class);
    private static final int ATTEMPTS = 4;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);

    private final String url;
    private final String user;
    private final String password;
    private final String roomQuery;
    private final String rackQuery;
    private Connection connection;

    JdbcDevicePlacementLookup(String url, String user, String password, String schema) {
        this.url = Objects.requireNonNull(url, "url");
        this.user = Objects.requireNonNull(user, "user");
        this.password = Objects.requireNonNull(password, "password");
        String qualified = "\"" + schema + "\".";
        this.roomQuery = "SELECT facility_id FROM " + qualified + "room WHERE room_id = ?";
        this.rackQuery = "SELECT k.room_id, r.facility_id FROM " + qualified + "rack k LEFT JOIN "
                + qualified + "room r ON r.room_id = k.room_id WHERE k.rack_id = ?";
    }

    @Override
    public synchronized DevicePlacement place(String roomId, String rackId) {
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                return roomId != null ? byRoom(roomId) : byRack(rackId);
            }
            catch (SQLException e) {
                closeQuietly();
                if (attempt == ATTEMPTS) {
                    throw new ConnectException("Cannot resolve the room and facility of a device (room " + roomId
                            + ", rack " + rackId + ") after " + ATTEMPTS + " attempts", e);
                }
                LOG.warn("Device placement query failed (attempt {} of {}), retrying in {} ms: {}",
                        attempt, ATTEMPTS, backoff.toMillis(), e.toString());
                sleep(backoff);
                backoff = backoff.multipliedBy(2);
            }
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

    private static void sleep(Duration backoff) {
        try {
            Thread.sleep(backoff.toMillis());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while retrying the device placement query", e);
        }
    }

    private void closeQuietly() {
        if (connection != null) {
            try {
                connection.close();
            }
            catch (SQLException e) {
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
