package io.fieldline.dev.up;

import io.fieldline.app.AppConfig;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.registry.SchemaRegistryClientConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.Map;

/**
 * What every component of {@code fieldline up} is built from: the merged configuration, the
 * servers (embedded or external), the topic names and the shared meter registry.
 *
 * @param config   the merged configuration keys (file, environment, --set)
 * @param app      the application settings
 * @param stack    the servers
 * @param topics   the topic names, with the configured prefix
 * @param meters   where every component registers its metrics
 * @param dataDir  the directory for local state (Streams state stores, offsets)
 */
public record UpContext(
        Map<String, String> config,
        AppConfig app,
        EmbeddedStack stack,
        TopicNames topics,
        MeterRegistry meters,
        Path dataDir) {

    /**
     * The configuration plus the endpoints of the servers, as the modules' configs expect them: the
     * Kafka cluster in use is {@code kafka.bootstrap.servers} (the embedded broker's when none was set).
     */
    public Map<String, Object> configWithEndpoints() {
        Map<String, Object> merged = new java.util.HashMap<>(config);
        merged.put(KafkaClientConfig.BOOTSTRAP_SERVERS, stack.kafka().bootstrapServers());
        merged.put(SchemaRegistryClientConfig.URL, stack.schemaRegistry().url());
        return merged;
    }

    /** How every component reaches Kafka: the {@code kafka.*} block, with the cluster in use. */
    public KafkaClientConfig kafka() {
        return new KafkaClientConfig(configWithEndpoints());
    }
}
