package io.fieldline.dev.up;

import io.fieldline.app.AppConfig;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.schemas.TopicNames;
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
public record UpContext(Map<String, String> config, AppConfig app, EmbeddedStack stack, TopicNames topics,
        MeterRegistry meters, Path dataDir) {

    /** The configuration plus the endpoints, as the modules' configs expect them. */
    public Map<String, Object> configWithEndpoints() {
        Map<String, Object> merged = new java.util.HashMap<>(config);
        merged.put("bootstrap.servers", stack.kafka().bootstrapServers());
        merged.put("schema.registry.url", stack.schemaRegistry().url());
        return merged;
    }
}
