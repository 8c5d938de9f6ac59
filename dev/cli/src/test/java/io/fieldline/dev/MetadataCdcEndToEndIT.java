package io.fieldline.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.app.TopicProvisioner;
import io.fieldline.connectors.cdc.CdcConfig;
import io.fieldline.connectors.cdc.MetadataCdc;
import io.fieldline.connectors.cdc.MetadataSerializers;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.AlertState;
import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.schemas.avro.Severity;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import io.fieldline.sink.Migrations;
import io.fieldline.sink.SinkConfig;
import io.fieldline.testing.Records;
import io.fieldline.testing.TopicTail;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.runtime.FieldlineStreams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata loop end to end, wired as {@code fieldline up} wires it: rows written with plain
 * SQL into PostgreSQL travel through Debezium CDC into the metadata topics, into the global
 * tables of the readings and alerts Streams applications, and change what those applications
 * do with readings, without a restart.
 *
 * <p>The test owns a database schema, a replication slot, a publication and a topic prefix, so it
 * shares the embedded servers with other test classes without seeing their data.
 */
@ExtendWith(EmbeddedStackExtension.class)
class MetadataCdcEndToEndIT {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataCdcEndToEndIT.class);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final String TEMPERATURE = "air_temperature";

    private static final String RUN =
            UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    private static final String SCHEMA = "e2e_" + RUN;
    private static final String SLOT = "e2e_" + RUN;
    private static final TopicNames NAMES = new TopicNames("e2e-" + RUN + ".");

    @TempDir
    static Path stateDir;

    private static EmbeddedStack stack;
    private static SchemaRegistryClient registry;
    private static MetadataSerializers serializers;
    private static MetadataCdc cdc;
    private static FieldlineStreams streams;
    private static KafkaProducer<String, Reading> producer;
    private static TopicTail<String, AlertRule> rules;
    private static TopicTail<String, Sensor> sensors;
    private static TopicTail<String, Alert> alerts;
    private static TopicTail<String, Reading> enriched;
    private static long lastEventTime;

    @BeforeAll
    static void startPipeline(EmbeddedStack embeddedStack) throws Exception {
        stack = embeddedStack;
        registry = new HttpSchemaRegistryClient(stack.schemaRegistry().url());
        String bootstrap = stack.kafka().bootstrapServers();

        Map<String, Object> sink = new HashMap<>();
        sink.put(KafkaClientConfig.BOOTSTRAP_SERVERS, bootstrap);
        sink.put(SinkConfig.POSTGRES_URL, stack.postgres().jdbcUrl());
        sink.put(SinkConfig.POSTGRES_USER, stack.postgres().user());
        sink.put(SinkConfig.POSTGRES_PASSWORD, stack.postgres().password());
        sink.put(SinkConfig.POSTGRES_SCHEMA, SCHEMA);
        Migrations.apply(stack.postgres().dataSource(), new SinkConfig(sink));

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            new TopicProvisioner(NAMES, 2, (short) 1).createMissing(admin);
        }

        Map<String, Object> cdcProps = new HashMap<>();
        cdcProps.put(CdcConfig.JDBC_URL, stack.postgres().jdbcUrl());
        cdcProps.put(CdcConfig.JDBC_USER, stack.postgres().user());
        cdcProps.put(CdcConfig.JDBC_PASSWORD, stack.postgres().password());
        cdcProps.put(CdcConfig.SCHEMA, SCHEMA);
        cdcProps.put(CdcConfig.SLOT_NAME, SLOT);
        cdcProps.put(CdcConfig.PUBLICATION_NAME, SLOT);
        // Underscores: the engine name prefixes Debezium's schema names, which must be valid Avro names.
        cdcProps.put(CdcConfig.ENGINE_NAME, "e2e_" + RUN + "_cdc");
        cdcProps.put(KafkaClientConfig.BOOTSTRAP_SERVERS, bootstrap);
        cdcProps.put(CdcConfig.TOPIC_PREFIX, NAMES.prefix());
        cdcProps.put(CdcConfig.HEARTBEAT_INTERVAL_MS, "1000");
        cdcProps.put(CdcConfig.OFFSETS_FLUSH_INTERVAL_MS, "200");
        serializers = MetadataSerializers.avro(registry);
        cdc = new MetadataCdc(new CdcConfig(cdcProps), serializers, new SimpleMeterRegistry());
        cdc.start();

        Map<String, Object> streamsProps = new HashMap<>();
        streamsProps.put(StreamsSettingsConfig.APPLICATION_ID_PREFIX, "e2e-" + RUN);
        // The alerts application evaluates enriched readings, so both run; the others are not under test.
        streamsProps.put(StreamsSettingsConfig.APPLICATIONS, "readings,alerts");
        streamsProps.put(StreamsSettingsConfig.STATE_DIR, stateDir.toString());
        streamsProps.put(StreamsSettingsConfig.ALERTS_RULES_REFRESH_MS, "200");
        // Offline alerts would fire on the wall clock for series the test stops feeding.
        streamsProps.put(StreamsSettingsConfig.ALERTS_OFFLINE_ENABLED, "false");
        streams = new FieldlineStreams(
                new StreamsSettingsConfig(streamsProps),
                KafkaClientConfig.forBootstrapServers(bootstrap),
                new Topics(NAMES, registry),
                new SimpleMeterRegistry(),
                Map.of("processing.exception.handler.global.enabled", true));
        streams.start();
        streams.awaitRunning(Duration.ofSeconds(90));

        Map<String, Object> producerProps = new HashMap<>();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(
                producerProps,
                new StringSerializer(),
                AvroSerdes.specific(Reading.class, registry, false).serializer());

        rules = TopicTail.avro(bootstrap, stack.schemaRegistry().url(), NAMES.alertRules(), AlertRule.class);
        sensors = TopicTail.avro(bootstrap, stack.schemaRegistry().url(), NAMES.sensors(), Sensor.class);
        alerts = TopicTail.avro(bootstrap, stack.schemaRegistry().url(), NAMES.alerts(), Alert.class);
        enriched = TopicTail.avro(bootstrap, stack.schemaRegistry().url(), NAMES.enrichedReadings(), Reading.class);
    }

    @AfterAll
    static void stopPipeline() {
        for (AutoCloseable closeable : new AutoCloseable[] {rules, sensors, alerts, enriched, producer}) {
            closeQuietly(closeable);
        }
        closeQuietly(streams);
        closeQuietly(cdc);
        closeQuietly(serializers);
        if (stack != null) {
            // The slot would otherwise keep WAL of the shared database for the rest of the test run.
            sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + SLOT
                    + "'");
            sql("DROP PUBLICATION IF EXISTS " + SLOT);
            sql("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    @Test
    void shouldRaiseAlertsByARuleInsertedInPostgresFollowItsThresholdUpdatesAndStopAfterItsDeletion() {
        String device = "e2e-dev-rule";
        String rule = "e2e-hot";
        String marker = "e2e-marker";
        insertDevice(device);
        sql("INSERT INTO alert_rule (rule_id, device_selector, sensor_selector, direction, threshold) VALUES ('" + rule
                + "', '" + device + "', '" + TEMPERATURE + "', 'ABOVE', 30)");
        // A second rule on another sensor of the same device: its alert proves that the readings
        // produced before it (same key, same partition, processed in order) have been evaluated.
        sql("INSERT INTO alert_rule (rule_id, device_selector, sensor_selector, direction, threshold) VALUES ('"
                + marker + "', '" + device + "', 'marker', 'ABOVE', 0)");
        await().atMost(WAIT).pollInSameThread().until(() -> rules.latest(rule) != null && rules.latest(marker) != null);
        String alertId = rule + "/" + device + "/" + TEMPERATURE;

        // Inserted: a reading above 30 raises. Readings are produced until the rule has reached the
        // alerts application (CDC topic, then its global table, then its rule refresh).
        Alert raised =
                produceUntil(alertId, a -> a.getState() == AlertState.RAISED, () -> produce(device, TEMPERATURE, 35.0));
        assertThat(raised.getRuleId()).isEqualTo(rule);
        assertThat(raised.getThreshold()).isEqualTo(30.0);
        assertThat(raised.getValue()).isEqualTo(35.0);
        assertThat(raised.getDirection()).isEqualTo(Direction.ABOVE);
        assertThat(raised.getSeverity()).isEqualTo(Severity.WARNING);
        assertThat(raised.getRoom()).as("room from the device metadata").isEqualTo("e2e-room");
        produceUntil(
                alertId,
                a -> a.getState() == AlertState.CLEARED && Double.valueOf(20.0).equals(a.getValue()),
                () -> produce(device, TEMPERATURE, 20.0));

        // Updated to 40: once the update has arrived, 35 no longer raises and 45 does.
        sql("UPDATE alert_rule SET threshold = 40 WHERE rule_id = '" + rule + "'");
        await().atMost(WAIT)
                .pollInSameThread()
                .until(() -> Optional.ofNullable(rules.latest(rule))
                        .map(r -> r.value() != null && r.value().getThreshold() == 40.0)
                        .orElse(false));
        produceUntil(
                alertId,
                a -> a.getState() == AlertState.RAISED && Double.valueOf(40.0).equals(a.getThreshold()),
                () -> {
                    produce(device, TEMPERATURE, 35.0);
                    produce(device, TEMPERATURE, 45.0);
                });
        produceUntil(
                alertId,
                a -> a.getState() == AlertState.CLEARED && Double.valueOf(20.0).equals(a.getValue()),
                () -> produce(device, TEMPERATURE, 20.0));
        int before = alerts.records().size();
        produce(device, TEMPERATURE, 35.0);
        produce(device, TEMPERATURE, 38.0);
        produce(device, TEMPERATURE, 35.0);
        produce(device, TEMPERATURE, 45.0);
        Alert next = await().atMost(WAIT)
                .pollInSameThread()
                .pollInterval(POLL)
                .until(() -> first(alertId, before, a -> true), Optional::isPresent)
                .orElseThrow();
        assertThat(next.getState())
                .as("35 and 38 do not raise any more, 45 does: %s", next)
                .isEqualTo(AlertState.RAISED);
        assertThat(next.getValue()).isEqualTo(45.0);
        assertThat(next.getThreshold()).isEqualTo(40.0);

        // Deleted: the active alert clears, and no reading raises it again.
        sql("DELETE FROM alert_rule WHERE rule_id = '" + rule + "'");
        await().atMost(WAIT)
                .pollInSameThread()
                .until(() -> Optional.ofNullable(rules.latest(rule))
                        .map(r -> r.value() == null)
                        .orElse(false));
        Alert cleared = produceUntil(
                alertId, a -> a.getState() == AlertState.CLEARED, () -> produce(device, TEMPERATURE, 45.0));
        assertThat(cleared.getValue())
                .as("cleared by the deletion, not by a value")
                .isNull();
        int afterDelete = alerts.records().size();
        String markerId = marker + "/" + device + "/marker";
        produceUntil(markerId, a -> a.getState() == AlertState.RAISED, () -> {
            produce(device, TEMPERATURE, 45.0);
            produce(device, TEMPERATURE, 50.0);
            produce(device, TEMPERATURE, 35.0);
            produce(device, "marker", 1.0);
        });
        alerts.drain(WAIT);
        assertThat(alerts.records().subList(afterDelete, alerts.records().size()))
                .as("alerts of the deleted rule after its deletion")
                .noneMatch(r -> r.key().equals(alertId));
    }

    @Test
    void shouldCarryTheCalibratedValueOfASensorInsertedInPostgresInEnrichedReadings() {
        String device = "e2e-dev-cal";
        String sensorKey = device + "/" + TEMPERATURE;
        insertDevice(device);
        sql("INSERT INTO sensor (device_id, sensor, unit, calibration_offset) VALUES ('" + device + "', '" + TEMPERATURE
                + "', 'degC', -0.5)");
        await().atMost(WAIT).pollInSameThread().until(() -> sensors.latest(sensorKey) != null);

        Reading calibrated = produceUntilEnriched(device, 20.0, 19.5);
        assertThat(calibrated.getRawValue()).isEqualTo(20.0);
        assertThat(calibrated.getUnit()).as("unit from the sensor metadata").isEqualTo("degC");
        assertThat(calibrated.getRoom()).isEqualTo("e2e-room");
        assertThat(calibrated.getSite()).isEqualTo("e2e-farm");

        // An edit of the offset applies to the next readings, without a restart.
        sql("UPDATE sensor SET calibration_offset = 1.25 WHERE device_id = '" + device + "' AND sensor = '"
                + TEMPERATURE + "'");
        await().atMost(WAIT)
                .pollInSameThread()
                .until(() -> Optional.ofNullable(sensors.latest(sensorKey))
                        .map(r -> r.value() != null && r.value().getCalibrationOffset() == 1.25)
                        .orElse(false));
        Reading recalibrated = produceUntilEnriched(device, 20.0, 21.25);
        assertThat(recalibrated.getRawValue()).isEqualTo(20.0);
    }

    private static void insertDevice(String device) {
        sql("INSERT INTO facility (facility_id, name) VALUES ('e2e-farm', 'E2E farm') ON CONFLICT DO NOTHING");
        sql(
                "INSERT INTO room (room_id, facility_id, name) VALUES ('e2e-room', 'e2e-farm', 'E2E room') ON CONFLICT DO NOTHING");
        sql("INSERT INTO device (device_id, site, room, type) VALUES ('" + device
                + "', 'e2e-farm', 'e2e-room', 'test')");
    }

    /** Produces with {@code action} every poll until the alert appears; returns the first such alert. */
    private static Alert produceUntil(String alertId, Predicate<Alert> wanted, Runnable action) {
        int from = alerts.records().size();
        return await().atMost(WAIT)
                .pollInSameThread()
                .pollInterval(POLL)
                .until(
                        () -> {
                            action.run();
                            return first(alertId, from, wanted);
                        },
                        Optional::isPresent)
                .orElseThrow();
    }

    private static Optional<Alert> first(String alertId, int from, Predicate<Alert> wanted) {
        List<ConsumerRecord<String, Alert>> seen = alerts.records();
        return seen.subList(from, seen.size()).stream()
                .filter(r -> r.key().equals(alertId) && r.value() != null && wanted.test(r.value()))
                .map(ConsumerRecord::value)
                .findFirst();
    }

    private static Reading produceUntilEnriched(String device, double raw, double expected) {
        int from = enriched.records().size();
        return await().atMost(WAIT)
                .pollInSameThread()
                .pollInterval(POLL)
                .until(
                        () -> {
                            produce(device, TEMPERATURE, raw);
                            List<ConsumerRecord<String, Reading>> seen = enriched.records();
                            return seen.subList(from, seen.size()).stream()
                                    .filter(r -> r.key().equals(device)
                                            && r.value() != null
                                            && r.value().getValue() == expected)
                                    .map(ConsumerRecord::value)
                                    .findFirst();
                        },
                        Optional::isPresent)
                .orElseThrow();
    }

    private static void produce(String device, String sensor, double value) {
        // Strictly increasing event times: the alert state machine ignores readings older than the newest.
        long now = Math.max(System.currentTimeMillis(), lastEventTime + 1);
        lastEventTime = now;
        Reading reading = Records.minimalReading(device, sensor, Instant.ofEpochMilli(now), value);
        try {
            producer.send(new ProducerRecord<>(NAMES.readings(), null, now, device, reading))
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot produce a reading", e);
        }
    }

    private static void sql(String statement) {
        try (Connection connection = stack.postgres().dataSource().getConnection();
                Statement st = connection.createStatement()) {
            connection.setSchema(SCHEMA);
            st.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + statement, e);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            // Closing continues with the next resource; the failure stays visible in the test output.
            LOG.warn("Closing {} failed", closeable, e);
        }
    }
}
