package io.fieldline.connectors.cdc;

import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.schemas.avro.Severity;
import java.util.Locale;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

/**
 * Maps a captured row (Debezium's {@code before}/{@code after} struct) to the Avro values the
 * topologies consume, column by column. Pure: no I/O apart from the placement lookup it is given.
 *
 * <p>The column names are those of the sink's Flyway migrations ({@code V1__metadata.sql}), the
 * snake_case of the Avro fields; a column that is absent from the row reads as null, so a table
 * without an optional column still maps.
 */
public final class MetadataRowMapper {

    /** Columns of the {@code device} table. */
    static final String DEVICE_ID = "device_id";

    static final String DEVICE_FACILITY = "site";
    static final String DEVICE_ROOM = "room";
    static final String DEVICE_RACK = "rack_id";
    static final String DEVICE_TYPE = "type";
    static final String DEVICE_SERIAL = "serial";
    static final String DEVICE_FIRMWARE = "firmware";
    static final String EXPECTED_INTERVAL_MS = "expected_interval_ms";

    /** Columns of the {@code sensor} table. */
    static final String SENSOR_DEVICE = "device_id";

    static final String SENSOR_NAME = "sensor";
    static final String SENSOR_UNIT = "unit";
    static final String SENSOR_CALIBRATION_OFFSET = "calibration_offset";
    static final String SENSOR_VALID_MIN = "valid_min";
    static final String SENSOR_VALID_MAX = "valid_max";

    /** Columns of the {@code alert_rule} table. */
    static final String RULE_ID = "rule_id";

    static final String RULE_DEVICE_SELECTOR = "device_selector";
    static final String RULE_SENSOR_SELECTOR = "sensor_selector";
    static final String RULE_ROOM_SELECTOR = "room_selector";
    static final String RULE_DIRECTION = "direction";
    static final String RULE_THRESHOLD = "threshold";
    static final String RULE_CLEAR_THRESHOLD = "clear_threshold";
    static final String RULE_FOR_MS = "for_ms";
    static final String RULE_SEVERITY = "severity";
    static final String RULE_ESCALATION_THRESHOLD = "escalation_threshold";
    static final String RULE_ESCALATION_SEVERITY = "escalation_severity";
    static final String RULE_ENABLED = "enabled";

    private MetadataRowMapper() {}

    /** Key of a device row: its id. Works on a delete's {@code before} (primary key only). */
    public static String deviceKey(Struct row) {
        return requiredString(row, DEVICE_ID);
    }

    /** Key of a sensor row: {@code deviceId/sensor}, as the readings name the series. */
    public static String sensorKey(Struct row) {
        return requiredString(row, SENSOR_DEVICE) + "/" + requiredString(row, SENSOR_NAME);
    }

    /** Key of an alert-rule row: its id. */
    public static String alertRuleKey(Struct row) {
        return requiredString(row, RULE_ID);
    }

    /**
     * A device row as a {@link Device}. Site and room come from the row's {@code site} and
     * {@code room} columns when set, else from {@code lookup}: a device that names only its room
     * gets the room's facility, one that names only its rack gets the rack's room and facility.
     */
    public static Device device(Struct row, DevicePlacement.Lookup lookup) {
        String roomId = optionalString(row, DEVICE_ROOM);
        String rackId = optionalString(row, DEVICE_RACK);
        String facilityId = optionalString(row, DEVICE_FACILITY);
        if (facilityId == null || roomId == null) {
            DevicePlacement placement =
                    roomId == null && rackId == null ? DevicePlacement.NOWHERE : lookup.place(roomId, rackId);
            roomId = roomId != null ? roomId : placement.roomId();
            facilityId = facilityId != null ? facilityId : placement.facilityId();
        }
        return Device.newBuilder()
                .setDeviceId(deviceKey(row))
                .setSite(facilityId)
                .setRoom(roomId)
                .setType(optionalString(row, DEVICE_TYPE))
                .setSerial(optionalString(row, DEVICE_SERIAL))
                .setFirmware(optionalString(row, DEVICE_FIRMWARE))
                .setExpectedIntervalMs(optionalLong(row, EXPECTED_INTERVAL_MS))
                .build();
    }

