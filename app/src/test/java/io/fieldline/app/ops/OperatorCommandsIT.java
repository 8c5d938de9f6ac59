package io.fieldline.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fieldline.app.FieldlineCommand;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * The operator commands ({@code topics}, {@code lag}, {@code dlq}, {@code tail}) run as a user runs them, through
 * the command line, against the embedded Kafka and Schema Registry; each test under its own topic prefix.
 */
@ExtendWith(EmbeddedStackExtension.class)
class OperatorCommandsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final EmbeddedStack stack;
    private String prefix;

    OperatorCommandsIT(EmbeddedStack stack) {
        this.stack = stack;
    }

    @BeforeEach
    void prefix() {
        prefix = "ops-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    }

    @Test
    void shouldListAndDescribeTopicsWithTheirLayoutRetentionAndRecords() throws Exception {
        String topic = prefix + "telemetry.readings";
        createTopic(topic, 3, Map.of(TopicConfig.RETENTION_MS_CONFIG, "86400000"));
        produce(topic, 10, null);

        Result list = run("topics", "list");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out().lines().filter(line -> line.startsWith(topic + " ")))
                .singleElement()
                .satisfies(line -> assertThat(line.split("\\s+")).startsWith(topic, "3", "1", "1", "d"));

        Result describe = run("topics", "describe", topic);
        assertThat(describe.code()).as(describe.err()).isZero();
        assertThat(describe.out())
                .contains("Topic " + topic + ": 3 partitions, replication factor 1, not internal, 10 records")
                .contains("retention.ms=86400000");
        List<String> partitions = describe.out()
                .lines()
                .filter(line -> line.matches("\\s+\\d+\\s+\\d+\\s+.*"))
                .toList();
        assertThat(partitions).hasSize(3);
        long records = partitions.stream()
                .mapToLong(line -> Long.parseLong(line.trim().split("\\s+")[5]))
                .sum();
        assertThat(records).as("END offsets of the three partitions").isEqualTo(10);

        Result missing = run("topics", "describe", prefix + "nothing");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("No such topic");
    }

    @Test
    void shouldReportEachGroupsLagPerTopicAndPartition() throws Exception {
        String topic = prefix + "telemetry.readings";
        createTopic(topic, 2, Map.of());
        produceTo(topic, 0, 6);
        produceTo(topic, 1, 4);
        String group = prefix + "sink";
        // A group that consumed 3 of partition 0's records and none of partition 1's.
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.kafka().bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        group),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.commitSync(Map.of(
                    new TopicPartition(topic, 0), new OffsetAndMetadata(3),
                    new TopicPartition(topic, 1), new OffsetAndMetadata(0)));
        }
        long inPartition0 = endOffset(new TopicPartition(topic, 0));
        assertThat(inPartition0).isEqualTo(6);

        Result lag = run("lag", "--group", group, "--interval", "0", "--by-partition");
        assertThat(lag.code()).as(lag.err()).isZero();
        assertThat(lag.out())
                .contains(String.format(
                        "%-40s %-36s %9s %12d %12d %10d", group, topic, "0", 3, inPartition0, inPartition0 - 3))
                .contains("Total lag: 7 records in 1 groups");

        Result rates = run("lag", "--group", group, "--interval", "0.5");
        assertThat(rates.code()).as(rates.err()).isZero();
        assertThat(rates.out()).contains("CONSUMED/S").contains("Total lag: 7 records");
    }

    @Test
    void shouldCountDeadLettersByReasonShowThemAndReplayTheSelectedOnesExactlyOnce() throws Exception {
        String source = prefix + "telemetry.aggregates.1m";
        String deadLetters = prefix + "deadletter.sink";
        createTopic(source, 1, Map.of());
        createTopic(deadLetters, 1, Map.of());
        produceDeadLetter(deadLetters, source, "cannot write: value too large for column", "k1", "v1", true);
        produceDeadLetter(deadLetters, source, "cannot write: value too large for column", "k2", "v2", true);
        produceDeadLetter(deadLetters, source, "schema not found", "k3", "v3", true);
        produceDeadLetter(deadLetters, "sites/a/rooms/b/devices/c/telemetry", "not JSON", "c", "{", false);

        Result list = run("dlq", "list");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out())
                .contains("sink (" + deadLetters + "): 4 dead letters")
                .containsPattern("\\s+2\\s+\\S+ \\.\\. \\S+\\s+cannot write: value too large for column")
                .containsPattern("\\s+1\\s+\\S+ \\.\\. \\S+\\s+schema not found");

        Result show = run("dlq", "show", "sink", "--reason", "SCHEMA NOT");
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.out().lines().toList()).singleElement().satisfies(line -> {
            JsonNode json = JSON.readTree(line);
            assertThat(json.get("key").asText()).isEqualTo("k3");
            assertThat(json.get("value").asText()).isEqualTo("v3");
            assertThat(json.get("headers").get(DeadLetterHeaders.REASON).asText())
                    .isEqualTo("schema not found");
        });

        Result dryRun = run("dlq", "replay", "sink", "--reason", "cannot write", "--dry-run");
        assertThat(dryRun.out()).contains("Would replay 2,");
        assertThat(consumeAll(source)).isEmpty();

        Result replay = run("dlq", "replay", "sink", "--reason", "cannot write");
        assertThat(replay.code()).as(replay.err()).isZero();
        assertThat(replay.out())
                .contains("Replayed 2, already replayed 0, not from a Kafka topic (not replayable) 0, not selected 2");
        List<ConsumerRecord<byte[], byte[]>> replayed = consumeAll(source);
        assertThat(replayed)
                .extracting(r -> new String(r.key(), StandardCharsets.UTF_8) + "="
                        + new String(r.value(), StandardCharsets.UTF_8))
                .containsExactly("k1=v1", "k2=v2");
        assertThat(replayed.get(0).headers().lastHeader(DeadLetterHeaders.REASON))
                .as("the dead-letter headers stay behind")
                .isNull();
        assertThat(new String(
                        replayed.get(0)
                                .headers()
                                .lastHeader(DlqCommand.REPLAYED_FROM)
                                .value(),
                        StandardCharsets.UTF_8))
                .isEqualTo(deadLetters + "/0/0");

        // Everything, again: the two already replayed are not replayed twice, the MQTT one cannot be.
        Result all = run("dlq", "replay", "sink");
        assertThat(all.out())
                .contains("Replayed 1, already replayed 2, not from a Kafka topic (not replayable) 1, not selected 0");
        assertThat(consumeAll(source))
                .extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                .containsExactly("k1", "k2", "k3");

        Result byOffset = run("dlq", "replay", "sink", "--offset", "0:2");
        assertThat(byOffset.out()).contains("Replayed 0, already replayed 1,");
        assertThat(run("dlq", "replay", "sink", "--offset", "zero").code()).isNotZero();
    }

    @Test
    void shouldTailATopicDecodingAvroThroughTheRegistryAndPrintingDeadLettersAsText() throws Exception {
        String topic = prefix + "telemetry.things";
        createTopic(topic, 1, Map.of());
        Schema schema = new Schema.Parser()
                .parse(
                        "{\"type\":\"record\",\"name\":\"Thing\",\"namespace\":\"io.fieldline.it\","
                                + "\"fields\":[{\"name\":\"device_id\",\"type\":\"string\"},{\"name\":\"value\",\"type\":\"double\"}]}");
        GenericRecord thing = new GenericData.Record(schema);
        thing.put("device_id", "gr-007");
        thing.put("value", 21.5);
        byte[] avro;
        try (var serializer = AvroSerdes.generic(
                        new HttpSchemaRegistryClient(stack.schemaRegistry().url()), false)
                .serializer()) {
            avro = serializer.serialize(topic, thing);
        }
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(topic, "gr-007".getBytes(StandardCharsets.UTF_8), avro))
                    .get();
            producer.send(new ProducerRecord<>(topic, null, new byte[] {(byte) 0xff, 0x00, 0x01}))
                    .get();
        }

        Result tail = run("tail", topic, "--from-beginning", "-n", "2");
        assertThat(tail.code()).as(tail.err()).isZero();
        List<String> lines = tail.out().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode first = JSON.readTree(lines.get(0));
        assertThat(first.get("key").asText()).isEqualTo("gr-007");
        assertThat(first.get("value").get("device_id").asText()).isEqualTo("gr-007");
        assertThat(first.get("value").get("value").asDouble()).isEqualTo(21.5);
        assertThat(JSON.readTree(lines.get(1)).get("value").asText()).isEqualTo("base64:/wAB");

        Result idle = run("tail", topic, "--idle", "1");
        assertThat(idle.code()).as("ends after a second without records").isZero();
        assertThat(idle.out()).isEmpty();
    }

    private record Result(int code, String out, String err) {}

    private Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(
                List.of("--bootstrap-servers", stack.kafka().bootstrapServers(), "--set", "topics.prefix=" + prefix));
        if (List.of("tail", "dlq").contains(args[0])) {
            all.addAll(List.of("--schema-registry-url", stack.schemaRegistry().url()));
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new FieldlineCommand());
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        int code = command.execute(all.toArray(String[]::new));
        return new Result(code, out.toString(), err.toString());
    }

    private void createTopic(String name, int partitions, Map<String, String> configs) throws Exception {
        try (Admin admin = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, Optional.of(partitions), Optional.empty()).configs(configs)))
                    .all()
                    .get();
        }
    }

    private long endOffset(TopicPartition partition) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            return consumer.endOffsets(List.of(partition)).get(partition);
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private void produce(String topic, int count, String key) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < count; i++) {
                byte[] k = (key != null ? key : "device-" + i).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, k, ("reading " + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    private void produceTo(String topic, int partition, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(
                        topic, partition, null, ("reading " + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    private void produceDeadLetter(
            String topic, String sourceTopic, String reason, String key, String value, boolean fromKafka)
            throws Exception {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetterHeaders.REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetterHeaders.STAGE, "sink".getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, sourceTopic.getBytes(StandardCharsets.UTF_8));
        if (fromKafka) {
            headers.add(DeadLetterHeaders.SOURCE_PARTITION, "0".getBytes(StandardCharsets.UTF_8));
            headers.add(DeadLetterHeaders.SOURCE_OFFSET, "17".getBytes(StandardCharsets.UTF_8));
        }
        headers.add("traceparent", "00-abc-def-01".getBytes(StandardCharsets.UTF_8));
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(
                            topic,
                            null,
                            key.getBytes(StandardCharsets.UTF_8),
                            value.getBytes(StandardCharsets.UTF_8),
                            headers))
                    .get();
        }
    }

    private List<ConsumerRecord<byte[], byte[]>> consumeAll(String topic) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.kafka().bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
