package io.fieldline.sink.dao;

import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.schemas.avro.Severity;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

import java.sql.ResultSet;
import java.sql.SQLException;

/** Rows of the CDC-captured tables as the Avro records Debezium turns them into. */
public final class MetadataMappers {

    private MetadataMappers() {
    }

    static Double nullableDouble(ResultSet rs, String column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? null : v;
    }

    static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    /** device row to {@link Device}. */
    public static final class DeviceMapper implements RowMapper<Device> {
        @Override
        public Device map(ResultSet rs, StatementContext ctx) throws SQLException {
            return Device.newBuilder()
                    .setDeviceId(rs.getString("device_id"))
                    .setSite(rs.getString("site"))
                    .setRoom(rs.getString("room"))
                    .setType(rs.getString("type"))
                    .setSerial(rs.getString("serial"))
                    .setFirmware(rs.getString("firmware"))
                    .setExpectedIntervalMs(nullableLong(rs, "expected_interval_ms"))
                    .build();
        }
    }

    /** sensor row to {@link Sensor}. */
    public static final class SensorMapper implements RowMapper<Sensor> {
        @Override
        public Sensor map(ResultSet rs, StatementContext ctx) throws SQLException {
            return Sensor.newBuilder()
                    .setDeviceId(rs.getString("device_id"))
                    .setSensor(rs.getString("sensor"))
                    .setUnit(rs.getString("unit"))
                    .setCalibrationOffset(rs.getDouble("calibration_offset"))
                    .setValidMin(nullableDouble(rs, "valid_min"))
                    .setValidMax(nullableDouble(rs, "valid_max"))
                    .setExpectedIntervalMs(nullableLong(rs, "expected_interval_ms"))
                    .build();
        }
    }

    /** alert_rule row to {@link AlertRule}. */
    public static final class AlertRuleMapper implements RowMapper<AlertRule> {
        @Override
        public AlertRule map(ResultSet rs, StatementContext ctx) throws SQLException {
            return AlertRule.newBuilder()
                    .setRuleId(rs.getString("rule_id"))
                    .setDeviceSelector(rs.getString("device_selector"))
                    .setSensorSelector(rs.getString("sensor_selector"))
                    .setRoomSelector(rs.getString("room_selector"))
                    .setDirection(Direction.valueOf(rs.getString("direction")))
                    .setThreshold(rs.getDouble("threshold"))
                    .setClearThreshold(nullableDouble(rs, "clear_threshold"))
                    .setForMs(rs.getLong("for_ms"))
                    .setSeverity(Severity.valueOf(rs.getString("severity")))
                    .setEscalationThreshold(nullableDouble(rs, "escalation_threshold"))
                    .setEscalationSeverity(Severity.valueOf(rs.getString("escalation_severity")))
                    .setEnabled(rs.getBoolean("enabled"))
                    .build();
        }
    }
}
