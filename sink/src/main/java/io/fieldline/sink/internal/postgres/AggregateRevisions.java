package io.fieldline.sink.internal.postgres;

import io.fieldline.sink.internal.SqlNames;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What the aggregates stream does in its transaction after the rows themselves are written: revises the stored
 * aggregates with late readings, and merges the daily level from the hourly one.
 *
 * <p><b>Late readings.</b> A reading whose window Streams had closed is in no aggregate Streams emitted; it comes
 * on {@code telemetry.readings.late} and is stored in {@code late_reading} (the measurements stream stores it in
 * {@code measurement} from the enriched topic). A stored aggregate row is Streams' row merged with every late
 * reading of its window, which holds however the two arrive:
 *
 * <ol>
 *   <li>late readings not merged yet are merged into the stored one-minute and one-hour rows whose window holds
 *       them (count, sum, min, max, mean and m2 by the pairwise formula, stddev, first, last, bad_count;
 *       {@code late_count} counts them), then marked merged; a window with no stored row yet gets nothing, and
 *       step 2 merges them when its row comes;</li>
 *   <li>a Streams row written in this batch (new, or a replay that overwrote a revised row) is merged with all the
 *       late readings of its window;</li>
 * </ol>
 *
 * Quantiles and the sketch stay Streams' (a sketch cannot be merged in SQL). A late reading whose key
 * {@code measurement} holds with another ingest time is a redelivery of a reading Streams counted on time, and is
 * dropped before it is merged.
 *
 * <p><b>Daily level.</b> For every (series, day) whose hourly rows this batch wrote or revised, {@code aggregate_1d}
 * is merged again from all the stored hourly rows of the day: counts and sums add, min and max combine, mean is
 * sum / count, m2 pools the hours' (m2 + n (mean_h - mean)^2), first and last compare times. The day is the
 * calendar day of the configured zone; a day's row covers the hours stored so far.
 */
public final class AggregateRevisions {

    /** One aggregate row's key: the series and its window start. */
    public record WindowKey(String deviceId, String sensor, Instant windowStart) {}

    private final SqlNames names;
    private final String zone;

    /**
     * @param names   the schema of the tables
     * @param dayZone the zone whose calendar days aggregate_1d covers
     */
    public AggregateRevisions(SqlNames names, ZoneId dayZone) {
        this.names = names;
        this.zone = SqlNames.literal(dayZone.getId());
    }

    /**
     * Runs inside the batch's transaction, after its rows (late readings, one-minute and one-hour rows) were
     * written.
     *
     * @param minutes  keys of the one-minute rows this batch wrote
     * @param hours    keys of the one-hour rows this batch wrote
     * @param lateDays (series, time) of the late readings of this batch, whose days to merge again
     */
    public void apply(
            Connection c, Collection<WindowKey> minutes, Collection<WindowKey> hours, Collection<WindowKey> lateDays)
            throws SQLException {
        if (!lateDays.isEmpty()) {
            try (Statement st = c.createStatement()) {
                st.executeUpdate(dropRedeliveriesSql());
            }
            // rows this batch wrote get all their late readings in step 2, the new ones included
            withKeys(c, mergeUnmergedSql("aggregate_1m"), minutes);
            withKeys(c, mergeUnmergedSql("aggregate_1h"), hours);
            try (Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE " + names.table("late_reading") + " SET merged = true WHERE NOT merged");
            }
        }
        if (!minutes.isEmpty()) {
            withKeys(c, mergeStreamsRowsSql("aggregate_1m"), minutes);
        }
        if (!hours.isEmpty()) {
            withKeys(c, mergeStreamsRowsSql("aggregate_1h"), hours);
        }
        if (!hours.isEmpty() || !lateDays.isEmpty()) {
            List<WindowKey> days = new ArrayList<>(hours);
            days.addAll(lateDays);
            withKeys(c, dailySql(), days);
        }
    }

