package io.fieldline.sink.internal.migration;

import io.fieldline.sink.SinkConfig.TimescaleMode;
import io.fieldline.sink.StorageLayout;
import io.fieldline.sink.StorageOptions;
import io.fieldline.sink.TimeSeriesTable;
import io.fieldline.sink.internal.SqlNames;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the time-series tables, choosing once between TimescaleDB hypertables and native range
 * partitioning. A Java migration because the choice depends on what the server offers; the statements
 * themselves are frozen here like any versioned migration (later changes go in later versions).
 *
 * <p>Every time-series table has its natural key as primary key (it includes the time column, as both
 * hypertables and partitioned tables require), so a replayed record is recognised and skipped. None has a
 * foreign key to the metadata tables: telemetry from a device nobody registered is still stored.
 */
public final class V2__Time_series extends BaseJavaMigration {

    private static final Logger LOG = LoggerFactory.getLogger(V2__Time_series.class);

    /** Table definitions without the closing parenthesis, so each layout can add its partitioning clause. */
    static final Map<TimeSeriesTable, String> TABLES = new LinkedHashMap<>();

    static {
        TABLES.put(TimeSeriesTable.MEASUREMENT, """
                CREATE TABLE measurement (
                    time         timestamptz      NOT NULL,
                    device_id    text             NOT NULL CHECK (device_id <> ''),
                    sensor       text             NOT NULL CHECK (sensor <> ''),
                    value        double precision NOT NULL,
                    unit         text,
                    quality      text             NOT NULL CHECK (quality IN ('GOOD', 'UNCERTAIN', 'BAD')),
                    source       text             NOT NULL,
                    site         text,
                    room         text,
                    raw_value    double precision,
                    ingest_time  timestamptz      NOT NULL,
                    attributes   jsonb,
                    PRIMARY KEY (device_id, sensor, time)
                """);
        TABLES.put(TimeSeriesTable.AGGREGATE_1M, aggregateTable("aggregate_1m"));
        TABLES.put(TimeSeriesTable.AGGREGATE_1H, aggregateTable("aggregate_1h"));
        TABLES.put(TimeSeriesTable.ALERT, """
                CREATE TABLE alert (
                    event_time       timestamptz      NOT NULL,
                    alert_id         text             NOT NULL CHECK (alert_id <> ''),
                    state            text             NOT NULL CHECK (state IN ('RAISED', 'ESCALATED', 'CLEARED')),
                    rule_id          text             NOT NULL,
                    kind             text             NOT NULL CHECK (kind IN ('THRESHOLD', 'OFFLINE')),
                    severity         text             NOT NULL CHECK (severity IN ('INFO', 'WARNING', 'CRITICAL')),
                    device_id        text             NOT NULL,
                    sensor           text             NOT NULL,
                    site             text,
                    room             text,
                    direction        text             CHECK (direction IN ('ABOVE', 'BELOW')),
                    value            double precision,
                    threshold        double precision,
                    clear_threshold  double precision,
                    since            timestamptz      NOT NULL,
                    message          text             NOT NULL,
                    PRIMARY KEY (alert_id, event_time, state)
                """);
        TABLES.put(TimeSeriesTable.ANOMALY, """
                CREATE TABLE anomaly (
                    time        timestamptz      NOT NULL,
                    device_id   text             NOT NULL CHECK (device_id <> ''),
                    sensor      text             NOT NULL CHECK (sensor <> ''),
                    site        text,
                    room        text,
                    value       double precision NOT NULL,
                    score       double precision NOT NULL,
                    flagged     boolean          NOT NULL,
                    method      text             NOT NULL,
                    expected    double precision NOT NULL,
                    deviation   double precision NOT NULL,
                    z_score     double precision NOT NULL,
                    robust_z    double precision NOT NULL,
                    PRIMARY KEY (device_id, sensor, time)
                """);
        TABLES.put(TimeSeriesTable.KPI, """
                CREATE TABLE kpi (
                    window_start  timestamptz      NOT NULL,
                    window_end    timestamptz      NOT NULL,
                    room          text             NOT NULL CHECK (room <> ''),
                    site          text,
                    name          text             NOT NULL CHECK (name <> ''),
                    value         double precision NOT NULL,
                    unit          text             NOT NULL,
                    inputs        jsonb,
                    PRIMARY KEY (room, name, window_start),
                    CHECK (window_end > window_start)
                """);
    }

    private static String aggregateTable(String name) {
        return "CREATE TABLE " + name + """
                 (
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
                    p50           double precision,
                    p95           double precision,
                    p99           double precision,
                    sketch        bytea,
                    bad_count     bigint           NOT NULL DEFAULT 0,
                    PRIMARY KEY (device_id, sensor, window_start),
                    CHECK (window_end > window_start)
                """;
    }

