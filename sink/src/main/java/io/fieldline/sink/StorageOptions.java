package io.fieldline.sink;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How the time-series tables are laid out and kept: what the migrations, the TimescaleDB policies and
 * {@link PartitionMaintenance} need from {@link SinkConfig}.
 *
 * @param schema            schema holding the tables
 * @param timescaleMode     whether to use TimescaleDB
 * @param rawInterval       partition or chunk width of the per-reading tables
 * @param rollupInterval    partition or chunk width of the rollup and event tables
 * @param partitionsAhead   plain PostgreSQL: future partitions kept created beyond the current one
 * @param compressAfter     TimescaleDB: compress chunks older than this; zero disables compression
 * @param retention         per table, drop data older than this; zero keeps it for ever
 */
public record StorageOptions(
        String schema,
        SinkConfig.TimescaleMode timescaleMode,
        Duration rawInterval,
        Duration rollupInterval,
        int partitionsAhead,
        Duration compressAfter,
        Map<TimeSeriesTable, Duration> retention) {

    public StorageOptions {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(timescaleMode, "timescaleMode");
        if (rawInterval.isNegative()
                || rawInterval.isZero()
                || rollupInterval.isNegative()
                || rollupInterval.isZero()) {
            throw new IllegalArgumentException("partition intervals must be positive");
        }
        if (partitionsAhead < 0) {
            throw new IllegalArgumentException("partitionsAhead must not be negative");
        }
        retention = Map.copyOf(retention);
    }

    /** Partition or chunk width of one table. */
    public Duration interval(TimeSeriesTable table) {
        return table.rollup() ? rollupInterval : rawInterval;
    }

    /**
     * Retention of one table; {@link Duration#ZERO} keeps its data for ever. Late readings are kept as long as
     * the aggregates they revise (the longer of aggregate_1m's and aggregate_1h's retention), since a replay of
     * one of those rows is revised again from them.
     */
    public Duration retention(TimeSeriesTable table) {
        if (table == TimeSeriesTable.LATE_READING) {
            Duration minute = retention(TimeSeriesTable.AGGREGATE_1M);
            Duration hour = retention(TimeSeriesTable.AGGREGATE_1H);
            return minute.isZero() || hour.isZero() ? Duration.ZERO : (minute.compareTo(hour) >= 0 ? minute : hour);
        }
        return retention.getOrDefault(table, Duration.ZERO);
    }

    /** A copy with other retention settings. */
    public StorageOptions withRetention(Map<TimeSeriesTable, Duration> newRetention) {
        return new StorageOptions(
                schema, timescaleMode, rawInterval, rollupInterval, partitionsAhead, compressAfter, newRetention);
    }
}
