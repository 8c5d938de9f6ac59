package io.fieldline.sink.internal.redis;

import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AlertState;
import io.fieldline.schemas.avro.AnomalyScore;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.sink.RedisKeys;
import io.fieldline.sink.internal.json.SinkJson;
import io.fieldline.sink.internal.worker.SinkRecord;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What each stream writes to Redis. Within a batch only the newest record per series (or room and KPI)
 * is sent: Redis keeps the latest state, and one script call per key carries all of a key's fields.
 */
public final class RedisPlans {

    /** Kind tags of the written-entries counters. */
    public static final String LATEST = "latest", KPIS = "kpis", ALERTS = "alerts", ANOMALIES = "anomalies";

    private RedisPlans() {}

    // The JSON values stored in Redis (docs/storage.md lists them); fields in this order, nulls left out.

    /** A device's latest value of one sensor. */
    record LatestValue(long time, double value, String unit, String quality) {}

    /** A room's newest window of one KPI; time is the window end. */
    record KpiValue(long time, double value, String unit, long windowStart, long windowEnd) {}

    /** The details of an alert, by alert id. */
    record AlertDetails(
            long time,
            String alertId,
            String ruleId,
            String kind,
            String state,
            String severity,
            String deviceId,
            String sensor,
            String site,
            String room,
            String direction,
            Double value,
            Double threshold,
            Double clearThreshold,
            long since,
            String message) {}

    /** The flag of a series with an anomaly. */
    record AnomalyFlag(
            long time,
            double value,
            double score,
            String method,
            double expected,
            double deviation,
            double zScore,
            double robustZ,
            String room) {}

    /** The JSON of a reading in its device's latest hash: time, value, unit and quality. */
    public static String latestValue(Reading r) {
        return SinkJson.write(new LatestValue(
                r.getEventTime().toEpochMilli(),
                r.getValue(),
                r.getUnit(),
                r.getQuality().name()));
    }

    /** Latest value per device and sensor, plus the site and room indexes of devices. */
    public static RedisStreamWriter.Plan<Reading> latest(RedisKeys keys) {
        String ttl = Long.toString(keys.latestTtl().toMillis());
        return (batch, redis, pipeline) -> {
            Map<String, Map<String, Reading>> byDevice = new LinkedHashMap<>();
            for (SinkRecord<Reading> record : batch) {
                Reading r = record.value();
                byDevice.computeIfAbsent(r.getDeviceId(), d -> new LinkedHashMap<>())
                        .merge(
                                r.getSensor(),
                                r,
                                (old, neu) -> neu.getEventTime().isBefore(old.getEventTime()) ? old : neu);
            }
            Set<List<String>> indexed = new HashSet<>();
            for (Map.Entry<String, Map<String, Reading>> device : byDevice.entrySet()) {
                List<String> args = new ArrayList<>(1 + 3 * device.getValue().size());
                args.add(ttl);
                Reading any = null;
                for (Reading r : device.getValue().values()) {
                    long time = r.getEventTime().toEpochMilli();
                    args.add(r.getSensor());
                    args.add(Long.toString(time));
                    args.add(latestValue(r));
                    any = r;
                }
                pipeline.add(
                        LATEST,
                        redis.evalsha(
                                LuaScript.HSET_IF_NEWER.sha(),
                                ScriptOutputType.INTEGER,
                                new String[] {keys.deviceLatest(device.getKey())},
                                args.toArray(String[]::new)));
                index(keys, redis, pipeline, indexed, any.getSite(), any.getRoom(), device.getKey());
            }
        };
    }

    private static void index(
            RedisKeys keys,
            io.lettuce.core.api.async.RedisAsyncCommands<String, String> redis,
            RedisStreamWriter.Pipeline pipeline,
            Set<List<String>> done,
            String site,
            String room,
            String device) {
        if (site != null && done.add(List.of("site", site))) {
            pipeline.add(null, redis.sadd(keys.sites(), site));
        }
        if (site != null && device != null && done.add(List.of("site-device", site, device))) {
            pipeline.add(null, redis.sadd(keys.siteDevices(site), device));
        }
        if (room != null && device != null && done.add(List.of("room-device", room, device))) {
            pipeline.add(null, redis.sadd(keys.roomDevices(room), device));
        }
        if (site != null && room != null && done.add(List.of("site-room", site, room))) {
            pipeline.add(null, redis.sadd(keys.siteRooms(site), room));
        }
    }

