package io.fieldline.dev.up;

import io.fieldline.app.AppConfig;
import io.fieldline.app.ConfigOptions;
import io.fieldline.app.ConfigReference;
import io.fieldline.app.TopicProvisioner;
import io.fieldline.app.service.ProcessLifecycle;
import io.fieldline.app.service.ServiceConfig;
import io.fieldline.app.service.ServiceRuntime;
import io.fieldline.app.service.Supervisor;
import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.core.kafka.KafkaLogin;
import io.fieldline.embedded.EmbeddedConfig;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.StackOptions;
import io.fieldline.schemas.TopicNames;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
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

    @Option(
            names = "--servers-only",
            description = "Start the servers, topics, migrations and the demo fleet's metadata (for --devices), and "
                    + "none of the components: run them as their own processes with fieldline run, and feed them "
                    + "with fieldline simulate.")
    boolean serversOnly;

    @Option(
            names = "--brokers",
            paramLabel = "N",
            description = "Brokers of the embedded Kafka: 1 (in this process) or 3 (three processes; topics with "
                    + "replication factor 3 and min.insync.replicas 2). Sets " + EmbeddedConfig.KAFKA_BROKERS + ".")
    Integer brokers;

    @Option(
            names = "--timescale",
            description = "Run PostgreSQL with TimescaleDB (hypertables, compression, retention) from the PostgreSQL "
                    + "installed on this machine instead of the embedded PostgreSQL 17: the same as --set "
                    + EmbeddedConfig.POSTGRES_TIMESCALE + "=true. Install it first as root with "
                    + "../shared/tools/timescaledb/install.sh.")
    boolean timescale;

    private final PrintStream out = System.out;

    /** API_URL and API_TOKENS_FILE for endpoints.env, when the API runs. */
    private final Map<String, String> apiEndpoints = new LinkedHashMap<>();

    /** What {@code up} calls once the pipeline is up, in a developer command that drives it; none by default. */
    @FunctionalInterface
    interface WhenUp {
        /**
         * @param context      the running pipeline's context
         * @param readySeconds seconds from the start of {@code up} to every component started
         */
        void accept(UpContext context, double readySeconds) throws Exception;
    }

    /** Set by {@code bench pipeline}: runs (and blocks) before {@code up} waits for its stop. */
    WhenUp whenUp;

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
        Map<String, String> settings = new LinkedHashMap<>(config);
        if (timescale) {
            settings.put(EmbeddedConfig.POSTGRES_TIMESCALE, "true");
        }
        if (brokers != null) {
            settings.put(EmbeddedConfig.KAFKA_BROKERS, Integer.toString(brokers));
        }
        EmbeddedClusterDefaults.apply(settings);
        // The simulated devices of a room report in step, so the demo needs no long wait for
        // stragglers before a room's KPI window is computed: the first VPD shows after ~90 s.
        settings.putIfAbsent(StreamsSettingsConfig.KPI_GRACE_MS, "15000");
        // Several processes (this one, fieldline run) may run on one host: a free port unless one is set.
        settings.putIfAbsent(ServiceConfig.HTTP_PORT, "0");
        // The HTTP API on loopback, on a free port chosen now so that endpoints.env names it before it starts.
        settings.putIfAbsent(io.fieldline.app.api.ApiConfig.BIND_ADDRESS, "127.0.0.1");
        settings.putIfAbsent(io.fieldline.app.api.ApiConfig.PORT, Integer.toString(freePort()));
        AppConfig app = new AppConfig(settings);
        Path dataDir = Path.of(app.getString(AppConfig.DATA_DIR)).toAbsolutePath();
        Files.createDirectories(dataDir);
        if (!serversOnly) {
            apiEndpoints.put("API_URL", apiUrl(settings));
            apiEndpoints.put(
                    "API_TOKENS_FILE", dataDir.resolve(ApiDemoTokens.FILE).toString());
        }
        // Secure by default: devices log in and publish only as themselves, the bridge as a service user, and the
        // broker has a TLS listener (embedded.mqtt.auth=false turns the first two off).
        Optional<UpMqttSecurity> mqttSecurity = UpMqttSecurity.create(settings, new EmbeddedConfig(settings), dataDir);
        // Passwords an earlier --servers-only run issued: every run issues new ones.
        Files.deleteIfExists(dataDir.resolve(Pipeline.SIMULATOR_CREDENTIALS_FILE));
        // API tokens an earlier run wrote: a run that issues none (--servers-only) must not leave them looking valid;
        // a full run writes this run's once the database is up.
        Files.deleteIfExists(dataDir.resolve(ApiDemoTokens.FILE));
        ServiceConfig service = new ServiceConfig(settings);
        ProcessLifecycle lifecycle = ProcessLifecycle.install(Duration.ofMillis(Math.max(
                service.getLong(ServiceConfig.SHUTDOWN_TIMEOUT_MS), TimeUnit.SECONDS.toMillis(60 + drainSeconds))));

        PrometheusMeterRegistry meters = ServiceRuntime.registry();
        Map<String, Map<String, Object>> summaries = new LinkedHashMap<>();
        List<String> started = new ArrayList<>();
        StackOptions stackOptions = StackOptions.from(new EmbeddedConfig(settings));
        if (mqttSecurity.isPresent()) {
            stackOptions = mqttSecurity.get().apply(stackOptions);
        }
        try (EmbeddedStack stack = EmbeddedStack.start(stackOptions)) {
            TopicNames topics = new TopicNames(app.getString(AppConfig.TOPICS_PREFIX));
            if (stack.startedServer("kafka").isPresent()) {
                // A fresh embedded broker has none of the changelogs an old local state refers to:
                // start the Streams state from scratch too, instead of restoring and discarding it.
                deleteRecursively(dataDir.resolve("streams"));
            }
            UpContext context = new UpContext(settings, app, stack, topics, meters, dataDir);
            mqttSecurity.ifPresent(security ->
                    security.connect(stack, SinkComponents.config(context).schema()));
            // Credentials Kafka refuses stop here, naming the key, before the topics are provisioned.
            KafkaLogin.verify(context.service().kafka(), "fieldline up", Duration.ofSeconds(10));
            ServiceRuntime runtime = new ServiceRuntime(context.service(), meters, lifecycle::exit);
            lifecycle.onStopRequest(runtime.supervisor()::abortStart);
            try (Admin admin = Admin.create(context.service()
                    .kafka()
                    .adminProperties(ClientRules.of("fieldline up")
                            .byDefault(AdminClientConfig.CLIENT_ID_CONFIG, "fieldline-up-admin")))) {
                try {
                    String opsUrl = runtime.openOps("127.0.0.1");
                    printEndpoints(
                            stack,
                            mqttSecurity
                                    .map(security -> security.endpoints(stack))
                                    .orElse(Map.of()),
                            opsUrl,
                            dataDir);
                    new TopicProvisioner(
                                    topics,
                                    app.getInt(AppConfig.TOPICS_PARTITIONS),
                                    app.getShort(AppConfig.TOPICS_REPLICATION_FACTOR))
                            .createMissing(admin);
                    Pipeline.Options options =
                            new Pipeline.Options(devices, rate, faultRate, !noCan, Duration.ofSeconds(drainSeconds));
                    List<Supervisor.Spec> specs = serversOnly
                            ? Pipeline.serversOnly(context, options)
                            : Pipeline.components(context, options);
                    specs.forEach(spec -> started.add(spec.name()));
                    if (!lifecycle.stopRequested()) {
                        runtime.start(specs, "127.0.0.1");
                    }
                    out.printf(
                            "%nFieldline is up%s: ready in %.1f s. %s%n",
                            serversOnly ? " (servers only: start the components with fieldline run)" : "",
                            (System.nanoTime() - begin) / 1e9,
                            durationSeconds > 0 ? "Stopping in " + durationSeconds + " s." : "Ctrl-C stops it.");
                    out.flush();
                    if (whenUp != null && !lifecycle.stopRequested()) {
                        whenUp.accept(context, (System.nanoTime() - begin) / 1e9);
                    }
                    if (durationSeconds > 0) {
                        lifecycle.awaitStop(Duration.ofSeconds(durationSeconds));
                    } else {
                        lifecycle.awaitStop();
                    }
                    out.println("\nStopping...");
                } finally {
                    // Sources stop first, so what they sent can still be written by the sinks; each
                    // summary is taken just before its component stops, while its stores still answer.
                    summaries.putAll(runtime.stop(true));
                }
                printSummary(admin, topics, started, summaries);
            }
        } finally {
            lifecycle.stopped();
        }
        return lifecycle.exitCode();
    }

    private void printEndpoints(EmbeddedStack stack, Map<String, String> mqttSecurity, String opsUrl, Path dataDir)
            throws java.io.IOException {
        Map<String, String> endpoints = new LinkedHashMap<>(stack.endpoints());
        endpoints.putAll(mqttSecurity);
        if (opsUrl != null) {
            endpoints.put("OPS_URL", opsUrl);
        }
        endpoints.putAll(apiEndpoints);
        StringBuilder env = new StringBuilder("# Written by fieldline up: endpoints of the running servers.\n");
        out.println("\nServers:");
        endpoints.forEach((key, value) -> {
            env.append(key).append('=').append(value).append('\n');
            if (!key.endsWith("PASSWORD")) {
                // User-info of an external server's URL stays in the owner-only file only.
                out.printf("  %-24s %s%n", key, io.fieldline.core.net.Redaction.redact(value));
            }
        });
        Path file = dataDir.resolve("endpoints.env");
        // It holds the database password: readable by its owner only.
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, env.toString(), StandardCharsets.UTF_8);
        out.println("  (also in " + file + ")");
    }

    private void printSummary(
            Admin admin, TopicNames topics, List<String> components, Map<String, Map<String, Object>> summaries)
            throws InterruptedException {
        List<String> names = new ArrayList<>(topics.dataTopics());
        names.addAll(topics.metadataTopics());
        TopicProvisioner.DEAD_LETTER_STAGES.forEach(stage -> names.add(topics.deadLetters(stage)));
        Map<String, Long> counts = TopicCounts.of(admin, names);
        out.println("\nSummary");
        out.println("  Records per topic:");
        counts.forEach((topic, count) -> out.printf("    %-34s %,12d%n", topic, count));
        out.println("    (end minus start offsets; topics written with exactly-once also count their commit markers)");
        for (String component : components) {
            Map<String, Object> summary = summaries.getOrDefault(component, Map.of());
            if (!summary.isEmpty()) {
                out.println("  " + component + ":");
                summary.forEach((key, value) -> out.printf("    %-34s %12s%n", key, format(value)));
            }
        }
        out.flush();
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String apiUrl(Map<String, String> settings) {
        io.fieldline.app.api.ApiConfig api = new io.fieldline.app.api.ApiConfig(settings);
        String host = api.getString(io.fieldline.app.api.ApiConfig.BIND_ADDRESS);
        return "http://" + ("0.0.0.0".equals(host) ? "127.0.0.1" : host) + ":"
                + api.getInt(io.fieldline.app.api.ApiConfig.PORT);
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
}
