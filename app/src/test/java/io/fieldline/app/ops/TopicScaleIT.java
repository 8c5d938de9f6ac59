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
import io.fieldline.schemas.avro.AnomalyScore;
import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.testing.KafkaTopics;
import io.fieldline.testing.Records;
import io.fieldline.testing.TestNames;
import io.fieldline.testing.TopicTail;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.runtime.FieldlineStreams;
import io.fieldline.topologies.runtime.PartitionTime;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
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

    /**
     * The alerts and anomaly applications read {@code telemetry.readings.enriched}; scaling it from 6 to 12 moves
     * the hot device (chosen so that murmur2 of its key sends it to another partition under 12). Its series state
     * must move with it: a raised alert in its hysteresis band stays raised and clears (it is not lost and never
     * raised again), a pending alert with a duration raises once its duration has passed since its first violation
     * before the change, and the anomaly detector keeps its warm-up, so the first reading after the change is
     * scored. Without the state move none of the three happens.
     */
    @Test
    void shouldScaleTheEnrichedTopicMovingAlertAndAnomalyStateOfAMovedDevice(EmbeddedStack stack, @TempDir Path state)
            throws Exception {
        String run = TestNames.unique("scaleenr");
        TopicNames names = new TopicNames(run + ".");
        String bootstrap = stack.kafka().bootstrapServers();
        String input = names.enrichedReadings();
        KafkaTopics.createMissing(bootstrap, 6, input, names.alerts(), names.anomalies());
        KafkaTopics.createMissing(
                bootstrap, 1, names.devices(), names.sensors(), names.alertRules(), names.deadLetters("streams"));
        Topics topics = new Topics(
                names, new HttpSchemaRegistryClient(stack.schemaRegistry().url()));
        Serializer<String> keys = topics.enrichedReadings().keySerde().serializer();
        String hot = IntStream.range(0, 100)
                .mapToObj(i -> "hot-" + i)
                .filter(d -> defaultPartition(keys, input, d, 6) != defaultPartition(keys, input, d, 12))
                .findFirst()
                .orElseThrow();
        int oldPartition = defaultPartition(keys, input, hot, 6);
        int newPartition = defaultPartition(keys, input, hot, 12);
        List<String> devices = new ArrayList<>(List.of(hot, "dev-0", "dev-1", "dev-2", "dev-3", "dev-4", "dev-5"));
        long t0 = Math.floorDiv(System.currentTimeMillis() - PAST.toMillis(), 1000) * 1000;

        try (KafkaProducer<String, byte[]> producer = producer(bootstrap);
                TopicTail<String, Alert> alerts =
                        TopicTail.avro(bootstrap, stack.schemaRegistry().url(), names.alerts(), Alert.class);
                TopicTail<String, AnomalyScore> anomalies = TopicTail.avro(
                        bootstrap, stack.schemaRegistry().url(), names.anomalies(), AnomalyScore.class)) {
            Serializer<io.fieldline.schemas.avro.Device> deviceSerializer =
                    topics.devices().valueSerde().serializer();
            for (String device : devices) {
                producer.send(new ProducerRecord<>(
                        names.devices(),
                        device,
                        deviceSerializer.serialize(
                                names.devices(), Records.device(device, "farm-1", "room-1", 1000L))));
            }
            Serializer<AlertRule> rules = topics.alertRules().valueSerde().serializer();
            // Hysteresis: raised above 40, cleared only below 30; a reading in between keeps it as it is.
            AlertRule band = AlertRule.newBuilder()
                    .setRuleId("band")
                    .setDeviceSelector(hot)
                    .setSensorSelector("temp")
                    .setDirection(Direction.ABOVE)
                    .setThreshold(40)
                    .setClearThreshold(30.0)
                    .build();
            // Duration: pending from the first reading above 80, raised once one is 3 s of event time after it.
            AlertRule sustained = AlertRule.newBuilder()
                    .setRuleId("sustained")
                    .setDeviceSelector(hot)
                    .setSensorSelector("hum")
                    .setDirection(Direction.ABOVE)
                    .setThreshold(80)
                    .setForMs(3000L)
                    .build();
            for (AlertRule rule : List.of(band, sustained)) {
                producer.send(new ProducerRecord<>(
                        names.alertRules(), rule.getRuleId(), rules.serialize(names.alertRules(), rule)));
            }
            producer.flush();

            FieldlineStreams apps = streams(stack, topics, run, "alerts,anomalies", state.resolve("apps"));
            try {
                apps.start();
                apps.awaitRunning(Duration.ofSeconds(60));
                // Before the change (the readings application stands for the producer): raised, pending, and two
                // values of each series for the anomaly detector's warm-up of 2.
                for (int i = 0; i < 2; i++) {
                    long time = t0 + i * 1000L;
                    assertThat(sendEnriched(producer, topics, input, hot, "temp", time, i == 0 ? 50 : 35))
                            .as("partition of %s under 6", hot)
                            .isEqualTo(oldPartition);
                    sendEnriched(producer, topics, input, hot, "hum", time, 90);
                    for (String device : devices.subList(1, devices.size())) {
                        sendEnriched(producer, topics, input, device, "temp", time, 20 + i);
                    }
                }
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> alertStates(alerts, "band/" + hot + "/temp"), s -> !s.isEmpty());

                StringWriter out = new StringWriter();
                CompletableFuture<Integer> scale = CompletableFuture.supplyAsync(
                        () -> run(out, scale(common(bootstrap, names, run), input, "12", "--yes", "--timeout", "60")));
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> out.toString().contains("Step 3"));
                assertThat(out.toString()).doesNotContain("Step 4");
                apps.close(); // the operator stops every instance of streams:alerts and streams:anomalies
                int code = scale.get(120, TimeUnit.SECONDS);
                System.out.println(out);
                assertThat(code).as(out.toString()).isZero();
                assertThat(out.toString())
                        .containsPattern(hot + " +" + oldPartition + " +" + newPartition)
                        .contains("Step 6: done");

                apps = streams(stack, topics, run, "alerts,anomalies", state.resolve("apps"));
                apps.start();
                apps.awaitRunning(Duration.ofSeconds(60));
                try (KafkaProducer<String, byte[]> after = producer(bootstrap)) {
                    assertThat(sendEnriched(after, topics, input, hot, "temp", t0 + 2000, 35))
                            .as("partition of %s under 12", hot)
                            .isEqualTo(newPartition);
                    sendEnriched(after, topics, input, hot, "hum", t0 + 3000, 90);
                    sendEnriched(after, topics, input, hot, "temp", t0 + 3000, 20);
                    for (String device : devices.subList(1, devices.size())) {
                        sendEnriched(after, topics, input, device, "temp", t0 + 2000, 22);
                    }
                }

                // Kept through the change: the raised alert stays raised in its band and clears (not lost, never
                // raised again), the pending one raises 3 s after its first violation, the detector stays warm.
                Runnable kept = () -> {
                    assertThat(alertStates(alerts, "band/" + hot + "/temp"))
                            .as("the raised alert of %s/temp", hot)
                            .containsExactly(AlertState.RAISED, AlertState.CLEARED);
                    assertThat(alerts.records("sustained/" + hot + "/hum"))
                            .as("the pending alert of %s/hum", hot)
                            .singleElement()
                            .satisfies(r -> {
                                assertThat(r.value().getState()).isEqualTo(AlertState.RAISED);
                                assertThat(r.value().getSince()).isEqualTo(Instant.ofEpochMilli(t0));
                                assertThat(r.value().getEventTime()).isEqualTo(Instant.ofEpochMilli(t0 + 3000));
                            });
                    assertThat(scored(anomalies, hot))
                            .as("anomaly scores of %s, each reading after the change scored once", hot)
                            .containsExactlyInAnyOrder(
                                    "temp@" + (t0 + 2000), "hum@" + (t0 + 3000), "temp@" + (t0 + 3000));
                };
                await().atMost(Duration.ofSeconds(20)).untilAsserted(kept::run);
                // Nothing more comes: no alert raised a second time, no score twice.
                alerts.drain(Duration.ofSeconds(10));
                anomalies.drain(Duration.ofSeconds(10));
                kept.run();
                assertThat(out.toString())
                        .containsPattern("alerts-series-state-changelog: [1-9]\\d* entries moved")
                        .containsPattern("anomalies-series-state-changelog: [1-9]\\d* entries moved");
            } finally {
                apps.close();
            }
        }
    }

    /**
     * A producer writes to an old partition while the state moves (after the command has checked that the
     * producers are stopped): the command ends with exit code 2 and commits no input offset or partition time. Run
     * again once the producer is stopped, it finishes: the stopped application is not asked to read the records
     * written during the change (it must not be started before the end), the new partitions get their offsets and
     * times, and every state entry is in the partition of its device.
     */
    @Test
    void shouldCommitNothingWhenRecordsArriveDuringTheMoveAndFinishOnTheNextRun(EmbeddedStack stack) throws Exception {
        String run = TestNames.unique("scalerace");
        TopicNames names = new TopicNames(run + ".");
        String bootstrap = stack.kafka().bootstrapServers();
        String input = names.enrichedReadings();
        String group = "it-" + run + "-alerts";
        String changelog = group + "-alerts-series-state-changelog";
        KafkaTopics.createMissing(bootstrap, 2, input, changelog);
        Topics topics = new Topics(
                names, new HttpSchemaRegistryClient(stack.schemaRegistry().url()));
        Serializer<String> keys = new StringSerializer();
        List<String> devices = IntStream.range(0, 8).mapToObj(i -> "dev-" + i).toList();
        String staying = devices.stream()
                .filter(d -> defaultPartition(keys, input, d, 2) == defaultPartition(keys, input, d, 4))
                .findFirst()
                .orElseThrow();
        assertThat(devices).anyMatch(d -> defaultPartition(keys, input, d, 2) != defaultPartition(keys, input, d, 4));
        long t0 = System.currentTimeMillis() - PAST.toMillis();
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            for (String device : devices) {
                sendEnriched(producer, topics, input, device, "temp", t0, 20);
                // The series state of an alerts application that has read it.
                producer.send(new ProducerRecord<>(
                                changelog,
                                defaultPartition(keys, input, device, 2),
                                device + "\u001ftemp",
                                ("state of " + device).getBytes(StandardCharsets.UTF_8)))
                        .get();
            }
        }
        Map<TopicPartition, OffsetAndMetadata> before = new HashMap<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            PartitionScaling scaling = new PartitionScaling(
                    admin, KafkaClientConfig.forBootstrapServers(bootstrap), new PrintWriter(new StringWriter()));
            // The application has read everything and is stopped: its offsets carry partition times, as Streams'.
            scaling.endOffsets(input)
                    .forEach((tp, end) -> before.put(
                            tp, new OffsetAndMetadata(end, PartitionTime.withTime(null, t0 - tp.partition()))));
            admin.alterConsumerGroupOffsets(group, before).all().get();

            String[] args = scale(common(bootstrap, names, run), input, "4", "--yes", "--timeout", "20");
            StringWriter out = new StringWriter();
            CompletableFuture<Integer> scale = CompletableFuture.supplyAsync(() -> run(out, args));
            int racePartition = defaultPartition(keys, input, staying, 2);
            long raced = 0;
            try (KafkaProducer<String, byte[]> racing = producer(bootstrap)) {
                racing.partitionsFor(input);
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(2))
                        .until(() -> out.toString().contains("Step 4") || scale.isDone());
                // A producer nobody stopped, still on the old partition count, writes until the command ends.
                while (!scale.isDone()) {
                    racing.send(new ProducerRecord<>(
                                    input,
                                    racePartition,
                                    null,
                                    staying,
                                    topics.enrichedReadings()
                                            .valueSerde()
                                            .serializer()
                                            .serialize(
                                                    input,
                                                    Records.minimalReading(
                                                            staying,
                                                            "temp",
                                                            Instant.ofEpochMilli(t0 + 1 + raced),
                                                            20))))
                            .get();
                    raced++;
                }
            }
            int code = scale.get(60, TimeUnit.SECONDS);
            System.out.println(out);
            assertThat(code).as(out.toString()).isEqualTo(2);
            assertThat(out.toString())
                    .contains("NOT FINISHED")
                    .containsPattern("on partitions .*" + racePartition + " \\(")
                    .doesNotContain("Step 6");
            assertThat(scaling.committed(group, input)).as("nothing committed").isEqualTo(before);
            assertThat(scaling.partitionCount(input)).isEqualTo(4);
            assertThat(scaling.partitionCount(changelog)).isEqualTo(4);

            StringWriter rerun = new StringWriter();
            assertThat(run(rerun, args)).as(rerun.toString()).isZero();
            System.out.println(rerun);
            assertThat(rerun.toString())
                    .contains("already has 4 partitions but the state was not moved")
                    .contains(raced + " records")
                    .contains("Step 6: done");
            Map<TopicPartition, OffsetAndMetadata> committed = scaling.committed(group, input);
            assertThat(committed).hasSize(4);
            // A resumed run does not know which old partition a new one's devices came from: the latest time of all.
            committed.forEach((tp, offset) -> {
                long expected = before.containsKey(tp) ? before.get(tp).offset() : 0;
                assertThat(offset.offset()).as("offset of %s", tp).isEqualTo(expected);
                assertThat(PartitionTime.decode(offset.metadata()))
                        .as("partition time of %s", tp)
                        .isEqualTo(t0);
            });
            // The records written during the change are left for the task of the partition they were written to.
            assertThat(scaling.lag(group, input, scaling.endOffsets(input))).isEqualTo(raced);
            Map<String, List<Integer>> expected = new TreeMap<>();
            devices.forEach(d -> expected.put(d, List.of(defaultPartition(keys, input, d, 4))));
            assertThat(liveEntries(bootstrap, changelog))
                    .as("partitions of each device's series state")
                    .isEqualTo(expected);

            StringWriter third = new StringWriter();
            assertThat(run(third, args)).as(third.toString()).isZero();
            assertThat(third.toString()).contains("nothing to do");
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

    /** The options every run of the command in a test takes: this run's topics and application ids. */
    private static String[] common(String bootstrap, TopicNames names, String run) {
        return new String[] {
            "--quiet-period",
            "1",
            "--bootstrap-servers",
            bootstrap,
            "--set",
            "topics.prefix=" + names.prefix(),
            "--set",
            StreamsSettingsConfig.APPLICATION_ID_PREFIX + "=it-" + run
        };
    }

    /**
     * Kafka's default partitioner, computed here rather than by the code under test: murmur2 of the key as its
     * serializer writes it, made positive, modulo the partition count.
     */
    private static int defaultPartition(Serializer<String> keys, String topic, String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(keys.serialize(topic, key))) % partitions;
    }

    /** Sends an enriched reading keyed by its device and returns the partition Kafka put it in. */
    private static int sendEnriched(
            KafkaProducer<String, byte[]> producer,
            Topics topics,
            String topic,
            String device,
            String sensor,
            long time,
            double value)
            throws Exception {
        Reading reading = Records.reading(device, sensor, Instant.ofEpochMilli(time), value);
        byte[] bytes = topics.enrichedReadings().valueSerde().serializer().serialize(topic, reading);
        RecordMetadata metadata = producer.send(new ProducerRecord<>(topic, null, time, device, bytes))
                .get(30, TimeUnit.SECONDS);
        return metadata.partition();
    }

    private static List<AlertState> alertStates(TopicTail<String, Alert> alerts, String alertId) {
        return alerts.records(alertId).stream().map(r -> r.value().getState()).toList();
    }

    /** The device's anomaly scores, as sensor@event time. */
    private static List<String> scored(TopicTail<String, AnomalyScore> anomalies, String device) {
        return anomalies.records(device).stream()
                .map(r -> r.value().getSensor() + "@" + r.value().getEventTime().toEpochMilli())
                .toList();
    }

    /** The partitions where each device has a live entry (its latest record there is not a tombstone). */
    private static Map<String, List<Integer>> liveEntries(String bootstrap, String changelog) {
        Map<String, byte[]> latest = new HashMap<>();
        try (TopicTail<String, byte[]> tail = TopicTail.of(bootstrap, changelog)) {
            tail.drain(Duration.ofSeconds(30));
            for (ConsumerRecord<String, byte[]> record : tail.records()) {
                latest.put(record.partition() + "/" + record.key(), record.value());
            }
        }
        Map<String, List<Integer>> live = new TreeMap<>();
        latest.forEach((at, value) -> {
            if (value != null) {
                int slash = at.indexOf('/');
                String device = at.substring(slash + 1, at.indexOf('\u001f'));
                live.computeIfAbsent(device, d -> new ArrayList<>()).add(Integer.parseInt(at.substring(0, slash)));
            }
        });
        return live;
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
                "100",
                StreamsSettingsConfig.ANOMALY_WARMUP,
                "2"));
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