    /** Live KPIs per room: newest window per KPI name, the room's hash renewed on every write. */
    public static RedisStreamWriter.Plan<Kpi> kpis(RedisKeys keys) {
        String ttl = Long.toString(keys.kpiTtl().toMillis());
        return (batch, redis, pipeline) -> {
            Map<String, Map<String, Kpi>> byRoom = new LinkedHashMap<>();
            for (SinkRecord<Kpi> record : batch) {
                Kpi k = record.value();
                byRoom.computeIfAbsent(k.getRoom(), r -> new LinkedHashMap<>())
                        .merge(
                                k.getName(),
                                k,
                                (old, neu) -> neu.getWindowEnd().isBefore(old.getWindowEnd()) ? old : neu);
            }
            Set<List<String>> indexed = new HashSet<>();
            for (Map.Entry<String, Map<String, Kpi>> room : byRoom.entrySet()) {
                List<String> args = new ArrayList<>();
                args.add(ttl);
                Kpi any = null;
                for (Kpi k : room.getValue().values()) {
                    long time = k.getWindowEnd().toEpochMilli();
                    args.add(k.getName());
                    args.add(Long.toString(time));
                    args.add(SinkJson.write(new KpiValue(
                            time, k.getValue(), k.getUnit(), k.getWindowStart().toEpochMilli(), time)));
                    any = k;
                }
                pipeline.add(
                        KPIS,
                        redis.evalsha(
                                LuaScript.HSET_IF_NEWER.sha(),
                                ScriptOutputType.INTEGER,
                                new String[] {keys.roomKpis(room.getKey())},
                                args.toArray(String[]::new)));
                index(keys, redis, pipeline, indexed, any.getSite(), room.getKey(), null);
            }
        };
    }

    /** The active-alert set, its details hash and the per-site and per-room active sets, in record order. */
    public static RedisStreamWriter.Plan<Alert> alerts(RedisKeys keys) {
        return (batch, redis, pipeline) -> {
            for (SinkRecord<Alert> record : batch) {
                Alert a = record.value();
                List<String> keyList =
                        new ArrayList<>(List.of(keys.alertsActive(), keys.alertDetails(), keys.alertsApplied()));
                if (a.getSite() != null) {
                    keyList.add(keys.siteAlertsActive(a.getSite()));
                }
                if (a.getRoom() != null) {
                    keyList.add(keys.roomAlertsActive(a.getRoom()));
                }
                long time = a.getEventTime().toEpochMilli();
                String json = SinkJson.write(new AlertDetails(
                        time,
                        a.getAlertId(),
                        a.getRuleId(),
                        a.getKind().name(),
                        a.getState().name(),
                        a.getSeverity().name(),
                        a.getDeviceId(),
                        a.getSensor(),
                        a.getSite(),
                        a.getRoom(),
                        a.getDirection() == null ? null : a.getDirection().name(),
                        a.getValue(),
                        a.getThreshold(),
                        a.getClearThreshold(),
                        a.getSince().toEpochMilli(),
                        a.getMessage()));
                pipeline.add(
                        ALERTS,
                        redis.evalsha(
                                LuaScript.ALERT_TRANSITION.sha(),
                                ScriptOutputType.INTEGER,
                                keyList.toArray(String[]::new),
                                a.getAlertId(),
                                Long.toString(time),
                                Integer.toString(rank(a.getState())),
                                a.getState() == AlertState.CLEARED ? "1" : "0",
                                json));
            }
        };
    }

    private static int rank(AlertState state) {
        return switch (state) {
            case RAISED -> 1;
            case ESCALATED -> 2;
            case CLEARED -> 3;
        };
    }

    /**
     * Anomaly flags: the newest score per series sets the flag (flagged, expiring {@code anomalyTtl} after
     * its event time) or clears it (not flagged). Flags already expired are not written.
     */
    public static RedisStreamWriter.Plan<AnomalyScore> anomalies(RedisKeys keys, Clock clock) {
        long ttl = keys.anomalyTtl().toMillis();
        return (batch, redis, pipeline) -> {
            Map<List<String>, AnomalyScore> latest = new LinkedHashMap<>();
            for (SinkRecord<AnomalyScore> record : batch) {
                AnomalyScore s = record.value();
                latest.merge(
                        List.of(s.getDeviceId(), s.getSensor()),
                        s,
                        (old, neu) -> neu.getEventTime().isBefore(old.getEventTime()) ? old : neu);
            }
            long now = clock.millis();
            for (AnomalyScore s : latest.values()) {
                long time = s.getEventTime().toEpochMilli();
                long expireAt = time + ttl;
                if (s.getFlagged() && expireAt <= now) {
                    continue;
                }
                String json = SinkJson.write(new AnomalyFlag(
                        time,
                        s.getValue(),
                        s.getScore(),
                        s.getMethod().name(),
                        s.getExpected(),
                        s.getDeviation(),
                        s.getZScore(),
                        s.getRobustZ(),
                        s.getRoom()));
                pipeline.add(
                        ANOMALIES,
                        redis.evalsha(
                                LuaScript.ANOMALY_FLAG.sha(),
                                ScriptOutputType.INTEGER,
                                new String[] {keys.anomalyFlag(s.getDeviceId(), s.getSensor()), keys.anomaliesFlagged()
                                },
                                s.getDeviceId() + "/" + s.getSensor(),
                                Long.toString(time),
                                s.getFlagged() ? "1" : "0",
                                json,
                                Long.toString(expireAt)));
            }
            pipeline.add(
                    null,
                    redis.zremrangebyscore(
                            keys.anomaliesFlagged(),
                            Range.from(Range.Boundary.unbounded(), Range.Boundary.excluding(now - ttl))));
        };
    }
}
