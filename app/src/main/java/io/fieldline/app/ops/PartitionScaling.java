package io.fieldline.app.ops;

import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.topologies.runtime.PartitionTime;
import io.fieldline.topologies.runtime.PartitionedState.StatefulReader;
import io.fieldline.topologies.runtime.PartitionedState.Store;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * The Kafka side of {@code fieldline topics scale}: where keys go, who reads a topic and how far, and the moves
 * of Streams state and partition time that make a keyed topic's new partition count safe for its stateful readers.
 * Every step is idempotent, so an interrupted run is completed by running the command again.
 */
final class PartitionScaling {

    /** How often a wait looks again. */
    static final Duration POLL = Duration.ofMillis(500);

    private final Admin admin;
    private final KafkaClientConfig kafka;
    private final PrintWriter out;

    PartitionScaling(Admin admin, KafkaClientConfig kafka, PrintWriter out) {
        this.admin = admin;
        this.kafka = kafka;
        this.out = out;
    }

    /** Kafka's default partitioner for a record with this (UTF-8 string) key. */
    static int partitionFor(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    int partitionCount(String topic) throws Exception {
        TopicDescription description = OpsClients.get(
                        admin.describeTopics(List.of(topic)).allTopicNames())
                .get(topic);
        return description.partitions().size();
    }

    boolean exists(String topic) throws Exception {
        return topicNames().contains(topic);
    }

    /** The names of the cluster's topics, internal ones of Kafka Streams included. */
    Set<String> topicNames() throws Exception {
        return OpsClients.get(admin.listTopics().names());
    }

    /** The keys whose latest record in {@code topic} is not a tombstone. */
    Set<String> liveKeys(String topic) throws Exception {
        Map<String, Boolean> live = new TreeMap<>();
        readAll(topic, record -> {
            if (record.key() != null) {
                live.put(new String(record.key(), StandardCharsets.UTF_8), record.value() != null);
            }
        });
        live.values().removeIf(alive -> !alive);
        return live.keySet();
    }

    /** End offsets of every partition of the topic. */
    Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
        int partitions = partitionCount(topic);
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, ListOffsetsResultInfo> result =
                OpsClients.get(admin.listOffsets(request).all());
        Map<TopicPartition, Long> ends = new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
        result.forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }

    /** The consumer groups (not share groups) with committed offsets on {@code topic}, and those offsets. */
    Map<String, Map<TopicPartition, OffsetAndMetadata>> groupsReading(String topic) throws Exception {
        List<String> groups = OpsClients.get(admin.listGroups().all()).stream()
                .filter(g -> g.type().map(t -> t != GroupType.SHARE).orElse(true))
                .map(GroupListing::groupId)
                .sorted()
                .toList();
        Map<String, Map<TopicPartition, OffsetAndMetadata>> reading = new LinkedHashMap<>();
        for (String group : groups) {
            Map<TopicPartition, OffsetAndMetadata> offsets = committed(group, topic);
            if (!offsets.isEmpty()) {
                reading.put(group, offsets);
            }
        }
        return reading;
    }

    /** Whether the group is a Streams group (group.protocol=streams, KIP-1071), which the command cannot handle. */
    boolean isStreamsGroup(String group) throws Exception {
        return OpsClients.get(admin.listGroups().all()).stream()
                .anyMatch(g -> g.groupId().equals(group)
                        && g.type().map(t -> t == GroupType.STREAMS).orElse(false));
    }

    /** The group's committed offsets on the topic's partitions. */
    Map<TopicPartition, OffsetAndMetadata> committed(String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> all;
        try {
            all = OpsClients.get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
        } catch (GroupIdNotFoundException e) {
            return Map.of();
        }
        Map<TopicPartition, OffsetAndMetadata> offsets =
                new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
        all.forEach((tp, offset) -> {
            if (tp.topic().equals(topic) && offset != null) {
                offsets.put(tp, offset);
            }
        });
        return offsets;
    }

    /** How many members the group has (0 for an empty or unknown group). */
    int members(String group) throws Exception {
        try {
            ConsumerGroupDescription description = OpsClients.get(admin.describeConsumerGroups(List.of(group))
                    .describedGroups()
                    .get(group));
            if (description.groupState() == GroupState.DEAD) {
                return 0;
            }
            return description.members().size();
        } catch (GroupIdNotFoundException e) {
            return 0;
        }
    }

