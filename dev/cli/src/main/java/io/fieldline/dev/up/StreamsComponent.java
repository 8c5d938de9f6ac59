package io.fieldline.dev.up;

import io.fieldline.schemas.Topics;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.runtime.FieldlineStreams;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** The Kafka Streams applications: readings (enrichment and aggregates), alerts, anomalies, KPIs. */
final class StreamsComponent {

    private StreamsComponent() {}

    static PipelineComponent create(UpContext context) {
        Map<String, Object> config = new HashMap<>(context.config());
        config.putIfAbsent(
                StreamsSettingsConfig.STATE_DIR,
                context.dataDir().resolve("streams").toString());
        // The simulated devices of a room report in step, so the demo needs no long wait for
        // stragglers before a room's KPI window is computed: the first VPD shows after ~90 s.
        config.putIfAbsent(StreamsSettingsConfig.KPI_GRACE_MS, "15000");
        Topics topics = new Topics(
                context.topics(),
                new HttpSchemaRegistryClient(context.stack().schemaRegistry().url()));
        FieldlineStreams streams = new FieldlineStreams(
                new StreamsSettingsConfig(config),
                context.kafka(),
                topics,
                context.meters(),
                // Global tables (metadata) get the same processing exception handling as the rest.
                // Kafka 5.0 makes this the default and 4.3 already deprecates the constant, so the
                // key is spelled out.
                Map.of("processing.exception.handler.global.enabled", true));
        return Components.of(
                "streams",
                () -> {
                    streams.start();
                    streams.awaitRunning(Duration.ofSeconds(90));
                },
                streams::close,
                () -> {
                    Map<String, Object> summary = new LinkedHashMap<>();
                    streams.counters().forEach((name, value) -> summary.put(name, value.longValue()));
                    return summary;
                });
    }
}
