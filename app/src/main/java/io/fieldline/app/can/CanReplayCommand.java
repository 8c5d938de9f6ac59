package io.fieldline.app.can;

import io.fieldline.app.AppConfig;
import io.fieldline.app.ConfigOptions;
import io.fieldline.app.ConfigReference;
import io.fieldline.app.EndpointOptions;
import io.fieldline.bridge.can.CanBridgeConfig;
import io.fieldline.bridge.can.CanBridgeService;
import io.fieldline.bridge.can.candump.ReplaySpeed;
import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.schemas.TopicNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fieldline can replay --dbc FILE LOG [--speed max|1|N]}: publishes the readings of a candump log to Kafka
 * and prints what it did. Kafka and the registry default to the endpoints file {@code fieldline up} writes;
 * the other can.* settings come from the configuration sources, like every command's.
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = "Replay a candump log (-L or console format) into Kafka: one Reading per decoded signal.")
public final class CanReplayCommand implements Callable<Integer> {

    @Option(names = "--dbc", required = true, paramLabel = "FILE", description = "DBC file.")
    Path dbcFile;

    @Parameters(index = "0", paramLabel = "LOG", description = "candump log file.")
    Path log;

    @Option(
            names = "--speed",
            defaultValue = "max",
            paramLabel = "max|1|N",
            description = "max (no pauses, the default), 1 (original timing) or N (N times faster).")
    String speed;

    @Option(
            names = "--timestamps",
            defaultValue = "original",
            paramLabel = "original|shifted",
            description = "Keep the logged receive times (original) or start them now (shifted).")
    String timestamps;

    @Option(
            names = "--topic-prefix",
            paramLabel = "PREFIX",
            description = "Topic name prefix (default: the topics.prefix configuration key).")
    String topicPrefix;

    @Option(names = "--publish-frames", description = "Also publish the raw frames to can.frames.")
    boolean frames;

    @Mixin
    EndpointOptions endpoints;

    @Mixin
    ConfigOptions configOptions;

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        if (!Files.isReadable(log)) {
            err.println("cannot read " + log);
            return 2;
        }
        ReplaySpeed.parse(speed);
        // Other can.* keys come from --config, FIELDLINE_CAN_* variables and --set, as for every command.
        Map<String, String> config = configOptions.load();
        List<String> problems = ConfigReference.check(config);
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join("; ", problems));
        }
        Map<String, Object> props = new HashMap<>();
        config.forEach((key, value) -> {
            if (key.startsWith("can.")) {
                props.put(key, value);
            }
        });
        props.put(CanBridgeConfig.INPUT, "replay");
        props.put(CanBridgeConfig.DBC_FILE, dbcFile.toString());
        props.put(CanBridgeConfig.REPLAY_FILE, log.toString());
        props.put(CanBridgeConfig.REPLAY_SPEED, speed);
        props.put(CanBridgeConfig.REPLAY_TIMESTAMPS, timestamps);
        if (frames) {
            props.put(CanBridgeConfig.FRAMES_PUBLISH, "true");
        }
        CanBridgeConfig canConfig = new CanBridgeConfig(props);
        TopicNames names = new TopicNames(
                topicPrefix != null ? topicPrefix : new AppConfig(config).getString(AppConfig.TOPICS_PREFIX));
        KafkaClientConfig kafka = endpoints.kafka(config);
        createMissingTopics(kafka, names);
        if ("original".equals(timestamps)) {
            warnAboutRetention(kafka, names, canConfig.getBoolean(CanBridgeConfig.FRAMES_PUBLISH));
        }
        try (CanBridgeService service = new CanBridgeService(
                kafka,
                endpoints.schemaRegistry(config),
                names,
                canConfig,
                new SimpleMeterRegistry(),
                java.time.Clock.systemUTC())) {
            service.start();
            while (!service.awaitCompletion(Duration.ofSeconds(5))) {
                out.printf(
                        "... %d frames, %d signals%n",
                        service.counts().frames(), service.counts().signals());
            }
            service.summary().forEach((k, v) -> out.printf("%-16s %s%n", k, v));
            if (service.failure() != null) {
                err.println("replay failed: " + service.failure().getMessage());
                return 1;
            }
        }
        return 0;
    }

    /** Warns when the log's original times are already past the retention of a topic the replay writes. */
    private void warnAboutRetention(KafkaClientConfig kafka, TopicNames names, boolean frames) throws Exception {
        Optional<Instant> first = ReplayRetention.firstTimestamp(log);
        if (first.isEmpty()) {
            return;
        }
        List<String> topics = frames ? List.of(names.readings(), names.canFrames()) : List.of(names.readings());
        try (Admin admin = Admin.create(kafka.adminProperties(ClientRules.of("can replay")
                .byDefault(AdminClientConfig.CLIENT_ID_CONFIG, "fieldline-can-replay-admin")))) {
            List<ConfigResource> resources = topics.stream()
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t))
                    .toList();
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(resources).all().get();
            for (ConfigResource resource : resources) {
                ConfigEntry retention = configs.get(resource).get(TopicConfig.RETENTION_MS_CONFIG);
                if (retention != null && retention.value() != null) {
                    ReplayRetention.warning(
                                    resource.name(), Long.parseLong(retention.value()), first.get(), Instant.now())
                            .ifPresent(err::println);
                }
            }
        }
    }

    /** The broker creates no topics on demand: make the ones the replay writes, with one partition, if absent. */
    private void createMissingTopics(KafkaClientConfig kafka, TopicNames names) throws Exception {
        try (Admin admin = Admin.create(kafka.adminProperties(ClientRules.of("can replay")
                .byDefault(AdminClientConfig.CLIENT_ID_CONFIG, "fieldline-can-replay-admin")))) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String t : List.of(names.readings(), names.canFrames(), names.deadLetters("can"))) {
                if (!existing.contains(t)) {
                    missing.add(new NewTopic(t, 1, (short) 1));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
                out.println(
                        "created topics " + missing.stream().map(NewTopic::name).toList());
            }
            TopicReadiness.awaitWritable(
                    admin,
                    List.of(names.readings(), names.canFrames(), names.deadLetters("can")),
                    Duration.ofSeconds(60));
        }
    }
}
