package io.fieldline.topologies.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.testing.KafkaTopics;
import io.fieldline.testing.Records;
import io.fieldline.testing.TestNames;
import io.fieldline.testing.TestTimes;
import io.fieldline.testing.TopicTail;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enrichment and aggregates, exactly-once v2, on the real broker, while the application's
 * instances change under load: instance A (its own JVM) runs alone, B joins (tasks move), A is
 * killed with SIGKILL in the middle of its work (B takes everything over, aborting A's open
 * transactions and restoring A's state from the changelogs). Every one-minute window must come
 * out exactly once and equal a brute-force computation, and an undecodable reading must land in
 * the dead-letter topic, also exactly once.
 */
@ExtendWith(EmbeddedStackExtension.class)
class FieldlineStreamsIT {

    private static final int PARTITIONS = 2;
    private static final int DEVICES = 6;
    private static final List<String> SENSORS = List.of("temp", "hum");
    private static final Duration SPAN = Duration.ofMinutes(30);
    /**
     * Recent and hour-aligned: records carry their event time as Kafka timestamp, and a fixed 2025 date
     * was deleted by the broker's retention check mid-test. Four hours back, so that the flush reading
     * (three hours later) is still in the past.
     */
    private static final Instant START = TestTimes.BASE.minus(Duration.ofHours(4));

    @Test
    void shouldEmitEveryWindowExactlyOnceAcrossInstanceChanges(EmbeddedStack stack, @TempDir Path stateDirs)
            throws Exception {
        String run = TestNames.unique("eos");
        TopicNames names = new TopicNames(run + ".");
        String bootstrap = stack.kafka().bootstrapServers();
        createTopics(bootstrap, names);
        Topics topics = new Topics(
                names, new HttpSchemaRegistryClient(stack.schemaRegistry().url()));

        List<Reading> readings = readings();
        int third = readings.size() / 3;
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap);
                TopicTail<String, byte[]> output = TopicTail.of(bootstrap, names.aggregates1m())) {
            Serializer<Reading> readingSerializer =
                    topics.readings().valueSerde().serializer();
            Serializer<Device> deviceSerializer = topics.devices().valueSerde().serializer();
            for (int d = 0; d < DEVICES; d++) {
                Device device = Records.device("d" + d, "farm-1", "room-" + (d % 2), 1000L);
                producer.send(new ProducerRecord<>(
                        names.devices(), device.getDeviceId(), deviceSerializer.serialize(names.devices(), device)));
            }
            send(producer, readingSerializer, names, readings.subList(0, third));

            Map<String, Aggregate> windows = new HashMap<>();
            List<String> duplicates = new ArrayList<>();
            Deserializer<Aggregate> aggregates =
                    topics.aggregates1m().valueSerde().deserializer();

            Process a = startInstanceProcess(stack, names, run, stateDirs.resolve("a"), stateDirs.resolve("a.log"));
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            FieldlineStreams b = new FieldlineStreams(
                    settings(run, stateDirs.resolve("b")),
                    KafkaClientConfig.forBootstrapServers(bootstrap),
                    topics,
                    meters,
                    overrides());
            try {
                awaitWindows(output, aggregates, windows, duplicates, 20);

                b.start(); // tasks move to the new instance mid-stream
                send(producer, readingSerializer, names, readings.subList(third, 2 * third));
                b.awaitRunning(Duration.ofSeconds(60));
                awaitWindows(output, aggregates, windows, duplicates, windows.size() + 10);

                // kill -9 while A is busy: its open transactions are aborted, B takes over A's tasks
                // (after the session timeout) and rebuilds their state from the changelogs.
                send(producer, readingSerializer, names, readings.subList(2 * third, readings.size()));
                a.destroyForcibly().waitFor();
                flushEveryPartition(producer, readingSerializer, names);
                producer.send(
                        new ProducerRecord<>(names.readings(), "d0", "not avro".getBytes(StandardCharsets.UTF_8)));
                producer.flush();

                int expected = DEVICES * SENSORS.size() * (int) SPAN.toMinutes();
                awaitWindows(output, aggregates, windows, duplicates, expected);
                // Anything emitted twice would show up shortly after the first copy.
                long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < until) {
                    collect(output, aggregates, windows, duplicates);
                }
                assertThat(b.states()).containsValues(KafkaStreams.State.RUNNING);
                assertThat(b.counters()).containsKey("readings.process-total");
            } finally {
                a.destroyForcibly();
                b.close();
            }

            assertThat(duplicates).as("windows emitted more than once").isEmpty();
            assertThat(windows).hasSize(DEVICES * SENSORS.size() * (int) SPAN.toMinutes());
            Map<String, List<Reading>> expectedWindows = readings.stream()
                    .collect(Collectors.groupingBy(r -> windowKey(
                            r.getDeviceId(), r.getSensor(), r.getEventTime().toEpochMilli() / 60_000 * 60_000)));
            assertThat(windows.keySet()).isEqualTo(expectedWindows.keySet());
            expectedWindows.forEach((key, inWindow) -> {
                Aggregate actual = windows.get(key);
                assertThat(actual.getCount()).as(key).isEqualTo(inWindow.size());
                assertThat(actual.getSum())
                        .as(key)
                        .isCloseTo(
                                inWindow.stream().mapToDouble(Reading::getValue).sum(), within(1e-6));
                assertThat(actual.getMin())
                        .isEqualTo(inWindow.stream()
                                .mapToDouble(Reading::getValue)
                                .min()
                                .orElseThrow());
                assertThat(actual.getMax())
                        .isEqualTo(inWindow.stream()
                                .mapToDouble(Reading::getValue)
                                .max()
                                .orElseThrow());
                assertThat(actual.getRoom()).isNotNull();
            });
            assertDeadLetter(bootstrap, names);
            // The undecodable record was sent after A died, so B dead-lettered and counted it (a retried
            // task would count it again; the dead-letter topic holds it once).
            assertThat(meters.get(DeadLetterHandler.COUNTER)
                            .tag("topic", names.readings())
                            .counter()
                            .count())
                    .isGreaterThanOrEqualTo(1.0);
        }
    }

    /** Starts instance A in its own JVM and waits until it runs. */
    private static Process startInstanceProcess(
            EmbeddedStack stack, TopicNames names, String run, Path stateDir, Path log) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(
                        java.toString(),
                        "-Xmx512m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        StreamsInstanceMain.class.getName(),
                        stack.kafka().bootstrapServers(),
                        stack.schemaRegistry().url(),
                        names.prefix(),
                        run,
                        stateDir.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("instance A exited: " + Files.readString(log));
                    }
                    return Files.readString(log).contains(StreamsInstanceMain.READY);
                });
        return process;
    }

    static StreamsSettingsConfig settings(String run, Path stateDir) {
        return new StreamsSettingsConfig(Map.of(
                StreamsSettingsConfig.APPLICATION_ID_PREFIX, "it-" + run,
                StreamsSettingsConfig.APPLICATIONS, "readings",
                StreamsSettingsConfig.STATE_DIR, stateDir.toString(),
                StreamsSettingsConfig.AGGREGATE_GRACE_MS, "5000",
                StreamsSettingsConfig.AGGREGATE_ROLLUP_WINDOW_MS, "600000",
                StreamsSettingsConfig.COMMIT_INTERVAL_MS, "100"));
    }

    static Map<String, Object> overrides() {
        // Faster rebalances than the production defaults, for a test that moves tasks twice.
        return Map.of(
                "consumer." + ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                10_000,
                "consumer." + ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                1_000);
    }

    /** One reading per second per series, event times shuffled by up to 3 s (less than the 5 s grace). */
    private static List<Reading> readings() {
        Random random = new Random(11);
        List<Reading> readings = new ArrayList<>();
        List<Long> order = new ArrayList<>();
        for (long second = 0; second < SPAN.toSeconds(); second++) {
            for (int d = 0; d < DEVICES; d++) {
                for (String sensor : SENSORS) {
                    double value = Math.round((20 + 3 * random.nextGaussian()) * 100) / 100.0;
                    readings.add(Records.minimalReading("d" + d, sensor, START.plusSeconds(second), value));
                    order.add(second * 1000 + random.nextInt(3000));
                }
            }
        }
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < readings.size(); i++) {
            indexes.add(i);
        }
        indexes.sort((x, y) -> Long.compare(order.get(x), order.get(y)));
        return indexes.stream().map(readings::get).toList();
    }

    private static void send(
            KafkaProducer<String, byte[]> producer,
            Serializer<Reading> serializer,
            TopicNames names,
            List<Reading> readings) {
        for (Reading reading : readings) {
            producer.send(new ProducerRecord<>(
                    names.readings(),
                    null,
                    reading.getEventTime().toEpochMilli(),
                    reading.getDeviceId(),
                    serializer.serialize(names.readings(), reading)));
        }
        producer.flush();
    }

    /** A reading far ahead in event time on every partition moves each task's stream time past every window. */
    private static void flushEveryPartition(
            KafkaProducer<String, byte[]> producer, Serializer<Reading> serializer, TopicNames names) {
        Set<Integer> covered = new java.util.HashSet<>();
        for (int i = 0; covered.size() < PARTITIONS; i++) {
            String device = "flush-" + i;
            int partition = Utils.toPositive(Utils.murmur2(device.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
            if (covered.add(partition)) {
                Reading flush = Records.minimalReading(device, "temp", START.plus(Duration.ofHours(3)), 0);
                producer.send(new ProducerRecord<>(
                        names.readings(),
                        null,
                        flush.getEventTime().toEpochMilli(),
                        device,
                        serializer.serialize(names.readings(), flush)));
            }
        }
    }

    private static void awaitWindows(
            TopicTail<String, byte[]> output,
            Deserializer<Aggregate> deserializer,
            Map<String, Aggregate> windows,
            List<String> duplicates,
            int atLeast) {
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> {
                    collect(output, deserializer, windows, duplicates);
                    assertThat(windows.size()).isGreaterThanOrEqualTo(atLeast);
                });
    }

    private static void collect(
            TopicTail<String, byte[]> output,
            Deserializer<Aggregate> deserializer,
            Map<String, Aggregate> windows,
            List<String> duplicates) {
        for (ConsumerRecord<String, byte[]> record : output.next()) {
            Aggregate aggregate = deserializer.deserialize(record.topic(), record.value());
            if (aggregate.getDeviceId().startsWith("flush")) {
                continue;
            }
            String key = windowKey(
                    aggregate.getDeviceId(),
                    aggregate.getSensor(),
                    aggregate.getWindowStart().toEpochMilli());
            if (windows.put(key, aggregate) != null) {
                duplicates.add(key);
            }
        }
    }

    private static String windowKey(String device, String sensor, long windowStart) {
        return device + "/" + sensor + "@" + Instant.ofEpochMilli(windowStart);
    }

    private static void assertDeadLetter(String bootstrap, TopicNames names) {
        try (TopicTail<String, byte[]> deadLetters = TopicTail.of(bootstrap, names.deadLetters("streams"))) {
            List<ConsumerRecord<String, byte[]>> records = deadLetters.awaitCount(1, Duration.ofSeconds(30));
            assertThat(records).hasSize(1);
            ConsumerRecord<String, byte[]> dead = records.get(0);
            assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("not avro");
            assertThat(TopicTail.header(dead, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(names.readings());
            assertThat(dead.headers().lastHeader(DeadLetterHeaders.REASON)).isNotNull();
        }
    }

    private static void createTopics(String bootstrap, TopicNames names) {
        KafkaTopics.createMissing(
                bootstrap,
                PARTITIONS,
                names.readings(),
                names.enrichedReadings(),
                names.lateReadings(),
                names.aggregates1m(),
                names.aggregates1h());
        KafkaTopics.createMissing(bootstrap, 1, names.devices(), names.sensors(), names.deadLetters("streams"));
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }
}
