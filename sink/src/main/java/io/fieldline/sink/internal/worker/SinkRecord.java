package io.fieldline.sink.internal.worker;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumed record with its decoded value; the original record is kept for the dead-letter topic,
 * which receives the bytes exactly as they were read.
 */
public record SinkRecord<V>(ConsumerRecord<byte[], byte[]> source, V value) {

    public String topic() {
        return source.topic();
    }

    public TopicPartition topicPartition() {
        return new TopicPartition(source.topic(), source.partition());
    }

    public long offset() {
        return source.offset();
    }
}
