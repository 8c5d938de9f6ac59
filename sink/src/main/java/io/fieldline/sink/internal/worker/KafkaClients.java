package io.fieldline.sink.internal.worker;

import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.SinkStream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

/** Kafka clients of the sinks, from {@link SinkConfig} (which says what they enforce and default). */
public final class KafkaClients {

    private KafkaClients() {}

    /** A consumer of raw bytes for one sink and stream: see {@link SinkConfig#consumerProperties}. */
    public static KafkaConsumer<byte[], byte[]> consumer(SinkConfig config, String sink, SinkStream stream) {
        return new KafkaConsumer<>(config.consumerProperties(sink, stream));
    }

    /** The dead-letter producer: see {@link SinkConfig#producerProperties}. */
    public static KafkaProducer<byte[], byte[]> deadLetterProducer(SinkConfig config, String sink) {
        return new KafkaProducer<>(config.producerProperties(sink));
    }
}
