package io.fieldline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaBrokersConfigTest {

    @Test
    void shouldStartOneBrokerUnlessToldOtherwise() {
        assertThat(StackOptions.from(new EmbeddedConfig(Map.of())).kafkaBrokers())
                .isEqualTo(1);
        assertThat(StackOptions.allEmbedded().kafkaBrokers()).isEqualTo(1);
    }

    @Test
    void shouldAskForAClusterOfThree() {
        StackOptions options = StackOptions.from(new EmbeddedConfig(Map.of(EmbeddedConfig.KAFKA_BROKERS, "3")));

        assertThat(options.kafkaBrokers()).isEqualTo(3);
        assertThat(options.kafka()).isEmpty();
    }

    @Test
    void shouldRefuseAnyOtherNumberOfBrokersNamingTheKey() {
        for (String brokers : new String[] {"0", "2", "4", "three"}) {
            assertThatThrownBy(() -> new EmbeddedConfig(Map.of(EmbeddedConfig.KAFKA_BROKERS, brokers)))
                    .as(brokers)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("embedded.kafka.brokers");
        }
        assertThatThrownBy(() -> StackOptions.builder().kafkaBrokers(2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 or 3");
    }

    @Test
    void shouldRefuseAClusterWhenKafkaIsExternal() {
        assertThatThrownBy(() -> new EmbeddedConfig(
                        Map.of(EmbeddedConfig.KAFKA_BROKERS, "3", "kafka.bootstrap.servers", "kafka-1:9092")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("embedded.kafka.brokers")
                .hasMessageContaining("kafka.bootstrap.servers");
        assertThatThrownBy(() -> StackOptions.builder()
                        .externalKafka("kafka-1:9092")
                        .kafkaBrokers(3)
                        .build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
