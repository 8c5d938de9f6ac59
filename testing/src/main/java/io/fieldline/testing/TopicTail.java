package io.fieldline.testing;

import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads one topic from its beginning (committed records only, every partition, no consumer group)
 * and keeps every record seen, for assertions. Not thread-safe beyond its synchronized methods:
 * one test thread polls it, usually from an Awaitility condition.
 */
public final class TopicTail<K, V> implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConsumer<K, V> consumer;
    private final List<ConsumerRecord<K, V>> seen = new ArrayList<>();

    public TopicTail(String bootstrapServers, String topic, Deserializer<K> keys, Deserializer<V> values) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumer = new KafkaConsumer<>(props, keys, values);
        List<TopicPartition> partitions = partitionsOf(topic);
        if (partitions.isEmpty()) {
            consumer.close();
            throw new IllegalStateException("no topic " + topic + " (create it first: KafkaTopics.createMissing)");
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /**
     * The topic's partitions, asking again for up to 30 s: a broker answers metadata from its own cache,
     * which can lag a just-committed CreateTopics on a loaded machine, and an unknown topic comes back
     * as an empty list rather than an error.
     */
    private List<TopicPartition> partitionsOf(String topic) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            if (!partitions.isEmpty() || System.nanoTime() > deadline) {
                return partitions;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return partitions;
            }
        }
    }

    /** String keys and raw values: dead letters, CDC topics, anything decoded by the test itself. */
    public static TopicTail<String, byte[]> of(String bootstrapServers, String topic) {
        return new TopicTail<>(bootstrapServers, topic, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** String keys and Avro values of one generated type, decoded through the Schema Registry. */
    public static <T extends SpecificRecord> TopicTail<String, T> avro(
            String bootstrapServers, String registryUrl, String topic, Class<T> type) {
        return new TopicTail<>(
                bootstrapServers,
                topic,
                new StringDeserializer(),
                AvroSerdes.specific(type, new HttpSchemaRegistryClient(registryUrl), false)
                        .deserializer());
    }

    /** Polls once and returns only the records that poll brought. */
    public synchronized List<ConsumerRecord<K, V>> next() {
        List<ConsumerRecord<K, V>> fresh = new ArrayList<>();
        consumer.poll(POLL).forEach(fresh::add);
        seen.addAll(fresh);
        return fresh;
    }

    /** Every record read so far, after one more poll. */
    public synchronized List<ConsumerRecord<K, V>> records() {
        next();
        return List.copyOf(seen);
    }

    /** Every value read so far (tombstones as null), after one more poll. */
    public synchronized List<V> values() {
        next();
        List<V> values = new ArrayList<>(seen.size());
        seen.forEach(record -> values.add(record.value()));
        return values;
    }

    /** The records of one key, in topic order, after one more poll. */
    public synchronized List<ConsumerRecord<K, V>> records(K key) {
        return records().stream()
                .filter(record -> Objects.equals(key, record.key()))
                .toList();
    }

    /** The last record of one key (a tombstone included), or null, after one more poll. */
    public synchronized ConsumerRecord<K, V> latest(K key) {
        List<ConsumerRecord<K, V>> records = records(key);
        return records.isEmpty() ? null : records.get(records.size() - 1);
    }

    /**
     * Polls until at least {@code count} records arrived, then once more so that a record beyond the
     * expected ones shows up too; fails after {@code timeout}.
     */
    public synchronized List<ConsumerRecord<K, V>> awaitCount(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (seen.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " records within " + timeout + ", got " + seen.size());
            }
            next();
        }
        consumer.poll(Duration.ofMillis(500)).forEach(seen::add);
        return List.copyOf(seen);
    }

    /** Reads until every partition's position reaches its end as of now (its last stable offset). */
    public synchronized void drain(Duration timeout) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ends.entrySet().stream().allMatch(end -> consumer.position(end.getKey()) >= end.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("did not reach the end offsets " + ends + " within " + timeout);
            }
            next();
        }
    }

    /** The last header of that name as UTF-8 text, or null. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void close() {
        consumer.close();
    }
}
