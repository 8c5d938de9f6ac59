package io.fieldline.sink;

/**
 * The time-partitioned tables: hypertables under TimescaleDB, range-partitioned tables otherwise.
 */
public enum TimeSeriesTable {
    MEASUREMENT("measurement", "time", false, true),
    ANOMALY("anomaly", "time", false, true),
    AGGREGATE_1M("aggregate_1m", "window_start", true, true),
    AGGREGATE_1H("aggregate_1h", "window_start", true, false),
    ALERT("alert", "event_time", true, false),
    KPI("kpi", "window_start", true, false),
    /** Per series and day, merged by the sink from aggregate_1h (migration V4). */
    AGGREGATE_1D("aggregate_1d", "window_start", true, false),
    /**
     * Readings that reached the aggregates after their window closed ({@code telemetry.readings.late}), kept so
     * that the aggregates they revise can be revised again when Streams' own row is written (migration V4).
     */
    LATE_READING("late_reading", "time", true, false);

    private final String tableName;
    private final String timeColumn;
    private final boolean rollup;
    private final boolean compressible;

    TimeSeriesTable(String tableName, String timeColumn, boolean rollup, boolean compressible) {
        this.tableName = tableName;
        this.timeColumn = timeColumn;
        this.rollup = rollup;
        this.compressible = compressible;
    }

    /** SQL name of the table (unqualified). */
    public String tableName() {
        return tableName;
    }

    /** The column the table is partitioned on. */
    public String timeColumn() {
        return timeColumn;
    }

    /**
     * Low-volume tables (one row per series per window, or per event) get the wider rollup partition
     * interval; per-reading tables the narrow one.
     */
    public boolean rollup() {
        return rollup;
    }

    /** Whether TimescaleDB compresses it (segmented by device_id, sensor): only the voluminous tables. */
    public boolean compressible() {
        return compressible;
    }
}
