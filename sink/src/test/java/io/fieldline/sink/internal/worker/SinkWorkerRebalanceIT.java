package io.fieldline.sink.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.SinkStream;
import io.fieldline.sink.testing.KafkaFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cooperative rebalancing on a real broker: a worker giving up one partition keeps the others, so whatever it
 * could not write at the revocation must be read again on the partitions it keeps, not skipped.
 */
@ExtendWith(EmbeddedStackExtension.class)
class SinkWorkerRebalanceIT {

    private static final int PARTITIONS = 3;

    @Test
    void shouldReadAgainTheRecordsOfRetainedPartitionsWhenTheOpenBatchCannotBeDecodedAtRevocation(EmbeddedStack stack)
            throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(stack)) {
            String topic = kafka.topics().enrichedReadings();
            AtomicBoolean registryDown = new AtomicBoolean();
            Set<String> written = ConcurrentHashMap.newKeySet();
            SinkWorker.Decoder<String> decoder = record -> {
                if (registryDown.get()) {
                    throw new SinkWriteException.Transient("schema registry unavailable (test)", null);
                }
                return new String(record.value(), StandardCharsets.UTF_8);
            };
            BatchWriter<String> writer = batch -> {
                batch.forEach(r -> written.add(r.value()));
                return List.of();
            };

            // A: its open batch neither fills (32 > 30) nor lingers out during the test
            Worker a = new Worker(kafka, "a", 32, Duration.ofSeconds(20), decoder, writer);
            Worker b = new Worker(kafka, "b", 1, Duration.ofMillis(10), decoder, writer);
            try {
                a.start();
                send(kafka, topic, 0, 10);
                await().atMost(Duration.ofSeconds(30)).until(() -> a.metrics.recordsTotal() == PARTITIONS * 10);
                assertThat(a.metrics.recordsDoneTotal())
                        .as("still in A's open batch")
                        .isZero();

                registryDown.set(true);
                b.start(); // A gives up one partition, keeps two, and cannot decode its open batch now
                await().atMost(Duration.ofSeconds(30)).until(() -> b.metrics.recordsTotal() >= 1);
                registryDown.set(false);
                // on its two partitions, A holds 2 x 6 new records, and 32 only if it read its 20 first ones again
                send(kafka, topic, 10, 6);

                await().atMost(Duration.ofSeconds(15))
                        .untilAsserted(() -> assertThat(written).hasSize(PARTITIONS * 16));
                assertThat(a.metrics.deadLettersTotal() + b.metrics.deadLettersTotal())
                        .isZero();
            } finally {
                a.close();
                b.close();
            }
        }
    }

    /** Records {@code p<partition>-<i>} for i in [from, from + count) on every partition. */
    private static void send(KafkaFixture kafka, String topic, int from, int count) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            for (int i = from; i < from + count; i++) {
                records.add(new ProducerRecord<>(topic, p, null, ("p" + p + "-" + i).getBytes(StandardCharsets.UTF_8)));
            }
        }
        kafka.sendRaw(records);
    }

    /** One sink worker of the shared group, on its own thread. */
    private static final class Worker {
        final SinkMetrics metrics;
        final SinkWorker<String> worker;
        final KafkaProducer<byte[], byte[]> producer;
        final Thread thread;

        Worker(
                KafkaFixture kafka,
                String name,
                int batchSize,
                Duration linger,
                SinkWorker.Decoder<String> decoder,
                BatchWriter<String> writer) {
            Map<String, Object> props = new HashMap<>(kafka.sinkProperties());
            props.put(SinkConfig.BATCH_SIZE, Integer.toString(batchSize));
            props.put(
                    io.fieldline.core.kafka.KafkaClientConfig.CONSUMER_PREFIX + "partition.assignment.strategy",
                    CooperativeStickyAssignor.class.getName());
            props.put(io.fieldline.core.kafka.KafkaClientConfig.CONSUMER_PREFIX + "heartbeat.interval.ms", "200");
            props.put(io.fieldline.core.kafka.KafkaClientConfig.CONSUMER_PREFIX + "client.id", "rebalance-it-" + name);
            SinkConfig config = new SinkConfig(props);
            metrics = new SinkMetrics(new SimpleMeterRegistry(), "test", "measurements");
            producer = KafkaClients.deadLetterProducer(config, "test-" + name);
            DeadLetterPublisher deadLetters = new DeadLetterPublisher(
                    producer, config.getString(SinkConfig.TOPIC_DEADLETTER), Clock.systemUTC(), Duration.ofSeconds(10));
            worker = new SinkWorker<>(
                    "rebalance-" + name,
                    KafkaClients.consumer(config, "test", SinkStream.MEASUREMENTS),
                    config.topics(SinkStream.MEASUREMENTS),
                    decoder,
                    writer,
                    deadLetters,
                    batchSize,
                    linger,
                    config.retryPolicy(),
                    config.writeTimeout(),
                    metrics);
            thread = new Thread(worker, "rebalance-it-" + name);
        }

        void start() {
            thread.start();
        }

        void close() throws InterruptedException {
            worker.close();
            thread.join(15_000);
            producer.close(Duration.ofSeconds(5));
        }
    }
}
