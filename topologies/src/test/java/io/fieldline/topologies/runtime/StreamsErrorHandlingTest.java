package io.fieldline.topologies.runtime;

import static io.fieldline.testing.Records.minimalReading;
import static io.fieldline.topologies.support.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Severity;
import io.fieldline.topologies.StoreType;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.aggregate.AggregateSettings;
import io.fieldline.topologies.alert.AlertSettings;
import io.fieldline.topologies.alert.AlertTopology;
import io.fieldline.topologies.enrich.EnrichmentSettings;
import io.fieldline.topologies.readings.ReadingsTopology;
import io.fieldline.topologies.support.OutageRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The runner's exception handlers on the production topologies: what is the record's fault goes to
 * {@code deadletter.streams} with its reason and is counted; what is not (a registry outage) fails the
 * task, so that it is retried from its last commit instead of losing the record.
 *
 * <p>At-least-once: the test driver does not hand over dead letters produced under exactly-once
 * (observed with 4.3.1); {@code FieldlineStreamsIT} checks exactly-once on a broker.
 */
class StreamsErrorHandlingTest {

    private final OutageRegistry registry = new OutageRegistry();
    /** What the Streams application sees: the registry that goes down. */
    private final Topics topics = new Topics(TopicNames.defaults(), registry);
    /** What the test writes with: the same schemas, always reachable. */
    private final Topics input = new Topics(TopicNames.defaults(), registry.healthy());

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private TopologyTestDriver driver;

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    private void start(Topology topology) {
        // The runner's own properties, handlers included, at-least-once (see above).
        Properties props = new FieldlineStreams(
                        new StreamsSettingsConfig(Map.of()),
                        io.fieldline.core.kafka.KafkaClientConfig.forBootstrapServers("unused:9092"),
                        topics,
                        meters)
                .properties("errors-test");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        driver = new TopologyTestDriver(topology, props);
    }

    private Topology readingsTopology() {
        return new ReadingsTopology(
                        new EnrichmentSettings(StoreType.IN_MEMORY),
                        new AggregateSettings(
                                Duration.ofMinutes(1),
                                Duration.ofHours(1),
                                Duration.ofSeconds(10),
                                0.01,
                                2048,
                                StoreType.IN_MEMORY),
                        topics)
                .build();
    }

    private double deadLettersCounted() {
        var counter = meters.find(DeadLetterHandler.COUNTER).counter();
        return counter == null ? 0 : counter.count();
    }