    private static void withKeys(Connection c, String sql, Collection<WindowKey> keys) throws SQLException {
        String[] devices = new String[keys.size()];
        String[] sensors = new String[keys.size()];
        Timestamp[] times = new Timestamp[keys.size()];
        int i = 0;
        for (WindowKey key : keys) {
            devices[i] = key.deviceId();
            sensors[i] = key.sensor();
            times[i] = Timestamp.from(key.windowStart());
            i++;
        }
        Array deviceArray = c.createArrayOf("text", devices);
        Array sensorArray = c.createArrayOf("text", sensors);
        Array timeArray = c.createArrayOf("timestamptz", times);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, deviceArray);
            ps.setArray(2, sensorArray);
            ps.setArray(3, timeArray);
            ps.executeUpdate();
        } finally {
            deviceArray.free();
            sensorArray.free();
            timeArray.free();
        }
    }

    private static final String KEYS =
            "SELECT * FROM unnest(?::text[], ?::text[], ?::timestamptz[]) AS k(device_id, sensor, window_start)";

    /** Statistics of a set of readings r (value, quality, time), as the Streams aggregator counts them. */
    private static final String LATE_STATS = """
            count(*) FILTER (WHERE r.good)                                            AS n,
            count(*) FILTER (WHERE NOT r.good)                                        AS bad,
            count(*)                                                                  AS total,
            coalesce(sum(r.value) FILTER (WHERE r.good), 0)                           AS s,
            min(r.value) FILTER (WHERE r.good)                                        AS mn,
            max(r.value) FILTER (WHERE r.good)                                        AS mx,
            avg(r.value) FILTER (WHERE r.good)                                        AS mean,
            coalesce(var_pop(r.value) FILTER (WHERE r.good), 0)
                * count(*) FILTER (WHERE r.good)                                      AS m2,
            (array_agg(r.value ORDER BY r.time) FILTER (WHERE r.good))[1]             AS first,
            min(r.time) FILTER (WHERE r.good)                                         AS first_time,
            (array_agg(r.value ORDER BY r.time DESC) FILTER (WHERE r.good))[1]        AS last,
            max(r.time) FILTER (WHERE r.good)                                         AS last_time""";

    /** Streams skips BAD and non-finite values in every statistic and counts them in bad_count. */
    private static final String GOOD =
            "(quality <> 'BAD' AND value NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)) AS good";

    /** SET list merging the late statistics l into the stored row t; the stored row may hold only BAD readings. */
    private static String mergeSet(String lateCount) {
        String m2 = "CASE WHEN l.n = 0 THEN t.m2 WHEN t.count = 0 THEN l.m2 "
                + "ELSE t.m2 + l.m2 + (l.mean - t.mean) * (l.mean - t.mean) * t.count * l.n / (t.count + l.n) END";
        return "count = t.count + l.n, sum = t.sum + l.s, "
                + "min = CASE WHEN l.n = 0 THEN t.min WHEN t.count = 0 THEN l.mn ELSE least(t.min, l.mn) END, "
                + "max = CASE WHEN l.n = 0 THEN t.max WHEN t.count = 0 THEN l.mx ELSE greatest(t.max, l.mx) END, "
                + "mean = CASE WHEN l.n = 0 THEN t.mean WHEN t.count = 0 THEN l.mean "
                + "ELSE t.mean + (l.mean - t.mean) * l.n / (t.count + l.n) END, "
                + "m2 = " + m2 + ", "
                + "stddev = CASE WHEN t.count + l.n = 0 THEN t.stddev ELSE sqrt(greatest(0, " + m2
                + ") / (t.count + l.n)) END, "
                // on equal times the reading that came first stays first and the later one becomes last
                + "first = CASE WHEN l.n > 0 AND (t.count = 0 OR l.first_time < t.first_time) THEN l.first "
                + "ELSE t.first END, "
                + "first_time = CASE WHEN l.n > 0 AND (t.count = 0 OR l.first_time < t.first_time) "
                + "THEN l.first_time ELSE t.first_time END, "
                + "last = CASE WHEN l.n > 0 AND (t.count = 0 OR l.last_time >= t.last_time) THEN l.last "
                + "ELSE t.last END, "
                + "last_time = CASE WHEN l.n > 0 AND (t.count = 0 OR l.last_time >= t.last_time) "
                + "THEN l.last_time ELSE t.last_time END, "
                + "bad_count = t.bad_count + l.bad, late_count = " + lateCount;
    }

    String dropRedeliveriesSql() {
        return "DELETE FROM " + names.table("late_reading") + " r USING " + names.table("measurement")
                + " m WHERE NOT r.merged AND m.device_id = r.device_id AND m.sensor = r.sensor AND m.time = r.time "
                + "AND m.ingest_time <> r.ingest_time";
    }

    /**
     * Step 1: the late readings not merged yet, into the stored rows whose window holds them, but for the rows of
     * the keys given (written by this batch).
     */
    String mergeUnmergedSql(String table) {
        String target = names.table(table);
        return "WITH k AS (" + KEYS + "), fresh AS (SELECT time, device_id, sensor, value, " + GOOD + " FROM "
                + names.table("late_reading")
                + " WHERE NOT merged), "
                + "held AS (SELECT w.device_id, w.sensor, w.window_start, f.value, f.good, f.time FROM fresh f "
                + "CROSS JOIN LATERAL (SELECT a.device_id, a.sensor, a.window_start, a.window_end FROM " + target
                + " a WHERE a.device_id = f.device_id AND a.sensor = f.sensor AND a.window_start <= f.time "
                + "ORDER BY a.window_start DESC LIMIT 1) w WHERE w.window_end > f.time AND NOT EXISTS (SELECT 1 FROM k "
                + "WHERE (k.device_id, k.sensor, k.window_start) = (w.device_id, w.sensor, w.window_start))), "
                + "late AS (SELECT r.device_id, r.sensor, r.window_start, " + LATE_STATS + " FROM held r "
                + "GROUP BY r.device_id, r.sensor, r.window_start) "
                + "UPDATE " + target + " AS t SET " + mergeSet("t.late_count + l.total")
                + " FROM late l WHERE (t.device_id, t.sensor, t.window_start) = (l.device_id, l.sensor, l.window_start)";
    }

    /** Step 2: Streams rows of this batch (as stored now: Streams' values), merged with all late readings held. */
    String mergeStreamsRowsSql(String table) {
        String target = names.table(table);
        return "WITH k AS (" + KEYS + "), "
                + "late AS (SELECT a.device_id, a.sensor, a.window_start, " + LATE_STATS + " FROM k JOIN " + target
                + " a ON (a.device_id, a.sensor, a.window_start) = (k.device_id, k.sensor, k.window_start) "
                + "JOIN (SELECT device_id, sensor, time, value, " + GOOD + " FROM " + names.table("late_reading")
                + ") r ON r.device_id = a.device_id AND r.sensor = a.sensor AND r.time >= a.window_start "
                + "AND r.time < a.window_end GROUP BY a.device_id, a.sensor, a.window_start) "
                + "UPDATE " + target + " AS t SET " + mergeSet("l.total")
                + " FROM late l WHERE (t.device_id, t.sensor, t.window_start) = (l.device_id, l.sensor, l.window_start)";
    }

    /** The days of the given (series, time) keys, merged again from their stored hourly rows. */
    String dailySql() {
        String dayStart = "date_trunc('day', k.window_start, " + zone + ")";
        String nextDay = "((d.day AT TIME ZONE " + zone + ") + interval '1 day') AT TIME ZONE " + zone;
        return "WITH days AS (SELECT DISTINCT k.device_id, k.sensor, " + dayStart + " AS day FROM (" + KEYS + ") k), "
                + "hours AS (SELECT d.day, " + nextDay + " AS day_end, h.* FROM days d JOIN "
                + names.table("aggregate_1h") + " h ON h.device_id = d.device_id AND h.sensor = d.sensor "
                + "AND h.window_start >= d.day AND h.window_start < " + nextDay + "), "
                + "pooled AS (SELECT device_id, sensor, day, min(day_end) AS day_end, count(*) AS hours, "
                + "sum(count) AS n, sum(sum) AS s, "
                + "min(min) FILTER (WHERE count > 0) AS mn, max(max) FILTER (WHERE count > 0) AS mx, "
                + "sum(sum) FILTER (WHERE count > 0) / nullif(sum(count), 0) AS mean, "
                + "(array_agg(first ORDER BY first_time) FILTER (WHERE count > 0))[1] AS first, "
                + "min(first_time) FILTER (WHERE count > 0) AS first_time, "
                + "(array_agg(last ORDER BY last_time DESC) FILTER (WHERE count > 0))[1] AS last, "
                + "max(last_time) FILTER (WHERE count > 0) AS last_time, "
                + "sum(bad_count) AS bad, sum(late_count) AS late, "
                + "(array_agg(unit ORDER BY window_start DESC))[1] AS unit, "
                + "(array_agg(site ORDER BY window_start DESC))[1] AS site, "
                + "(array_agg(room ORDER BY window_start DESC))[1] AS room "
                + "FROM hours GROUP BY device_id, sensor, day) "
                + "INSERT INTO " + names.table("aggregate_1d") + " AS t (window_start, window_end, device_id, sensor, "
                + "unit, site, room, count, sum, min, max, mean, m2, stddev, first, first_time, last, last_time, "
                + "bad_count, late_count, hours) "
                + "SELECT p.day, p.day_end, p.device_id, p.sensor, p.unit, p.site, p.room, p.n, p.s, "
                + "coalesce(p.mn, 'NaN'), coalesce(p.mx, 'NaN'), coalesce(p.mean, 'NaN'), q.m2, "
                + "CASE WHEN p.n > 0 THEN sqrt(greatest(0, q.m2) / p.n) ELSE 'NaN' END, "
                + "coalesce(p.first, 'NaN'), coalesce(p.first_time, p.day), coalesce(p.last, 'NaN'), "
                + "coalesce(p.last_time, p.day), p.bad, p.late, p.hours "
                + "FROM pooled p CROSS JOIN LATERAL (SELECT coalesce(sum(h.m2 + h.count * (h.mean - p.mean) "
                + "* (h.mean - p.mean)) FILTER (WHERE h.count > 0), 0) AS m2 FROM hours h "
                + "WHERE (h.device_id, h.sensor, h.day) = (p.device_id, p.sensor, p.day)) q "
                + "ON CONFLICT (device_id, sensor, window_start) DO UPDATE SET window_end = excluded.window_end, "
                + "unit = excluded.unit, site = excluded.site, room = excluded.room, count = excluded.count, "
                + "sum = excluded.sum, min = excluded.min, max = excluded.max, mean = excluded.mean, "
                + "m2 = excluded.m2, stddev = excluded.stddev, first = excluded.first, "
                + "first_time = excluded.first_time, last = excluded.last, last_time = excluded.last_time, "
                + "bad_count = excluded.bad_count, late_count = excluded.late_count, hours = excluded.hours "
                + "WHERE (t.count, t.sum, t.min, t.max, t.m2, t.first_time, t.last_time, t.bad_count, t.late_count, "
                + "t.hours, t.unit, t.site, t.room) IS DISTINCT FROM (excluded.count, excluded.sum, excluded.min, "
                + "excluded.max, excluded.m2, excluded.first_time, excluded.last_time, excluded.bad_count, "
                + "excluded.late_count, excluded.hours, excluded.unit, excluded.site, excluded.room)";
    }
}
