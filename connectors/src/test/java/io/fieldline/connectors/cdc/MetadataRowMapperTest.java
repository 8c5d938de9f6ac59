package io.fieldline.connectors.cdc;

import static io.fieldline.connectors.cdc.ChangeEvents.columns;
import static io.fieldline.connectors.cdc.ChangeEvents.row;
import static io.fieldline.connectors.cdc.ChangeEvents.struct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.schemas.avro.Severity;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

class MetadataRowMapperTest {

    static final Schema DEVICE = row(
            "device",
            List.of("device_id"),
            columns(
                    "device_id", Schema.STRING_SCHEMA,
                    "site", Schema.OPTIONAL_STRING_SCHEMA,
                    "room", Schema.OPTIONAL_STRING_SCHEMA,
                    "type", Schema.OPTIONAL_STRING_SCHEMA,
                    "serial", Schema.OPTIONAL_STRING_SCHEMA,
                    "firmware", Schema.OPTIONAL_STRING_SCHEMA,
                    "expected_interval_ms", Schema.OPTIONAL_INT64_SCHEMA,
                    "rack_id", Schema.OPTIONAL_STRING_SCHEMA,
                    "name", Schema.OPTIONAL_STRING_SCHEMA));

    static final Schema SENSOR = row(
            "sensor",
            List.of("device_id", "sensor"),
            columns(
                    "device_id", Schema.STRING_SCHEMA,
                    "sensor", Schema.STRING_SCHEMA,
                    "unit", Schema.OPTIONAL_STRING_SCHEMA,
                    "calibration_offset", Schema.OPTIONAL_FLOAT64_SCHEMA,
                    "valid_min", Schema.OPTIONAL_FLOAT64_SCHEMA,
                    "valid_max", Schema.OPTIONAL_FLOAT64_SCHEMA,
                    "expected_interval_ms", Schema.OPTIONAL_INT32_SCHEMA));

    static final Schema ALERT_RULE = row(
            "alert_rule",
            List.of("rule_id"),
            columns(
                    "rule_id", Schema.STRING_SCHEMA,
                    "device_selector", Schema.OPTIONAL_STRING_SCHEMA,
                    "sensor_selector", Schema.OPTIONAL_STRING_SCHEMA,
                    "room_selector", Schema.OPTIONAL_STRING_SCHEMA,
                    "direction", Schema.OPTIONAL_STRING_SCHEMA,
                    "threshold", Schema.OPTIONAL_FLOAT64_SCHEMA,
                    "clear_threshold", Schema.OPTIONAL_FLOAT64_SCHEMA,
                    "for_ms", Schema.OPTIONAL_INT64_SCHEMA,
                    "severity", Schema.OPTIONAL_STRING_SCHEMA,
                    "escalation_threshold", Schema.OPTIONAL_FLOAT64_SCHEMA,
                    "escalation_severity", Schema.OPTIONAL_STRING_SCHEMA,
                    "enabled", Schema.OPTIONAL_BOOLEAN_SCHEMA));

    private final List<String> lookups = new ArrayList<>();
    private final DevicePlacement.Lookup placements = (room, rack) -> {
        lookups.add(room + "|" + rack);
        if (room != null) {
            return new DevicePlacement("farm-" + room, room);
        }
        return new DevicePlacement("farm-of-" + rack, "room-of-" + rack);
    };

    @Test
    void shouldMapEveryDeviceColumnAndResolveTheFacilityOfItsRoom() {
        Struct row = struct(
                DEVICE,
                "device_id",
                "dev-1",
                "room",
                "r1",
                "type",
                "can-node",
                "serial",
                "SN-9",
                "firmware",
                "2.1.0",
                "expected_interval_ms",
                5_000L);

        Device device = MetadataRowMapper.device(row, placements);

        assertThat(device)
                .isEqualTo(Device.newBuilder()
                        .setDeviceId("dev-1")
                        .setSite("farm-r1")
                        .setRoom("r1")
                        .setType("can-node")
                        .setSerial("SN-9")
                        .setFirmware("2.1.0")
                        .setExpectedIntervalMs(5_000L)
                        .build());
    }

    @Test
    void shouldResolveRoomAndFacilityThroughTheRackWhenTheDeviceHasNoRoom() {
        Device device = MetadataRowMapper.device(struct(DEVICE, "device_id", "dev-2", "rack_id", "k7"), placements);

        assertThat(device.getRoom()).isEqualTo("room-of-k7");
        assertThat(device.getSite()).isEqualTo("farm-of-k7");
    }

    @Test
    void shouldNotLookUpAPlacementForADevicePlacedNowhere() {
        Device device = MetadataRowMapper.device(struct(DEVICE, "device_id", "dev-3"), placements);

        assertThat(device.getRoom()).isNull();
        assertThat(device.getSite()).isNull();
        assertThat(lookups).isEmpty();
    }

