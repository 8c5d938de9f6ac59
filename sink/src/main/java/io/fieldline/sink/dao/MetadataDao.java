package io.fieldline.sink.dao;

import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Sensor;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindBean;
import org.jdbi.v3.sqlobject.statement.BatchChunkSize;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

import java.util.List;
import java.util.Optional;

/**
 * The metadata hierarchy (facility, zone, room, rack, device, sensor) and alert rules: upserts by natural key
 * and lookups. Devices, sensors and rules bind straight from the Avro records, whose field names are the
 * columns' (camelCase for snake_case); Debezium streams every change back into the metadata topics.
 */
@RegisterRowMapper(MetadataMappers.DeviceMapper.class)
@RegisterRowMapper(MetadataMappers.SensorMapper.class)
@RegisterRowMapper(MetadataMappers.AlertRuleMapper.class)
public interface MetadataDao {

    @SqlUpdate("INSERT INTO facility (facility_id, name, timezone) VALUES (:facilityId, :name, coalesce(:timezone, 'UTC')) "
            + "ON CONFLICT (facility_id) DO UPDATE SET name = excluded.name, timezone = excluded.timezone")
    void upsertFacility(@Bind("facilityId") String facilityId, @Bind("name") String name, @Bind("timezone") String timezone);

    @SqlUpdate("INSERT INTO zone (zone_id, facility_id, name) VALUES (:zoneId, :facilityId, :name) "
            + "ON CONFLICT (zone_id) DO UPDATE SET facility_id = excluded.facility_id, name = excluded.name")
    void upsertZone(@Bind("zoneId") String zoneId, @Bind("facilityId") String facilityId, @Bind("name") String name);

    @SqlUpdate("INSERT INTO room (room_id, facility_id, zone_id, name) VALUES (:roomId, :facilityId, :zoneId, :name) "
            + "ON CONFLICT (room_id) DO UPDATE SET facility_id = excluded.facility_id, zone_id = excluded.zone_id, "
            + "name = excluded.name")
    void upsertRoom(@Bind("roomId") String roomId, @Bind("facilityId") String facilityId, @Bind("zoneId") String zoneId,
                    @Bind("name") String name);

    @SqlUpdate("INSERT INTO rack (rack_id, room_id, name) VALUES (:rackId, :roomId, :name) "
            + "ON CONFLICT (rack_id) DO UPDATE SET room_id = excluded.room_id, name = excluded.name")
    void upsertRack(@Bind("rackId") String rackId, @Bind("roomId") String roomId, @Bind("name") String name);

    String UPSERT_DEVICE = "INSERT INTO device (device_id, site, room, type, serial, firmware, expected_interval_ms) "
            + "VALUES (:deviceId, :site, :room, :type, :serial, :firmware, :expectedIntervalMs) "
            + "ON CONFLICT (device_id) DO UPDATE SET site = excluded.site, room = excluded.room, type = excluded.type, "
            + "serial = excluded.serial, firmware = excluded.firmware, expected_interval_ms = excluded.expected_interval_ms";

    @SqlUpdate(UPSERT_DEVICE)
    void upsertDevice(@BindBean Device device);

    @SqlBatch(UPSERT_DEVICE)
    @BatchChunkSize(500)
    void upsertDevices(@BindBean List<Device> devices);

    String UPSERT_SENSOR = "INSERT INTO sensor (device_id, sensor, unit, calibration_offset, valid_min, valid_max, "
            + "expected_interval_ms) VALUES (:deviceId, :sensor, :unit, :calibrationOffset, :validMin, :validMax, "
            + ":expectedIntervalMs) ON CONFLICT (device_id, sensor) DO UPDATE SET unit = excluded.unit, "
            + "calibration_offset = excluded.calibration_offset, valid_min = excluded.valid_min, "
            + "valid_max = excluded.valid_max, expected_interval_ms = excluded.expected_interval_ms";

    @SqlUpdate(UPSERT_SENSOR)
    void upsertSensor(@BindBean Sensor sensor);

    @SqlBatch(UPSERT_SENSOR)
    @BatchChunkSize(500)
    void upsertSensors(@BindBean List<Sensor> sensors);

    @SqlUpdate("INSERT INTO alert_rule (rule_id, device_selector, sensor_selector, room_selector, direction, threshold, "
            + "clear_threshold, for_ms, severity, escalation_threshold, escalation_severity, enabled) VALUES (:ruleId, "
            + ":deviceSelector, :sensorSelector, :roomSelector, :direction, :threshold, :clearThreshold, :forMs, :severity, "
            + ":escalationThreshold, :escalationSeverity, :enabled) ON CONFLICT (rule_id) DO UPDATE SET "
            + "device_selector = excluded.device_selector, sensor_selector = excluded.sensor_selector, "
            + "room_selector = excluded.room_selector, direction = excluded.direction, threshold = excluded.threshold, "
            + "clear_threshold = excluded.clear_threshold, for_ms = excluded.for_ms, severity = excluded.severity, "
            + "escalation_threshold = excluded.escalation_threshold, escalation_severity = excluded.escalation_severity, "
            + "enabled = excluded.enabled")
    void upsertAlertRule(@BindBean AlertRule rule);

    @SqlQuery("SELECT * FROM device WHERE device_id = :deviceId")
    Optional<Device> device(@Bind("deviceId") String deviceId);

    @SqlQuery("SELECT * FROM device ORDER BY device_id")
    List<Device> devices();

    @SqlQuery("SELECT * FROM sensor WHERE device_id = :deviceId ORDER BY sensor")
    List<Sensor> sensors(@Bind("deviceId") String deviceId);

    @SqlQuery("SELECT * FROM alert_rule ORDER BY rule_id")
    List<AlertRule> alertRules();

    @SqlUpdate("DELETE FROM device WHERE device_id = :deviceId")
    int deleteDevice(@Bind("deviceId") String deviceId);

    @SqlUpdate("DELETE FROM alert_rule WHERE rule_id = :ruleId")
    int deleteAlertRule(@Bind("ruleId") String ruleId);
}
