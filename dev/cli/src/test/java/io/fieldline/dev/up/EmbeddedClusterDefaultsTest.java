package io.fieldline.dev.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.app.AppConfig;
import io.fieldline.embedded.EmbeddedConfig;
import io.fieldline.topologies.StreamsSettingsConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class EmbeddedClusterDefaultsTest {

    @Test
    void shouldReplicateTopicsAndStreamsInternalTopicsThreeTimesOnAClusterOfThree() {
        Map<String, String> settings = new HashMap<>(Map.of(EmbeddedConfig.KAFKA_BROKERS, "3"));

        EmbeddedClusterDefaults.apply(settings);

        assertThat(new AppConfig(settings).getShort(AppConfig.TOPICS_REPLICATION_FACTOR))
                .isEqualTo((short) 3);
        assertThat(settings).containsEntry(StreamsSettingsConfig.REPLICATION_FACTOR, "3");
    }

    @Test
    void shouldKeepExplicitReplicationFactors() {
        Map<String, String> settings = new HashMap<>(Map.of(
                EmbeddedConfig.KAFKA_BROKERS, "3",
                AppConfig.TOPICS_REPLICATION_FACTOR, "2",
                StreamsSettingsConfig.REPLICATION_FACTOR, "-1"));

        EmbeddedClusterDefaults.apply(settings);

        assertThat(settings)
                .containsEntry(AppConfig.TOPICS_REPLICATION_FACTOR, "2")
                .containsEntry(StreamsSettingsConfig.REPLICATION_FACTOR, "-1");
    }

    @Test
    void shouldChangeNothingForOneBroker() {
        Map<String, String> settings = new HashMap<>();

        EmbeddedClusterDefaults.apply(settings);

        assertThat(settings).isEmpty();
        assertThat(new AppConfig(settings).getShort(AppConfig.TOPICS_REPLICATION_FACTOR))
                .isEqualTo((short) 1);
    }

    @Test
    void shouldRefuseTwoBrokersNamingTheKey() {
        assertThatThrownBy(
                        () -> EmbeddedClusterDefaults.apply(new HashMap<>(Map.of(EmbeddedConfig.KAFKA_BROKERS, "2"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(EmbeddedConfig.KAFKA_BROKERS);
    }
}