    @Test
    void shouldTakeSiteAndRoomFromTheRowWhenBothAreSet() {
        Device device = MetadataRowMapper.device(
                struct(DEVICE, "device_id", "dev-4", "site", "site-x", "room", "r9", "rack_id", "k1"), placements);

        assertThat(device.getSite()).isEqualTo("site-x");
        assertThat(device.getRoom()).isEqualTo("r9");
        assertThat(lookups).isEmpty();
    }

    @Test
    void shouldKeySensorsByDeviceSlashSensorAndMapTheirCalibration() {
        Struct row = struct(
                SENSOR,
                "device_id",
                "dev-1",
                "sensor",
                "air_temp",
                "unit",
                "°C",
                "calibration_offset",
                -0.4,
                "valid_min",
                -40.0,
                "valid_max",
                85.0,
                "expected_interval_ms",
                1000);

        assertThat(MetadataRowMapper.sensorKey(row)).isEqualTo("dev-1/air_temp");
        assertThat(MetadataRowMapper.sensor(row))
                .isEqualTo(Sensor.newBuilder()
                        .setDeviceId("dev-1")
                        .setSensor("air_temp")
                        .setUnit("°C")
                        .setCalibrationOffset(-0.4)
                        .setValidMin(-40.0)
                        .setValidMax(85.0)
                        .setExpectedIntervalMs(1000L)
                        .build());
    }

    @Test
    void shouldTreatANullCalibrationOffsetAsNone() {
        Sensor sensor = MetadataRowMapper.sensor(struct(SENSOR, "device_id", "d", "sensor", "rh"));

        assertThat(sensor.getCalibrationOffset()).isZero();
        assertThat(sensor.getValidMin()).isNull();
    }

    @Test
    void shouldMapEveryAlertRuleColumn() {
        Struct row = struct(
                ALERT_RULE,
                "rule_id",
                "hot-rooms",
                "device_selector",
                "dev-*",
                "sensor_selector",
                "air_temp",
                "room_selector",
                "r1",
                "direction",
                "above",
                "threshold",
                30.0,
                "clear_threshold",
                28.5,
                "for_ms",
                60_000L,
                "severity",
                "warning",
                "escalation_threshold",
                35.0,
                "escalation_severity",
                "CRITICAL",
                "enabled",
                true);

        AlertRule rule = MetadataRowMapper.alertRule(row);

        assertThat(rule)
                .isEqualTo(AlertRule.newBuilder()
                        .setRuleId("hot-rooms")
                        .setDeviceSelector("dev-*")
                        .setSensorSelector("air_temp")
                        .setRoomSelector("r1")
                        .setDirection(Direction.ABOVE)
                        .setThreshold(30.0)
                        .setClearThreshold(28.5)
                        .setForMs(60_000L)
                        .setSeverity(Severity.WARNING)
                        .setEscalationThreshold(35.0)
                        .setEscalationSeverity(Severity.CRITICAL)
                        .setEnabled(true)
                        .build());
    }

    @Test
    void shouldApplyTheContractDefaultsToNullAlertRuleColumns() {
        AlertRule rule = MetadataRowMapper.alertRule(
                struct(ALERT_RULE, "rule_id", "dry", "direction", "BELOW", "threshold", 30.0));

        assertThat(rule.getDeviceSelector()).isEqualTo("*");
        assertThat(rule.getSensorSelector()).isEqualTo("*");
        assertThat(rule.getRoomSelector()).isEqualTo("*");
        assertThat(rule.getForMs()).isZero();
        assertThat(rule.getSeverity()).isEqualTo(Severity.WARNING);
        assertThat(rule.getEscalationSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(rule.getEnabled()).isTrue();
        assertThat(rule.getClearThreshold()).isNull();
    }

    @Test
    void shouldRejectAnAlertRuleWithAnUnknownDirectionNamingTheColumn() {
        Struct row = struct(ALERT_RULE, "rule_id", "r", "direction", "sideways", "threshold", 1.0);

        assertThatThrownBy(() -> MetadataRowMapper.alertRule(row))
                .isInstanceOf(InvalidRowException.class)
                .hasMessageContaining("direction")
                .hasMessageContaining("sideways");
    }

    @Test
    void shouldRejectAnAlertRuleWithoutThreshold() {
        Struct row = struct(ALERT_RULE, "rule_id", "r", "direction", "ABOVE");

        assertThatThrownBy(() -> MetadataRowMapper.alertRule(row))
                .isInstanceOf(InvalidRowException.class)
                .hasMessageContaining("threshold");
    }

    @Test
    void shouldRejectARowWithoutItsKey() {
        assertThatThrownBy(() -> MetadataRowMapper.sensorKey(struct(SENSOR, "sensor", "rh")))
                .isInstanceOf(InvalidRowException.class)
                .hasMessageContaining("device_id");
    }
}
