package io.fieldline.dev.up;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata of the demo fleet, written into PostgreSQL's metadata tables the way an operator
 * would: facilities, rooms, devices, sensors and alert rules. CDC then carries them into the
 * metadata topics, where enrichment and alerting pick them up. Rows that exist are left alone,
 * so edits made with psql survive a restart.
 */
public final class DemoMetadata {

    private static final Logger LOG = LoggerFactory.getLogger(DemoMetadata.class);

    /** One simulated device: where it is, what it measures (sensor to unit), how often it reports. */
    public record DemoDevice(
            String deviceId,
            String site,
            String room,
            String type,
            Map<String, String> sensors,
            long expectedIntervalMs) {}

    /** Valid physical ranges of the sensors the simulators emit; outside them a reading is BAD. */
    private static final Map<String, double[]> VALID_RANGES = Map.ofEntries(
            Map.entry("air_temperature", new double[] {-40, 85}),
            Map.entry("relative_humidity", new double[] {0, 100}),
            Map.entry("co2", new double[] {0, 10000}),
            Map.entry("ppfd", new double[] {0, 3000}),
            Map.entry("soil_moisture", new double[] {0, 100}),
            Map.entry("ammonia", new double[] {0, 500}),
            Map.entry("light_level", new double[] {0, 100000}));

    private DemoMetadata() {}

    /** Alert rules that the simulated fleet crosses now and then (its faults and spikes). */
    static final List<String> ALERT_RULES = List.of(
            // rule_id, device, sensor, room, direction, threshold, clear, for_ms, severity, escalation
            "grow-temperature-high|gr-*|air_temperature|*|ABOVE|29|27.5|5000|WARNING|33",
            "humidity-low|*|relative_humidity|*|BELOW|35|40|5000|WARNING|25",
            // Grow rooms run 480-1000 ppm; poultry houses 1800-2400 ppm when healthy (birds breathe), so
            // each kind has its own CO2 line: one rule over both kept every house in alert.
            "co2-high|gr-*|co2|*|ABOVE|1400|1200|5000|WARNING|2000",
            "house-co2-high|ph-*|co2|*|ABOVE|3000|2700|10000|WARNING|4000",
            "ammonia-high|ph-*|ammonia|*|ABOVE|20|15|10000|WARNING|25",
            "soil-dry|gr-*|soil_moisture|*|BELOW|30|33|5000|INFO|20",
            "house-temperature-high|ph-*|air_temperature|*|ABOVE|30|28|5000|WARNING|34");

    /** Inserts the facilities, rooms, devices, sensors and alert rules that are missing. */
    public static void write(DataSource dataSource, List<DemoDevice> devices) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement facility = connection.prepareStatement(
                            "INSERT INTO facility (facility_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING");
                    PreparedStatement room = connection.prepareStatement(
                            "INSERT INTO room (room_id, facility_id, name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
                    PreparedStatement device = connection.prepareStatement(
                            "INSERT INTO device (device_id, site, room, type, expected_interval_ms) VALUES (?, ?, ?, ?, ?) "
                                    + "ON CONFLICT DO NOTHING");
                    PreparedStatement sensor = connection.prepareStatement(
                            "INSERT INTO sensor (device_id, sensor, unit, valid_min, valid_max, expected_interval_ms) "
                                    + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
                    PreparedStatement rule = connection.prepareStatement(
                            "INSERT INTO alert_rule (rule_id, device_selector, sensor_selector, room_selector, direction, "
                                    + "threshold, clear_threshold, for_ms, severity, escalation_threshold) "
                                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                for (DemoDevice d : devices) {
                    if (d.site() != null) {
                        facility.setString(1, d.site());
                        facility.setString(2, "Demo " + d.site());
                        facility.executeUpdate();
                    }
                    if (d.room() != null && d.site() != null) {
                        room.setString(1, d.room());
                        room.setString(2, d.site());
                        room.setString(3, d.room());
                        room.executeUpdate();
                    }
                    device.setString(1, d.deviceId());
                    device.setString(2, d.site());
                    device.setString(3, d.room());
                    device.setString(4, d.type());
                    device.setLong(5, d.expectedIntervalMs());
                    device.executeUpdate();
                    for (Map.Entry<String, String> s : d.sensors().entrySet()) {
                        double[] range = VALID_RANGES.get(s.getKey());
                        sensor.setString(1, d.deviceId());
                        sensor.setString(2, s.getKey());
                        sensor.setString(3, s.getValue());
                        setDouble(sensor, 4, range == null ? null : range[0]);
                        setDouble(sensor, 5, range == null ? null : range[1]);
                        sensor.setLong(6, d.expectedIntervalMs());
                        sensor.addBatch();
                    }
                }
                sensor.executeBatch();
                for (String line : ALERT_RULES) {
                    String[] f = line.split("\\|");
                    rule.setString(1, f[0]);
                    rule.setString(2, f[1]);
                    rule.setString(3, f[2]);
                    rule.setString(4, f[3]);
                    rule.setString(5, f[4]);
                    rule.setDouble(6, Double.parseDouble(f[5]));
                    rule.setDouble(7, Double.parseDouble(f[6]));
                    rule.setLong(8, Long.parseLong(f[7]));
                    rule.setString(9, f[8]);
                    rule.setDouble(10, Double.parseDouble(f[9]));
                    rule.addBatch();
                }
                rule.executeBatch();
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        }
        LOG.info("Demo metadata: {} devices and {} alert rules in PostgreSQL", devices.size(), ALERT_RULES.size());
    }

    private static void setDouble(PreparedStatement statement, int index, Double value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.DOUBLE);
        } else {
            statement.setDouble(index, value);
        }
    }
}
