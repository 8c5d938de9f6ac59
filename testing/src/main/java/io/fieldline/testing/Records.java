package io.fieldline.testing;

import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AlertKind;
import io.fieldline.schemas.avro.AlertState;
import io.fieldline.schemas.avro.AnomalyMethod;
import io.fieldline.schemas.avro.AnomalyScore;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.schemas.avro.Severity;
import io.fieldline.schemas.avro.Source;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Builders of the Avro records of every topic, with plausible values: {@link #reading} as the sinks
 * consume it (enriched, every field set), {@link #minimalReading} as a bridge may first publish it
 * (only the required fields, no site, room or unit), and the metadata records.
 */
public final class Records {

    /** A fixed origin for event times. */
    public static final Instant T0 = Instant.parse("2030-03-10T08:00:00Z");

    private Records() {}

    public static Reading reading(String device, String sensor, Instant time, double value) {
        return Reading.newBuilder()
                .setDeviceId(device)
                .setSensor(sensor)
                .setValue(value)
                .setUnit("degC")
                .setEventTime(time)
                .setIngestTime(time.plusMillis(15))
                .setSource(Source.MQTT)
                .setQuality(Quality.GOOD)
                .setSite("farm-1")
                .setRoom("room-a")
                .setRawValue(value - 0.5)
                .setAttributes(Map.of("firmware", "1.4.2"))
                .build();
    }

    /** Only the required fields: no unit, site, room or raw value, no attributes; ingested at its event time. */
    public static Reading minimalReading(String device, String sensor, Instant time, double value) {
        return Reading.newBuilder()
                .setDeviceId(device)
                .setSensor(sensor)
                .setValue(value)
                .setEventTime(time)
                .setIngestTime(time)
                .setSource(Source.SIMULATOR)
                .setQuality(Quality.GOOD)
                .setAttributes(Map.of())
                .build();
    }

    public static Device device(String deviceId, String site, String room, Long expectedIntervalMs) {
        return Device.newBuilder()
                .setDeviceId(deviceId)
                .setSite(site)
                .setRoom(room)
                .setExpectedIntervalMs(expectedIntervalMs)
                .build();
    }

    public static Sensor sensor(String deviceId, String sensor, String unit, double offset, Double min, Double max) {
        return Sensor.newBuilder()
                .setDeviceId(deviceId)
                .setSensor(sensor)
                .setUnit(unit)
                .setCalibrationOffset(offset)
                .setValidMin(min)
                .setValidMax(max)
                .build();
    }

    public static Aggregate aggregate(String device, String sensor, Instant windowStart, Duration size, double mean) {
        return Aggregate.newBuilder()
                .setDeviceId(device)
                .setSensor(sensor)
                .setUnit("degC")
                .setSite("farm-1")
                .setRoom("room-a")
                .setWindowStart(windowStart)
                .setWindowEnd(windowStart.plus(size))
                .setCount(60)
                .setSum(mean * 60)
                .setMin(mean - 1)
                .setMax(mean + 1)
                .setMean(mean)
                .setM2(12.5)
                .setStddev(Math.sqrt(12.5 / 60))
                .setFirst(mean - 0.5)
                .setFirstTime(windowStart)
                .setLast(mean + 0.5)
                .setLastTime(windowStart.plus(size).minusSeconds(1))
                .setP50(mean)
                .setP95(mean + 0.9)
                .setP99(mean + 0.99)
                .setSketch(ByteBuffer.wrap(new byte[] {2, 4, 8, 16}))
                .setBadCount(1)
                .build();
    }

    /**
     * The aggregate the readings application would emit for {@code readings} (one series) in the window
     * [{@code windowStart}, {@code windowStart + size}): BAD and non-finite values only in {@code badCount}, mean
     * and m2 by Welford's update, first and last by event time (the first to arrive stays first, the last to
     * arrive becomes last), population stddev. No quantiles or sketch: those are not derived in SQL.
     */
    public static Aggregate aggregateOf(java.util.List<Reading> readings, Instant windowStart, Duration size) {
        long count = 0;
        long bad = 0;
        double sum = 0;
        double mean = 0;
        double m2 = 0;
        double min = Double.NaN;
        double max = Double.NaN;
        Reading first = null;
        Reading last = null;
        Reading any = null;
        for (Reading r : readings) {
            if (r.getEventTime().isBefore(windowStart) || !r.getEventTime().isBefore(windowStart.plus(size))) {
                continue;
            }
            any = r;
            if (r.getQuality() == Quality.BAD || !Double.isFinite(r.getValue())) {
                bad++;
                continue;
            }
            double v = r.getValue();
            count++;
            sum += v;
            double delta = v - mean;
            mean += delta / count;
            m2 += delta * (v - mean);
            min = count == 1 ? v : Math.min(min, v);
            max = count == 1 ? v : Math.max(max, v);
            if (first == null || r.getEventTime().isBefore(first.getEventTime())) {
                first = r;
            }
            if (last == null || !r.getEventTime().isBefore(last.getEventTime())) {
                last = r;
            }
        }
        if (any == null) {
            throw new IllegalArgumentException("no reading in the window from " + windowStart);
        }
        return Aggregate.newBuilder()
                .setDeviceId(any.getDeviceId())
                .setSensor(any.getSensor())
                .setUnit(any.getUnit())
                .setSite(any.getSite())
                .setRoom(any.getRoom())
                .setWindowStart(windowStart)
                .setWindowEnd(windowStart.plus(size))
                .setCount(count)
                .setSum(sum)
                .setMin(min)
                .setMax(max)
                .setMean(count == 0 ? Double.NaN : mean)
                .setM2(m2)
                .setStddev(count == 0 ? Double.NaN : Math.sqrt(m2 / count))
                .setFirst(first == null ? Double.NaN : first.getValue())
                .setFirstTime(first == null ? windowStart : first.getEventTime())
                .setLast(last == null ? Double.NaN : last.getValue())
                .setLastTime(last == null ? windowStart : last.getEventTime())
                .setBadCount(bad)
                .build();
    }

    public static Alert alert(String rule, String device, String sensor, AlertState state, Instant time) {
        return Alert.newBuilder()
                .setAlertId(rule + "/" + device + "/" + sensor)
                .setRuleId(rule)
                .setKind(AlertKind.THRESHOLD)
                .setState(state)
                .setSeverity(state == AlertState.ESCALATED ? Severity.CRITICAL : Severity.WARNING)
                .setDeviceId(device)
                .setSensor(sensor)
                .setSite("farm-1")
                .setRoom("room-a")
                .setDirection(Direction.ABOVE)
                .setValue(31.5)
                .setThreshold(30.0)
                .setClearThreshold(28.0)
                .setSince(T0)
                .setEventTime(time)
                .setMessage(sensor + " of " + device + " " + state.name().toLowerCase(java.util.Locale.ROOT))
                .build();
    }

    public static AnomalyScore anomaly(String device, String sensor, Instant time, boolean flagged) {
        return AnomalyScore.newBuilder()
                .setDeviceId(device)
                .setSensor(sensor)
                .setSite("farm-1")
                .setRoom("room-a")
                .setEventTime(time)
                .setValue(40.0)
                .setScore(flagged ? 0.97 : 0.1)
                .setFlagged(flagged)
                .setMethod(AnomalyMethod.EWMA_ZSCORE)
                .setExpected(22.0)
                .setDeviation(18.0)
                .setZScore(6.2)
                .setRobustZ(5.1)
                .build();
    }

    public static Kpi kpi(String room, String name, Instant windowStart, double value) {
        return Kpi.newBuilder()
                .setRoom(room)
                .setSite("farm-1")
                .setName(name)
                .setValue(value)
                .setUnit("kPa")
                .setWindowStart(windowStart)
                .setWindowEnd(windowStart.plus(Duration.ofHours(1)))
                .setInputs(Map.of("temperature_c", 25.0, "humidity_pct", 60.0))
                .build();
    }
}
