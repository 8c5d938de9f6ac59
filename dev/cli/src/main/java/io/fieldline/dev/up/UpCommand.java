package io.fieldline.dev.up;

import io.fieldline.app.AppConfig;
import io.fieldline.app.ConfigOptions;
import io.fieldline.app.ConfigReference;
import io.fieldline.app.TopicProvisioner;
import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.EmbeddedConfig;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.StackOptions;
import io.fieldline.schemas.TopicNames;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fieldline up}: the whole pipeline on embedded servers (or external ones, by
 * configuration), fed by the device simulator, until Ctrl-C or {@code --duration}.
 */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = "Start the servers and the whole pipeline, fed by a device simulator; "
                + "stop on Ctrl-C or after --duration, then print what flowed.")
public final class UpCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(UpCommand.class);

    @Mixin
    ConfigOptions configOptions;

    @Option(
            names = "--duration",
            paramLabel = "SECONDS",
            defaultValue = "0",
            description = "Stop after this many seconds (0: run until Ctrl-C).")
    long durationSeconds;

    @Option(
            names = "--devices",
            paramLabel = "N",
            defaultValue = "12",
            description = "Simulated devices (grow rooms and poultry houses); 0 disables the simulator.")
    int devices;

    @Option(
            names = "--rate",
            paramLabel = "MSG_PER_S",
            defaultValue = "24",
            description = "Simulator messages per second, over the whole fleet.")
    double rate;

    @Option(
            names = "--fault-rate",
            paramLabel = "X",
            defaultValue = "1",
            description = "Simulated faults (dropouts, climate failures, stuck and drifting sensors, spikes): "
                    + "1 is about one per device every two hours, 0 none, 10 a bad day.")
    double faultRate;

    @Option(
            names = "--drain",
            paramLabel = "SECONDS",
            defaultValue = "45",
            description = "At stop, how long to wait for the bridge to take what the embedded MQTT broker still "
                    + "holds (after the simulator stopped); what is left then is reported.")
    long drainSeconds;

    @Option(names = "--no-can", description = "Do not replay the bundled CAN demo log.")
    boolean noCan;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        long begin = System.nanoTime();
        if (drainSeconds < 0) {
            throw new IllegalArgumentException("--drain must be 0 or more seconds, got " + drainSeconds);
        }
        if (!(faultRate >= 0) || Double.isInfinite(faultRate)) {
            throw new IllegalArgumentException("--fault-rate must be 0 or more, got " + faultRate);
        }
        Map<String, String> config = configOptions.load();
        List<String> problems = ConfigReference.check(config);
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join("; ", problems));
        }
        String protocol = config.getOrDefault(KafkaClientConfig.SECURITY_PROTOCOL, "PLAINTEXT");
        if (!config.containsKey(KafkaClientConfig.BOOTSTRAP_SERVERS) && !"PLAINTEXT".equalsIgnoreCase(protocol)) {
            throw new ConfigException(
                    KafkaClientConfig.SECURITY_PROTOCOL,
                    protocol,
                    "the embedded broker, started because " + KafkaClientConfig.BOOTSTRAP_SERVERS
                            + " is not set, speaks PLAINTEXT only");
        }
        AppConfig app = new AppConfig(config);
        Path dataDir = Path.of(app.getString(AppConfig.DATA_DIR)).toAbsolutePath();
        Files.createDirectories(dataDir);

        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    stop.countDown();
                    try {
                        // The JVM exits when the hooks return: wait for the clean shutdown below.
                        stopped.await(60 + drainSeconds, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "fieldline-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        List<PipelineComponent> running = new ArrayList<>();
        Map<String, Map<String, Object>> summaries = new LinkedHashMap<>();
        try (EmbeddedStack stack = EmbeddedStack.start(StackOptions.from(new EmbeddedConfig(config)))) {
            TopicNames topics = new TopicNames(app.getString(AppConfig.TOPICS_PREFIX));
            if (stack.startedServer("kafka").isPresent()) {
                // A fresh embedded broker has none of the changelogs an old local state refers to:
                // start the Streams state from scratch too, instead of restoring and discarding it.
                deleteRecursively(dataDir.resolve("streams"));
            }
            UpContext context = new UpContext(config, app, stack, topics, meters, dataDir);
            printEndpoints(stack, dataDir);
            try (Admin admin = Admin.create(context.kafka()
                    .adminProperties(ClientRules.of("fieldline up")
                            .byDefault(AdminClientConfig.CLIENT_ID_CONFIG, "fieldline-up-admin")))) {
                new TopicProvisioner(
                                topics,
                                app.getInt(AppConfig.TOPICS_PARTITIONS),
                                app.getShort(AppConfig.TOPICS_REPLICATION_FACTOR))
                        .createMissing(admin);
                try {
                    for (PipelineComponent component : Pipeline.components(
                            context,
                            new Pipeline.Options(
                                    devices, rate, faultRate, !noCan, java.time.Duration.ofSeconds(drainSeconds)))) {
                        LOG.info("Starting {}", component.name());
                        running.add(component);
                        component.start();
                    }
                    out.printf(
                            "%nFieldline is up: ready in %.1f s. %s%n",
                            (System.nanoTime() - begin) / 1e9,
                            durationSeconds > 0 ? "Stopping in " + durationSeconds + " s." : "Ctrl-C stops it.");
                    out.flush();
                    if (durationSeconds > 0) {
                        stop.await(durationSeconds, TimeUnit.SECONDS);
                    } else {
                        stop.await();
                    }
                    out.println("\nStopping...");
                } finally {
                    // Sources stop first, so what they sent can still be written by the sinks; each
                    // summary is taken just before its component stops, while its stores still answer.
                    for (int i = running.size() - 1; i >= 0; i--) {
                        PipelineComponent component = running.get(i);
                        if (component.summarizedAfterClose()) {
                            closeQuietly(component);
                            summaries.put(component.name(), summaryOf(component));
                        } else {
                            summaries.put(component.name(), summaryOf(component));
                            closeQuietly(component);
                        }
                    }
                }
                printSummary(admin, topics, running, summaries);
            }
        } finally {
            stopped.countDown();
            if (durationSeconds > 0 && stop.getCount() > 0) {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        }
        return 0;
    }

    private void printEndpoints(EmbeddedStack stack, Path dataDir) throws java.io.IOException {
        Map<String, String> endpoints = stack.endpoints();
        StringBuilder env = new StringBuilder("# Written by fieldline up: endpoints of the running servers.\n");
        out.println("\nServers:");
        endpoints.forEach((key, value) -> {
            env.append(key).append('=').append(value).append('\n');
            if (!key.endsWith("PASSWORD")) {
                out.printf("  %-24s %s%n", key, value);
            }
        });
        Path file = dataDir.resolve("endpoints.env");
        Files.writeString(file, env.toString(), StandardCharsets.UTF_8);
        out.println("  (also in " + file + ")");
    }

    private void printSummary(
            Admin admin,
            TopicNames topics,
            List<PipelineComponent> components,
            Map<String, Map<String, Object>> summaries)
            throws InterruptedException {
        List<String> names = new ArrayList<>(topics.dataTopics());
        names.addAll(topics.metadataTopics());
        TopicProvisioner.DEAD_LETTER_STAGES.forEach(stage -> names.add(topics.deadLetters(stage)));
        Map<String, Long> counts = TopicCounts.of(admin, names);
        out.println("\nSummary");
        out.println("  Records per topic:");
        counts.forEach((topic, count) -> out.printf("    %-34s %,12d%n", topic, count));
        out.println("    (end minus start offsets; topics written with exactly-once also count their commit markers)");
        for (PipelineComponent component : components) {
            Map<String, Object> summary = summaries.getOrDefault(component.name(), Map.of());
            if (!summary.isEmpty()) {
                out.println("  " + component.name() + ":");
                summary.forEach((key, value) -> out.printf("    %-34s %12s%n", key, format(value)));
            }
        }
        out.flush();
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
                for (Path path :
                        paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    private static String format(Object value) {
        if (value instanceof Long || value instanceof Integer) {
            return String.format("%,d", ((Number) value).longValue());
        }
        return String.valueOf(value);
    }

    private static Map<String, Object> summaryOf(PipelineComponent component) {
        try {
            return new LinkedHashMap<>(component.summary());
        } catch (RuntimeException e) {
            LOG.warn("No summary from {}: {}", component.name(), e.toString());
            return Map.of();
        }
    }

    private static void closeQuietly(PipelineComponent component) {
        try {
            component.close();
        } catch (RuntimeException e) {
            LOG.warn("Stopping {} failed: {}", component.name(), e.toString(), e);
        }
    }
}
