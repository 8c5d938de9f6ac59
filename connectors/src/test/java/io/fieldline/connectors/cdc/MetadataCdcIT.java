package io.fieldline.connectors.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.schemas.avro.Severity;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import io.fieldline.testing.TopicTail;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The connector against a real PostgreSQL (wal_level=logical), a real Kafka broker and a real registry. */
@ExtendWith(EmbeddedStackExtension.class)
class MetadataCdcIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private EmbeddedStack stack;
    private String name;
    private CdcConfig config;
    private SchemaRegistryClient registry;
    private CdcTestDatabase db;
    private MetadataSerializers serializers;
    private final List<MetadataCdc> started = new java.util.ArrayList<>();

    @BeforeEach
    void setUp(EmbeddedStack stack) {
        this.stack = stack;
        name = "cdc_it_" + UUID.randomUUID().toString().substring(0, 8);
        db = new CdcTestDatabase(
                        stack.postgres().jdbcUrl(),
                        stack.postgres().user(),
                        stack.postgres().password(),
                        name)
                .create();
        Map<String, Object> props = new HashMap<>();
        props.put(CdcConfig.JDBC_URL, stack.postgres().jdbcUrl());
        props.put(CdcConfig.JDBC_USER, stack.postgres().user());
        props.put(CdcConfig.JDBC_PASSWORD, stack.postgres().password());
        props.put(CdcConfig.SCHEMA, name);
        props.put(CdcConfig.SLOT_NAME, name);
        props.put(CdcConfig.PUBLICATION_NAME, name);
        props.put(CdcConfig.ENGINE_NAME, name);
        props.put(KafkaClientConfig.BOOTSTRAP_SERVERS, stack.kafka().bootstrapServers());
        props.put(CdcConfig.TOPIC_PREFIX, name + ".");
        props.put(CdcConfig.HEARTBEAT_INTERVAL_MS, "500");
        props.put(CdcConfig.OFFSETS_FLUSH_INTERVAL_MS, "200");
        config = new CdcConfig(props);
        registry = new HttpSchemaRegistryClient(stack.schemaRegistry().url());
        serializers = MetadataSerializers.avro(registry);
    }

    @AfterEach
    void tearDown() {
        started.forEach(MetadataCdc::close);
        db.dropReplication(name, name);
        db.close();
    }

    @Test
    void shouldSnapshotExistingAlertRulesThenPublishInsertsUpdatesAndDeletesAsTheyHappen() {
        db.execute(
                "INSERT INTO alert_rule (rule_id, sensor_selector, direction, threshold) VALUES ('hot', 'air_temp', 'ABOVE', 30)");
        start();
        TopicNames topics = config.topicNames();
        try (TopicTail<String, byte[]> rules = TopicTail.of(stack.kafka().bootstrapServers(), topics.alertRules())) {
            await().atMost(WAIT).until(() -> rules.latest("hot") != null);
            assertThat(alertRule(rules.latest("hot")).getThreshold()).isEqualTo(30.0);

            db.execute("INSERT INTO alert_rule (rule_id, device_selector, sensor_selector, room_selector, direction, "
                    + "threshold, clear_threshold, for_ms, severity, escalation_threshold, enabled) VALUES "
                    + "('dry', 'dev-*', 'soil_moisture', 'veg-*', 'BELOW', 30, 33, 60000, 'INFO', 20, true)");
            await().atMost(WAIT).until(() -> rules.latest("dry") != null);
            assertThat(alertRule(rules.latest("dry")))
                    .isEqualTo(AlertRule.newBuilder()
                            .setRuleId("dry")
                            .setDeviceSelector("dev-*")
                            .setSensorSelector("soil_moisture")
                            .setRoomSelector("veg-*")
                            .setDirection(Direction.BELOW)
                            .setThreshold(30.0)
                            .setClearThreshold(33.0)
                            .setForMs(60_000L)
                            .setSeverity(Severity.INFO)
                            .setEscalationThreshold(20.0)
                            .setEscalationSeverity(Severity.CRITICAL)
                            .setEnabled(true)
                            .build());

            db.execute("UPDATE alert_rule SET threshold = 32.5 WHERE rule_id = 'hot'");
            await().atMost(WAIT).until(() -> rules.records("hot").size() == 2);
            assertThat(alertRule(rules.latest("hot")).getThreshold()).isEqualTo(32.5);

            db.execute("DELETE FROM alert_rule WHERE rule_id = 'dry'");
            await().atMost(WAIT).until(() -> rules.records("dry").size() == 2);
            assertThat(rules.latest("dry").value()).as("tombstone").isNull();
        }
    }

    @Test
    void shouldPublishDevicesWithSiteAndRoomAndSensorsKeyedByDeviceAndSensor() {
        db.execute("INSERT INTO facility (facility_id, name) VALUES ('farm-1', 'North farm');"
                + "INSERT INTO room (room_id, facility_id, name, target_vpd_kpa) VALUES ('veg-a', 'farm-1', 'Veg A', 1.15);"
                + "INSERT INTO rack (rack_id, room_id) VALUES ('rack-1', 'veg-a')");
        start();
        TopicNames topics = config.topicNames();
        try (TopicTail<String, byte[]> devices = TopicTail.of(stack.kafka().bootstrapServers(), topics.devices());
                TopicTail<String, byte[]> sensors = TopicTail.of(stack.kafka().bootstrapServers(), topics.sensors());
                TopicTail<String, byte[]> rooms =
                        TopicTail.of(stack.kafka().bootstrapServers(), topics.prefix() + "metadata.rooms")) {
            db.execute("INSERT INTO device (device_id, room, type, serial, firmware, expected_interval_ms) "
                    + "VALUES ('dev-1', 'veg-a', 'mqtt-controller', 'SN-1', '1.4.2', 5000);"
                    + "INSERT INTO device (device_id, rack_id) VALUES ('dev-2', 'rack-1');"
                    + "INSERT INTO sensor (device_id, sensor, unit, calibration_offset, valid_min, valid_max) "
                    + "VALUES ('dev-1', 'air_temp', '°C', -0.5, -40, 85)");

            await().atMost(WAIT)
                    .until(() -> devices.latest("dev-1") != null
                            && devices.latest("dev-2") != null
                            && sensors.latest("dev-1/air_temp") != null);
            assertThat(device(devices.latest("dev-1")))
                    .isEqualTo(Device.newBuilder()
                            .setDeviceId("dev-1")
                            .setSite("farm-1")
                            .setRoom("veg-a")
                            .setType("mqtt-controller")
                            .setSerial("SN-1")
                            .setFirmware("1.4.2")
                            .setExpectedIntervalMs(5000L)
                            .build());
            assertThat(device(devices.latest("dev-2")).getRoom()).isEqualTo("veg-a");
            assertThat(device(devices.latest("dev-2")).getSite()).isEqualTo("farm-1");
            assertThat(sensor(sensors.latest("dev-1/air_temp")))
                    .isEqualTo(Sensor.newBuilder()
                            .setDeviceId("dev-1")
                            .setSensor("air_temp")
                            .setUnit("°C")
                            .setCalibrationOffset(-0.5)
                            .setValidMin(-40.0)
                            .setValidMax(85.0)
                            .build());

            GenericRecord room = generic(rooms.latest("veg-a"));
            assertThat(room.getSchema().getFullName()).isEqualTo("io.fieldline.connectors.metadata.Room");
            assertThat(room.get("facility_id").toString()).isEqualTo("farm-1");
            assertThat(room.get("target_vpd_kpa")).isEqualTo(1.15);
            assertThat(room.get("created_at").toString())
                    .as("timestamptz as ISO-8601 text")
                    .endsWith("Z");

            db.execute("UPDATE sensor SET calibration_offset = 1.25 WHERE device_id = 'dev-1' AND sensor = 'air_temp'");
            await().atMost(WAIT).until(() -> sensors.records("dev-1/air_temp").size() == 2);
            assertThat(sensor(sensors.latest("dev-1/air_temp")).getCalibrationOffset())
                    .isEqualTo(1.25);

            db.execute("DELETE FROM device WHERE device_id = 'dev-1'");
            await().atMost(WAIT)
                    .until(() -> devices.records("dev-1").size() == 2
                            && sensors.records("dev-1/air_temp").size() == 3);
            assertThat(devices.latest("dev-1").value()).isNull();
            assertThat(sensors.latest("dev-1/air_temp").value())
                    .as("cascaded delete")
                    .isNull();
        }
    }

    @Test
    void shouldResumeAfterARestartWithEveryChangeAndNoNewSnapshot() {
        db.execute(
                "INSERT INTO facility (facility_id, name) VALUES ('farm-1', 'North farm');"
                        + "INSERT INTO alert_rule (rule_id, direction, threshold) VALUES ('a', 'ABOVE', 30), ('b', 'BELOW', 5)");
        MetadataCdc first = start();
        TopicNames topics = config.topicNames();
        try (TopicTail<String, byte[]> rules = TopicTail.of(stack.kafka().bootstrapServers(), topics.alertRules());
                TopicTail<String, byte[]> facilities =
                        TopicTail.of(stack.kafka().bootstrapServers(), topics.prefix() + "metadata.facilities")) {
            await().atMost(WAIT)
                    .until(() -> rules.latest("a") != null
                            && rules.latest("b") != null
                            && facilities.latest("farm-1") != null);
            db.execute("UPDATE alert_rule SET threshold = 31 WHERE rule_id = 'a'");
            await().atMost(WAIT).until(() -> rules.records("a").size() == 2);
            first.close();
            await("threads of the stopped connector")
                    .atMost(Duration.ofSeconds(15))
                    .until(() -> Thread.getAllStackTraces().keySet().stream()
                            .noneMatch(t -> t.getName().contains(name)));

            // Changes made while the connector is down wait in the replication slot.
            db.execute("UPDATE alert_rule SET threshold = 35 WHERE rule_id = 'a';"
                    + "INSERT INTO alert_rule (rule_id, direction, threshold) VALUES ('c', 'ABOVE', 80);"
                    + "DELETE FROM alert_rule WHERE rule_id = 'b';"
                    + "UPDATE facility SET name = 'North farm (layers)' WHERE facility_id = 'farm-1'");
            SimpleMeterRegistry secondMeters = new SimpleMeterRegistry();
            start(secondMeters);

            await().atMost(WAIT)
                    .until(() -> rules.records("a").size() >= 3
                            && alertRule(rules.latest("a")).getThreshold() == 35.0
                            && rules.latest("c") != null
                            && rules.records("b").size() >= 2
                            && facilities.records("farm-1").size() >= 2);
            // At least once: a clean close commits the offsets of what was marked processed, but a batch the engine
            // still had in hand when the close began (31, published just before it) is replayed after the restart.
            List<Double> thresholds = rules.records("a").stream()
                    .map(record -> (Double) alertRule(record).getThreshold())
                    .toList();
            assertThat(thresholds)
                    .as("every change of rule a, in order, none lost; only the last one before the close may repeat")
                    .isIn(List.of(30.0, 31.0, 35.0), List.of(30.0, 31.0, 31.0, 35.0));
            assertThat(alertRule(rules.latest("c")).getThreshold()).isEqualTo(80.0);
            assertThat(rules.latest("b").value())
                    .as("tombstone of the rule deleted while stopped")
                    .isNull();
            assertThat(generic(facilities.latest("farm-1")).get("name").toString())
                    .isEqualTo("North farm (layers)");
            assertThat(facilities.records("farm-1"))
                    .as("the facility was not snapshotted again")
                    .hasSize(2);
            assertThat(secondMeters.find("fieldline.cdc.changes").tag("op", "r").counters())
                    .as("snapshot reads after the restart")
                    .allSatisfy(counter -> assertThat(counter.count()).isZero());
        }
    }

    @Test
    void shouldAdvanceTheSlotWhileOnlyTablesThatAreNotCapturedChange() {
        start();
        String slotQuery = "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?";
        await().atMost(WAIT).until(() -> db.queryString(slotQuery, name) != null);
        // A table outside the publication, standing for the measurement writes that dominate the WAL.
        db.execute("CREATE TABLE measurement_scratch (id bigserial PRIMARY KEY, value double precision)");
        for (int i = 0; i < 20; i++) {
            db.execute("INSERT INTO measurement_scratch (value) SELECT random() FROM generate_series(1, 500)");
        }
        String written = db.queryString("SELECT pg_current_wal_lsn()::text");

        await().atMost(WAIT)
                .until(() -> "t"
                        .equals(db.queryString(
                                "SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?",
                                written,
                                name)));
    }

    @Test
    void shouldDeadLetterARowThatCannotBeMappedAndKeepStreaming() {
        // The sink's CHECK constraints keep such rows out; without them the stream must still go on.
        db.execute("ALTER TABLE alert_rule DROP CONSTRAINT alert_rule_direction_check");
        start();
        TopicNames topics = config.topicNames();
        try (TopicTail<String, byte[]> rules = TopicTail.of(stack.kafka().bootstrapServers(), topics.alertRules());
                TopicTail<String, byte[]> deadLetters =
                        TopicTail.of(stack.kafka().bootstrapServers(), topics.deadLetters("cdc"))) {
            db.execute("INSERT INTO alert_rule (rule_id, direction, threshold) VALUES ('sideways', 'SIDEWAYS', 1)");
            db.execute("INSERT INTO alert_rule (rule_id, direction, threshold) VALUES ('after', 'ABOVE', 2)");

            await().atMost(WAIT)
                    .until(() -> rules.latest("after") != null
                            && !deadLetters.records().isEmpty());
            ConsumerRecord<String, byte[]> deadLetter = deadLetters.records().get(0);
            assertThat(new String(
                            deadLetter
                                    .headers()
                                    .lastHeader(DeadLetterHeaders.REASON)
                                    .value(),
                            StandardCharsets.UTF_8))
                    .contains("direction")
                    .contains("SIDEWAYS");
            assertThat(new String(deadLetter.value(), StandardCharsets.UTF_8)).contains("\"rule_id\":\"sideways\"");
            assertThat(rules.records("sideways")).isEmpty();
        }
    }

    @Test
    void shouldRefuseToStartNamingTheCapturedTablesThatDoNotExist() {
        db.execute("DROP TABLE sensor CASCADE; DROP TABLE alert_rule CASCADE");
        MetadataCdc cdc = new MetadataCdc(config, serializers, new SimpleMeterRegistry());
        started.add(cdc);

        assertThatThrownBy(cdc::start)
                .isInstanceOf(CdcException.class)
                .hasMessageContaining(name + ".sensor, " + name + ".alert_rule")
                .hasMessageContaining("migrations");
        assertThat(db.queryString("SELECT slot_name FROM pg_replication_slots WHERE slot_name = ?", name))
                .as("no slot created")
                .isNull();
    }

    private MetadataCdc start() {
        return start(new SimpleMeterRegistry());
    }

    private MetadataCdc start(SimpleMeterRegistry meters) {
        MetadataCdc cdc = new MetadataCdc(config, serializers, meters);
        started.add(cdc);
        cdc.start();
        return cdc;
    }

    private AlertRule alertRule(ConsumerRecord<String, byte[]> record) {
        return specific(AlertRule.class, record);
    }

    private Device device(ConsumerRecord<String, byte[]> record) {
        return specific(Device.class, record);
    }

    private Sensor sensor(ConsumerRecord<String, byte[]> record) {
        return specific(Sensor.class, record);
    }

    private <T extends SpecificRecord> T specific(Class<T> type, ConsumerRecord<String, byte[]> record) {
        try (Deserializer<T> deserializer =
                AvroSerdes.specific(type, registry, false).deserializer()) {
            return deserializer.deserialize(record.topic(), record.value());
        }
    }

    private GenericRecord generic(ConsumerRecord<String, byte[]> record) {
        try (Deserializer<GenericRecord> deserializer =
                AvroSerdes.generic(registry, false).deserializer()) {
            return deserializer.deserialize(record.topic(), record.value());
        }
    }
}
