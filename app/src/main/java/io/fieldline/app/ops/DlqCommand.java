package io.fieldline.app.ops;

import io.fieldline.app.RecordJson;
import io.fieldline.core.kafka.ClientRules;
import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fieldline dlq list|show|replay}: the dead letters of each stage ({@code deadletter.<stage>}) by reason, the
 * records themselves, and their replay into the Kafka topic they came from once the cause is fixed.
 *
 * <p>A replay is exactly once: each dead letter replayed is recorded in the compacted topic
 * {@code deadletter.replayed} (key: dead-letter topic, partition and offset) in the same Kafka transaction as the
 * record it puts back, and a replay skips what that topic already holds. The transactional id is one per stage, so
 * a second replay of the same stage started meanwhile fences the first instead of doubling it.
 */
@Command(
        name = "dlq",
        mixinStandardHelpOptions = true,
        description = "Dead letters: counts by stage and reason, the records, and their replay after a fix.",
        subcommands = {DlqCommand.ListDeadLetters.class, DlqCommand.Show.class, DlqCommand.Replay.class})
public final class DlqCommand {

    /** The compacted topic (after the prefix) that records which dead letters were replayed. */
    static final String REPLAYED_TOPIC = "deadletter.replayed";
    /** Header of a replayed record: the dead letter it was put back from (topic/partition/offset). */
    static final String REPLAYED_FROM = "fieldline.dlq.replayed.from";

    /** What every dlq subcommand shares: where Kafka is, the topic names, and a full read of a dead-letter topic. */
    abstract static class DlqBase extends OpsCommand {

        /** Every committed record of the topic up to its end when the read began, in partition order. */
        void readAll(String topic, Consumer<ConsumerRecord<byte[], byte[]>> each) {
            Map<String, Object> props = kafka().consumerProperties(ClientRules.of("fieldline dlq")
                    .enforce(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                    .enforce(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                    .byDefault(ConsumerConfig.CLIENT_ID_CONFIG, "fieldline-dlq"));
            try (KafkaConsumer<byte[], byte[]> consumer =
                    new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic, OpsClients.TIMEOUT).stream()
                        .map(p -> new TopicPartition(topic, p.partition()))
                        .toList();
                if (partitions.isEmpty()) {
                    return;
                }
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, OpsClients.TIMEOUT);
                Set<TopicPartition> done = new HashSet<>();
                long deadline = System.nanoTime() + OpsClients.TIMEOUT.toNanos();
                while (done.size() < partitions.size()) {
                    for (TopicPartition partition : partitions) {
                        // read_committed stops short of the end at transaction markers: the position is the truth.
                        if (consumer.position(partition, OpsClients.TIMEOUT) >= ends.get(partition)) {
                            done.add(partition);
                        }
                    }
                    if (done.size() == partitions.size()) {
                        break;
                    }
                    var records = consumer.poll(Duration.ofMillis(200));
                    if (!records.isEmpty()) {
                        deadline = System.nanoTime() + OpsClients.TIMEOUT.toNanos();
                    } else if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(
                                "Reading " + topic + " made no progress for " + OpsClients.TIMEOUT.toSeconds() + " s");
                    }
                    for (ConsumerRecord<byte[], byte[]> record : records) {
                        if (record.offset() < ends.get(new TopicPartition(topic, record.partition()))) {
                            each.accept(record);
                        }
                    }
                }
            }
        }

