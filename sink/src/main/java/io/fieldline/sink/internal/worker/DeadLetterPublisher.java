package io.fieldline.sink.internal.worker;

import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.deadletter.DeadLetterRecords;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

/**
 * Sends dead letters to the sink's dead-letter topic and waits for the broker's acknowledgement: a source
 * offset is committed only once its dead letter is safely stored. The original key, value and headers are
 * kept; the {@link DeadLetterHeaders} are added (built by {@link DeadLetterRecords}).
 */
public final class DeadLetterPublisher {

    /** Stage name in {@link DeadLetterHeaders#STAGE}. */
    public static final String STAGE = "sink";

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final Clock clock;
    private final Duration timeout;

    public DeadLetterPublisher(Producer<byte[], byte[]> producer, String topic, Clock clock, Duration timeout) {
        this.producer = producer;
        this.topic = topic;
        this.clock = clock;
        this.timeout = timeout;
    }

    public String topic() {
        return topic;
    }

    /**
     * Sends all and waits for every acknowledgement.
     *
     * @throws KafkaException when any send failed or timed out (the caller retries all: duplicates in a
     *                        dead-letter topic are harmless, losses are not)
     * @throws InterruptedException when interrupted while waiting
     */
    public void publish(List<DeadLetter> letters) throws InterruptedException {
        if (letters.isEmpty()) {
            return;
        }
        List<Future<RecordMetadata>> sends = new ArrayList<>(letters.size());
        for (DeadLetter letter : letters) {
            sends.add(producer.send(toRecord(letter)));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Future<RecordMetadata> send : sends) {
            try {
                send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw new KafkaException("dead letter to " + topic + " failed", e.getCause());
            } catch (TimeoutException e) {
                throw new KafkaException("dead letter to " + topic + " not acknowledged within " + timeout, e);
            }
        }
    }

    ProducerRecord<byte[], byte[]> toRecord(DeadLetter letter) {
        // The shared builder sets the standard headers; the topic is ours (configurable, not derived).
        ProducerRecord<byte[], byte[]> built = DeadLetterRecords.builder(TopicNames.defaults(), STAGE)
                .failed(letter.source())
                .reason(letter.reason(), letter.cause())
                .clock(clock)
                .build();
        long timestamp = letter.source().timestamp();
        return new ProducerRecord<>(
                topic, null, timestamp >= 0 ? timestamp : null, built.key(), built.value(), built.headers());
    }
}
