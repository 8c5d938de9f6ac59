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
import java.util.function.Function;

/**
 * Per stream, which rows of a batch go to which table. De-duplication within the batch happens here:
 * an upsert may touch each key only once per statement.
 */
public final class PostgresPlans {

    private PostgresPlans() {
    }

    /** measurement (every reading) and series_latest (newest reading per series; on equal times the first). */
    public static Function<List<SinkRecord<Reading>>, List<TableRows<?>>> measurements() {
        return batch -> {
            List<Reading> rows = new ArrayList<>(batch.size());
            Map<SeriesKey, Reading> latest = new HashMap<>();
            for (SinkRecord<Reading> record : batch) {
                Reading r = record.value();
                rows.add(r);
                latest.merge(new SeriesKey(r.getDeviceId(), r.getSensor()), r,
                        (old, neu) -> neu.getEventTime().isAfter(old.getEventTime()) ? neu : old);
            }
            return List.of(new TableRows<>(PostgresTables.MEASUREMENT, rows),
                    new TableRows<>(PostgresTables.SERIES_LATEST, latest.values()));
        };
    }

    /** aggregate_1m or aggregate_1h by source topic; the last record per window wins. */
    public static Function<List<SinkRecord<Aggregate>>, List<TableRows<?>>> aggregates(String topic1h) {
        return batch -> {
            Map<WindowKey, Aggregate> minute = new LinkedHashMap<>();
            Map<WindowKey, Aggregate> hour = new LinkedHashMap<>();
            for (SinkRecord<Aggregate> record : batch) {
                Aggregate a = record.value();
                WindowKey key = new WindowKey(a.getDeviceId(), a.getSensor(), a.getWindowStart().toEpochMilli());
                (record.topic().equals(topic1h) ? hour : minute).put(key, a);
            }
            List<TableRows<?>> parts = new ArrayList<>(2);
            if (!minute.isEmpty()) {
                parts.add(new TableRows<>(PostgresTables.AGGREGATE_1M, minute.values()));
            }
            if (!hour.isEmpty()) {
                parts.add(new TableRows<>(PostgresTables.AGGREGATE_1H, hour.values()));
            }
            return parts;
        };
    }

    /** alert (every transition) and alert_current (the latest per alert; on equal times the later record). */
    public static Function<List<SinkRecord<Alert>>, List<TableRows<?>>> alerts() {
        return batch -> {
            List<Alert> rows = new ArrayList<>(batch.size());
            Map<String, Alert> current = new HashMap<>();
            for (SinkRecord<Alert> record : batch) {
                Alert a = record.value();
                rows.add(a);
                current.merge(a.getAlertId(), a, (old, neu) -> neu.getEventTime().isBefore(old.getEventTime()) ? old : neu);
            }
            return List.of(new TableRows<>(PostgresTables.ALERT, rows),
                    new TableRows<>(PostgresTables.ALERT_CURRENT, current.values()));
        };
    }

    /** anomaly: every score, or only flagged ones. */
    public static Function<List<SinkRecord<AnomalyScore>>, List<TableRows<?>>> anomalies(boolean flaggedOnly) {
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
    public static Function<List<SinkRecord<Kpi>>, List<TableRows<?>>> kpis() {
        return batch -> {
            Map<KpiKey, Kpi> rows = new LinkedHashMap<>();
            for (SinkRecord<Kpi> record : batch) {
                Kpi k = record.value();
                rows.put(new KpiKey(k.getRoom(), k.getName(), k.getWindowStart().toEpochMilli()), k);
            }
            return List.of(new TableRows<>(PostgresTables.KPI, rows.values()));
        };
    }

    private record SeriesKey(String deviceId, String sensor) {
    }

    private record WindowKey(String deviceId, String sensor, long windowStart) {
    }

    private record KpiKey(String room, String name, long windowStart) {
    }
}