        /** The dead-letter topics that exist, by stage. */
        Map<String, String> deadLetterTopics(Admin admin) throws Exception {
            String prefix = names().deadLetters("");
            Map<String, String> byStage = new TreeMap<>();
            for (String topic : OpsClients.get(admin.listTopics().names())) {
                if (topic.startsWith(prefix) && !topic.equals(names().prefix() + REPLAYED_TOPIC)) {
                    byStage.put(topic.substring(prefix.length()), topic);
                }
            }
            return byStage;
        }
    }

    /** A dead letter's header as text, if it has it. */
    static Optional<String> header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null
                ? Optional.empty()
                : Optional.of(new String(header.value(), StandardCharsets.UTF_8));
    }

    /** Reason filter: a dead letter matches when its reason contains the text (case-insensitive). */
    static boolean matches(ConsumerRecord<byte[], byte[]> record, String reason) {
        return reason == null
                || header(record, DeadLetterHeaders.REASON)
                        .map(r -> r.toLowerCase(java.util.Locale.ROOT)
                                .contains(reason.toLowerCase(java.util.Locale.ROOT)))
                        .orElse(false);
    }

    /** {@code fieldline dlq list}: per stage, how many dead letters and for which reasons. */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "Per stage: the number of dead letters, and the number per reason with the first and last "
                    + "time it happened.")
    static final class ListDeadLetters extends DlqBase {

        @Override
        public Integer call() throws Exception {
            PrintWriter out = out();
            try (Admin admin = admin("fieldline dlq")) {
                Map<String, String> topics = deadLetterTopics(admin);
                if (topics.isEmpty()) {
                    out.println("No dead-letter topics (" + names().deadLetters("<stage>") + ")");
                }
                for (Map.Entry<String, String> stage : topics.entrySet()) {
                    Map<String, long[]> reasons = new TreeMap<>();
                    long[] total = {0};
                    readAll(stage.getValue(), record -> {
                        total[0]++;
                        String reason = header(record, DeadLetterHeaders.REASON).orElse("(no reason header)");
                        long[] seen =
                                reasons.computeIfAbsent(reason, r -> new long[] {0, Long.MAX_VALUE, Long.MIN_VALUE});
                        seen[0]++;
                        seen[1] = Math.min(seen[1], record.timestamp());
                        seen[2] = Math.max(seen[2], record.timestamp());
                    });
                    out.printf("%s (%s): %d dead letters%n", stage.getKey(), stage.getValue(), total[0]);
                    reasons.entrySet().stream()
                            .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                            .forEach(e -> out.printf(
                                    "  %8d  %s .. %s  %s%n",
                                    e.getValue()[0],
                                    Instant.ofEpochMilli(e.getValue()[1]),
                                    Instant.ofEpochMilli(e.getValue()[2]),
                                    e.getKey()));
                }
                out.flush();
                return 0;
            }
        }
    }

    /** {@code fieldline dlq show STAGE}: the dead letters themselves, as JSON lines. */
    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Print a stage's dead letters as JSON lines (value, key and headers), oldest first.")
    static final class Show extends DlqBase {

        @Parameters(paramLabel = "STAGE", description = "The stage (mqtt, can, streams, sink, cdc, ...).")
        String stage;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Only dead letters whose reason contains TEXT.")
        String reason;

        @Option(
                names = {"-n", "--max"},
                paramLabel = "N",
                defaultValue = "100",
                description = "At most N records (default: ${DEFAULT-VALUE}; 0: all).")
        long max;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = out();
            String topic = names().deadLetters(stage);
            long[] shown = {0};
            try (Deserializer<GenericRecord> avro = AvroSerdes.generic(
                            new HttpSchemaRegistryClient(endpoints.schemaRegistryUrl()), false)
                    .deserializer()) {
                readAll(topic, record -> {
                    if ((max == 0 || shown[0] < max) && matches(record, reason)) {
                        try {
                            out.println(RecordJson.line(record, avro));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        shown[0]++;
                    }
                });
            }
            out.flush();
            return 0;
        }
    }

    /** {@code fieldline dlq replay STAGE}: the selected dead letters back into the topics they came from, once. */
    @Command(
            name = "replay",
            mixinStandardHelpOptions = true,
            description = "Put a stage's dead letters (those that came from a Kafka topic, selected by --reason or "
                    + "--offset) back into that topic, exactly once: each is recorded as replayed in the same "
                    + "transaction, and never replayed again.")
    static final class Replay extends DlqBase {

        @Parameters(paramLabel = "STAGE", description = "The stage (streams, sink, ...).")
        String stage;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Only dead letters whose reason contains TEXT.")
        String reason;

        @Option(
                names = "--offset",
                paramLabel = "PARTITION:OFFSET",
                description = "Only these dead letters (repeatable), by partition and offset in the dead-letter topic.")
        List<String> offsets = new ArrayList<>();

        @Option(names = "--dry-run", description = "Say what would be replayed, replay nothing.")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = out();
            String topic = names().deadLetters(stage);
            String replayedTopic = names().prefix() + REPLAYED_TOPIC;
            Set<String> selected = new HashSet<>();
            for (String offset : offsets) {
                if (!offset.matches("\\d+:\\d+")) {
                    throw new picocli.CommandLine.ParameterException(
                            spec.commandLine(), "--offset takes PARTITION:OFFSET, got '" + offset + "'");
                }
                selected.add(topic + "/" + offset.replace(':', '/'));
            }
            try (Admin admin = admin("fieldline dlq")) {
                if (!OpsClients.get(admin.listTopics().names()).contains(topic)) {
                    err().println("No dead-letter topic " + topic);
                    return 1;
                }
                createReplayedTopic(admin, replayedTopic);
            }
            Map<String, Object> producerProps = kafka().producerProperties(ClientRules.of("fieldline dlq replay")
                    .enforce(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                    .enforce(ProducerConfig.ACKS_CONFIG, "all")
                    .enforce(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "fieldline-dlq-replay-" + topic)
                    .byDefault(ProducerConfig.CLIENT_ID_CONFIG, "fieldline-dlq-replay-" + UUID.randomUUID()));
            long[] counts = new long[4]; // replayed, already replayed, not from Kafka, not selected
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
                // Fences an earlier replay of this stage still running (and aborts its open transaction) before the
                // record of what was replayed is read: nothing committed after the read can be replayed twice.
                producer.initTransactions();
                Set<String> replayed = new HashSet<>();
                readAll(replayedTopic, record -> {
                    if (record.key() != null) {
                        replayed.add(new String(record.key(), StandardCharsets.UTF_8));
                    }
                });
                List<ConsumerRecord<byte[], byte[]>> todo = new ArrayList<>();
                readAll(topic, record -> {
                    String id = topic + "/" + record.partition() + "/" + record.offset();
                    if (!matches(record, reason) || (!selected.isEmpty() && !selected.contains(id))) {
                        counts[3]++;
                    } else if (replayed.contains(id)) {
                        counts[1]++;
                    } else if (header(record, DeadLetterHeaders.SOURCE_PARTITION)
                                    .isEmpty()
                            || header(record, DeadLetterHeaders.SOURCE_TOPIC).isEmpty()) {
                        counts[2]++;
                    } else {
                        todo.add(record);
                    }
                });
                for (ConsumerRecord<byte[], byte[]> record : todo) {
                    String source =
                            header(record, DeadLetterHeaders.SOURCE_TOPIC).orElseThrow();
                    String id = topic + "/" + record.partition() + "/" + record.offset();
                    out.printf(
                            "%s %s -> %s (%s)%n",
                            dryRun ? "would replay" : "replaying",
                            id,
                            source,
                            header(record, DeadLetterHeaders.REASON).orElse("no reason"));
                    if (dryRun) {
                        counts[0]++;
                        continue;
                    }
                    RecordHeaders headers = new RecordHeaders();
                    for (Header header : record.headers()) {
                        if (!header.key().startsWith("fieldline.dlq.")) {
                            headers.add(header);
                        }
                    }
                    headers.add(REPLAYED_FROM, id.getBytes(StandardCharsets.UTF_8));
                    producer.beginTransaction();
                    try {
                        producer.send(new ProducerRecord<>(
                                source, null, record.timestamp(), record.key(), record.value(), headers));
                        producer.send(new ProducerRecord<>(
                                replayedTopic,
                                id.getBytes(StandardCharsets.UTF_8),
                                Instant.now().toString().getBytes(StandardCharsets.UTF_8)));
                        producer.commitTransaction();
                    } catch (RuntimeException e) {
                        producer.abortTransaction();
                        throw e;
                    }
                    counts[0]++;
                }
            }
            out.printf(
                    "%s %d, already replayed %d, not from a Kafka topic (not replayable) %d, not selected %d%n",
                    dryRun ? "Would replay" : "Replayed", counts[0], counts[1], counts[2], counts[3]);
            out.flush();
            return 0;
        }

        private static void createReplayedTopic(Admin admin, String name) throws Exception {
            try {
                OpsClients.get(admin.createTopics(List.of(new NewTopic(name, Optional.of(1), Optional.empty())
                                .configs(
                                        Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                        .all());
            } catch (TopicExistsException e) {
                // made by an earlier replay
            }
        }
    }
}
