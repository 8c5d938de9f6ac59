package io.fieldline.dev.up;

import io.fieldline.app.AppConfig;
import io.fieldline.app.service.ServiceContext;
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
public record UpContext(
        Map<String, String> config,
        AppConfig app,
        EmbeddedStack stack,
        TopicNames topics,
        MeterRegistry meters,
        Path dataDir) {

    /** The same context as {@code fieldline run} builds, with the servers' endpoints from the stack. */
    public ServiceContext service() {
        return new ServiceContext(config, stack.endpoints(), meters);
    }

    /** The configuration plus the endpoints of the servers, as the modules' configs expect them. */
    public Map<String, Object> configWithEndpoints() {
        return service().settings();
    }
}
