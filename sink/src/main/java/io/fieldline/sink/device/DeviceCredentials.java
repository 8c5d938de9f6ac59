package io.fieldline.sink.device;

import io.fieldline.core.device.DeviceTopics;
import io.fieldline.core.device.MosquittoPasswordHash;
import io.fieldline.sink.internal.SqlNames;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The devices' MQTT credentials in PostgreSQL (table {@code device_credential}, migration V6): registering a device,
 * issuing, rotating and revoking its password, and reading the hashes the broker checks. Only hashes are stored
 * (Mosquitto's {@code $7$} form); a password exists in clear only in the caller's hands.
 */
public final class DeviceCredentials {

    /** PostgreSQL's SQLSTATE for a foreign-key violation. */
    private static final String FOREIGN_KEY_VIOLATION = "23503";

    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource dataSource;
    private final String device;
    private final String credential;

    /**
     * @param dataSource the Fieldline database
     * @param schema     the schema the migrations created the tables in ({@code sink.postgres.schema})
     */
    public DeviceCredentials(DataSource dataSource, String schema) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        SqlNames names = new SqlNames(schema);
        this.device = names.table("device");
        this.credential = names.table("device_credential");
    }

    /**
     * A device to register.
     *
     * @param deviceId the id it publishes under (and its MQTT user name)
     * @param site     its facility, or null
     * @param room     its room, or null
     * @param type     its type, or null
     * @param name     a display name, or null
     */
    public record NewDevice(String deviceId, String site, String room, String type, String name) {
        public NewDevice {
            DeviceTopics.requireValidDeviceId(deviceId);
        }
    }

    /**
     * Registers a device in the metadata table {@code device} (CDC then publishes it).
     *
     * @throws IllegalArgumentException when the device exists, or its site or room does not
     */
    public void addDevice(NewDevice newDevice) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO " + device + " (device_id, site, room, type, name) VALUES (?, ?, ?, ?, ?)")) {
            insert.setString(1, newDevice.deviceId());
            insert.setString(2, newDevice.site());
            insert.setString(3, newDevice.room());
            insert.setString(4, newDevice.type());
            insert.setString(5, newDevice.name());
            insert.executeUpdate();
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw new IllegalArgumentException("device " + newDevice.deviceId() + " exists already", e);
            }
            if (FOREIGN_KEY_VIOLATION.equals(e.getSQLState())) {
                throw new IllegalArgumentException(
                        "no such site or room (site " + newDevice.site() + ", room " + newDevice.room()
                                + "): the room must exist in that facility",
                        e);
            }
            throw e;
        }
    }

    /**
     * Stores a new password hash for a device, replacing (and so rotating) any earlier one and lifting a
     * revocation.
     *
     * @return true when a previous password was replaced
     * @throws IllegalArgumentException when the device is not registered
     */
    public boolean issue(String deviceId, MosquittoPasswordHash hash) throws SQLException {
        DeviceTopics.requireValidDeviceId(deviceId);
        try (Connection c = dataSource.getConnection();
                PreparedStatement upsert = c.prepareStatement("INSERT INTO " + credential
                        + " (device_id, password_hash) VALUES (?, ?) "
                        + "ON CONFLICT (device_id) DO UPDATE SET password_hash = excluded.password_hash, "
                        + "rotated_at = now(), revoked_at = NULL "
                        + "RETURNING rotated_at IS NOT NULL")) {
            upsert.setString(1, deviceId);
            upsert.setString(2, hash.encoded());
            try (ResultSet rs = upsert.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            if (FOREIGN_KEY_VIOLATION.equals(e.getSQLState())) {
                throw new IllegalArgumentException(
                        "no device " + deviceId + ": register it first (fieldline devices add " + deviceId + ")", e);
            }
            throw e;
        }
    }

    /**
     * Revokes a device's password: the broker refuses it from its next refresh on (seconds).
     *
     * @return false when it was revoked already
     * @throws IllegalArgumentException when the device has no credentials
     */
    public boolean revoke(String deviceId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement update = c.prepareStatement(
                        "UPDATE " + credential + " SET revoked_at = now() WHERE device_id = ? AND revoked_at IS NULL");
                PreparedStatement exists = c.prepareStatement("SELECT 1 FROM " + credential + " WHERE device_id = ?")) {
            update.setString(1, deviceId);
            if (update.executeUpdate() > 0) {
                return true;
            }
            exists.setString(1, deviceId);
            try (ResultSet rs = exists.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException("device " + deviceId + " has no MQTT credentials");
                }
            }
            return false;
        }
    }

    /** The password hashes of every device whose credentials are not revoked, by device id, in id order. */
    public Map<String, String> activeHashes() throws SQLException {
        Map<String, String> hashes = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement select = c.prepareStatement("SELECT device_id, password_hash FROM " + credential
                        + " WHERE revoked_at IS NULL ORDER BY device_id");
                ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                hashes.put(rs.getString(1), rs.getString(2));
            }
        }
        return hashes;
    }
}
