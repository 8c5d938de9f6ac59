package io.fieldline.sink.testing;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

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
        this(stack.kafka().bootstrapServers(), new HttpSchemaRegistryClient(stack.schemaRegistry().url()));
    }

    public KafkaFixture(String bootstrap, SchemaRegistryClient registry) {
        this.bootstrap = bootstrap;
        this.registry = registry;
        String id = UUID.randomUUID().toString().substring(0, 8);
        this.topics = new TopicNames("t" + id + ".");
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
        List<NewTopic> newTopics = new ArrayList<>();
        for (String name : topics.dataTopics()) {
            newTopics.add(new NewTopic(name, partitions, (short) 1));
        }
        newTopics.add(new NewTopic(topics.deadLetters("sink"), 1, (short) 1));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(newTopics).all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
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
            records.add(new ProducerRecord<>(topic, key.apply(value).getBytes(StandardCharsets.UTF_8),
                    serializer.serialize(topic, value)));
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

    /** Reads everything in {@code topic} (from the beginning) until {@code expected} records arrived or 30 s passed. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
