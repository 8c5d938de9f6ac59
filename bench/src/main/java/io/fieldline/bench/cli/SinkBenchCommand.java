package io.fieldline.bench.cli;

import io.fieldline.bench.sink.SinkBenchmark;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.StackOptions;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.sink.SinkConfig;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fieldline bench sink}: measurement rows per second from Kafka into PostgreSQL through the sink,
 * beside a raw binary COPY of the same rows into the same table layout, and the same for Redis against a
 * raw pipelined HSET, on the given servers or, without them, on a freshly started embedded stack. Not
 * registered yet: the integrator adds it under {@code bench}.
 */
@Command(
        name = "sink",
        mixinStandardHelpOptions = true,
        description = "Measure rows/s Kafka -> PostgreSQL through the sink beside a raw binary COPY of the same rows, "
                + "and Kafka -> Redis beside a raw pipelined HSET.")
public final class SinkBenchCommand implements Callable<Integer> {

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOST:PORT",
            description = "Kafka cluster to use; without it the whole embedded stack is started.")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL", description = "Schema Registry of that cluster.")
    String schemaRegistryUrl;

    @Option(names = "--jdbc-url", paramLabel = "URL", description = "PostgreSQL or TimescaleDB database.")
    String jdbcUrl;

    @Option(names = "--jdbc-user", defaultValue = "postgres", description = "Database user.")
    String jdbcUser;

    @Option(names = "--jdbc-password", defaultValue = "", description = "Database password.")
    String jdbcPassword;

    @Option(names = "--redis-url", paramLabel = "URL", description = "Redis (redis://host:port).")
    String redisUrl;

    @Option(
            names = "--readings",
            paramLabel = "N",
            defaultValue = "1000000",
            description = "Readings to load into the measurement table.")
    int readings;

    @Option(names = "--devices", paramLabel = "N", defaultValue = "1000", description = "Devices.")
    int devices;

    @Option(names = "--sensors", defaultValue = "10", description = "Sensors per device.")
    int sensors;

    @Option(names = "--batch-size", defaultValue = "5000", description = "Sink batch size, and rows per raw COPY.")
    int batchSize;

    @Option(names = "--write-mode", defaultValue = "direct-first", description = "direct-first or staging.")
    String writeMode;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "3",
            description = "Partitions of the benchmark topic.")
    int partitions;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds per path; the best counts.")
    int rounds;

    @Option(
            names = "--timescale",
            description =
                    "Both PostgreSQL paths write into a TimescaleDB hypertable (sink.postgres.timescale=require); "
                            + "without --jdbc-url the embedded stack runs the installed TimescaleDB "
                            + "(embedded.postgres.timescale).")
    boolean timescale;

    @Override
    public Integer call() throws Exception {
        SinkConfig.WriteMode mode =
                SinkConfig.WriteMode.valueOf(writeMode.toUpperCase(Locale.ROOT).replace('-', '_'));
        Map<String, String> sinkProperties = timescale ? Map.of(SinkConfig.POSTGRES_TIMESCALE, "require") : Map.of();
        if (bootstrapServers != null) {
            if (schemaRegistryUrl == null || jdbcUrl == null || redisUrl == null) {
                System.err.println(
                        "--schema-registry-url, --jdbc-url and --redis-url are required with --bootstrap-servers");
                return 2;
            }
            print(
                    new SinkBenchmark(new SinkBenchmark.Settings(
                                    bootstrapServers,
                                    new HttpSchemaRegistryClient(schemaRegistryUrl),
                                    jdbcUrl,
                                    jdbcUser,
                                    jdbcPassword,
                                    redisUrl,
                                    readings,
                                    devices,
                                    sensors,
                                    batchSize,
                                    mode,
                                    partitions,
                                    rounds,
                                    sinkProperties))
                            .run(),
                    mode);
            return 0;
        }
        StackOptions options = StackOptions.builder()
                .postgresServer(
                        timescale ? StackOptions.PostgresChoice.newestTimescale() : StackOptions.PostgresChoice.zonky())
                .build();
        try (EmbeddedStack stack = EmbeddedStack.start(options)) {
            print(
                    new SinkBenchmark(new SinkBenchmark.Settings(
                                    stack.kafka().bootstrapServers(),
                                    new HttpSchemaRegistryClient(
                                            stack.schemaRegistry().url()),
                                    stack.postgres().jdbcUrl(),
                                    stack.postgres().user(),
                                    stack.postgres().password(),
                                    stack.redis().url(),
                                    readings,
                                    devices,
                                    sensors,
                                    batchSize,
                                    mode,
                                    partitions,
                                    rounds,
                                    sinkProperties))
                            .run(),
                    mode);
        }
        return 0;
    }

    private void print(SinkBenchmark.Result result, SinkConfig.WriteMode mode) {
        System.out.printf(
                "%d readings, %d devices x %d sensors, batch %d, write mode %s, %s, best of %d rounds%n%n%s",
                readings,
                devices,
                sensors,
                batchSize,
                mode,
                timescale ? "TimescaleDB hypertable" : "layout chosen by the server (sink.postgres.timescale=auto)",
                rounds,
                result.toMarkdown());
    }
}
