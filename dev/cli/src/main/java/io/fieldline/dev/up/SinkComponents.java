package io.fieldline.dev.up;

import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.sink.Migrations;
import io.fieldline.sink.PostgresSinkService;
import io.fieldline.sink.RedisSinkService;
import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.SinkSummary;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The storage side: schema migrations plus demo metadata, and the PostgreSQL and Redis sinks. */
final class SinkComponents {

    private SinkComponents() {}

    static SinkConfig config(UpContext context) {
        Map<String, Object> config = new HashMap<>(context.configWithEndpoints());
        config.putIfAbsent(SinkConfig.POSTGRES_URL, context.stack().postgres().jdbcUrl());
        config.putIfAbsent(SinkConfig.POSTGRES_USER, context.stack().postgres().user());
        config.putIfAbsent(
                SinkConfig.POSTGRES_PASSWORD, context.stack().postgres().password());
        config.putIfAbsent(SinkConfig.REDIS_URL, context.stack().redis().url());
        return new SinkConfig(config);
    }

    /** Migrates the database and writes the demo fleet's metadata (which CDC then publishes). */
    static PipelineComponent schema(UpContext context, List<DemoMetadata.DemoDevice> fleet) {
        SinkConfig config = config(context);
        Map<String, Object> summary = new LinkedHashMap<>();
        return Components.of(
                "database",
                () -> {
                    summary.put(
                            "storage layout",
                            Migrations.apply(context.stack().postgres().dataSource(), config));
                    if (!fleet.isEmpty()) {
                        DemoMetadata.write(context.stack().postgres().dataSource(), fleet);
                        summary.put("demo devices", fleet.size());
                    }
                },
                () -> {},
                () -> summary);
    }

    static PipelineComponent postgres(UpContext context) {
        PostgresSinkService sink = new PostgresSinkService(
                config(context),
                new HttpSchemaRegistryClient(context.stack().schemaRegistry().url()),
                context.meters());
        return Components.of("postgres sink", sink::start, sink::close, () -> describe(sink.summary(), "rows"));
    }

    static PipelineComponent redis(UpContext context) {
        RedisSinkService sink = new RedisSinkService(
                config(context),
                new HttpSchemaRegistryClient(context.stack().schemaRegistry().url()),
                context.meters());
        return Components.of("redis sink", sink::start, sink::close, () -> describe(sink.summary(), "keys"));
    }

    private static Map<String, Object> describe(SinkSummary summary, String storedWhat) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("records consumed", summary.recordsConsumed());
        new TreeMap<>(summary.written()).forEach((name, count) -> out.put("written " + name, count));
        new TreeMap<>(summary.stored()).forEach((name, count) -> out.put(storedWhat + " " + name, count));
        out.put("dead letters", summary.deadLetters());
        out.put("retries", summary.retries());
        return out;
    }
}
