package io.fieldline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigReferenceTest {

    @Test
    void shouldNameTheKeyOfAnInvalidValue() {
        assertThat(ConfigReference.check(Map.of("topics.partitions", "zero")))
                .singleElement()
                .asString()
                .contains("topics.partitions");
    }

    @Test
    void shouldReportUnknownKeysWithTheirEnvironmentVariable() {
        assertThat(ConfigReference.check(Map.of("sink.batch.sise", "5")))
                .singleElement()
                .asString()
                .contains("sink.batch.sise")
                .contains("FIELDLINE_SINK_BATCH_SISE");
    }

    @Test
    void shouldLeaveTheEmbeddedServersOutOfTheProductBuild() {
        assertThat(ConfigReference.sections()).doesNotContainKey("Servers (embedded or external)");
    }

    @Test
    void shouldKnowTheKafkaBlockAndItsPassThroughFamilies() {
        assertThat(ConfigReference.check(Map.of(
                        "kafka.bootstrap.servers",
                        "k1:9093",
                        "kafka.security.protocol",
                        "SASL_SSL",
                        "kafka.producer.linger.ms",
                        "20",
                        "kafka.consumer.fetch.min.bytes",
                        "1024",
                        "kafka.ssl.enabled.protocols",
                        "TLSv1.3",
                        "mqtt.route.values.filter",
                        "a/{device}")))
                .isEmpty();
        assertThat(ConfigReference.sections()).containsKey("Kafka clients");
        assertThat(ConfigReference.markdown()).contains("`kafka.sasl.jaas.config`", "kafka.producer.<property>");
    }

    @Test
    void shouldReportAPassThroughThatRestatesASharedKafkaSetting() {
        assertThat(ConfigReference.check(Map.of("kafka.admin.security.protocol", "SSL")))
                .singleElement()
                .asString()
                .contains("kafka.admin.security.protocol")
                .contains("kafka.security.protocol");
        assertThat(ConfigReference.check(Map.of("mqtt.kafka.bootstrap.servers", "k:9092")))
                .singleElement()
                .asString()
                .contains("mqtt.kafka.bootstrap.servers");
    }
}
