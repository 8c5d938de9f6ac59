package io.fieldline.sink.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.SinkStream;
import io.fieldline.sink.WorkerState;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A store that hangs with no timeout of its own: the worker's bounded wait turns the hang into retries. */
@ExtendWith(EmbeddedStackExtension.class)
class SinkWorkerHangIT {

    @Test
    void shouldCountAWriteThatOutlivesTheWriteTimeoutAsAFailedAttemptAndRetryIt(EmbeddedStack stack) throws Exception {
        try (KafkaFixture kafka = new KafkaFixture(stack)) {
            Map<String, Object> props = new HashMap<>(kafka.sinkProperties());
            props.put(SinkConfig.WRITE_TIMEOUT_MS, "1000");
            SinkConfig config = new SinkConfig(props);
            CountDownLatch storeBack = new CountDownLatch(1);
            AtomicInteger attempts = new AtomicInteger();
            Set<String> written = ConcurrentHashMap.newKeySet();
            BatchWriter<String> hangingStore = batch -> {
                attempts.incrementAndGet();
                try {
                    storeBack.await(); // a hung socket read would not even notice the interrupt
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SinkWriteException.Transient("interrupted", e);
                }
                batch.forEach(r -> written.add(r.value()));
                return List.of();
            };
            SinkMetrics metrics = new SinkMetrics(new SimpleMeterRegistry(), "test", "measurements");
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.deadLetterProducer(config, "test")) {
                SinkWorker<String> worker = new SinkWorker<>(
                        "hang",
                        KafkaClients.consumer(config, "test", SinkStream.MEASUREMENTS),
                        config.topics(SinkStream.MEASUREMENTS),
                        r -> new String(r.value(), StandardCharsets.UTF_8),
                        hangingStore,
                        new DeadLetterPublisher(
                                producer,
                                config.getString(SinkConfig.TOPIC_DEADLETTER),
                                Clock.systemUTC(),
                                Duration.ofSeconds(10)),
                        100,
                        Duration.ofMillis(20),
                        config.retryPolicy(),
                        config.writeTimeout(),
                        metrics);
                Thread thread = new Thread(worker, "hang-it");
                thread.start();
                try {
                    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        records.add(new ProducerRecord<>(
                                config.topics(SinkStream.MEASUREMENTS).get(0),
                                0,
                                null,
                                ("r" + i).getBytes(StandardCharsets.UTF_8)));
                    }
                    kafka.sendRaw(records);

                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                        assertThat(worker.state()).isEqualTo(WorkerState.RETRYING);
                        assertThat(metrics.retriesTotal()).isPositive();
                    });
                    assertThat(attempts.get())
                            .as("the first, overdue attempt was cancelled and retried")
                            .isGreaterThan(1);
                    storeBack.countDown();

                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                        assertThat(written).hasSize(20);
                        assertThat(worker.state()).isEqualTo(WorkerState.RUNNING);
                        assertThat(metrics.recordsDoneTotal()).isEqualTo(20);
                    });
                } finally {
                    storeBack.countDown();
                    worker.close();
                    thread.join(10_000);
                }
            }
        }
    }
}
