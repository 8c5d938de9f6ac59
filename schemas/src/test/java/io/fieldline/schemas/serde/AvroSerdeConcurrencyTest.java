package io.fieldline.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/** One serde instance shared by threads, as a producer shares its serializer: per-thread buffers must not mix. */
class AvroSerdeConcurrencyTest {

    @Test
    void shouldKeepRecordsIntactWhenThreadsShareOneSerde() throws Exception {
        Serde<Reading> serde = AvroSerdes.specific(Reading.class, new InMemorySchemaRegistryClient(), false);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                Callable<Integer> task = () -> {
                    int checked = 0;
                    for (int i = 0; i < 2_000; i++) {
                        // Sizes vary so that buffers grow and shrink between records.
                        Reading reading = Reading.newBuilder()
                                .setDeviceId("dev-" + thread)
                                .setSensor("s".repeat(1 + i % 300))
                                .setValue(i)
                                .setEventTime(Instant.ofEpochMilli(i))
                                .setIngestTime(Instant.ofEpochMilli(i))
                                .setAttributes(Map.of("i", Integer.toString(i)))
                                .build();
                        byte[] bytes = serde.serializer().serialize("t", reading);
                        assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(reading);
                        checked++;
                    }
                    return checked;
                };
                results.add(pool.submit(task));
            }
            for (Future<Integer> result : results) {
                assertThat(result.get(60, TimeUnit.SECONDS)).isEqualTo(2_000);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
