package io.fieldline.connectors.cdc;

import static io.fieldline.connectors.cdc.ChangeEvents.change;
import static io.fieldline.connectors.cdc.ChangeEvents.columns;
import static io.fieldline.connectors.cdc.ChangeEvents.row;
import static io.fieldline.connectors.cdc.ChangeEvents.struct;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Sensor;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

class ChangeEventRouterTest {

    private static final Schema ROOM = row(
            "room",
            List.of("room_id"),
            columns(
                    "room_id", Schema.STRING_SCHEMA,
                    "facility_id", Schema.STRING_SCHEMA,
                    "name", Schema.OPTIONAL_STRING_SCHEMA,
                    "target_vpd_kpa", Schema.OPTIONAL_FLOAT64_SCHEMA));

    private final ChangeEventRouter router = new ChangeEventRouter(
            "public", new TopicNames("dev."), (room, rack) -> new DevicePlacement("farm-1", room));

    @Test
    void shouldPublishAnInsertedDeviceOnTheDevicesTopicKeyedById() {
        Struct after = struct(MetadataRowMapperTest.DEVICE, "device_id", "dev-1", "room", "r1");

        ChangeEventRouter.Routed routed =
                router.route(change("device", "c", MetadataRowMapperTest.DEVICE, List.of("device_id"), null, after));

        assertThat(routed).isInstanceOfSatisfying(ChangeEventRouter.Publish.class, publish -> {
            assertThat(publish.topic()).isEqualTo("dev.metadata.devices");
            assertThat(publish.key()).isEqualTo("dev-1");
            assertThat(publish.operation()).isEqualTo("c");
            assertThat(publish.value()).isInstanceOfSatisfying(Device.class, device -> {
                assertThat(device.getSite()).isEqualTo("farm-1");
                assertThat(device.getRoom()).isEqualTo("r1");
            });
        });
    }

    @Test
    void shouldPublishSnapshotReadsAndUpdatesLikeInserts() {
        Struct rule =
                struct(MetadataRowMapperTest.ALERT_RULE, "rule_id", "hot", "direction", "ABOVE", "threshold", 30.0);

        for (String op : List.of("r", "u")) {
            ChangeEventRouter.Routed routed = router.route(
                    change("alert_rule", op, MetadataRowMapperTest.ALERT_RULE, List.of("rule_id"), null, rule));

            assertThat(routed).isInstanceOfSatisfying(ChangeEventRouter.Publish.class, publish -> {
                assertThat(publish.topic()).isEqualTo("dev.metadata.alert-rules");
                assertThat(publish.key()).isEqualTo("hot");
                assertThat(publish.value()).isInstanceOf(AlertRule.class);
            });
        }
    }

    @Test
    void shouldTurnADeleteIntoATombstoneKeyedFromThePrimaryKeyColumnsOfBefore() {
        // Default replica identity: the delete's 'before' carries the primary key columns only.
        Struct before = struct(MetadataRowMapperTest.SENSOR, "device_id", "dev-1", "sensor", "air_temp");

        ChangeEventRouter.Routed routed = router.route(
                change("sensor", "d", MetadataRowMapperTest.SENSOR, List.of("device_id", "sensor"), before, null));

        assertThat(routed)
                .isEqualTo(new ChangeEventRouter.Publish(
                        CapturedTable.SENSOR, "dev.metadata.sensors", "dev-1/air_temp", null, "d"));
    }

    @Test
    void shouldPublishAnUpdatedSensorWithItsNewCalibration() {
        Struct after =
                struct(MetadataRowMapperTest.SENSOR, "device_id", "dev-1", "sensor", "rh", "calibration_offset", 2.5);

        ChangeEventRouter.Routed routed = router.route(
                change("sensor", "u", MetadataRowMapperTest.SENSOR, List.of("device_id", "sensor"), null, after));

        assertThat(routed)
                .isInstanceOfSatisfying(
                        ChangeEventRouter.Publish.class,
                        publish -> assertThat(((Sensor) publish.value()).getCalibrationOffset())
                                .isEqualTo(2.5));
    }

    @Test
    void shouldPublishHierarchyTablesAsGenericRecordsDerivedFromTheRow() {
        Struct after = struct(ROOM, "room_id", "r1", "facility_id", "farm-1", "name", "Veg A", "target_vpd_kpa", 1.1);

        ChangeEventRouter.Routed routed = router.route(change("room", "c", ROOM, List.of("room_id"), null, after));

        assertThat(routed).isInstanceOfSatisfying(ChangeEventRouter.Publish.class, publish -> {
            assertThat(publish.topic()).isEqualTo("dev.metadata.rooms");
            assertThat(publish.key()).isEqualTo("r1");
            GenericRecord record = (GenericRecord) publish.value();
            assertThat(record.getSchema().getFullName()).isEqualTo("io.fieldline.connectors.metadata.Room");
            assertThat(record.get("name")).isEqualTo("Veg A");
            assertThat(record.get("target_vpd_kpa")).isEqualTo(1.1);
        });
    }

    @Test
    void shouldJoinCompositeKeysWithSlashes() {
        Schema rack = row(
                "rack",
                List.of("room_id", "rack_no"),
                columns("room_id", Schema.STRING_SCHEMA, "rack_no", Schema.INT32_SCHEMA));

        ChangeEventRouter.Routed routed = router.route(change(
                "rack", "d", rack, List.of("room_id", "rack_no"), struct(rack, "room_id", "r1", "rack_no", 3), null));

        assertThat(routed)
                .isEqualTo(new ChangeEventRouter.Publish(CapturedTable.RACK, "dev.metadata.racks", "r1/3", null, "d"));
    }

    @Test
    void shouldSkipHeartbeatsOtherTablesAndOtherSchemas() {
        Schema other = row("measurement", List.of("id"), columns("id", Schema.INT64_SCHEMA));

        assertThat(router.route(ChangeEvents.heartbeat())).isInstanceOf(ChangeEventRouter.Skip.class);
        assertThat(router.route(change("measurement", "c", other, List.of("id"), null, struct(other, "id", 1L))))
                .isInstanceOf(ChangeEventRouter.Skip.class);
        Struct device = struct(MetadataRowMapperTest.DEVICE, "device_id", "dev-1");
        assertThat(router.route(change(
                        "audit", "device", "c", MetadataRowMapperTest.DEVICE, List.of("device_id"), null, device)))
                .isInstanceOf(ChangeEventRouter.Skip.class);
    }

    @Test
    void shouldReportAnUnmappableRowAsInvalidInsteadOfThrowing() {
        Struct rule = struct(MetadataRowMapperTest.ALERT_RULE, "rule_id", "bad", "direction", "UP", "threshold", 1.0);

        ChangeEventRouter.Routed routed = router.route(
                change("alert_rule", "c", MetadataRowMapperTest.ALERT_RULE, List.of("rule_id"), null, rule));

        assertThat(routed).isInstanceOfSatisfying(ChangeEventRouter.Invalid.class, invalid -> {
            assertThat(invalid.table()).isEqualTo(CapturedTable.ALERT_RULE);
            assertThat(invalid.reason()).contains("direction").contains("UP");
        });
    }
}
