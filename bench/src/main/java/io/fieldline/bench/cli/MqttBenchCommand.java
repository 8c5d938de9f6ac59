package io.fieldline.bench.cli;

import io.fieldline.bench.mqtt.MqttBridgeBenchmark;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.MqttBroker;
import io.fieldline.embedded.StackOptions;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fieldline bench mqtt}: the MQTT bridge's throughput into Kafka against a plain Paho
 * subscriber on the same broker, in the same run (see docs/benchmarks.md, "MQTT bridge"). Without
 * endpoints it starts the embedded servers. Meant as the {@code mqtt} subcommand of a
 * {@code bench} command.
 */
@Command(
        name = "mqtt",
        mixinStandardHelpOptions = true,
        description = "Measure MQTT bridge throughput (QoS 1 messages/s into Kafka) against a plain subscriber.")
public final class MqttBenchCommand implements Callable<Integer> {

    @Option(
            names = "--messages",
            paramLabel = "N",
            defaultValue = "100000",
            description = "Messages in the measured round (default: ${DEFAULT-VALUE}).")
    int messages;

    @Option(
            names = "--warmup-messages",
            paramLabel = "N",
            defaultValue = "100000",
            description =
                    "Messages of a warm-up round run first and not counted, 0 for none (default: ${DEFAULT-VALUE}).")
    int warmupMessages;

    @Option(
            names = "--publishers",
            defaultValue = "4",
            description = "Publisher connections (default: ${DEFAULT-VALUE}).")
    int publishers;

    @Option(
            names = "--devices",
            paramLabel = "N",
            defaultValue = "100",
            description = "Simulated devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "6",
            description = "Partitions of the readings topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(
            names = "--mode",
            defaultValue = "LIVE",
            description = "LIVE (both consumers connected while publishing) or BACKLOG (each drains a queued backlog).")
    MqttBridgeBenchmark.Mode mode;

    @Option(names = "--plain-subscriptions", description = "Subscribe without shared-subscription groups.")
    boolean plainSubscriptions;

    @Option(
            names = "--mqtt-persistence",
            defaultValue = "file",
            description =
                    "Persistence of the embedded " + "HiveMQ CE broker: in-memory or file (default: ${DEFAULT-VALUE}).")
    String mqttPersistence;

    @Option(
            names = "--mqtt-url",
            paramLabel = "URL",
            description = "MQTT broker; with --bootstrap-servers and --schema-registry-url, "
                    + "no embedded server is started.")
    String mqttUrl;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL", description = "Schema Registry URL.")
    String schemaRegistryUrl;

    @Option(
            names = {"-s", "--set"},
            paramLabel = "KEY=VALUE",
            description = "Bridge setting (mqtt.*) for the run, repeatable.")
    Map<String, String> bridgeSettings = Map.of();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        boolean external = mqttUrl != null && bootstrapServers != null && schemaRegistryUrl != null;
        EmbeddedStack stack = external
                ? null
                : EmbeddedStack.start(StackOptions.builder()
                        .mqttPersistence(MqttBroker.Persistence.fromConfigName(mqttPersistence))
                        .build());
        try {
            String mqtt = external ? mqttUrl : stack.mqtt().url();
            String kafka = external ? bootstrapServers : stack.kafka().bootstrapServers();
            String registry =
                    external ? schemaRegistryUrl : stack.schemaRegistry().url();
            MqttBridgeBenchmark.Settings settings = new MqttBridgeBenchmark.Settings(
                    mqtt,
                    kafka,
                    messages,
                    warmupMessages,
                    publishers,
                    devices,
                    partitions,
                    !plainSubscriptions,
                    mode,
                    Map.copyOf(bridgeSettings));
            MqttBridgeBenchmark.Result result = new MqttBridgeBenchmark(
                            settings,
                            AvroSerdes.specific(Reading.class, new HttpSchemaRegistryClient(registry), false)
                                    .serializer())
                    .run();
            out.printf("Plain Paho subscriber: %.0f msg/s%n", result.subscriberRate());
            out.printf("Bridge into Kafka:     %.0f msg/s (%d readings)%n", result.bridgeRate(), result.readings());
            out.printf("Ratio:                 %.2f (target >= 0.90)%n", result.ratio());
            out.println(result);
            if (!result.cpuNanos().isEmpty()) {
                out.println(result.cpuReport());
            }
            out.flush();
            return 0;
        } finally {
            if (stack != null) {
                stack.close();
            }
        }
    }
}
