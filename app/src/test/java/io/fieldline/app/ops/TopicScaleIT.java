package io.fieldline.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.app.FieldlineCommand;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.AlertState;
import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.testing.KafkaTopics;
import io.fieldline.testing.Records;
import io.fieldline.testing.TestNames;
import io.fieldline.testing.TopicTail;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.runtime.FieldlineStreams;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code fieldline topics scale} doubles {@code telemetry.readings} (6 to 12 partitions) under load, with the
 * readings and alerts applications running under exactly-once and one-second windows. The command waits while the
 * test does what an operator does (stops the producer when told, then the readings application), moves the state,
 * and the application and a new producer start again. Then every one-second window and every five-second rollup
 * of every series comes out exactly once with the count of readings produced for it; a second copy of each
 * device's last reading before the change, sent after it, is dropped (the seen-readings state moved with its
 * device); a reading of a moved device for a window closed before the change counts as late instead of opening that
 * window again (the new partition got its old partition's time); and the alert raised before the change is not
 * raised again but cleared after it.
 */
@ExtendWith(EmbeddedStackExtension.class)
class TopicScaleIT {

    private static final int DEVICES = 24;
    private static final String SENSOR = "temp";
    private static final String HOT = "hot-device";
    private static final long WINDOW_MS = 1000;
    private static final long ROLLUP_MS = 5000;
    /** Readings are this far in the past, so that a reading far ahead of them (the flush) is not ahead of now. */
    private static final Duration PAST = Duration.ofMinutes(20);
    /** Sends Kafka refused: the expected counts assume every reading was written. */
    private static final List<String> SEND_ERRORS = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Test
    void shouldScaleTheReadingsTopicUnderLoadLosingAndRepeatingNoAggregateAndKeepingAlertState(
            EmbeddedStack stack, @TempDir Path state) throws Exception {
        String run = TestNames.unique("scale");
        TopicNames names = new TopicNames(run + ".");
        String bootstrap = stack.kafka().bootstrapServers();
        KafkaTopics.createMissing(
                bootstrap,
                6,
                names.readings(),
                names.enrichedReadings(),
                names.lateReadings(),
                names.aggregates1m(),
                names.aggregates1h(),
                names.alerts());
        KafkaTopics.createMissing(
                bootstrap, 1, names.devices(), names.sensors(), names.alertRules(), names.deadLetters("streams"));
        Topics topics = new Topics(
                names, new HttpSchemaRegistryClient(stack.schemaRegistry().url()));
        List<String> devices = new ArrayList<>();
        for (int d = 0; d < DEVICES; d++) {
            devices.add("dev-" + d);
        }
        devices.add(HOT);

        Map<String, List<Long>> produced = new ConcurrentHashMap<>();
        try (KafkaProducer<String, byte[]> metadata = producer(bootstrap);
                TopicTail<String, byte[]> aggregates = TopicTail.of(bootstrap, names.aggregates1m());
                TopicTail<String, byte[]> rollups = TopicTail.of(bootstrap, names.aggregates1h());
                TopicTail<String, byte[]> late = TopicTail.of(bootstrap, names.lateReadings());
                TopicTail<String, byte[]> alerts = TopicTail.of(bootstrap, names.alerts())) {
            Serializer<io.fieldline.schemas.avro.Device> deviceSerializer =
                    topics.devices().valueSerde().serializer();
            for (String device : devices) {
                metadata.send(new ProducerRecord<>(
                        names.devices(),
                        device,
                        deviceSerializer.serialize(
                                names.devices(), Records.device(device, "farm-1", "room-1", 1000L))));
            }
            AlertRule rule = AlertRule.newBuilder()
                    .setRuleId("hot")
                    .setDeviceSelector(HOT)
                    .setSensorSelector(SENSOR)
                    .setDirection(Direction.ABOVE)
                    .setThreshold(40)
                    .setClearThreshold(30.0)
                    .build();
            metadata.send(new ProducerRecord<>(
                    names.alertRules(),
                    "hot",
                    topics.alertRules().valueSerde().serializer().serialize(names.alertRules(), rule)));
            metadata.flush();

            FieldlineStreams alertsApp = streams(stack, topics, run, "alerts", state.resolve("alerts"));
            FieldlineStreams readingsApp = streams(stack, topics, run, "readings", state.resolve("readings"));
            try {
                alertsApp.start();
                readingsApp.start();
                alertsApp.awaitRunning(Duration.ofSeconds(60));
                readingsApp.awaitRunning(Duration.ofSeconds(60));

                Load before = Load.start(bootstrap, topics, names, devices, produced, 50.0);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> alertStates(alerts, topics, names).contains(AlertState.RAISED));
                Thread.sleep(1500);

                StringWriter out = new StringWriter();
                CompletableFuture<Integer> scale = CompletableFuture.supplyAsync(() -> run(
                        out,
                        "topics",
                        "scale",
                        names.readings(),
                        "--partitions",
                        "12",
                        "--yes",
                        "--quiet-period",
                        "2",
                        "--timeout",
                        "60",
                        "--bootstrap-servers",
                        bootstrap,
                        "--set",
                        "topics.prefix=" + names.prefix(),
                        "--set",
                        StreamsSettingsConfig.APPLICATION_ID_PREFIX + "=it-" + run));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> out.toString().contains("Step 1"));
                assertThat(out.toString()).contains("it-" + run + "-readings").doesNotContain("Step 4");
                before.stop(); // the operator stops the bridges
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> out.toString().contains("Step 3"));
                assertThat(out.toString()).doesNotContain("Step 4");
                readingsApp.close(); // ... and the readings application
                int code = scale.get(120, TimeUnit.SECONDS);
                System.out.println(out);
                assertThat(code).as(out.toString()).isZero();
                assertThat(out.toString()).contains("Step 6: done");
                assertThat(out.toString()).containsPattern("[1-9]\\d* of " + devices.size() + " keys");

                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                    assertThat(admin.describeTopics(List.of(names.readings()))
                                    .allTopicNames()
                                    .get()
                                    .get(names.readings())
                                    .partitions())
                            .hasSize(12);
                }

                readingsApp = streams(stack, topics, run, "readings", state.resolve("readings"));
                readingsApp.start();
                readingsApp.awaitRunning(Duration.ofSeconds(60));
                String moved = devices.stream()
                        .filter(d -> PartitionScaling.partitionFor(d, 6) != PartitionScaling.partitionFor(d, 12))
                        .findFirst()
                        .orElseThrow();
                try (KafkaProducer<String, byte[]> first = producer(bootstrap)) {
                    Serializer<Reading> serializer =
                            topics.readings().valueSerde().serializer();
                    // First on its partition: a moved device's reading for a window that closed before the change is
                    // late, not
                    // a new window (the new partition's task starts from its old partition's time, not from this
                    // record's).
                    long closed = produced.get(moved).get(0);
                    send(first, serializer, names, moved, "probe", closed, 1.0);
                    // Second copies of the last reading of every device: the moved seen-readings state drops them.
                    for (String device : devices) {
                        List<Long> times = produced.get(device);
                        long last = times.get(times.size() - 1);
                        send(first, serializer, names, device, SENSOR, last, value(device, true));
                    }
                    first.flush();
                }
                Load after = Load.start(bootstrap, topics, names, devices, produced, 20.0);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> alertStates(alerts, topics, names).contains(AlertState.CLEARED));
                Thread.sleep(1000);
                after.stop();

                // One reading far ahead on every partition closes every window and rollup.
                try (KafkaProducer<String, byte[]> flush = producer(bootstrap)) {
                    Serializer<Reading> serializer =
                            topics.readings().valueSerde().serializer();
                    // Far past every window and rollup, yet not ahead of the broker's clock (which refuses that).
                    long future = System.currentTimeMillis();
                    java.util.Set<Integer> covered = new java.util.HashSet<>();
                    for (int i = 0; covered.size() < 12; i++) {
                        String device = "flush-" + i;
                        if (covered.add(PartitionScaling.partitionFor(device, 12))) {
                            send(flush, serializer, names, device, SENSOR, future, 0);
                        }
                    }
                    flush.flush();
                }

                assertThat(SEND_ERRORS).as("refused sends").isEmpty();
                Map<String, Long> expectedWindows = counts(produced, WINDOW_MS);
                Map<String, Long> expectedRollups = counts(produced, ROLLUP_MS);
                Map<String, Long> windows = new HashMap<>();
                Map<String, Long> rollupCounts = new HashMap<>();
                List<String> repeated = new ArrayList<>();
                Deserializer<Aggregate> decode =
                        topics.aggregates1m().valueSerde().deserializer();
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(100))
                        .untilAsserted(() -> {
                            collect(aggregates, decode, windows, repeated);
                            collect(rollups, decode, rollupCounts, repeated);
                            assertThat(windows.keySet()).containsAll(expectedWindows.keySet());
                            assertThat(rollupCounts.keySet()).containsAll(expectedRollups.keySet());
                        });
                long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                while (System.nanoTime() < until) {
                    collect(aggregates, decode, windows, repeated);
                    collect(rollups, decode, rollupCounts, repeated);
                }
                assertThat(repeated).as("windows emitted twice").isEmpty();
                assertThat(windows).as("one-second windows").isEqualTo(expectedWindows);
                assertThat(rollupCounts).as("five-second rollups").isEqualTo(expectedRollups);

                late.drain(Duration.ofSeconds(10));
                assertThat(late.records())
                        .as("late readings")
                        .singleElement()
                        .satisfies(r -> assertThat(r.key()).isEqualTo(moved));
                List<AlertState> states = alertStates(alerts, topics, names);
                assertThat(states).as("the alert of " + HOT).containsExactly(AlertState.RAISED, AlertState.CLEARED);
                assertThat(out.toString())
                        .containsPattern("seen-readings-changelog: [1-9]\\d* entries moved")
                        .containsPattern("aggregates-windows-changelog: [1-9]\\d* entries moved");
            } finally {
                readingsApp.close();
                alertsApp.close();
            }
        }
    }

    @Test
    void shouldPlanWithoutChangingScaleInPlaceWhatNoStatefulApplicationReadsAndRefuseTheRest(EmbeddedStack stack)
            throws Exception {
        String run = TestNames.unique("scaleplan");
        TopicNames names = new TopicNames(run + ".");
        String bootstrap = stack.kafka().bootstrapServers();
        KafkaTopics.createMissing(bootstrap, 2, names.readings(), names.aggregates1m(), names.aggregates1h());
        KafkaTopics.createMissing(bootstrap, 1, Map.of("cleanup.policy", "compact"), names.devices());
        // The readings application has run: it committed offsets on its input.
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer =
                new org.apache.kafka.clients.consumer.KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                bootstrap,
                                ConsumerConfig.GROUP_ID_CONFIG,
                                "it-" + run + "-readings"),
                        new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.commitSync(Map.of(
                    new org.apache.kafka.common.TopicPartition(names.readings(), 0),
                    new org.apache.kafka.clients.consumer.OffsetAndMetadata(0),
                    new org.apache.kafka.common.TopicPartition(names.readings(), 1),
                    new org.apache.kafka.clients.consumer.OffsetAndMetadata(0)));
        }
        String[] common = {
            "--bootstrap-servers",
            bootstrap,
            "--set",
            "topics.prefix=" + names.prefix(),
            "--set",
            StreamsSettingsConfig.APPLICATION_ID_PREFIX + "=it-" + run
        };

        StringWriter plan = new StringWriter();
        assertThat(run(plan, scale(common, names.readings(), "4", "--plan")))
                .as(plan.toString())
                .isZero();
        assertThat(plan.toString())
                .contains("input of stateful Streams applications: it-" + run + "-readings")
                .contains("it-" + run + "-readings-aggregates-windows-changelog")
                .contains("4. Add partitions to " + names.readings() + ": 2 -> 4");
        assertThat(partitions(bootstrap, names.readings())).isEqualTo(2);

        StringWriter unconfirmed = new StringWriter();
        assertThat(run(unconfirmed, scale(common, names.aggregates1h(), "4"))).isEqualTo(1);
        assertThat(unconfirmed.toString()).contains("add --yes");
        assertThat(partitions(bootstrap, names.aggregates1h())).isEqualTo(2);
        StringWriter internal = new StringWriter();
        assertThat(run(internal, scale(common, "it-" + run + "-readings-aggregates-repartition", "4", "--yes")))
                .isEqualTo(1);
        assertThat(internal.toString()).contains("Kafka Streams internal topic");

        // A stateful application the configuration does not name (another id prefix): its changelog gives it away.
        String unnamed = run + ".unnamed-input";
        KafkaTopics.createMissing(bootstrap, 2, unnamed, "other-" + run + "-readings-store-changelog");
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer =
                new org.apache.kafka.clients.consumer.KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                bootstrap,
                                ConsumerConfig.GROUP_ID_CONFIG,
                                "other-" + run + "-readings"),
                        new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.commitSync(Map.of(
                    new org.apache.kafka.common.TopicPartition(unnamed, 0),
                    new org.apache.kafka.clients.consumer.OffsetAndMetadata(0)));
        }
        StringWriter stateful = new StringWriter();
        assertThat(run(stateful, scale(common, unnamed, "4", "--yes"))).isEqualTo(1);
        assertThat(stateful.toString()).contains("other-" + run + "-readings").contains("changelog");
        assertThat(partitions(bootstrap, unnamed)).isEqualTo(2);

        StringWriter inPlace = new StringWriter();
        assertThat(run(inPlace, scale(common, names.aggregates1h(), "4", "--yes")))
                .as(inPlace.toString())
                .isZero();
        assertThat(inPlace.toString()).contains("scaled in place").contains("now has 4 partitions");
        assertThat(partitions(bootstrap, names.aggregates1h())).isEqualTo(4);

        StringWriter kpi = new StringWriter();
        assertThat(run(kpi, scale(common, names.aggregates1m(), "4"))).isEqualTo(1);
        assertThat(kpi.toString()).contains("KPI application").contains("repartition");
        StringWriter compacted = new StringWriter();
        assertThat(run(compacted, scale(common, names.devices(), "2"))).isEqualTo(1);
        assertThat(compacted.toString()).contains("is compacted");
        StringWriter fewer = new StringWriter();
        assertThat(run(fewer, scale(common, names.readings(), "1"))).isEqualTo(1);
        assertThat(fewer.toString()).contains("cannot take partitions away");
        assertThat(partitions(bootstrap, names.aggregates1m())).isEqualTo(2);
        assertThat(partitions(bootstrap, names.devices())).isEqualTo(1);

        // Interrupted after step 4: the topic has its new count, the application's offsets still tell the old one.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createPartitions(Map.of(names.readings(), org.apache.kafka.clients.admin.NewPartitions.increaseTo(4)))
                    .all()
                    .get();
        }
        StringWriter resumed = new StringWriter();
        assertThat(run(resumed, scale(common, names.readings(), "4", "--plan")))
                .as(resumed.toString())
                .isZero();
        assertThat(resumed.toString())
                .contains("already has 4 partitions but the state was not moved")
                .contains("4. Add partitions to " + names.readings() + ": 2 -> 4");
    }

    @Test
    void shouldCountAGroupAsCaughtUpWhenOnlyACommitMarkerIsLeft(EmbeddedStack stack) throws Exception {
        String topic = TestNames.unique("scale-markers");
        String bootstrap = stack.kafka().bootstrapServers();
        KafkaTopics.createMissing(bootstrap, 1, topic);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, topic);
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topic, "d", new byte[] {(byte) i}));
            }
            producer.commitTransaction();
        }
        org.apache.kafka.common.TopicPartition partition = new org.apache.kafka.common.TopicPartition(topic, 0);
        String group = topic + "-reader";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            PartitionScaling scaling = new PartitionScaling(
                    admin, KafkaClientConfig.forBootstrapServers(bootstrap), new PrintWriter(new StringWriter()));
            Map<org.apache.kafka.common.TopicPartition, Long> ends = scaling.endOffsets(topic);
            assertThat(ends).containsEntry(partition, 4L); // three records and the commit marker

            admin.alterConsumerGroupOffsets(
                            group, Map.of(partition, new org.apache.kafka.clients.consumer.OffsetAndMetadata(3)))
                    .all()
                    .get();
            assertThat(scaling.lag(group, topic, ends)).isZero();

            admin.alterConsumerGroupOffsets(
                            group, Map.of(partition, new org.apache.kafka.clients.consumer.OffsetAndMetadata(2)))
                    .all()
                    .get();
            assertThat(scaling.lag(group, topic, ends)).isEqualTo(2);
        }
    }

    private static String[] scale(String[] common, String topic, String partitions, String... more) {
        List<String> args = new ArrayList<>(List.of("topics", "scale", topic, "--partitions", partitions));
        args.addAll(List.of(more));
        args.addAll(List.of(common));
        return args.toArray(String[]::new);
    }

    private static int partitions(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get()
                    .get(topic)
                    .partitions()
                    .size();
        }
    }

    private static FieldlineStreams streams(
            EmbeddedStack stack, Topics topics, String run, String application, Path stateDir) {
        StreamsSettingsConfig settings = new StreamsSettingsConfig(Map.of(
                StreamsSettingsConfig.APPLICATION_ID_PREFIX,
                "it-" + run,
                StreamsSettingsConfig.APPLICATIONS,
                application,
                StreamsSettingsConfig.STATE_DIR,
                stateDir.toString(),
                StreamsSettingsConfig.AGGREGATE_WINDOW_MS,
                Long.toString(WINDOW_MS),
                StreamsSettingsConfig.AGGREGATE_ROLLUP_WINDOW_MS,
                Long.toString(ROLLUP_MS),
                StreamsSettingsConfig.AGGREGATE_GRACE_MS,
                "500",
                StreamsSettingsConfig.ALERTS_OFFLINE_ENABLED,
                "false",
                StreamsSettingsConfig.COMMIT_INTERVAL_MS,
                "100"));
        return new FieldlineStreams(
                settings,
                KafkaClientConfig.forBootstrapServers(stack.kafka().bootstrapServers()),
                topics,
                null,
                Map.of(
                        "consumer." + ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                        10_000,
                        "consumer." + ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                        1_000));
    }

    /** The producer the bridges stand for: readings of every device, in order, event time now, until stopped. */
    private static final class Load {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private CompletableFuture<Void> done;

        static Load start(
                String bootstrap,
                Topics topics,
                TopicNames names,
                List<String> devices,
                Map<String, List<Long>> produced,
                double hotValue) {
            Load load = new Load();
            Serializer<Reading> serializer = topics.readings().valueSerde().serializer();
            load.done = CompletableFuture.runAsync(() -> {
                Random random = new Random();
                try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
                    long lastTime = 0;
                    while (load.running.get()) {
                        long now = Math.max(System.currentTimeMillis() - PAST.toMillis(), lastTime + 1);
                        lastTime = now;
                        for (String device : devices) {
                            double value = device.equals(HOT) ? hotValue : 20 + random.nextDouble();
                            send(producer, serializer, names, device, SENSOR, now, value);
                            produced.computeIfAbsent(device, d -> new ArrayList<>())
                                    .add(now);
                        }
                        producer.flush();
                        Thread.sleep(20);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            return load;
        }

        void stop() throws Exception {
            running.set(false);
            done.get(30, TimeUnit.SECONDS);
        }
    }

    private static double value(String device, boolean beforeChange) {
        return device.equals(HOT) && beforeChange ? 50.0 : 20.0;
    }

    private static void send(
            KafkaProducer<String, byte[]> producer,
            Serializer<Reading> serializer,
            TopicNames names,
            String device,
            String sensor,
            long time,
            double value) {
        Reading reading = Records.minimalReading(device, sensor, Instant.ofEpochMilli(time), value);
        producer.send(
                new ProducerRecord<>(
                        names.readings(), null, time, device, serializer.serialize(names.readings(), reading)),
                (metadata, e) -> {
                    if (e != null) {
                        SEND_ERRORS.add(device + "/" + sensor + " at " + Instant.ofEpochMilli(time) + ": " + e);
                    }
                });
    }

    private static Map<String, Long> counts(Map<String, List<Long>> produced, long windowMs) {
        Map<String, Long> counts = new HashMap<>();
        produced.forEach((device, times) -> times.forEach(
                time -> counts.merge(device + "@" + Math.floorDiv(time, windowMs) * windowMs, 1L, Long::sum)));
        return counts;
    }

    private static void collect(
            TopicTail<String, byte[]> tail,
            Deserializer<Aggregate> decode,
            Map<String, Long> counts,
            List<String> repeated) {
        for (ConsumerRecord<String, byte[]> record : tail.next()) {
            Aggregate aggregate = decode.deserialize(record.topic(), record.value());
            if (aggregate.getDeviceId().startsWith("flush-")) {
                continue;
            }
            String key =
                    aggregate.getDeviceId() + "@" + aggregate.getWindowStart().toEpochMilli();
            if (counts.put(key, aggregate.getCount()) != null) {
                repeated.add(record.topic() + " " + key);
            }
        }
    }

    private static List<AlertState> alertStates(TopicTail<String, byte[]> alerts, Topics topics, TopicNames names) {
        alerts.next();
        Deserializer<Alert> decode = topics.alerts().valueSerde().deserializer();
        return alerts.records().stream()
                .map(r -> decode.deserialize(names.alerts(), r.value()))
                .filter(a -> a.getDeviceId().equals(HOT))
                .map(Alert::getState)
                .toList();
    }

    private static int run(StringWriter out, String... args) {
        CommandLine command = new CommandLine(new FieldlineCommand());
        command.setOut(new PrintWriter(out, true));
        StringWriter err = new StringWriter();
        command.setErr(new PrintWriter(err, true));
        int code = command.execute(args);
        if (code != 0) {
            out.write("\nstderr: " + err);
        }
        return code;
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }
}
