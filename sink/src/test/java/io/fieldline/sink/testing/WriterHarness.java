package io.fieldline.sink.testing;

import io.fieldline.schemas.avro.Reading;
import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.internal.SqlNames;
import io.fieldline.sink.internal.postgres.PostgresPlans;
import io.fieldline.sink.internal.postgres.PostgresStreamWriter;
import io.fieldline.sink.internal.postgres.TableCopier;
import io.fieldline.sink.internal.worker.SinkMetrics;
import io.fieldline.sink.internal.worker.SinkRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The PostgreSQL write path without Kafka: batches of records as the worker would hand them over. */
public final class WriterHarness {

    private WriterHarness() {}

    public static PostgresStreamWriter<Reading> measurementWriter(
            DataSource ds, SinkConfig.WriteMode mode, SinkMetrics metrics) {
        return new PostgresStreamWriter<>(
                "measurements",
                ds,
                new TableCopier(new SqlNames("public"), mode),
                PostgresPlans.measurements(java.time.Duration.ofMinutes(1)),
                metrics);
    }

    public static SinkMetrics metrics() {
        return new SinkMetrics(new SimpleMeterRegistry(), "postgres", "measurements");
    }

    public static <V> List<SinkRecord<V>> batch(String topic, List<V> values) {
        List<SinkRecord<V>> batch = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            batch.add(new SinkRecord<>(new ConsumerRecord<>(topic, 0, i, new byte[0], new byte[0]), values.get(i)));
        }
        return batch;
    }
}
