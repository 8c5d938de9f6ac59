package io.fieldline.sink.internal.postgres;

import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AnomalyScore;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.sink.internal.postgres.PostgresStreamWriter.TableRows;
import io.fieldline.sink.internal.worker.SinkRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * Per stream, which rows of a batch go to which table. De-duplication within the batch happens here:
 * an upsert may touch each key only once per statement.
 */
public final class PostgresPlans {

    private PostgresPlans() {}

    /**
     * measurement (every reading) and the series registry: a series' last_seen is written when the series
     * is new to this writer or its newest reading is {@code refresh} newer than what the writer last stored,
     * so in steady state the registry costs a few rows per minute, not one per reading.
     */
    public static PostgresStreamWriter.Plan<Reading> measurements(java.time.Duration refresh) {
        return new MeasurementsPlan(refresh.toMillis());
    }

    private static final class MeasurementsPlan implements PostgresStreamWriter.Plan<Reading> {
        /** Beyond this many series the cache starts over (costs one registry write per series, nothing else). */
        private static final int MAX_CACHED_SERIES = 1_000_000;

        private final long refreshMs;
        /** last_seen values known to be committed, per series. */
        private final Map<SeriesKey, Long> stored = new HashMap<>();

        private List<PostgresTables.SeriesRow> pending = List.of();

        MeasurementsPlan(long refreshMs) {
            this.refreshMs = refreshMs;
        }

        @Override
        public List<TableRows<?>> rows(List<SinkRecord<Reading>> batch) {
            List<Reading> rows = new ArrayList<>(batch.size());
            Map<SeriesKey, Long> newest = new HashMap<>();
            for (SinkRecord<Reading> record : batch) {
                Reading r = record.value();
                rows.add(r);
                newest.merge(
                        new SeriesKey(r.getDeviceId(), r.getSensor()),
                        r.getEventTime().toEpochMilli(),
                        Math::max);
            }
            List<PostgresTables.SeriesRow> series = new ArrayList<>();
            newest.forEach((key, time) -> {
                Long known = stored.get(key);
                if (known == null || time - known >= refreshMs) {
                    series.add(new PostgresTables.SeriesRow(
                            key.deviceId(), key.sensor(), java.time.Instant.ofEpochMilli(time)));
                }
            });
            pending = series;
            return List.of(
                    new TableRows<>(PostgresTables.MEASUREMENT, rows), new TableRows<>(PostgresTables.SERIES, series));
        }

        @Override
        public void committed() {
            if (stored.size() + pending.size() > MAX_CACHED_SERIES) {
                stored.clear();
            }
            for (PostgresTables.SeriesRow row : pending) {
                stored.merge(
                        new SeriesKey(row.deviceId(), row.sensor()), row.time().toEpochMilli(), Math::max);
            }
            pending = List.of();
        }
    }

    /**
     * aggregate_1m or aggregate_1h by source topic, the last record per window winning; readings from
     * {@code lateTopic} into late_reading; then, in the same transaction, the revisions and the daily level
     * ({@link AggregateRevisions}).
     *
     * @param lateTopic the late-readings topic; empty when the stream does not read it
     */
    public static PostgresStreamWriter.Plan<SpecificRecord> aggregates(
            String topic1h, String lateTopic, AggregateRevisions revisions) {
        return new AggregatesPlan(topic1h, lateTopic, revisions);
    }

    private static final class AggregatesPlan implements PostgresStreamWriter.Plan<SpecificRecord> {
        private final String topic1h;
        private final String lateTopic;
        private final AggregateRevisions revisions;
        private List<AggregateRevisions.WindowKey> minuteKeys = List.of();
        private List<AggregateRevisions.WindowKey> hourKeys = List.of();
        private List<AggregateRevisions.WindowKey> lateKeys = List.of();

        AggregatesPlan(String topic1h, String lateTopic, AggregateRevisions revisions) {
            this.topic1h = topic1h;
            this.lateTopic = lateTopic;
            this.revisions = revisions;
        }

