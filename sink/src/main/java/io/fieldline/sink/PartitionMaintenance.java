package io.fieldline.sink;

import io.fieldline.sink.internal.SqlNames;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the natively partitioned time-series tables (the layout without TimescaleDB) in shape: creates
 * the current partition and {@link StorageOptions#partitionsAhead()} future ones, gives rows that landed
 * in a table's default partition a proper partition (moving them there), drops partitions entirely older
 * than the table's retention and deletes expired rows from the default partition.
 *
 * <p>Partitions are aligned on multiples of the interval since the epoch (UTC midnight for daily ones) and
 * named {@code <table>_pYYYYMMDD_HHMM} after their start. The catalogue is the only state: existing
 * partitions are read back, and a new one is clipped against its neighbours, so a changed interval never
 * produces overlapping ranges. Each table is handled in its own transaction under an advisory lock, so
 * several instances can run it concurrently. With the TimescaleDB layout {@link #run()} does nothing
 * (TimescaleDB's own jobs do this work).
 */
public final class PartitionMaintenance {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionMaintenance.class);
    private static final Pattern RANGE = Pattern.compile("FOR VALUES FROM \\('([^']+)'\\) TO \\('([^']+)'\\)");
    private static final DateTimeFormatter PG_TIMESTAMPTZ = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .optionalEnd()
            .appendPattern("x")
            .toFormatter();
    private static final DateTimeFormatter NAME_SUFFIX =
            DateTimeFormatter.ofPattern("yyyyMMdd_HHmm").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter LITERAL =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSxxx").withZone(ZoneOffset.UTC);
    /** Most partitions created from default-partition rows per table and run: bounds one run's work. */
    private static final int MAX_ADOPTED_BUCKETS = 500;

    private final DataSource dataSource;
    private final StorageOptions options;
    private final Clock clock;
    private final SqlNames names;

    public PartitionMaintenance(DataSource dataSource, StorageOptions options, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.names = new SqlNames(options.schema());
    }

    /** One partition of a table: its name and [start, end) range. */
    public record Partition(String name, Instant start, Instant end) {}

    /** What one run did. */
    public record Result(int created, int dropped, long rowsMoved, long rowsExpired) {

        Result plus(Result other) {
            return new Result(
                    created + other.created,
                    dropped + other.dropped,
                    rowsMoved + other.rowsMoved,
                    rowsExpired + other.rowsExpired);
        }
    }

    /**
     * Runs the maintenance of every time-series table once.
     *
     * @throws SQLException when the database fails; tables already handled keep their changes
     */
    public Result run() throws SQLException {
        if (Migrations.layout(dataSource, options.schema()) != StorageLayout.PARTITIONED) {
            return new Result(0, 0, 0, 0);
        }
        Result total = new Result(0, 0, 0, 0);
        for (TimeSeriesTable table : TimeSeriesTable.values()) {
            total = total.plus(maintain(table));
        }
        if (total.created() + total.dropped() > 0 || total.rowsMoved() + total.rowsExpired() > 0) {
            LOG.info(
                    "Partition maintenance: {} created, {} dropped, {} rows moved out of default partitions, "
                            + "{} expired rows deleted",
                    total.created(),
                    total.dropped(),
                    total.rowsMoved(),
                    total.rowsExpired());
        }
        return total;
    }

    /** The range partitions of a table (the default partition excluded), oldest first. */
    public List<Partition> partitions(TimeSeriesTable table) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Partition> partitions = readPartitions(c, table);
                c.commit();
                return partitions;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private Result maintain(TimeSeriesTable table) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Result result = maintain(c, table);
                c.commit();
                return result;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private Result maintain(Connection c, TimeSeriesTable table) throws SQLException {
        try (Statement st = c.createStatement()) {
            // Partition DDL needs strong locks; never queue the sink's inserts behind us for long.
            st.execute("SET LOCAL lock_timeout = '10s'");
        }
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
            lock.setString(1, "fieldline.partition." + names.table(table.tableName()));
            lock.executeQuery().close();
        }
        Instant now = clock.instant();
        long intervalMs = options.interval(table).toMillis();
        Duration retention = options.retention(table);
        Instant horizon = retention.isZero() ? null : now.minus(retention);
        String parent = names.table(table.tableName());
        String deflt = names.table(table.tableName() + "_default");
        String time = SqlNames.ident(table.timeColumn());

        TreeSet<Long> buckets = new TreeSet<>();
        long current = Math.floorDiv(now.toEpochMilli(), intervalMs);
        for (int i = 0; i <= options.partitionsAhead(); i++) {
            buckets.add(current + i);
        }
        // Rows that fell into the default partition and are still within retention deserve a partition.
        String bucketSql = "SELECT DISTINCT floor(extract(epoch FROM " + time + ") * 1000 / " + intervalMs
                + ")::bigint AS bucket FROM " + deflt + (horizon == null ? "" : " WHERE " + time + " >= ?")
                + " ORDER BY bucket LIMIT " + MAX_ADOPTED_BUCKETS;
        try (PreparedStatement ps = c.prepareStatement(bucketSql)) {
            if (horizon != null) {
                ps.setObject(1, OffsetDateTime.ofInstant(horizon, ZoneOffset.UTC));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    buckets.add(rs.getLong(1));
                }
            }
        }

        List<Partition> existing = readPartitions(c, table);
        int created = 0;
        long moved = 0;
        for (long bucket : buckets) {
            Instant start = Instant.ofEpochMilli(bucket * intervalMs);
            Instant end = Instant.ofEpochMilli((bucket + 1) * intervalMs);
            if (horizon != null && !end.isAfter(horizon)) {
                continue;
            }
            for (Partition gap : gaps(start, end, existing, table.tableName())) {
                moved += create(c, parent, deflt, time, gap);
                existing.add(gap);
                existing.sort(Comparator.comparing(Partition::start));
                created++;
            }
        }

        int dropped = 0;
        long expired = 0;
        if (horizon != null) {
            for (Partition p : existing) {
                if (!p.end().isAfter(horizon)) {
                    try (Statement st = c.createStatement()) {
                        st.execute("DROP TABLE " + names.table(p.name()));
                    }
                    dropped++;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + deflt + " WHERE " + time + " < ?")) {
                ps.setObject(1, OffsetDateTime.ofInstant(horizon, ZoneOffset.UTC));
                expired = ps.executeUpdate();
            }
        }
        return new Result(created, dropped, moved, expired);
    }

    /**
     * Creates one partition, moving the default partition's rows of its range into it first: attaching a
     * range that the default partition still holds rows of is an error. The default partition is locked
     * against inserts meanwhile so that no row can slip in between the move and the attach.
     */
    private long create(Connection c, String parent, String deflt, String time, Partition p) throws SQLException {
        String partition = names.table(p.name());
        String from = SqlNames.literal(LITERAL.format(p.start()));
        String to = SqlNames.literal(LITERAL.format(p.end()));
        long moved;
        try (Statement st = c.createStatement()) {
            st.execute("LOCK TABLE " + deflt + " IN EXCLUSIVE MODE");
            st.execute("CREATE TABLE " + partition + " (LIKE " + parent + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                    + "INCLUDING STORAGE)");
            moved = st.executeUpdate("WITH moved AS (DELETE FROM " + deflt + " WHERE " + time + " >= " + from + " AND "
                    + time + " < " + to + " RETURNING *) INSERT INTO " + partition + " SELECT * FROM moved");
            st.execute("ALTER TABLE " + parent + " ATTACH PARTITION " + partition + " FOR VALUES FROM (" + from
                    + ") TO (" + to + ")");
        }
        LOG.debug(
                "Created partition {} [{}, {}) with {} rows from the default partition",
                p.name(),
                p.start(),
                p.end(),
                moved);
        return moved;
    }

    /** The parts of [start, end) no existing partition covers, each a partition to create. */
    static List<Partition> gaps(Instant start, Instant end, List<Partition> existing, String table) {
        List<Partition> gaps = new ArrayList<>();
        Instant cursor = start;
        for (Partition p : existing) {
            if (!p.end().isAfter(cursor) || !p.start().isBefore(end)) {
                continue;
            }
            if (p.start().isAfter(cursor)) {
                gaps.add(new Partition(partitionName(table, cursor), cursor, p.start()));
            }
            if (p.end().isAfter(cursor)) {
                cursor = p.end();
            }
        }
        if (cursor.isBefore(end)) {
            gaps.add(new Partition(partitionName(table, cursor), cursor, end));
        }
        return gaps;
    }

    static String partitionName(String table, Instant start) {
        return table + "_p" + NAME_SUFFIX.format(start);
    }

    private List<Partition> readPartitions(Connection c, TimeSeriesTable table) throws SQLException {
        try (Statement st = c.createStatement()) {
            // Bounds are rendered in the session time zone; UTC makes them parseable without guessing.
            st.execute("SET LOCAL TimeZone = 'UTC'");
        }
        List<Partition> partitions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) "
                + "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = ?::regclass")) {
            ps.setString(1, names.table(table.tableName()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Matcher m = RANGE.matcher(rs.getString(2));
                    if (m.find()) {
                        partitions.add(new Partition(rs.getString(1), parse(m.group(1)), parse(m.group(2))));
                    }
                }
            }
        }
        partitions.sort(Comparator.comparing(Partition::start));
        return partitions;
    }

    private static Instant parse(String timestamptz) {
        return OffsetDateTime.parse(timestamptz, PG_TIMESTAMPTZ).toInstant();
    }
}
