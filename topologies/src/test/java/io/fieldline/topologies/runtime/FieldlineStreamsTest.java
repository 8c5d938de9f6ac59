package io.fieldline.topologies.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.schemas.Topics;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.support.TestTopics;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.errors.TopologyException;
import org.apache.kafka.streams.kstream.Consumed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FieldlineStreamsTest {

    private final Topics topics = TestTopics.create();

    @Test
    void shouldConfigureExactlyOnceDeadLettersAndExplicitNaming(@TempDir Path stateDir) {
        StreamsSettingsConfig settings = new StreamsSettingsConfig(Map.of(
                StreamsSettingsConfig.STATE_DIR,
                stateDir.toString(),
                StreamsSettingsConfig.APPLICATION_ID_PREFIX,
                "farm"));
        FieldlineStreams streams = new FieldlineStreams(
                settings,
                KafkaClientConfig.forBootstrapServers("broker:9092"),
                topics,
                null,
                Map.of(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2));
        Properties props = streams.properties("alerts");

        assertThat(props.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("farm-alerts");
        assertThat(props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(props.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(100L);
        // Each application its own interval: short on the alert path, long where nothing waits.
        assertThat(streams.properties("readings").get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG))
                .isEqualTo(100L);
        assertThat(streams.properties("anomalies").get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG))
                .isEqualTo(1000L);
        assertThat(streams.properties("kpis").get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG))
                .isEqualTo(1000L);
        assertThat(props.get(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG))
                .isEqualTo(DeadLetterHandler.class);
        assertThat(props.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG))
                .isEqualTo(ProcessingDeadLetterHandler.class);
        assertThat(props.get(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG))
                .isEqualTo(ProductionDeadLetterHandler.class);
        assertThat(props.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG))
                .isEqualTo("deadletter.streams");
        assertThat(props.get(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG))
                .isEqualTo(true);
        assertThat(props.get(StreamsConfig.STATE_DIR_CONFIG)).isEqualTo(stateDir.toString());
        assertThat(props.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG)).isEqualTo(2);
    }

    @Test
    void shouldBuildEveryApplicationUnderEnforcedExplicitNaming(@TempDir Path stateDir) {
        StreamsSettingsConfig settings =
                new StreamsSettingsConfig(Map.of(StreamsSettingsConfig.STATE_DIR, stateDir.toString()));
        FieldlineStreams streams =
                new FieldlineStreams(settings, KafkaClientConfig.forBootstrapServers("localhost:1"), topics, null);
        FieldlineTopologies topologies = new FieldlineTopologies(settings, topics);
        for (String application : settings.applications()) {
            Properties props = streams.properties(application);
            TopologyConfig config = new TopologyConfig(new StreamsConfig(props));
            // Nothing connects before start(): constructing and closing is safe without a broker.
            new KafkaStreams(topologies.build(application, config), props).close();
        }
        // The check is real: the same configuration refuses an unnamed aggregation.
        StreamsBuilder unnamed = new StreamsBuilder(new TopologyConfig(new StreamsConfig(streams.properties("kpis"))));
        unnamed.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey()
                .count();
        assertThatThrownBy(unnamed::build).isInstanceOf(TopologyException.class);
    }

    @Test
    void shouldTakeTheSharedKafkaBlockAndRefuseToSetAStreamsKeyTwice(@TempDir Path stateDir) {
        StreamsSettingsConfig settings = new StreamsSettingsConfig(
                Map.of(StreamsSettingsConfig.STATE_DIR, stateDir.toString(), StreamsSettingsConfig.NUM_THREADS, "3"));
        KafkaClientConfig kafka = new KafkaClientConfig(Map.of(
                KafkaClientConfig.BOOTSTRAP_SERVERS,
                "k1:9093",
                KafkaClientConfig.SECURITY_PROTOCOL,
                "SSL",
                KafkaClientConfig.SSL_TRUSTSTORE_PASSWORD,
                "trust-secret",
                "kafka.streams.producer.batch.size",
                "65536"));

        Properties props = new FieldlineStreams(settings, kafka, topics, null).properties("alerts");

        assertThat(props)
                .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "k1:9093")
                .containsEntry("security.protocol", "SSL")
                .containsEntry("producer.batch.size", "65536")
                .containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 3)
                .containsKey("ssl.truststore.password");
        assertThat(props.toString()).doesNotContain("trust-secret");
        KafkaClientConfig twice = new KafkaClientConfig(
                Map.of(KafkaClientConfig.BOOTSTRAP_SERVERS, "k1:9093", "kafka.streams.num.stream.threads", "4"));
        assertThatThrownBy(() -> new FieldlineStreams(settings, twice, topics, null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.streams.num.stream.threads")
                .hasMessageContaining(StreamsSettingsConfig.NUM_THREADS);
        // Commit intervals: a pass-through replaces the applications' defaults, but not a key the user set.
        KafkaClientConfig commit = new KafkaClientConfig(
                Map.of(KafkaClientConfig.BOOTSTRAP_SERVERS, "k1:9093", "kafka.streams.commit.interval.ms", "250"));
        assertThat(new FieldlineStreams(settings, commit, topics, null)
                        .properties("kpis")
                        .get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG))
                .isEqualTo("250");
        StreamsSettingsConfig ownInterval = new StreamsSettingsConfig(Map.of(
                StreamsSettingsConfig.STATE_DIR,
                stateDir.toString(),
                StreamsSettingsConfig.KPIS_COMMIT_INTERVAL_MS,
                "2000"));
        assertThatThrownBy(() -> new FieldlineStreams(ownInterval, commit, topics, null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.streams.commit.interval.ms")
                .hasMessageContaining(StreamsSettingsConfig.KPIS_COMMIT_INTERVAL_MS);
        KafkaClientConfig handler = new KafkaClientConfig(Map.of(
                KafkaClientConfig.BOOTSTRAP_SERVERS,
                "k1:9093",
                "kafka.streams.errors.dead.letter.queue.topic.name",
                "elsewhere"));
        assertThatThrownBy(() -> new FieldlineStreams(settings, handler, topics, null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.streams.errors.dead.letter.queue.topic.name");
    }
}
