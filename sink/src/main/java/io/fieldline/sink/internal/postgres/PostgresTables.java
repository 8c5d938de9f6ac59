package io.fieldline.sink.internal.postgres;

import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AnomalyScore;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.sink.internal.copy.PgBinaryCopyWriter;
import io.fieldline.sink.internal.json.SinkJson;
import io.fieldline.sink.internal.postgres.CopyTable.Conflict;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

/**
 * Avro record to row, per table: the column lists here must match the migrations, and each encoder writes
 * exactly its table's columns in order.
 */
public final class PostgresTables {

    private PostgresTables() {}

    public static final CopyTable<Reading> MEASUREMENT = new CopyTable<>(
                    "measurement",
                    List.of(
                            "time",
                            "device_id",
                            "sensor",
                            "value",
                            "unit",
                            "quality",
                            "source",
                            "site",
                            "room",
                            "raw_value",
                            "ingest_time",
                            "attributes"),
                    Conflict.IGNORE,
                    List.of("device_id", "sensor", "time"),
                    null,
                    PostgresTables::encodeMeasurement)
            .withConflictCheck(new CopyTable.ConflictCheck<>(
                    List.of("value", "unit", "quality"),
                    r -> Arrays.asList(
                            r.getDeviceId(),
                            r.getSensor(),
                            r.getEventTime(),
                            r.getValue(),
                            r.getUnit(),
                            r.getQuality().name())));

    /** A series and a time at which it is known to have a stored reading. */
    public record SeriesRow(String deviceId, String sensor, java.time.Instant time) {}

    /**
     * The series registry: first_seen stays, last_seen only moves forward (it is a lower bound of the newest
     * reading's time that latest_value searches from).
     */
    public static final CopyTable<SeriesRow> SERIES = new CopyTable<>(
            "series",
            List.of("device_id", "sensor", "first_seen", "last_seen"),
            Conflict.UPDATE_IF,
            List.of("device_id", "sensor"),
            List.of("last_seen"),
            "t.last_seen < excluded.last_seen",
            (row, out) -> out.startRow(4)
                    .writeText(row.deviceId())
                    .writeText(row.sensor())
                    .writeTimestamptz(row.time())
                    .writeTimestamptz(row.time()));

    /**
     * Readings that reached the aggregates after their window closed; the first delivery is kept (its merge into
     * the aggregates happens once, see {@link AggregateRevisions}).
     */
    public static final CopyTable<Reading> LATE_READING = new CopyTable<>(
            "late_reading",
            List.of("time", "device_id", "sensor", "value", "quality", "ingest_time"),
            Conflict.IGNORE,
            List.of("device_id", "sensor", "time"),
            null,
            (r, out) -> out.startRow(6)
                    .writeTimestamptz(r.getEventTime())
                    .writeText(r.getDeviceId())
                    .writeText(r.getSensor())
                    .writeFloat8(r.getValue())
                    .writeText(r.getQuality().name())
                    .writeTimestamptz(r.getIngestTime()));

    public static final CopyTable<Aggregate> AGGREGATE_1M = aggregateTable("aggregate_1m");
    public static final CopyTable<Aggregate> AGGREGATE_1H = aggregateTable("aggregate_1h");

    public static final CopyTable<Alert> ALERT = new CopyTable<>(
            "alert",
            alertColumns(),
            Conflict.IGNORE,
            List.of("alert_id", "event_time", "state"),
            null,
            PostgresTables::encodeAlert);

    /**
     * Last transition per alert. Equal event times let the later write win (raise and clear in the same
     * millisecond arrive in order); the row comparison keeps a replay from rewriting an identical row.
     */
    public static final CopyTable<Alert> ALERT_CURRENT = new CopyTable<>(
            "alert_current",
            alertColumns(),
            Conflict.UPDATE_IF,
            List.of("alert_id"),
            "t.event_time <= excluded.event_time AND (t.event_time, t.state, t.severity) "
                    + "IS DISTINCT FROM (excluded.event_time, excluded.state, excluded.severity)",
            PostgresTables::encodeAlert);

    public static final CopyTable<AnomalyScore> ANOMALY = new CopyTable<>(
                    "anomaly",
                    List.of(
                            "time",
                            "device_id",
                            "sensor",
                            "site",
                            "room",
                            "value",
                            "score",
                            "flagged",
                            "method",
                            "expected",
                            "deviation",
                            "z_score",
                            "robust_z"),
                    Conflict.IGNORE,
                    List.of("device_id", "sensor", "time"),
                    null,
                    PostgresTables::encodeAnomaly)
            .withConflictCheck(new CopyTable.ConflictCheck<>(
                    List.of("value", "score", "flagged"),
                    s -> Arrays.asList(
                            s.getDeviceId(),
                            s.getSensor(),
                            s.getEventTime(),
                            s.getValue(),
                            s.getScore(),
                            s.getFlagged())));

