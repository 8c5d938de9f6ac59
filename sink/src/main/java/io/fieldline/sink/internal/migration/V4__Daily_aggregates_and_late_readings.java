package io.fieldline.sink.internal.migration;

import io.fieldline.sink.StorageLayout;
import io.fieldline.sink.StorageOptions;
import io.fieldline.sink.TimeSeriesTable;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * The daily level of aggregates and what revises aggregates after the fact, in the layout V2 chose:
 *
 * <ul>
 *   <li>{@code aggregate_1d}: per series and calendar day (of {@code sink.postgres.day.zone}), merged by the sink
 *       from the stored {@code aggregate_1h} rows of the day, in the transaction that writes them;</li>
 *   <li>{@code late_reading}: readings that reached the aggregates after their window closed, merged into the
 *       stored one-minute and one-hour rows that cover them ({@code merged} once done), and kept so that Streams'
 *       own row for such a window, written later or replayed, is revised again;</li>
 *   <li>{@code late_count} on {@code aggregate_1m} and {@code aggregate_1h}: how many late readings a stored row
 *       holds beyond Streams' own (0: the row is Streams' as emitted).</li>
 * </ul>
 */
public final class V4__Daily_aggregates_and_late_readings extends BaseJavaMigration {

    private static final String AGGREGATE_1D = """
            CREATE TABLE aggregate_1d (
                window_start  timestamptz      NOT NULL,
                window_end    timestamptz      NOT NULL,
                device_id     text             NOT NULL CHECK (device_id <> ''),
                sensor        text             NOT NULL CHECK (sensor <> ''),
                unit          text,
                site          text,
                room          text,
                count         bigint           NOT NULL CHECK (count >= 0),
                sum           double precision NOT NULL,
                min           double precision NOT NULL,
                max           double precision NOT NULL,
                mean          double precision NOT NULL,
                m2            double precision NOT NULL,
                stddev        double precision NOT NULL,
                first         double precision NOT NULL,
                first_time    timestamptz      NOT NULL,
                last          double precision NOT NULL,
                last_time     timestamptz      NOT NULL,
                bad_count     bigint           NOT NULL DEFAULT 0,
                late_count    bigint           NOT NULL DEFAULT 0,
                hours         integer          NOT NULL CHECK (hours > 0),
                PRIMARY KEY (device_id, sensor, window_start),
                CHECK (window_end > window_start)
            """;

    private static final String LATE_READING = """
            CREATE TABLE late_reading (
                time         timestamptz      NOT NULL,
                device_id    text             NOT NULL CHECK (device_id <> ''),
                sensor       text             NOT NULL CHECK (sensor <> ''),
                value        double precision NOT NULL,
                quality      text             NOT NULL CHECK (quality IN ('GOOD', 'UNCERTAIN', 'BAD')),
                ingest_time  timestamptz      NOT NULL,
                merged       boolean          NOT NULL DEFAULT false,
                PRIMARY KEY (device_id, sensor, time)
            """;

    private final StorageOptions options;

    public V4__Daily_aggregates_and_late_readings(StorageOptions options) {
        this.options = options;
    }

    @Override
    public void migrate(Context context) throws SQLException {
        try (Statement st = context.getConnection().createStatement()) {
            StorageLayout layout;
            String timescaleSchema;
            try (ResultSet rs = st.executeQuery("SELECT layout, timescale_schema FROM fieldline_storage")) {
                rs.next();
                layout = StorageLayout.valueOf(rs.getString(1));
                timescaleSchema = rs.getString(2);
            }
            TimeSeriesDdl ddl = new TimeSeriesDdl(options, layout, timescaleSchema);
            ddl.create(st, TimeSeriesTable.AGGREGATE_1D, AGGREGATE_1D);
            ddl.create(st, TimeSeriesTable.LATE_READING, LATE_READING);
            // The readings not merged yet: none between transactions, so this index stays a few pages.
            st.execute("CREATE INDEX late_reading_unmerged ON late_reading (device_id, sensor, time) WHERE NOT merged");
            st.execute("ALTER TABLE aggregate_1m ADD COLUMN late_count bigint NOT NULL DEFAULT 0");
            st.execute("ALTER TABLE aggregate_1h ADD COLUMN late_count bigint NOT NULL DEFAULT 0");
        }
    }
}