    /** A sensor row as a {@link Sensor}; a null calibration offset means none (0). */
    public static Sensor sensor(Struct row) {
        Double offset = optionalDouble(row, SENSOR_CALIBRATION_OFFSET);
        return Sensor.newBuilder()
                .setDeviceId(requiredString(row, SENSOR_DEVICE))
                .setSensor(requiredString(row, SENSOR_NAME))
                .setUnit(optionalString(row, SENSOR_UNIT))
                .setCalibrationOffset(offset == null ? 0.0 : offset)
                .setValidMin(optionalDouble(row, SENSOR_VALID_MIN))
                .setValidMax(optionalDouble(row, SENSOR_VALID_MAX))
                .setExpectedIntervalMs(optionalLong(row, EXPECTED_INTERVAL_MS))
                .build();
    }

    /** An alert-rule row as an {@link AlertRule}; null selectors mean '*', null flags their defaults. */
    public static AlertRule alertRule(Struct row) {
        Double threshold = optionalDouble(row, RULE_THRESHOLD);
        if (threshold == null) {
            throw new InvalidRowException(
                    "alert_rule " + alertRuleKey(row) + ": column " + RULE_THRESHOLD + " is null");
        }
        String direction = optionalString(row, RULE_DIRECTION);
        if (direction == null) {
            throw new InvalidRowException(
                    "alert_rule " + alertRuleKey(row) + ": column " + RULE_DIRECTION + " is null");
        }
        Long forMs = optionalLong(row, RULE_FOR_MS);
        Boolean enabled = optionalBoolean(row, RULE_ENABLED);
        String severity = optionalString(row, RULE_SEVERITY);
        String escalationSeverity = optionalString(row, RULE_ESCALATION_SEVERITY);
        AlertRule.Builder rule = AlertRule.newBuilder()
                .setRuleId(alertRuleKey(row))
                .setDeviceSelector(selector(row, RULE_DEVICE_SELECTOR))
                .setSensorSelector(selector(row, RULE_SENSOR_SELECTOR))
                .setRoomSelector(selector(row, RULE_ROOM_SELECTOR))
                .setDirection(symbol(Direction.class, row, RULE_DIRECTION, direction))
                .setThreshold(threshold)
                .setClearThreshold(optionalDouble(row, RULE_CLEAR_THRESHOLD))
                .setForMs(forMs == null ? 0L : forMs)
                .setEscalationThreshold(optionalDouble(row, RULE_ESCALATION_THRESHOLD))
                .setEnabled(enabled == null || enabled);
        if (forMs != null && forMs < 0) {
            throw new InvalidRowException(
                    "alert_rule " + alertRuleKey(row) + ": column " + RULE_FOR_MS + " is negative");
        }
        if (severity != null) {
            rule.setSeverity(symbol(Severity.class, row, RULE_SEVERITY, severity));
        }
        if (escalationSeverity != null) {
            rule.setEscalationSeverity(symbol(Severity.class, row, RULE_ESCALATION_SEVERITY, escalationSeverity));
        }
        return rule.build();
    }

    private static String selector(Struct row, String column) {
        String value = optionalString(row, column);
        return value == null || value.isBlank() ? "*" : value;
    }

    private static <E extends Enum<E>> E symbol(Class<E> type, Struct row, String column, String value) {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRowException(
                    row.schema().name() + ": column " + column + " holds '" + value + "', not one of "
                            + java.util.Arrays.toString(type.getEnumConstants()),
                    e);
        }
    }

    static String requiredString(Struct row, String column) {
        String value = optionalString(row, column);
        if (value == null) {
            throw new InvalidRowException(row.schema().name() + ": column " + column + " is null or missing");
        }
        return value;
    }

    static String optionalString(Struct row, String column) {
        Object value = value(row, column);
        return value == null ? null : value.toString();
    }

    static Double optionalDouble(Struct row, String column) {
        Object value = value(row, column);
        if (value == null) {
            return null;
        }
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        throw new InvalidRowException(row.schema().name() + ": column " + column + " is not a number: " + value);
    }

    static Long optionalLong(Struct row, String column) {
        Object value = value(row, column);
        if (value == null) {
            return null;
        }
        if (value instanceof Number number) {
            return number.longValue();
        }
        throw new InvalidRowException(row.schema().name() + ": column " + column + " is not an integer: " + value);
    }

    static Boolean optionalBoolean(Struct row, String column) {
        Object value = value(row, column);
        if (value == null) {
            return null;
        }
        if (value instanceof Boolean flag) {
            return flag;
        }
        throw new InvalidRowException(row.schema().name() + ": column " + column + " is not a boolean: " + value);
    }

    private static Object value(Struct row, String column) {
        Field field = row.schema().field(column);
        return field == null ? null : row.get(field);
    }
}