    private TestOutputTopic<byte[], byte[]> deadLetters() {
        return driver.createOutputTopic(
                topics.names().deadLetters("streams"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Test
    void shouldFailTheTaskNotDeadLetterWhenTheRegistryIsDownWhileReading() {
        start(readingsTopology());
        TestInputTopic<String, Reading> readings = driver.createInputTopic(
                topics.readings().name(),
                new StringSerializer(),
                input.readings().valueSerde().serializer());
        TestOutputTopic<String, Reading> enriched = driver.createOutputTopic(
                topics.enrichedReadings().name(),
                new StringDeserializer(),
                input.enrichedReadings().valueSerde().deserializer());

        registry.down(true);
        assertThatThrownBy(() -> readings.pipeInput("dev-1", minimalReading("dev-1", "air_temperature", T0, 21.0)))
                .isInstanceOf(StreamsException.class);

        assertThat(deadLetters().isEmpty())
                .as("a valid reading must not be dead-lettered")
                .isTrue();
        assertThat(deadLettersCounted()).isZero();
        assertThat(enriched.isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterAndCountUndecodableRecords() {
        start(readingsTopology());
        TestInputTopic<String, byte[]> raw =
                driver.createInputTopic(topics.readings().name(), new StringSerializer(), new ByteArraySerializer());
        TestInputTopic<String, Reading> readings = driver.createInputTopic(
                topics.readings().name(),
                new StringSerializer(),
                input.readings().valueSerde().serializer());
        TestOutputTopic<String, Reading> enriched = driver.createOutputTopic(
                topics.enrichedReadings().name(),
                new StringDeserializer(),
                input.enrichedReadings().valueSerde().deserializer());

        raw.pipeInput("dev-1", "not avro".getBytes(StandardCharsets.UTF_8));
        readings.pipeInput("dev-1", minimalReading("dev-1", "air_temperature", T0, 21.0));

        TestRecord<byte[], byte[]> dead = deadLetters().readRecord();
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("not avro");
        assertThat(header(dead, DeadLetterHeaders.REASON)).startsWith("deserialization failed");
        assertThat(header(dead, DeadLetterHeaders.SOURCE_TOPIC))
                .isEqualTo(topics.readings().name());
        assertThat(deadLettersCounted()).isEqualTo(1.0);
        assertThat(meters.get(DeadLetterHandler.COUNTER)
                        .tag("topic", topics.readings().name())
                        .tag("reason", DeadLetterHandler.REASON_DESERIALIZATION)
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(enriched.readValuesToList()).hasSize(1);
    }

    private Topology alertsTopology() {
        AlertSettings settings = new AlertSettings(
                Duration.ZERO,
                false,
                3.0,
                Duration.ofMinutes(1),
                Duration.ofSeconds(5),
                Duration.ofMinutes(1),
                Severity.WARNING,
                StoreType.IN_MEMORY);
        return new AlertTopology(settings, topics).build();
    }

    @Test
    void shouldDeadLetterARecordThatDeterministicallyFailsProcessingAndCarryOn() {
        start(alertsTopology());
        TestInputTopic<String, AlertRule> rules = driver.createInputTopic(
                topics.alertRules().name(),
                new StringSerializer(),
                input.alertRules().valueSerde().serializer());
        TestInputTopic<String, Reading> readings = driver.createInputTopic(
                topics.enrichedReadings().name(),
                new StringSerializer(),
                input.enrichedReadings().valueSerde().serializer());
        TestOutputTopic<String, Alert> alerts = driver.createOutputTopic(
                topics.alerts().name(),
                new StringDeserializer(),
                input.alerts().valueSerde().deserializer());
        rules.pipeInput(
                "hot",
                AlertRule.newBuilder()
                        .setRuleId("hot")
                        .setDirection(Direction.ABOVE)
                        .setThreshold(30)
                        .build());

        // Decodes fine, but its series state cannot be stored (a sensor name past 64 KiB): it fails
        // every time it is processed. Without a processing exception handler the thread dies and is
        // replaced, reads the record again and dies again, forever.
        Reading poison = minimalReading("dev-1", "x".repeat(70_000), T0, 40.0);
        readings.pipeInput("dev-1", poison);
        readings.pipeInput("dev-2", minimalReading("dev-2", "air_temperature", T0.plusSeconds(1), 40.0));

        TestRecord<byte[], byte[]> dead = deadLetters().readRecord();
        assertThat(dead.value())
                .isEqualTo(input.enrichedReadings()
                        .valueSerde()
                        .serializer()
                        .serialize(topics.enrichedReadings().name(), poison));
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("dev-1");
        assertThat(header(dead, DeadLetterHeaders.REASON)).startsWith("processing failed in alerts-evaluator");
        assertThat(header(dead, DeadLetterHeaders.EXCEPTION)).isNotBlank();
        assertThat(header(dead, DeadLetterHeaders.SOURCE_TOPIC))
                .isEqualTo(topics.enrichedReadings().name());
        assertThat(header(dead, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("0");
        assertThat(header(dead, DeadLetterHeaders.STAGE)).isEqualTo("streams");
        assertThat(meters.get(DeadLetterHandler.COUNTER)
                        .tag("topic", topics.enrichedReadings().name())
                        .tag("reason", DeadLetterHandler.REASON_PROCESSING)
                        .counter()
                        .count())
                .isEqualTo(1.0);
        // The next record is processed as usual.
        assertThat(alerts.readValuesToList())
                .extracting(Alert::getAlertId)
                .containsExactly("hot/dev-2/air_temperature");
    }

    @Test
    void shouldFailTheTaskNotDeadLetterWhenTheRegistryIsDownWhileWriting() {
        start(alertsTopology());
        TestInputTopic<String, AlertRule> rules = driver.createInputTopic(
                topics.alertRules().name(),
                new StringSerializer(),
                input.alertRules().valueSerde().serializer());
        TestInputTopic<String, Reading> readings = driver.createInputTopic(
                topics.enrichedReadings().name(),
                new StringSerializer(),
                input.enrichedReadings().valueSerde().serializer());
        rules.pipeInput(
                "hot",
                AlertRule.newBuilder()
                        .setRuleId("hot")
                        .setDirection(Direction.ABOVE)
                        .setThreshold(30)
                        .build());
        readings.pipeInput("dev-1", minimalReading("dev-1", "air_temperature", T0, 20.0));

        // The reading decodes (its schema is cached), but the alert it raises cannot be serialized.
        registry.down(true);
        assertThatThrownBy(() -> readings.pipeInput(
                        "dev-1", minimalReading("dev-1", "air_temperature", T0.plusSeconds(1), 40.0)))
                .isInstanceOf(StreamsException.class);

        assertThat(deadLetters().isEmpty())
                .as("a valid reading must not be dead-lettered")
                .isTrue();
        assertThat(deadLettersCounted()).isZero();
    }

    static String header(TestRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
