package io.fieldline.sink.testing;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import io.fieldline.testing.KafkaTopics;
import io.fieldline.testing.TestNames;
import io.fieldline.testing.TopicTail;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Topics of one test (a unique prefix, so tests share the broker without seeing each other), an Avro
 * producer through the real Schema Registry, and the sink properties pointing at them.
 */
public final class KafkaFixture implements AutoCloseable {

    private final String bootstrap;
    private final SchemaRegistryClient registry;
    private final TopicNames topics;
    private final String groupPrefix;
    private final KafkaProducer<byte[], byte[]> producer;

    public KafkaFixture(EmbeddedStack stack) {
        this(
                stack.kafka().bootstrapServers(),
                new HttpSchemaRegistryClient(stack.schemaRegistry().url()));
    }

    public KafkaFixture(String bootstrap, SchemaRegistryClient registry) {
        this.bootstrap = bootstrap;
        this.registry = registry;
        String id = TestNames.unique("t");
        this.topics = new TopicNames(id + ".");
        this.groupPrefix = "sink-it-" + id;
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        this.producer = new KafkaProducer<>(props);
        createTopics(3);
    }

    private void createTopics(int partitions) {
        KafkaTopics.createMissing(bootstrap, partitions, topics.dataTopics().toArray(String[]::new));
        KafkaTopics.createMissing(bootstrap, 1, topics.deadLetters("sink"));
    }

    public TopicNames topics() {
        return topics;
    }

    public SchemaRegistryClient registry() {
        return registry;
    }

    /** Sink properties: this fixture's topics, brokers and group ids, short linger and backoff for tests. */
    public Map<String, Object> sinkProperties() {
        Map<String, Object> props = new HashMap<>(io.fieldline.sink.SinkConfig.topicsFrom(topics));
        props.put("kafka.bootstrap.servers", bootstrap);
        props.put("sink.group.id.prefix", groupPrefix);
        props.put("sink.batch.linger.ms", "50");
        props.put("sink.retry.backoff.initial.ms", "50");
        props.put("sink.retry.backoff.max.ms", "500");
        props.put("kafka.consumer.session.timeout.ms", "10000");
        props.put("kafka.consumer.heartbeat.interval.ms", "1000");
        return props;
    }

    /** Sends Avro values keyed by {@code key}, and waits for the acknowledgements. */
    public <T extends SpecificRecord> void send(String topic, List<T> values, Function<T, String> key) {
        if (values.isEmpty()) {
            return;
        }
        @SuppressWarnings("unchecked") // the generated class of the first value is the class of all
        Class<T> type = (Class<T>) values.get(0).getClass();
        Serializer<T> serializer = AvroSerdes.specific(type, registry, false).serializer();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (T value : values) {
            records.add(new ProducerRecord<>(
                    topic, key.apply(value).getBytes(StandardCharsets.UTF_8), serializer.serialize(topic, value)));
        }
        sendRaw(records);
    }

    /** Sends raw records and waits for the acknowledgements. */
    public void sendRaw(List<ProducerRecord<byte[], byte[]>> records) {
        List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> record : records) {
            sends.add(producer.send(record));
        }
        producer.flush();
        for (java.util.concurrent.Future<?> send : sends) {
            try {
                send.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Reads {@code topic} from the beginning until {@code expected} records arrived (30 s at most), and a little more. */
    public List<ConsumerRecord<String, byte[]>> readAll(String topic, int expected) {
        try (TopicTail<String, byte[]> tail = TopicTail.of(bootstrap, topic)) {
            return tail.awaitCount(expected, Duration.ofSeconds(30));
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
