package io.fieldline.sink;

import static io.fieldline.testing.Sql.names;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.sink.testing.WriterHarness;
import io.fieldline.testing.Records;
import io.fieldline.testing.TestDatabases;
import io.fieldline.testing.TimescaleServers;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The TimescaleDB layout on a real TimescaleDB ({@link TimescaleServers}: the installed one, else the
 * timescale/timescaledb image where Docker is), each test in a database of its own. Skipped with the reason
 * where neither exists, failed instead when TIMESCALEDB_TESTS_REQUIRED=true (CI).
 */
@ExtendWith(EmbeddedStackExtension.class)
class TimescaleMigrationsIT {

    @Test
    void shouldFailWhenTimescaleIsRequiredOnAServerWithoutIt(EmbeddedStack stack) {
        DataSource plain = TestDatabases.create(stack.postgres()).dataSource();

        assertThatThrownBy(
                        () -> Migrations.apply(plain, new SinkConfig(Map.of(SinkConfig.POSTGRES_TIMESCALE, "require"))))
                .hasStackTraceContaining("timescaledb");
    }

    private static DataSource dataSource() {
        return TestDatabases.create(TimescaleServers.shared()).dataSource();
    }

    @Test
    void shouldWriteReplayedBatchesOnceIntoHypertables() throws Exception {
        DataSource ds = dataSource();
        Migrations.apply(ds, new SinkConfig(Map.of(SinkConfig.POSTGRES_TIMESCALE, "require")));
        for (SinkConfig.WriteMode mode : SinkConfig.WriteMode.values()) {
            List<Reading> values = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                values.add(Records.reading("ts-" + mode, "co2", Records.T0.plusSeconds(i), i));
            }
            var writer = WriterHarness.measurementWriter(ds, mode, WriterHarness.metrics());
            var batch = WriterHarness.batch("readings", values);

            writer.write(batch);
            writer.write(batch);

            assertThat(names(ds, "SELECT count(*) FROM measurement WHERE device_id = 'ts-" + mode + "'"))
                    .containsExactly("500");
        }
    }

    @Test
    void shouldCreateHypertablesWithCompressionAndRetentionPolicies() throws SQLException {
        DataSource ds = dataSource();
        SinkConfig config = new SinkConfig(Map.of(
                SinkConfig.POSTGRES_TIMESCALE,
                "require",
                SinkConfig.POSTGRES_RETENTION_MEASUREMENT_DAYS,
                "30",
                SinkConfig.POSTGRES_COMPRESSION_AFTER_DAYS,
                "7"));

        StorageLayout layout = Migrations.apply(ds, config);
        StorageLayout again = Migrations.apply(ds, config);

        assertThat(layout).isEqualTo(StorageLayout.TIMESCALEDB);
        assertThat(again).isEqualTo(StorageLayout.TIMESCALEDB);
        assertThat(names(ds, "SELECT hypertable_name FROM timescaledb_information.hypertables"))
                .containsExactlyInAnyOrder(
                        "measurement",
                        "aggregate_1m",
                        "aggregate_1h",
                        "aggregate_1d",
                        "alert",
                        "anomaly",
                        "kpi",
                        "late_reading");
        assertThat(names(
                        ds,
                        "SELECT attname FROM timescaledb_information.compression_settings "
                                + "WHERE hypertable_name = 'measurement' AND segmentby_column_index IS NOT NULL "
                                + "ORDER BY segmentby_column_index"))
                .containsExactly("device_id", "sensor");
        assertThat(names(
                        ds,
                        "SELECT hypertable_name || ':' || proc_name FROM timescaledb_information.jobs "
                                + "WHERE hypertable_name IS NOT NULL ORDER BY 1"))
                .contains(
                        "measurement:policy_compression",
                        "measurement:policy_retention",
                        "anomaly:policy_compression",
                        "aggregate_1m:policy_compression")
                .doesNotContain("kpi:policy_retention")
                .doesNotHaveDuplicates();
        assertThat(names(
                        ds,
                        "SELECT config->>'drop_after' FROM timescaledb_information.jobs "
                                + "WHERE hypertable_name = 'measurement' AND proc_name = 'policy_retention'"))
                .containsExactly("30 days");
        assertThat(names(ds, "SELECT count(*) FROM pg_class WHERE relname = 'measurement_default'"))
                .containsExactly("0");
    }
}
