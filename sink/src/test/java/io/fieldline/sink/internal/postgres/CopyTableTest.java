package io.fieldline.sink.internal.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.sink.internal.SqlNames;
import java.util.List;
import org.junit.jupiter.api.Test;

class CopyTableTest {

    private final SqlNames names = new SqlNames("fl");

    @Test
    void shouldCopyIntoTheTableOrItsStagingTableInBinary() {
        assertThat(PostgresTables.MEASUREMENT.copySql(names, false))
                .isEqualTo(
                        "COPY \"fl\".\"measurement\" (time, device_id, "
                                + "sensor, value, unit, quality, source, site, room, raw_value, ingest_time, attributes) FROM STDIN (FORMAT BINARY)");
        assertThat(PostgresTables.MEASUREMENT.copySql(names, true))
                .startsWith("COPY pg_temp.fieldline_stage_measurement (");
        assertThat(PostgresTables.MEASUREMENT.createStagingSql(names))
                .isEqualTo(
                        "CREATE TEMP TABLE IF NOT EXISTS "
                                + "fieldline_stage_measurement (LIKE \"fl\".\"measurement\" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
    }

    @Test
    void shouldSkipStoredRowsOfHistoryTables() {
        assertThat(PostgresTables.MEASUREMENT.mergeSql(names))
                .endsWith("FROM pg_temp.fieldline_stage_measurement " + "ON CONFLICT DO NOTHING");
        assertThat(PostgresTables.ALERT.mergeSql(names)).endsWith("ON CONFLICT DO NOTHING");
    }

    @Test
    void shouldUpdateRevisedRowsOnlyWhenTheyDiffer() {
        String sql = PostgresTables.KPI.mergeSql(names);

        assertThat(sql)
                .contains("ON CONFLICT (room, name, window_start) DO UPDATE SET window_end = excluded.window_end, "
                        + "site = excluded.site, value = excluded.value, unit = excluded.unit, inputs = excluded.inputs "
                        + "WHERE (t.window_end, t.site, t.value, t.unit, t.inputs) IS DISTINCT FROM "
                        + "(excluded.window_end, excluded.site, excluded.value, excluded.unit, excluded.inputs)");
    }

    @Test
    void shouldReplaceCurrentStateOnlyWithNewerRows() {
        assertThat(PostgresTables.SERIES.mergeSql(names))
                .endsWith("ON CONFLICT (device_id, sensor) DO UPDATE SET "
                        + "last_seen = excluded.last_seen WHERE t.last_seen < excluded.last_seen");
        assertThat(PostgresTables.ALERT_CURRENT.mergeSql(names))
                .contains("ON CONFLICT (alert_id) DO UPDATE SET ")
                .contains("WHERE t.event_time <= excluded.event_time");
    }

    @Test
    void shouldListEveryColumnOfEveryTableOnce() {
        for (CopyTable<?> table : List.of(
                PostgresTables.MEASUREMENT,
                PostgresTables.SERIES,
                PostgresTables.AGGREGATE_1M,
                PostgresTables.AGGREGATE_1H,
                PostgresTables.ALERT,
                PostgresTables.ALERT_CURRENT,
                PostgresTables.ANOMALY,
                PostgresTables.KPI)) {
            assertThat(table.columns()).doesNotHaveDuplicates().containsAll(table.key());
        }
    }
}
