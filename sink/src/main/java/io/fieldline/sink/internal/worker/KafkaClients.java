package io.fieldline.sink.internal.worker;

import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.SinkStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.HashMap;
import java.util.Map;

/** Kafka clients of the sinks, from {@link SinkConfig}. */
public final class KafkaClients {

    private KafkaClients() {
    }

    /**
     * A consumer of raw bytes for one sink and stream. Defaults suit the sink (earliest, read_committed
     * because the topologies write transactionally, one poll up to a batch); {@code sink.kafka.consumer.*}
     * may override them, except what correctness needs: manual commits and the group id.
     */
    public static KafkaConsumer<byte[], byte[]> consumer(SinkConfig config, String sink, SinkStream stream) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.batchSize());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.groupId(sink, stream));
        props.putAll(config.consumerProperties());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId(sink, stream));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return new KafkaConsumer<>(props);
    }

    /** The dead-letter producer: acks from all in-sync replicas, idempotent. */
    public static KafkaProducer<byte[], byte[]> deadLetterProducer(SinkConfig config, String sink) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.getString(SinkConfig.GROUP_ID_PREFIX) + "-" + sink + "-deadletters");
        props.putAll(config.producerProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(props);
    }
}
