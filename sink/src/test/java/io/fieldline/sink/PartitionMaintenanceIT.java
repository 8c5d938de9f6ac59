package io.fieldline.sink;

import static io.fieldline.testing.Sql.execute;
import static io.fieldline.testing.Sql.names;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.sink.PartitionMaintenance.Partition;
import io.fieldline.testing.TestDatabases;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedStackExtension.class)
class PartitionMaintenanceIT {

    private static EmbeddedStack stack;

    @BeforeAll
    static void shareStack(EmbeddedStack shared) {
        stack = shared;
    }

    private static final Instant DAY_0 = Instant.parse("2030-03-10T00:00:00Z");

    private static StorageOptions options(int aheadCount, int retentionDays) {
        return new StorageOptions(
                "public",
                SinkConfig.TimescaleMode.DISABLE,
                Duration.ofDays(1),
                Duration.ofDays(7),
                aheadCount,
                Duration.ofDays(90),
                Map.of(TimeSeriesTable.MEASUREMENT, Duration.ofDays(retentionDays)));
    }

    private static PartitionMaintenance at(DataSource ds, StorageOptions options, Instant now) {
        return new PartitionMaintenance(ds, options, Clock.fixed(now, ZoneOffset.UTC));
    }

    private static DataSource migrated() {
        DataSource ds = TestDatabases.create(stack.postgres()).dataSource();
        // Migrations run maintenance at the real "now"; these tests live in 2030, far from it.
        Migrations.apply(ds, options(0, 0));
        return ds;
    }

    @Test
    void shouldCreateTheCurrentAndTheConfiguredNumberOfFuturePartitions() throws SQLException {
        DataSource ds = migrated();

        at(ds, options(2, 0), DAY_0.plus(Duration.ofHours(13))).run();

        List<Partition> partitions = at(ds, options(2, 0), DAY_0).partitions(TimeSeriesTable.MEASUREMENT);
        assertThat(partitions)
                .filteredOn(p -> !p.start().isBefore(DAY_0))
                .extracting(Partition::name)
                .containsExactly(
                        "measurement_p20300310_0000", "measurement_p20300311_0000", "measurement_p20300312_0000");
        assertThat(partitions)
                .filteredOn(p -> p.start().equals(DAY_0))
                .singleElement()
                .extracting(Partition::end)
                .isEqualTo(DAY_0.plus(Duration.ofDays(1)));
        List<Partition> weekly = at(ds, options(2, 0), DAY_0).partitions(TimeSeriesTable.KPI);
        assertThat(weekly)
                .filteredOn(p -> !p.end().isBefore(DAY_0))
                .allSatisfy(
                        p -> assertThat(Duration.between(p.start(), p.end())).isEqualTo(Duration.ofDays(7)));
    }

    @Test
    void shouldDropPartitionsOlderThanRetentionAndKeepNewerOnes() throws SQLException {
        DataSource ds = migrated();
        at(ds, options(2, 0), DAY_0).run();
        insertMeasurement(ds, DAY_0.plus(Duration.ofHours(1)));
        insertMeasurement(ds, DAY_0.plus(Duration.ofHours(49)));

        // ten days later with 5 days retention: the partitions of days 0..2 are past the horizon
        PartitionMaintenance.Result result =
                at(ds, options(1, 5), DAY_0.plus(Duration.ofDays(10))).run();

        assertThat(result.dropped()).isGreaterThanOrEqualTo(3);
        assertThat(at(ds, options(1, 5), DAY_0).partitions(TimeSeriesTable.MEASUREMENT))
                .extracting(Partition::name)
                .containsExactly("measurement_p20300320_0000", "measurement_p20300321_0000");
        assertThat(names(ds, "SELECT count(*) FROM measurement")).containsExactly("0");
    }

    @Test
    void shouldMoveRowsFromTheDefaultPartitionIntoANewPartition() throws SQLException {
        DataSource ds = migrated();
        at(ds, options(1, 30), DAY_0).run();
        Instant farAhead = DAY_0.plus(Duration.ofDays(20)).plus(Duration.ofMinutes(5));
        insertMeasurement(ds, farAhead);
        assertThat(names(ds, "SELECT count(*) FROM measurement_default")).containsExactly("1");

        PartitionMaintenance.Result result = at(ds, options(1, 30), DAY_0).run();

        assertThat(result.rowsMoved()).isEqualTo(1);
        assertThat(names(ds, "SELECT count(*) FROM measurement_default")).containsExactly("0");
        assertThat(names(ds, "SELECT count(*) FROM measurement_p20300330_0000")).containsExactly("1");
        assertThat(names(ds, "SELECT count(*) FROM measurement")).containsExactly("1");
    }

    @Test
    void shouldDeleteDefaultPartitionRowsOlderThanRetention() throws SQLException {
        DataSource ds = migrated();
        insertMeasurement(ds, DAY_0.minus(Duration.ofDays(40)));
        insertMeasurement(ds, DAY_0.minus(Duration.ofDays(2)));

        PartitionMaintenance.Result result = at(ds, options(0, 30), DAY_0).run();

        assertThat(result.rowsExpired()).isEqualTo(1);
        assertThat(result.rowsMoved()).isEqualTo(1);
        assertThat(names(ds, "SELECT count(*) FROM measurement")).containsExactly("1");
        assertThat(names(ds, "SELECT count(*) FROM measurement_p20300308_0000")).containsExactly("1");
    }

    @Test
    void shouldNotOverlapExistingPartitionsWhenTheIntervalChanges() throws SQLException {
        DataSource ds = migrated();
        at(ds, options(1, 0), DAY_0).run();
        StorageOptions sixHourly = new StorageOptions(
                "public",
                SinkConfig.TimescaleMode.DISABLE,
                Duration.ofHours(6),
                Duration.ofDays(7),
                12,
                Duration.ofDays(90),
                Map.of());

        at(ds, sixHourly, DAY_0.plus(Duration.ofHours(3))).run();

        List<Partition> partitions = at(ds, sixHourly, DAY_0).partitions(TimeSeriesTable.MEASUREMENT);
        for (int i = 1; i < partitions.size(); i++) {
            assertThat(partitions.get(i).start())
                    .isAfterOrEqualTo(partitions.get(i - 1).end());
        }
        // the two daily partitions stay, six-hourly ones follow them up to now + 12 * 6 hours
        assertThat(partitions)
                .extracting(Partition::name)
                .contains(
                        "measurement_p20300310_0000",
                        "measurement_p20300311_0000",
                        "measurement_p20300312_0000",
                        "measurement_p20300312_0600");
        assertThat(partitions.get(partitions.size() - 1).end()).isEqualTo(DAY_0.plus(Duration.ofHours(78)));
    }

    private static void insertMeasurement(DataSource ds, Instant time) throws SQLException {
        execute(
                ds,
                "INSERT INTO measurement (time, device_id, sensor, value, quality, source, ingest_time) VALUES ('"
                        + time + "', 'dev-1', 'air_temperature', 21.5, 'GOOD', 'MQTT', now())");
    }
}