        @Override
        public List<TableRows<?>> rows(List<SinkRecord<SpecificRecord>> batch) {
            Map<WindowKey, Aggregate> minute = new LinkedHashMap<>();
            Map<WindowKey, Aggregate> hour = new LinkedHashMap<>();
            Map<WindowKey, Reading> late = new LinkedHashMap<>();
            for (SinkRecord<SpecificRecord> record : batch) {
                if (record.value() instanceof Reading r && record.topic().equals(lateTopic)) {
                    // the first delivery within the batch, as the table keeps the first one stored
                    late.putIfAbsent(
                            new WindowKey(
                                    r.getDeviceId(),
                                    r.getSensor(),
                                    r.getEventTime().toEpochMilli()),
                            r);
                } else if (record.value() instanceof Aggregate a) {
                    WindowKey key = new WindowKey(
                            a.getDeviceId(), a.getSensor(), a.getWindowStart().toEpochMilli());
                    (record.topic().equals(topic1h) ? hour : minute).put(key, a);
                } else {
                    throw new IllegalArgumentException("not an aggregate or a late reading: " + record.topic());
                }
            }
            minuteKeys = keys(minute.keySet());
            hourKeys = keys(hour.keySet());
            lateKeys = keys(late.keySet());
            List<TableRows<?>> parts = new ArrayList<>(3);
            if (!late.isEmpty()) {
                parts.add(new TableRows<>(PostgresTables.LATE_READING, late.values()));
            }
            if (!minute.isEmpty()) {
                parts.add(new TableRows<>(PostgresTables.AGGREGATE_1M, minute.values()));
            }
            if (!hour.isEmpty()) {
                parts.add(new TableRows<>(PostgresTables.AGGREGATE_1H, hour.values()));
            }
            return parts;
        }

        private static List<AggregateRevisions.WindowKey> keys(java.util.Set<WindowKey> keys) {
            List<AggregateRevisions.WindowKey> out = new ArrayList<>(keys.size());
            for (WindowKey key : keys) {
                out.add(new AggregateRevisions.WindowKey(
                        key.deviceId(), key.sensor(), java.time.Instant.ofEpochMilli(key.windowStart())));
            }
            return out;
        }

        @Override
        public void afterWrite(java.sql.Connection connection) throws java.sql.SQLException {
            revisions.apply(connection, minuteKeys, hourKeys, lateKeys);
        }
    }

    /** alert (every transition) and alert_current (the latest per alert; on equal times the later record). */
    public static PostgresStreamWriter.Plan<Alert> alerts() {
        return batch -> {
            List<Alert> rows = new ArrayList<>(batch.size());
            Map<String, Alert> current = new HashMap<>();
            for (SinkRecord<Alert> record : batch) {
                Alert a = record.value();
                rows.add(a);
                current.merge(
                        a.getAlertId(), a, (old, neu) -> neu.getEventTime().isBefore(old.getEventTime()) ? old : neu);
            }
            return List.of(
                    new TableRows<>(PostgresTables.ALERT, rows),
                    new TableRows<>(PostgresTables.ALERT_CURRENT, current.values()));
        };
    }

    /** anomaly: every score, or only flagged ones. */
    public static PostgresStreamWriter.Plan<AnomalyScore> anomalies(boolean flaggedOnly) {
        return batch -> {
            List<AnomalyScore> rows = new ArrayList<>(batch.size());
            for (SinkRecord<AnomalyScore> record : batch) {
                if (!flaggedOnly || record.value().getFlagged()) {
                    rows.add(record.value());
                }
            }
            return List.of(new TableRows<>(PostgresTables.ANOMALY, rows));
        };
    }

    /** kpi; the last record per room, name and window wins. */
    public static PostgresStreamWriter.Plan<Kpi> kpis() {
        return batch -> {
            Map<KpiKey, Kpi> rows = new LinkedHashMap<>();
            for (SinkRecord<Kpi> record : batch) {
                Kpi k = record.value();
                rows.put(new KpiKey(k.getRoom(), k.getName(), k.getWindowStart().toEpochMilli()), k);
            }
            return List.of(new TableRows<>(PostgresTables.KPI, rows.values()));
        };
    }

    private record SeriesKey(String deviceId, String sensor) {}

    private record WindowKey(String deviceId, String sensor, long windowStart) {}

    private record KpiKey(String room, String name, long windowStart) {}
}
