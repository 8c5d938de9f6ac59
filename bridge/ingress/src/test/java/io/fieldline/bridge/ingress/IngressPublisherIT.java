package io.fieldline.bridge.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.KafkaBroker;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import io.fieldline.testing.TestTimes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The publisher against the real embedded Kafka: its one failure policy, record by record. */
@ExtendWith(EmbeddedStackExtension.class)
class IngressPublisherIT {

    private static final String SOURCE = "it";

    private final EmbeddedStack stack;
    private final String bootstrap;

    IngressPublisherIT(EmbeddedStack stack) {
        this.stack = stack;
        this.bootstrap = stack.kafka().bootstrapServers();
    }

    @Test
    void shouldKeepEachDevicesOrderWhileTheProducerRetriesThroughABrokerOutage() throws Exception {
        // Kafka 4 bounds min.insync.replicas by the replica count, so NotEnoughReplicas cannot be provoked on one
        // broker; a broker that goes away under a stream of sends and comes back gives the same retriable errors
        // (disconnections, then stale leadership) to records already in flight.
        try (KafkaBroker kafka = new KafkaBroker()) {
            kafka.start();
            TopicNames names = names();
            createTopics(kafka.bootstrapServers(), 3, Map.of(), names.readings());
            createTopics(kafka.bootstrapServers(), 1, Map.of(), names.deadLetters(SOURCE));
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            int devices = 6;
            int total = 3000;
            List<CompletableFuture<IngressPublisher.Outcome>> outcomes = new CopyOnWriteArrayList<>();

            try (IngressPublisher publisher = publisher(
                    names,
                    settings(kafka.bootstrapServers())
                            .withDeliveryTimeoutMs(60_000)
                            .withProducerOverrides(Map.of("reconnect.backoff.max.ms", "200", "retry.backoff.ms", "50")),
                    meters)) {
                // The sends go on while the broker stops and starts again; send() itself may wait for the
                // producer's metadata while the broker is away.
                Thread publishing = new Thread(
                        () -> {
                            for (int n = 0; n < total; n++) {
                                outcomes.add(publisher
                                        .batch(origin(n))
                                        .reading(reading("dev-" + n % devices, n))
                                        .seal());
                                if (n % 10 == 0) {
                                    try {
                                        Thread.sleep(1);
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                        return;
                                    }
                                }
                            }
                        },
                        "it-publishing");
                publishing.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> outcomes.size() >= total / 3);
                kafka.stop();
                Thread.sleep(1500);
                assertThat(publisher.state()).isEqualTo(IngressPublisher.State.RUNNING);
                assertThat(outcomes).anyMatch(o -> !o.isDone());

                kafka.start();
                publishing.join(60_000);
                assertThat(outcomes).hasSize(total);
                CompletableFuture.allOf(outcomes.toArray(new CompletableFuture<?>[0]))
                        .get(60, TimeUnit.SECONDS);
                assertThat(outcomes)
                        .allSatisfy(o -> assertThat(o.join().records()).isEqualTo(1));
                assertThat(publisher.state()).isEqualTo(IngressPublisher.State.RUNNING);
                assertThat(publisher.producerMetric("record-retry-total"))
                        .as("records the producer retried")
                        .isPositive();
                assertThat(meters.counter(IngressPublisher.METER_SENT, "source", SOURCE, "client.id", "it-client")
                                .count())
                        .isEqualTo(total);
            }

            Map<String, List<Integer>> byDevice = new LinkedHashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : consume(kafka.bootstrapServers(), names.readings(), total)) {
                Reading reading = readingDeserializer().deserialize(record.topic(), record.headers(), record.value());
                assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(reading.getDeviceId());
                byDevice.computeIfAbsent(reading.getDeviceId(), d -> new ArrayList<>())
                        .add((int) reading.getValue());
            }
            assertThat(byDevice).hasSize(devices);
            for (int d = 0; d < devices; d++) {
                // Exactly once each, in the order published: no retried record overtook or fell behind another.
                assertThat(byDevice.get("dev-" + d))
                        .as("dev-%d in Kafka order", d)
                        .containsExactlyElementsOf(IntStream.iterate(d, n -> n < total, n -> n + devices)
                                .boxed()
                                .toList());
            }
        }
    }

    @Test
    void shouldFailLoudlyAndAcknowledgeNothingWhenTheProducerGivesUp() throws Exception {
        try (KafkaBroker kafka = new KafkaBroker()) {
            kafka.start();
            TopicNames names = names();
            createTopics(kafka.bootstrapServers(), 1, Map.of(), names.readings());
            createTopics(kafka.bootstrapServers(), 1, Map.of(), names.deadLetters(SOURCE));

            try (IngressPublisher publisher = publisher(
                    names, settings(kafka.bootstrapServers()).withDeliveryTimeoutMs(3000), new SimpleMeterRegistry())) {
                assertThat(publisher
                                .batch(origin(0))
                                .reading(reading("d", 0))
                                .seal()
                                .get(30, TimeUnit.SECONDS)
                                .records())
                        .isEqualTo(1);
                kafka.stop();
                long stopped = System.nanoTime();
                CompletableFuture<IngressPublisher.Outcome> first =
                        publisher.batch(origin(1)).reading(reading("d", 1)).seal();

                assertThat(publisher.failure()).failsWithin(Duration.ofSeconds(20));
                // Sealing may wait for the topic's metadata, but no longer than the delivery timeout (not the
                // client's 60 s max.block.ms default).
                assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(Duration.ofSeconds(20));
                assertThat(first)
                        .failsWithin(Duration.ofSeconds(5))
                        .withThrowableOfType(ExecutionException.class)
                        .withCauseInstanceOf(IngressFailedException.class);
                IngressFailedException firstFailure = (IngressFailedException)
                        first.handle((outcome, error) -> error).join();
                // Whether the producer took this record depends on whether it still held the topic's metadata when
                // the broker had gone (then the record expires after it was taken: it may be in Kafka, nothing-written
                // false) or had dropped it (then send() itself times out: nothing-written true). Both happen here.
                assertThat(firstFailure.acknowledged()).isZero();
                assertThat(publisher.state()).isEqualTo(IngressPublisher.State.FAILED);
                assertThat(publisher.failureCause()).isInstanceOf(RetriableException.class);
                // Nothing later is sent, even once Kafka is back, and nothing later is reported as done.
                kafka.start();
                CompletableFuture<IngressPublisher.Outcome> later =
                        publisher.batch(origin(2)).reading(reading("d", 2)).seal();
                assertThat(later).isCompletedExceptionally();
                assertThat(((IngressFailedException)
                                        later.handle((outcome, error) -> error).join())
                                .nothingWritten())
                        .as("never handed to the producer")
                        .isTrue();
                assertThat(publisher.inFlight()).isZero();
            }
            assertThat(consume(kafka.bootstrapServers(), names.readings(), 1)).hasSize(1);
        }
    }

    @Test
    void shouldDeadLetterARecordTooLargeForItsTopicWithTheReasonAndPublishTheNextOne() throws Exception {
        TopicNames names = names();
        createTopics(1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "2048"), names.readings());
        createTopics(1, Map.of(), names.deadLetters(SOURCE));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Reading huge = reading("big", 1);
        StringBuilder noise = new StringBuilder();
        while (noise.length() < 8000) {
            noise.append(UUID.randomUUID());
        }
        huge.setAttributes(Map.of("noise", noise.toString()));

        try (IngressPublisher publisher = publisher(names, settings().withCompressionType("none"), meters)) {
            IngressPublisher.Outcome tooLarge = publisher
                    .batch(Origin.message(
                            "dev/big",
                            "dev/big".getBytes(StandardCharsets.UTF_8),
                            "the big message".getBytes(StandardCharsets.UTF_8),
                            List.of()))
                    .reading(huge)
                    .seal()
                    .get(30, TimeUnit.SECONDS);
            IngressPublisher.Outcome next = publisher
                    .batch(origin(2))
                    .reading(reading("small", 2))
                    .seal()
                    .get(30, TimeUnit.SECONDS);

            assertThat(tooLarge.deadLetter()).isEqualTo("too_large");
            assertThat(tooLarge.records()).isZero();
            assertThat(next.deadLettered()).isFalse();
            assertThat(next.records()).isEqualTo(1);
            assertThat(publisher.state()).isEqualTo(IngressPublisher.State.RUNNING);
            assertThat(meters.get(IngressPublisher.METER_DEAD_LETTERS)
                            .tag("reason", "too_large")
                            .counter()
                            .count())
                    .isEqualTo(1.0);
            assertThat(meters.get(IngressPublisher.METER_ERRORS)
                            .tag("kind", "too_large")
                            .counter()
                            .count())
                    .isGreaterThanOrEqualTo(1.0);
        }

        ConsumerRecord<byte[], byte[]> dead =
                consume(names.deadLetters(SOURCE), 1).get(0);
        assertThat(header(dead, DeadLetterHeaders.REASON))
                .startsWith("record too large for Kafka topic " + names.readings());
        assertThat(header(dead, DeadLetterHeaders.STAGE)).isEqualTo(SOURCE);
        assertThat(header(dead, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("dev/big");
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("the big message");
        List<ConsumerRecord<byte[], byte[]>> readings = consume(names.readings(), 1);
        assertThat(new String(readings.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("small");
    }

    @Test
    void shouldCutADeadLetterTooLargeForTheDeadLetterTopicAndSaySo() throws Exception {
        TopicNames names = names();
        createTopics(1, Map.of(), names.readings());
        createTopics(1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "100000"), names.deadLetters(SOURCE));
        byte[] payload = new byte[300_000];
        ThreadLocalRandom.current().nextBytes(payload);

        try (IngressPublisher publisher = publisher(names, settings(), new SimpleMeterRegistry())) {
            IngressPublisher.Outcome outcome = publisher
                    .batch(Origin.line("upload.csv", 7, () -> payload))
                    .deadLetter("malformed", "not a row", null)
                    .seal()
                    .get(30, TimeUnit.SECONDS);
            assertThat(outcome.deadLetter()).isEqualTo("malformed");
            assertThat(publisher.state()).isEqualTo(IngressPublisher.State.RUNNING);
        }

        ConsumerRecord<byte[], byte[]> dead =
                consume(names.deadLetters(SOURCE), 1).get(0);
        assertThat(dead.value())
                .hasSize(IngressPublisher.DEAD_LETTER_PAYLOAD_LIMIT)
                .isEqualTo(java.util.Arrays.copyOf(payload, IngressPublisher.DEAD_LETTER_PAYLOAD_LIMIT));
        assertThat(header(dead, IngressPublisher.payloadTruncatedHeader(SOURCE)))
                .isEqualTo("300000");
        assertThat(header(dead, DeadLetterHeaders.REASON)).isEqualTo("not a row");
        assertThat(header(dead, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("7");
    }

    private IngressSettings settings() {
        return settings(bootstrap);
    }

    private static IngressSettings settings(String bootstrapServers) {
        return IngressSettings.of(SOURCE, bootstrapServers)
                .withClientId("it-client")
                .withLingerMs(2);
    }

    private IngressPublisher publisher(TopicNames names, IngressSettings settings, SimpleMeterRegistry meters) {
        return IngressPublisher.withSchemaRegistry(
                settings,
                names,
                new HttpSchemaRegistryClient(stack.schemaRegistry().url()),
                meters);
    }

    private static TopicNames names() {
        return new TopicNames("ingress-" + UUID.randomUUID().toString().substring(0, 8) + ".");
    }

    private static Origin origin(int n) {
        return Origin.line("it", n, () -> Integer.toString(n).getBytes(StandardCharsets.UTF_8));
    }

    private static Reading reading(String device, int n) {
        return Reading.newBuilder()
                .setDeviceId(device)
                .setSensor("seq")
                .setValue(n)
                .setEventTime(Instant.ofEpochMilli(TestTimes.BASE_MILLIS + n))
                .setIngestTime(Instant.now())
                .setSource(Source.MQTT)
                .setQuality(Quality.GOOD)
                .build();
    }

    private Deserializer<Reading> readingDeserializer() {
        return AvroSerdes.specific(
                        Reading.class,
                        new HttpSchemaRegistryClient(stack.schemaRegistry().url()),
                        false)
                .deserializer();
    }

    private void createTopics(int partitions, Map<String, String> configs, String... topics) throws Exception {
        createTopics(bootstrap, partitions, configs, topics);
    }

    private static void createTopics(
            String bootstrapServers, int partitions, Map<String, String> configs, String... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            List<NewTopic> created = new ArrayList<>();
            for (String topic : topics) {
                created.add(new NewTopic(topic, partitions, (short) 1).configs(configs));
            }
            admin.createTopics(created).all().get(30, TimeUnit.SECONDS);
            TopicReadiness.awaitWritable(admin, List.of(topics), Duration.ofSeconds(30));
        }
    }

    private List<ConsumerRecord<byte[], byte[]>> consume(String topic, int count) {
        return consume(bootstrap, topic, count);
    }

    private static List<ConsumerRecord<byte[], byte[]>> consume(String bootstrapServers, String topic, int count) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "ingress-it-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                return out.size() >= count;
            });
            consumer.poll(Duration.ofMillis(300)).forEach(out::add);
        }
        assertThat(out).hasSize(count);
        // Kafka orders within a partition; sort each key's records by offset within its partition.
        out.sort(java.util.Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
                .thenComparingLong(ConsumerRecord::offset));
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