    /**
     * Small tables the sink keeps beside the history so operators' views need no scans. series lists every
     * series with a lower bound of its newest reading's time (refreshed at most once a minute or so per
     * series, far cheaper than upserting every newest value), which lets latest_value find the newest row
     * through the primary key in the one or two newest partitions. alert_current holds each alert's last
     * transition (alerts are few, so it is upserted every time).
     */
    private static final String CURRENT_STATE = """
            CREATE TABLE series (
                device_id   text        NOT NULL,
                sensor      text        NOT NULL,
                first_seen  timestamptz NOT NULL,
                last_seen   timestamptz NOT NULL,
                PRIMARY KEY (device_id, sensor)
            );
            CREATE TABLE alert_current (
                alert_id         text             PRIMARY KEY,
                event_time       timestamptz      NOT NULL,
                state            text             NOT NULL,
                rule_id          text             NOT NULL,
                kind             text             NOT NULL,
                severity         text             NOT NULL,
                device_id        text             NOT NULL,
                sensor           text             NOT NULL,
                site             text,
                room             text,
                direction        text,
                value            double precision,
                threshold        double precision,
                clear_threshold  double precision,
                since            timestamptz      NOT NULL,
                message          text             NOT NULL
            );
            CREATE INDEX alert_current_active_idx ON alert_current (state) WHERE state <> 'CLEARED';
            """;

    private final StorageOptions options;

    public V2__Time_series(StorageOptions options) {
        this.options = options;
    }

    @Override
    public void migrate(Context context) throws SQLException {
        Connection connection = context.getConnection();
        String timescaleSchema = TimescaleSupport.enable(connection, options.timescaleMode());
        StorageLayout layout = timescaleSchema == null ? StorageLayout.PARTITIONED : StorageLayout.TIMESCALEDB;
        LOG.info("Creating time-series tables in schema {} with layout {}", options.schema(), layout);
        try (Statement st = connection.createStatement()) {
            st.execute("""
                    CREATE TABLE fieldline_storage (
                        singleton         boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                        layout            text    NOT NULL CHECK (layout IN ('TIMESCALEDB', 'PARTITIONED')),
                        timescale_schema  text,
                        created_at        timestamptz NOT NULL DEFAULT now()
                    )""");
            st.execute("INSERT INTO fieldline_storage (layout, timescale_schema) VALUES ("
                    + SqlNames.literal(layout.name()) + ", "
                    + (timescaleSchema == null ? "NULL" : SqlNames.literal(timescaleSchema)) + ")");
            TimeSeriesDdl ddl = new TimeSeriesDdl(options, layout, timescaleSchema);
            for (Map.Entry<TimeSeriesTable, String> entry : TABLES.entrySet()) {
                ddl.create(st, entry.getKey(), entry.getValue());
            }
            st.execute(CURRENT_STATE);
        }
    }

    /** Detection and creation of the timescaledb extension. */
    static final class TimescaleSupport {

        private TimescaleSupport() {}

        /**
         * Makes TimescaleDB usable if the mode allows and the server can.
         *
         * @return the schema holding the extension's functions, or null for the plain layout
         */
        static String enable(Connection connection, TimescaleMode mode) throws SQLException {
            if (mode == TimescaleMode.DISABLE) {
                return null;
            }
            String installed = extensionSchema(connection);
            if (installed != null) {
                return installed;
            }
            boolean available;
            try (Statement st = connection.createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")) {
                available = rs.next();
            }
            if (available) {
                // The server may list the extension without having it in shared_preload_libraries, in
                // which case CREATE EXTENSION fails: a savepoint keeps the migration's transaction usable.
                Savepoint savepoint = connection.setSavepoint();
                try (Statement st = connection.createStatement()) {
                    st.execute("CREATE EXTENSION IF NOT EXISTS timescaledb");
                    connection.releaseSavepoint(savepoint);
                    return extensionSchema(connection);
                } catch (SQLException e) {
                    connection.rollback(savepoint);
                    if (mode == TimescaleMode.REQUIRE) {
                        throw e;
                    }
                    LOG.warn(
                            "timescaledb is available but cannot be created ({}); using native partitioning",
                            e.getMessage());
                    return null;
                }
            }
            if (mode == TimescaleMode.REQUIRE) {
                throw new SQLException(
                        "sink.postgres.timescale=require but the server does not offer the timescaledb " + "extension");
            }
            return null;
        }

        private static String extensionSchema(Connection connection) throws SQLException {
            try (Statement st = connection.createStatement();
                    ResultSet rs = st.executeQuery("SELECT n.nspname FROM pg_extension e "
                            + "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'timescaledb'")) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
