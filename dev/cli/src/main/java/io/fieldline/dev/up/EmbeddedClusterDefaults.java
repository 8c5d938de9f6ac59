package io.fieldline.dev.up;

import io.fieldline.app.AppConfig;
import io.fieldline.embedded.EmbeddedConfig;
import io.fieldline.embedded.KafkaCluster;
import io.fieldline.topologies.StreamsSettingsConfig;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * What {@code fieldline up} changes when it starts the embedded Kafka as a cluster of three ({@code --brokers 3},
 * {@value EmbeddedConfig#KAFKA_BROKERS}{@code =3}): Fieldline's topics and Kafka Streams' internal topics get three
 * replicas, like every other topic of that cluster, instead of the single replica their keys default to. A value set
 * explicitly (file, environment, {@code --set}) is kept.
 */
final class EmbeddedClusterDefaults {

    private EmbeddedClusterDefaults() {}

    /**
     * @param settings the merged configuration, changed in place
     * @throws ConfigException naming {@value EmbeddedConfig#KAFKA_BROKERS} when it is invalid
     */
    static void apply(Map<String, String> settings) {
        if (new EmbeddedConfig(settings).getInt(EmbeddedConfig.KAFKA_BROKERS) != KafkaCluster.SIZE) {
            return;
        }
        String replicas = Integer.toString(KafkaCluster.SIZE);
        settings.putIfAbsent(AppConfig.TOPICS_REPLICATION_FACTOR, replicas);
        settings.putIfAbsent(StreamsSettingsConfig.REPLICATION_FACTOR, replicas);
    }
}
