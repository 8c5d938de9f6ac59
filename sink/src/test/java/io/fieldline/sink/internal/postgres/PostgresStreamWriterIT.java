package io.fieldline.sink.internal.postgres;

import static io.fieldline.testing.Records.T0;
import static io.fieldline.testing.Sql.names;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.sink.Migrations;
import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.internal.worker.BatchSplitter;
import io.fieldline.sink.internal.worker.SinkMetrics;
import io.fieldline.sink.internal.worker.SinkRecord;
import io.fieldline.sink.internal.worker.SinkWriteException;
import io.fieldline.sink.testing.WriterHarness;
import io.fieldline.testing.DatabaseLayout;
import io.fieldline.testing.Records;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each write mode on both layouts: plain PostgreSQL partitions and TimescaleDB hypertables. */
@ParameterizedClass
@EnumSource(DatabaseLayout.class)
@ExtendWith(EmbeddedStackExtension.class)
class PostgresStreamWriterIT {

    private final EmbeddedStack stack;

    @Parameter
    DatabaseLayout layout;

    PostgresStreamWriterIT(EmbeddedStack stack) {
        this.stack = stack;
    }

    private DataSource migrated() {
        DataSource ds = layout.database(stack).dataSource();
        Migrations.apply(ds, new SinkConfig(layout.sinkSettings()));
        return ds;
    }

    private static List<SinkRecord<Reading>> readings(int count) {
        List<Reading> values = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            values.add(Records.reading("dev-" + (i % 3), "co2", T0.plusSeconds(i), 400 + i));
        }
        return WriterHarness.batch("readings", values);
    }

    @ParameterizedTest
    @EnumSource(SinkConfig.WriteMode.class)
    void shouldStoreEachRowOnceWhenTheSameBatchIsWrittenTwice(SinkConfig.WriteMode mode) throws Exception {
        DataSource ds = migrated();
        SinkMetrics metrics = WriterHarness.metrics();
        PostgresStreamWriter<Reading> writer = WriterHarness.measurementWriter(ds, mode, metrics);
        List<SinkRecord<Reading>> batch = readings(1000);

        assertThat(writer.write(batch)).isEmpty();
        assertThat(writer.write(batch)).as("replays are no conflicts").isEmpty();
        assertThat(writer.write(batch.subList(500, 1000))).isEmpty();

        assertThat(names(ds, "SELECT count(*) FROM measurement")).containsExactly("1000");
        assertThat(names(ds, "SELECT count(*) FROM series")).containsExactly("3");
        assertThat(names(ds, "SELECT time FROM latest_value WHERE device_id = 'dev-0'"))
                .containsExactly(names(ds, "SELECT max(time) FROM measurement WHERE device_id = 'dev-0'")
                        .get(0));
        assertThat(metrics.rowsWrittenByTable()).containsEntry("measurement", 1000L);
    }

    @ParameterizedTest
    @EnumSource(SinkConfig.WriteMode.class)
    void shouldStoreTheNewRowsOfABatchThatPartlyRepeatsAnEarlierOne(SinkConfig.WriteMode mode) throws Exception {
        DataSource ds = migrated();
        PostgresStreamWriter<Reading> writer = WriterHarness.measurementWriter(ds, mode, WriterHarness.metrics());
        List<SinkRecord<Reading>> batch = readings(1000);

        writer.write(batch.subList(0, 600));
        writer.write(batch.subList(400, 1000));

        assertThat(names(ds, "SELECT count(*), sum(value)::bigint FROM measurement")
                        .get(0))
                .isEqualTo("1000");
        assertThat(names(ds, "SELECT sum(value)::bigint FROM measurement"))
                .containsExactly(String.valueOf(1000L * 400 + 999L * 1000 / 2));
    }

    @ParameterizedTest
    @EnumSource(SinkConfig.WriteMode.class)
    void shouldReportConstraintViolationsAsPermanentSoTheSplitterCanIsolateThem(SinkConfig.WriteMode mode)
            throws SQLException, SinkWriteException {
        DataSource ds = migrated();
        PostgresStreamWriter<Reading> writer = WriterHarness.measurementWriter(ds, mode, WriterHarness.metrics());
        List<SinkRecord<Reading>> batch = new ArrayList<>(readings(100));
        batch.set(
                42,
                WriterHarness.batch("readings", List.of(Records.reading("dev-1", "", T0, 1)))
                        .get(0));

        assertThatThrownBy(() -> writer.write(batch))
                .isInstanceOf(SinkWriteException.Permanent.class)
                .hasMessageContaining("23514");
        List<BatchSplitter.Rejected<Reading>> rejected = BatchSplitter.write(batch, writer);

        assertThat(rejected)
                .singleElement()
                .satisfies(r -> assertThat(r.record().value().getSensor()).isEmpty());
        assertThat(names(ds, "SELECT count(*) FROM measurement")).containsExactly("99");
    }

    @ParameterizedTest
    @EnumSource(SinkConfig.WriteMode.class)
    void shouldSetAsideEveryRowWhoseKeyHoldsAnotherValueAndNoHarmlessDuplicate(SinkConfig.WriteMode mode)
            throws Exception {
        DataSource ds = migrated();
        PostgresStreamWriter<Reading> writer = WriterHarness.measurementWriter(ds, mode, WriterHarness.metrics());
        List<SinkRecord<Reading>> first = readings(10);
        writer.write(first);
        Reading fifth = first.get(5).value();
        Reading redelivered = Reading.newBuilder(first.get(6).value())
                .setIngestTime(T0.plusSeconds(3600))
                .build();
        Reading changed = Reading.newBuilder(fifth).setValue(99).build();

        List<BatchSplitter.Rejected<Reading>> rejected = writer.write(WriterHarness.batch(
                "readings",
                List.of(
                        first.get(3).value(),
                        changed,
                        redelivered,
                        Records.reading("dev-9", "co2", T0, 1),
                        Records.reading("dev-9", "co2", T0, 2))));

        assertThat(rejected)
                .extracting(r -> r.record().value().getValue())
                .hasSize(2)
                .contains(99.0)
                .containsAnyOf(1.0, 2.0);
        assertThat(rejected)
                .allSatisfy(r -> assertThat(r.reason().getMessage())
                        .startsWith(
                                "conflicting duplicate: " + "measurement already holds (device_id, sensor, time) = ("
                                        + r.record().value().getDeviceId() + ", co2, "));
        assertThat(rejected.get(0).reason().getMessage())
                .endsWith("with (value, unit, quality) = (" + fifth.getValue()
                        + ", degC, GOOD); this record has (99.0, degC, GOOD)");
        assertThat(names(ds, "SELECT count(*) FROM measurement")).containsExactly("11");
        assertThat(names(
                        ds,
                        "SELECT value FROM measurement WHERE device_id = 'dev-2' AND time = '" + fifth.getEventTime()
                                + "'"))
                .containsExactly("405");
    }

    @ParameterizedTest
    @EnumSource(SinkConfig.WriteMode.class)
    void shouldReportAnUnreachableDatabaseAsTransient(SinkConfig.WriteMode mode) {
        org.postgresql.ds.PGSimpleDataSource nowhere = new org.postgresql.ds.PGSimpleDataSource();
        nowhere.setURL("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1");
        PostgresStreamWriter<Reading> writer = WriterHarness.measurementWriter(nowhere, mode, WriterHarness.metrics());

        assertThatThrownBy(() -> writer.write(readings(10))).isInstanceOf(SinkWriteException.Transient.class);
    }
}
