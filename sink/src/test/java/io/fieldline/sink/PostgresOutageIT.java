package io.fieldline.sink;

import static io.fieldline.testing.Records.T0;
import static io.fieldline.testing.Sql.names;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.LocalPostgres;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.sink.testing.KafkaFixture;
import io.fieldline.testing.DatabaseLayout;
import io.fieldline.testing.Records;
import io.fieldline.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A dedicated PostgreSQL server (plain, or TimescaleDB with hypertables), stopped while records keep arriving:
 * nothing lost, nothing doubled.
 */
@ParameterizedClass
@EnumSource(DatabaseLayout.class)
@ExtendWith(EmbeddedStackExtension.class)
class PostgresOutageIT {

    @Parameter
    DatabaseLayout layout;

    private static final int BATCHES = 40;
    private static final int PER_BATCH = 100;

    @Test
    void shouldStoreEveryRecordExactlyOnceWhenPostgresStopsMidStreamAndComesBack(EmbeddedStack stack) throws Exception {
        try (LocalPostgres postgres = layout.dedicatedServer();
                KafkaFixture kafka = new KafkaFixture(stack)) {
            postgres.start();
            TestDatabases.TestDatabase database = TestDatabases.create(postgres);
            Map<String, Object> props = new HashMap<>(kafka.sinkProperties());
            props.putAll(database.properties("sink.postgres."));
            props.put(SinkConfig.BATCH_SIZE, "250");
            props.putAll(layout.sinkSettings());
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (PostgresSinkService sink = new PostgresSinkService(new SinkConfig(props), kafka.registry(), meters)) {
                sink.start();
                DataSource ds = database.dataSource();

                CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> {
                    for (int b = 0; b < BATCHES; b++) {
                        List<Reading> batch = new ArrayList<>();
                        for (int i = 0; i < PER_BATCH; i++) {
                            int n = b * PER_BATCH + i;
                            batch.add(Records.reading("dev-" + (n % 7), "air_temperature", T0.plusMillis(n), n));
                        }
                        kafka.send(kafka.topics().enrichedReadings(), batch, Reading::getDeviceId);
                        sleep(50);
                    }
                });
                await().atMost(Duration.ofSeconds(30)).until(() -> count(ds) > 0);
                assertThat(Migrations.layout(ds, "public"))
                        .isEqualTo(
                                layout == DatabaseLayout.PLAIN ? StorageLayout.PARTITIONED : StorageLayout.TIMESCALEDB);

                postgres.stop();
                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> assertThat(sink.workerStates())
                                .containsEntry(SinkStream.MEASUREMENTS, WorkerState.RETRYING));
                sleep(1500); // records keep arriving while the database is away
                postgres.start();

                producing.get();
                await().atMost(Duration.ofSeconds(60))
                        .untilAsserted(() -> assertThat(count(ds)).isEqualTo(BATCHES * PER_BATCH));
                assertThat(names(ds, "SELECT count(DISTINCT (device_id, sensor, time)) FROM measurement"))
                        .containsExactly(String.valueOf(BATCHES * PER_BATCH));
                assertThat(names(ds, "SELECT sum(value)::bigint FROM measurement"))
                        .containsExactly(String.valueOf((long) BATCHES * PER_BATCH * (BATCHES * PER_BATCH - 1) / 2));
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(sink.workerStates())
                                .containsEntry(SinkStream.MEASUREMENTS, WorkerState.RUNNING));
                assertThat(sink.summary().retries()).isPositive();
                assertThat(sink.summary().deadLetters()).isZero();
            }
        }
    }

    private static long count(DataSource ds) {
        try {
            return Long.parseLong(names(ds, "SELECT count(*) FROM measurement").get(0));
        } catch (java.sql.SQLException e) {
            return -1;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
