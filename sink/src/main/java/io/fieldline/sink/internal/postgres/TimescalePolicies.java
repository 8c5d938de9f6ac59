package io.fieldline.sink.internal.postgres;

import io.fieldline.sink.StorageOptions;
import io.fieldline.sink.TimeSeriesTable;
import io.fieldline.sink.internal.SqlNames;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the TimescaleDB jobs in line with the configuration on every start: chunk interval, compression
 * policy (measurement, anomaly and aggregate_1m: chunks older than {@code sink.postgres.compression.after.days})
 * and retention policy per table ({@code sink.postgres.retention.<table>.days}). Policies are removed and added
 * again rather than compared, which is idempotent and cheap. TimescaleDB's background scheduler runs them; where
 * it cannot (TimescaleDB 2.28 on PostgreSQL 15.20 fails every job), {@code CALL run_job(id)} runs one.
 */
public final class TimescalePolicies {

    private static final Logger LOG = LoggerFactory.getLogger(TimescalePolicies.class);

    private final DataSource dataSource;
    private final StorageOptions options;

    public TimescalePolicies(DataSource dataSource, StorageOptions options) {
        this.dataSource = dataSource;
        this.options = options;
    }

    public void apply() throws SQLException {
        SqlNames names = new SqlNames(options.schema());
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                String ts = SqlNames.ident(timescaleSchema(c, names));
                for (TimeSeriesTable table : TimeSeriesTable.values()) {
                    String relation = names.table(table.tableName());
                    call(
                            c,
                            "SELECT " + ts
                                    + ".set_chunk_time_interval(?::regclass, ?::bigint * interval '1 millisecond')",
                            relation,
                            options.interval(table).toMillis());
                    if (table.compressible()) {
                        call(
                                c,
                                "SELECT " + ts + ".remove_compression_policy(?::regclass, if_exists => true)",
                                relation);
                        Duration after = options.compressAfter();
                        if (!after.isZero()) {
                            call(
                                    c,
                                    "SELECT " + ts + ".add_compression_policy(?::regclass, "
                                            + "compress_after => justify_hours(?::bigint * interval '1 millisecond'))",
                                    relation,
                                    after.toMillis());
                        }
                    }
                    call(c, "SELECT " + ts + ".remove_retention_policy(?::regclass, if_exists => true)", relation);
                    Duration retention = options.retention(table);
                    if (!retention.isZero()) {
                        call(
                                c,
                                "SELECT " + ts + ".add_retention_policy(?::regclass, "
                                        + "drop_after => justify_hours(?::bigint * interval '1 millisecond'))",
                                relation,
                                retention.toMillis());
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
        StringBuilder retention = new StringBuilder();
        for (TimeSeriesTable table : TimeSeriesTable.values()) {
            Duration kept = options.retention(table);
            retention
                    .append(retention.length() == 0 ? "" : ", ")
                    .append(table.tableName())
                    .append(' ')
                    .append(kept.isZero() ? "for ever" : days(kept));
        }
        LOG.info(
                "TimescaleDB policies applied: compression after {}, retention: {}",
                options.compressAfter().isZero() ? "never" : days(options.compressAfter()),
                retention);
    }

    private static String days(Duration duration) {
        return duration.toHours() % 24 == 0 ? duration.toDays() + " days" : duration.toHours() + " hours";
    }

    private static String timescaleSchema(Connection c, SqlNames names) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT timescale_schema FROM " + names.table("fieldline_storage"))) {
            if (!rs.next() || rs.getString(1) == null) {
                throw new SQLException("fieldline_storage records no TimescaleDB schema");
            }
            return rs.getString(1);
        }
    }

    private static void call(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeQuery().close();
        }
    }
}