    public static final CopyTable<Kpi> KPI = new CopyTable<>(
            "kpi",
            List.of("window_start", "window_end", "room", "site", "name", "value", "unit", "inputs"),
            Conflict.UPDATE,
            List.of("room", "name", "window_start"),
            null,
            PostgresTables::encodeKpi);

    private static CopyTable<Aggregate> aggregateTable(String name) {
        return new CopyTable<>(
                name,
                List.of(
                        "window_start",
                        "window_end",
                        "device_id",
                        "sensor",
                        "unit",
                        "site",
                        "room",
                        "count",
                        "sum",
                        "min",
                        "max",
                        "mean",
                        "m2",
                        "stddev",
                        "first",
                        "first_time",
                        "last",
                        "last_time",
                        "p50",
                        "p95",
                        "p99",
                        "sketch",
                        "bad_count"),
                Conflict.UPDATE,
                List.of("device_id", "sensor", "window_start"),
                null,
                PostgresTables::encodeAggregate);
    }

    private static List<String> alertColumns() {
        return List.of(
                "event_time",
                "alert_id",
                "state",
                "rule_id",
                "kind",
                "severity",
                "device_id",
                "sensor",
                "site",
                "room",
                "direction",
                "value",
                "threshold",
                "clear_threshold",
                "since",
                "message");
    }

    static void encodeMeasurement(Reading r, PgBinaryCopyWriter out) throws SQLException {
        out.startRow(12)
                .writeTimestamptz(r.getEventTime())
                .writeText(r.getDeviceId())
                .writeText(r.getSensor())
                .writeFloat8(r.getValue())
                .writeText(r.getUnit())
                .writeText(r.getQuality().name())
                .writeText(r.getSource().name())
                .writeText(r.getSite())
                .writeText(r.getRoom())
                .writeFloat8(r.getRawValue())
                .writeTimestamptz(r.getIngestTime())
                .writeJsonb(SinkJson.ofStrings(r.getAttributes()));
    }

    static void encodeAggregate(Aggregate a, PgBinaryCopyWriter out) throws SQLException {
        out.startRow(23)
                .writeTimestamptz(a.getWindowStart())
                .writeTimestamptz(a.getWindowEnd())
                .writeText(a.getDeviceId())
                .writeText(a.getSensor())
                .writeText(a.getUnit())
                .writeText(a.getSite())
                .writeText(a.getRoom())
                .writeInt8(a.getCount())
                .writeFloat8(a.getSum())
                .writeFloat8(a.getMin())
                .writeFloat8(a.getMax())
                .writeFloat8(a.getMean())
                .writeFloat8(a.getM2())
                .writeFloat8(a.getStddev())
                .writeFloat8(a.getFirst())
                .writeTimestamptz(a.getFirstTime())
                .writeFloat8(a.getLast())
                .writeTimestamptz(a.getLastTime())
                .writeFloat8(a.getP50())
                .writeFloat8(a.getP95())
                .writeFloat8(a.getP99())
                .writeBytea(a.getSketch())
                .writeInt8(a.getBadCount());
    }

    static void encodeAlert(Alert a, PgBinaryCopyWriter out) throws SQLException {
        out.startRow(16)
                .writeTimestamptz(a.getEventTime())
                .writeText(a.getAlertId())
                .writeText(a.getState().name())
                .writeText(a.getRuleId())
                .writeText(a.getKind().name())
                .writeText(a.getSeverity().name())
                .writeText(a.getDeviceId())
                .writeText(a.getSensor())
                .writeText(a.getSite())
                .writeText(a.getRoom())
                .writeText(a.getDirection() == null ? null : a.getDirection().name())
                .writeFloat8(a.getValue())
                .writeFloat8(a.getThreshold())
                .writeFloat8(a.getClearThreshold())
                .writeTimestamptz(a.getSince())
                .writeText(a.getMessage());
    }

    static void encodeAnomaly(AnomalyScore a, PgBinaryCopyWriter out) throws SQLException {
        out.startRow(13)
                .writeTimestamptz(a.getEventTime())
                .writeText(a.getDeviceId())
                .writeText(a.getSensor())
                .writeText(a.getSite())
                .writeText(a.getRoom())
                .writeFloat8(a.getValue())
                .writeFloat8(a.getScore())
                .writeBool(a.getFlagged())
                .writeText(a.getMethod().name())
                .writeFloat8(a.getExpected())
                .writeFloat8(a.getDeviation())
                .writeFloat8(a.getZScore())
                .writeFloat8(a.getRobustZ());
    }

    static void encodeKpi(Kpi k, PgBinaryCopyWriter out) throws SQLException {
        out.startRow(8)
                .writeTimestamptz(k.getWindowStart())
                .writeTimestamptz(k.getWindowEnd())
                .writeText(k.getRoom())
                .writeText(k.getSite())
                .writeText(k.getName())
                .writeFloat8(k.getValue())
                .writeText(k.getUnit())
                .writeJsonb(SinkJson.ofNumbers(k.getInputs()));
    }
}
