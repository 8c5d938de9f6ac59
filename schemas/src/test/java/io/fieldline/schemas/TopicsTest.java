package io.fieldline.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import io.fieldline.schemas.serde.ConfluentWireFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopicsTest {

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final Topics topics = new Topics(new TopicNames("test."), registry);

    @Test
    void shouldNameEveryTopicWithThePrefix() {
        List<Topic<String, ?>> all = List.of(
                topics.readings(),
                topics.enrichedReadings(),
                topics.lateReadings(),
                topics.aggregates1m(),
                topics.aggregates1h(),
                topics.alerts(),
                topics.anomalies(),
                topics.kpis(),
                topics.canFrames(),
                topics.devices(),
                topics.sensors(),
                topics.alertRules());

        assertThat(all)
                .extracting(Topic::name)
                .allSatisfy(name -> assertThat(name).startsWith("test."));
        assertThat(all)
                .extracting(Topic::name)
                .containsExactlyInAnyOrderElementsOf(
                        concat(topics.names().dataTopics(), topics.names().metadataTopics()));
        assertThat(topics.names().prefix()).isEqualTo("test.");
    }

    @Test
    void shouldWriteStringKeysAndAvroValuesUnderTheValueSubject() {
        Topic<String, Reading> readings = topics.readings();
        Reading reading = Reading.newBuilder()
                .setDeviceId("dev-1")
                .setSensor("t")
                .setValue(1.0)
                .setEventTime(Instant.EPOCH)
                .setIngestTime(Instant.EPOCH)
                .build();

        byte[] key = readings.keySerde().serializer().serialize(readings.name(), "dev-1");
        byte[] value = readings.valueSerde().serializer().serialize(readings.name(), reading);

        assertThat(key).isEqualTo("dev-1".getBytes(StandardCharsets.UTF_8));
        assertThat(ConfluentWireFormat.schemaId(value))
                .isEqualTo(registry.latest("test.telemetry.readings-value").id());
        assertThat(readings.valueSerde().deserializer().deserialize(readings.name(), value))
                .isEqualTo(reading);
        assertThat(registry.subjects()).containsExactly("test.telemetry.readings-value");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
