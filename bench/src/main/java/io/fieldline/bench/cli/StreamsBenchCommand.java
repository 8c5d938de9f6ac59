package io.fieldline.bench.cli;

import io.fieldline.bench.streams.StreamsBenchmark;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.topologies.StreamsSettingsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fieldline bench streams}: readings per second through the readings application (enrichment and aggregates) with
 * exactly-once, beside the raw consumer rate of the same topic, on the given cluster or, without
 * one, on a freshly started embedded stack. Not registered yet: the integrator adds it under
 * {@code bench}.
 */
@Command(
        name = "streams",
        mixinStandardHelpOptions = true,
        description = "Measure readings/s through the readings application, enrichment and aggregates (exactly-once), "
                + "beside the raw consumer rate of the same topic.")
public final class StreamsBenchCommand implements Callable<Integer> {

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOST:PORT",
            description = "Kafka cluster to use; without it an embedded broker and registry are started.")
    String bootstrapServers;

    @Option(
            names = "--schema-registry-url",
            paramLabel = "URL",
            description = "Schema Registry of that cluster (required with --bootstrap-servers).")
    String schemaRegistryUrl;

    @Option(
            names = "--readings",
            paramLabel = "N",
            defaultValue = "4000000",
            description = "Readings to preload and process in the measured round.")
    int readings;

    @Option(
            names = "--warmup-readings",
            paramLabel = "N",
            defaultValue = "3000000",
            description = "Readings of a warm-up round run first and not counted (0: none), so that the measured "
                    + "round runs JIT-compiled code.")
    int warmupReadings;

    @Option(names = "--devices", paramLabel = "N", defaultValue = "2000", description = "Devices (five sensors each).")
    int devices;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "4",
            description = "Partitions of the benchmark topics.")
    int partitions;

    @Option(names = "--threads", defaultValue = "2", description = "Stream threads of the readings application.")
    int threads;

    @Option(names = "--guarantee", defaultValue = "exactly_once_v2", description = "exactly_once_v2 or at_least_once.")
    String guarantee;

    @Option(
            names = "--commit-interval-ms",
            description = "Streams commit interval (default: the readings application's, "
                    + "streams.readings.commit.interval.ms's).")
    Long commitIntervalMs;

    @Option(
            names = {"-s", "--set"},
            paramLabel = "KEY=VALUE",
            description = "Streams setting (streams.*) for the run, repeatable; the options above win.")
    Map<String, String> settings = Map.of();

    @Override
    public Integer call() throws Exception {
        Path stateDir = Files.createTempDirectory("fieldline-bench-streams");
        StreamsBenchmark.Options options = new StreamsBenchmark.Options(
                readings,
                warmupReadings,
                devices,
                partitions,
                threads,
                guarantee,
                commitIntervalMs != null
                        ? commitIntervalMs
                        : new StreamsSettingsConfig(settings)
                                .commitInterval("readings")
                                .millis(),
                stateDir,
                settings);
        if (bootstrapServers != null) {
            if (schemaRegistryUrl == null) {
                System.err.println("--schema-registry-url is required with --bootstrap-servers");
                return 2;
            }
            System.out.println(new StreamsBenchmark(bootstrapServers, schemaRegistryUrl).run(options));
            return 0;
        }
        try (EmbeddedStack stack = EmbeddedStack.start()) {
            System.out.println(new StreamsBenchmark(
                            stack.kafka().bootstrapServers(),
                            stack.schemaRegistry().url())
                    .run(options));
        }
        return 0;
    }
}