    /**
     * Records the group has not committed past on the topic (a partition without an offset counts from 0). The
     * offsets between a committed offset and the end may hold no record at all, only the commit markers of a
     * transactional producer (the readings application writes {@code telemetry.readings.enriched} under
     * exactly-once): a partition counts as read when a read-committed consumer finds no record there.
     */
    long lag(String group, String topic, Map<TopicPartition, Long> ends) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = committed(group, topic);
        Map<TopicPartition, Long> behind = new HashMap<>();
        long lag = 0;
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            OffsetAndMetadata offset = committed.get(end.getKey());
            long from = offset == null ? 0 : offset.offset();
            if (from < end.getValue()) {
                behind.put(end.getKey(), from);
                lag += end.getValue() - from;
            }
        }
        if (lag == 0 || lag > behind.size() * MARKERS_PER_PARTITION) {
            return lag;
        }
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            consumer.assign(behind.keySet());
            behind.forEach(consumer::seek);
            long deadline = System.nanoTime() + OpsClients.TIMEOUT.toNanos();
            while (behind.keySet().stream().anyMatch(tp -> consumer.position(tp, OpsClients.TIMEOUT) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (record.offset() < ends.get(new TopicPartition(record.topic(), record.partition()))) {
                        return lag;
                    }
                }
                if (System.nanoTime() > deadline) {
                    return lag;
                }
            }
        }
        return 0;
    }

    /** How many offsets past a group's committed one may be only commit markers before they are looked at. */
    private static final int MARKERS_PER_PARTITION = 16;

    /** Polls {@code check} every {@link #POLL} until it holds or {@code timeout} has passed. */
    static boolean await(Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (check.holds()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** A condition a wait polls. */
    @FunctionalInterface
    interface Check {
        boolean holds() throws Exception;
    }

    /** Adds partitions to {@code topic} up to {@code partitions} (nothing when it has them) and waits until served. */
    void increase(String topic, int partitions) throws Exception {
        increase(List.of(topic), partitions);
    }

    /** {@link #increase(String, int)} for several topics in one request. */
    void increase(List<String> topics, int partitions) throws Exception {
        Map<String, NewPartitions> increases = new HashMap<>();
        for (String topic : topics) {
            if (partitionCount(topic) < partitions) {
                increases.put(topic, NewPartitions.increaseTo(partitions));
            }
        }
        if (!increases.isEmpty()) {
            OpsClients.get(admin.createPartitions(increases).all());
        }
        TopicReadiness.awaitWritable(admin, topics, OpsClients.TIMEOUT);
    }

    /**
     * Moves every entry of the reader's stores to the changelog partition of its device under {@code partitions}:
     * the copy first, then a tombstone in the partition it left. Changelogs gain partitions as needed. Returns the
     * number of entries moved. Run again, it finds nothing left to move.
     */
    long moveState(StatefulReader reader, int partitions) throws Exception {
        long moved = 0;
        List<String> changelogs = new ArrayList<>();
        for (Store store : reader.stores()) {
            if (exists(store.changelog(reader.applicationId()))) {
                changelogs.add(store.changelog(reader.applicationId()));
            }
        }
        if (!changelogs.isEmpty()) {
            increase(changelogs, partitions);
        }
        try (KafkaProducer<byte[], byte[]> producer = producer();
                KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            for (Store store : reader.stores()) {
                String changelog = store.changelog(reader.applicationId());
                if (!exists(changelog)) {
                    out.printf("    %s: no changelog yet, nothing to move%n", changelog);
                    continue;
                }
                long storeMoved = 0;
                for (int p = 0; p < partitions; p++) {
                    Map<ByteBuffer, ConsumerRecord<byte[], byte[]>> latest = new HashMap<>();
                    read(consumer, List.of(new TopicPartition(changelog, p)), record -> {
                        if (record.key() != null) {
                            latest.put(ByteBuffer.wrap(record.key()), record);
                        }
                    });
                    List<ConsumerRecord<byte[], byte[]>> leaving = new ArrayList<>();
                    for (ConsumerRecord<byte[], byte[]> record : latest.values()) {
                        if (record.value() == null) {
                            continue;
                        }
                        int target = partitionFor(store.device().apply(record.key()), partitions);
                        if (target != p) {
                            producer.send(new ProducerRecord<>(
                                    changelog,
                                    target,
                                    record.timestamp(),
                                    record.key(),
                                    record.value(),
                                    record.headers()));
                            leaving.add(record);
                        }
                    }
                    producer.flush();
                    // Only once every copy is acknowledged: an interrupted run leaves copies, never a gap.
                    for (ConsumerRecord<byte[], byte[]> record : leaving) {
                        producer.send(
                                new ProducerRecord<>(changelog, p, record.timestamp(), record.key(), (byte[]) null));
                    }
                    producer.flush();
                    storeMoved += leaving.size();
                }
                out.printf("    %s: %d entries moved%n", changelog, storeMoved);
                moved += storeMoved;
            }
        }
        return moved;
    }

    /**
     * Gives the reader's committed input offsets the partition times that keep every closed window closed: a new
     * partition starts at offset 0 with the largest time of the old partitions its keys can come from (with
     * {@code from} old and {@code to} new partitions, a key in new partition q came from an old partition p only if
     * p and q are congruent modulo gcd(from, to); a multiple of the old count gives each new partition exactly one
     * source), and an old partition that may receive keys from others is raised likewise. {@code from} 0 (not
     * known, on a resumed run) takes every old partition as a possible source. Every partition without an offset gets
     * offset 0 (without a time when none is known, so that a later run sees the procedure finished); offsets
     * already committed are kept, times are only ever raised. Returns how many offsets were written.
     */
    int carryPartitionTimes(StatefulReader reader, String topic, int from, int to) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = committed(reader.applicationId(), topic);
        Map<Integer, Long> times = new HashMap<>();
        Map<Integer, String> metadata = new HashMap<>();
        committed.forEach((tp, offset) -> {
            times.put(tp.partition(), PartitionTime.decode(offset.metadata()));
            metadata.put(tp.partition(), offset.metadata());
        });
        int modulus = from > 0 ? gcd(from, to) : 1;
        Map<TopicPartition, OffsetAndMetadata> updates = new LinkedHashMap<>();
        for (int q = 0; q < to; q++) {
            long time = PartitionTime.UNKNOWN;
            String source = null;
            for (Map.Entry<Integer, Long> old : times.entrySet()) {
                if (old.getKey() % modulus == q % modulus && old.getValue() > time) {
                    time = old.getValue();
                    source = metadata.get(old.getKey());
                }
            }
            TopicPartition tp = new TopicPartition(topic, q);
            OffsetAndMetadata current = committed.get(tp);
            if (current == null) {
                // Every partition gets an offset, with no time when none is known, so a later run sees it done.
                updates.put(
                        tp,
                        time == PartitionTime.UNKNOWN
                                ? new OffsetAndMetadata(0)
                                : new OffsetAndMetadata(0, PartitionTime.withTime(source, time)));
            } else if (time > PartitionTime.decode(current.metadata())) {
                updates.put(
                        tp, new OffsetAndMetadata(current.offset(), PartitionTime.withTime(current.metadata(), time)));
            }
        }
        if (!updates.isEmpty()) {
            OpsClients.get(admin.alterConsumerGroupOffsets(reader.applicationId(), updates)
                    .all());
        }
        return updates.size();
    }

    static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> props = kafka.producerProperties(ClientRules.of("fieldline topics scale")
                .enforce(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .enforce(ProducerConfig.ACKS_CONFIG, "all")
                .byDefault(ProducerConfig.CLIENT_ID_CONFIG, "fieldline-topics-scale"));
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Every committed record of the topic up to its end when the read began. */
    private void readAll(String topic, Consumer<ConsumerRecord<byte[], byte[]>> each) throws Exception {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            read(
                    consumer,
                    consumer.partitionsFor(topic, OpsClients.TIMEOUT).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList(),
                    each);
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Map<String, Object> props = kafka.consumerProperties(ClientRules.of("fieldline topics scale")
                .enforce(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .enforce(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .byDefault(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000)
                .byDefault(ConsumerConfig.CLIENT_ID_CONFIG, "fieldline-topics-scale"));
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Every committed record of these partitions, from their start up to their end when the read began. */
    private static void read(
            KafkaConsumer<byte[], byte[]> consumer,
            Collection<TopicPartition> partitions,
            Consumer<ConsumerRecord<byte[], byte[]>> each)
            throws Exception {
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions, OpsClients.TIMEOUT));
        ends.entrySet().removeIf(end -> consumer.position(end.getKey(), OpsClients.TIMEOUT) >= end.getValue());
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (!ends.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new java.util.concurrent.TimeoutException("reading " + partitions + " did not reach its end");
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                Long end = ends.get(new TopicPartition(record.topic(), record.partition()));
                if (end != null && record.offset() < end) {
                    each.accept(record);
                }
            }
            ends.entrySet().removeIf(end -> consumer.position(end.getKey(), OpsClients.TIMEOUT) >= end.getValue());
        }
    }
}
