package io.fieldline.sink.internal.migration;

import io.fieldline.sink.StorageLayout;
import io.fieldline.sink.StorageOptions;
import io.fieldline.sink.TimeSeriesTable;
import io.fieldline.sink.internal.SqlNames;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * How a time-series table is laid out once its {@code CREATE TABLE} (without the closing parenthesis) is
 * known: a hypertable, or a range-partitioned table with a BRIN index and a default partition. Shared by the
 * migrations that create time-series tables, so that every table of one database has the same layout.
 */
final class TimeSeriesDdl {

    private final StorageOptions options;
    private final StorageLayout layout;
    private final String timescaleSchema;

    TimeSeriesDdl(StorageOptions options, StorageLayout layout, String timescaleSchema) {
        this.options = options;
        this.layout = layout;
        this.timescaleSchema = timescaleSchema;
    }

    /** Creates {@code table} from {@code createWithoutClose} in the chosen layout. */
    void create(Statement st, TimeSeriesTable table, String createWithoutClose) throws SQLException {
        if (layout == StorageLayout.TIMESCALEDB) {
            st.execute(createWithoutClose + ")");
            createHypertable(st, table);
        } else {
            st.execute(createWithoutClose + ") PARTITION BY RANGE (" + table.timeColumn() + ")");
            // BRIN: a few pages of index per partition answer time-range scans, and it costs
            // next to nothing on insert because the sink appends in roughly time order.
            st.execute("CREATE INDEX " + table.tableName() + "_time_brin ON " + table.tableName() + " USING brin ("
                    + table.timeColumn() + ")");
            // The safety net for rows outside every created partition (late backfill, clocks far
            // ahead): PartitionMaintenance later moves them into a proper partition or expires them.
            st.execute("CREATE TABLE " + table.tableName() + "_default PARTITION OF " + table.tableName() + " DEFAULT");
        }
    }

    private void createHypertable(Statement st, TimeSeriesTable table) throws SQLException {
        SqlNames names = new SqlNames(options.schema());
        String ts = SqlNames.ident(timescaleSchema);
        String relation = SqlNames.literal(names.table(table.tableName()));
        long intervalMicros = options.interval(table).toNanos() / 1000;
        // The primary key (series, time) serves per-series queries and chunk exclusion serves time
        // ranges, so TimescaleDB's default time index would only slow inserts down.
        st.execute("SELECT " + ts + ".create_hypertable(" + relation + "::regclass, "
                + SqlNames.literal(table.timeColumn()) + "::name, chunk_time_interval => " + intervalMicros
                + "::bigint * interval '1 microsecond', create_default_indexes => false, if_not_exists => true)");
        if (table.compressible()) {
            // One compressed segment per series, newest first inside it: what latest-value and range queries read.
            st.execute("ALTER TABLE " + names.table(table.tableName()) + " SET (timescaledb.compress, "
                    + "timescaledb.compress_segmentby = 'device_id, sensor', "
                    + "timescaledb.compress_orderby = '" + table.timeColumn() + " DESC')");
        }
    }
}
