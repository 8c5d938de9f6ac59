package io.fieldline.topologies.aggregate;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Mergeable statistics of one series over one window: what a window keeps in its state store.
 *
 * <p>Mean and m2 follow Welford's update per value and Chan et al.'s pairwise combination on
 * merge, so a rollup merged from small windows has the same moments (to rounding) as one computed
 * over all the values, and the quantile sketches merge exactly. BAD readings and non-finite values
 * are only counted in {@link #badCount()}: {@code count} is the number of values in the
 * statistics. First and last are by event time; on equal times the first to arrive stays first
 * and the last to arrive becomes last.
 */
final class SeriesStats {

    private long count;
    private double sum;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private double mean;
    private double m2;
    private double first = Double.NaN;
    private long firstTime = Long.MAX_VALUE;
    private double last = Double.NaN;
    private long lastTime = Long.MIN_VALUE;
    private long badCount;
    private String unit;
    private String site;
    private String room;
    private final DDSketch sketch;

    SeriesStats(DDSketch sketch) {
        this.sketch = sketch;
    }

    long count() {
        return count;
    }

    long badCount() {
        return badCount;
    }

    /** Adds one reading. */
    void add(Reading reading) {
        remember(reading.getUnit(), reading.getSite(), reading.getRoom());
        double value = reading.getValue();
        if (reading.getQuality() == Quality.BAD || !Double.isFinite(value)) {
            badCount++;
            return;
        }
        long time = reading.getEventTime().toEpochMilli();
        count++;
        sum += value;
        min = Math.min(min, value);
        max = Math.max(max, value);
        double delta = value - mean;
        mean += delta / count;
        m2 += delta * (value - mean);
        if (time < firstTime) {
            firstTime = time;
            first = value;
        }
        if (time >= lastTime) {
            lastTime = time;
            last = value;
        }
        sketch.accept(value);
    }

    /** Merges another window's statistics into these (Chan's parallel combination). */
    void merge(SeriesStats other) {
        remember(other.unit, other.site, other.room);
        badCount += other.badCount;
        if (other.count == 0) {
            return;
        }
        if (count == 0) {
            mean = other.mean;
            m2 = other.m2;
        } else {
            long n = count + other.count;
            double delta = other.mean - mean;
            mean += delta * other.count / n;
            m2 += other.m2 + delta * delta * ((double) count * other.count / n);
        }
        count += other.count;
        sum += other.sum;
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
        if (other.firstTime < firstTime) {
            firstTime = other.firstTime;
            first = other.first;
        }
        if (other.lastTime >= lastTime) {
            lastTime = other.lastTime;
            last = other.last;
        }
        sketch.mergeWith(other.sketch);
    }

    private void remember(String unit, String site, String room) {
        if (unit != null) {
            this.unit = unit;
        }
        if (site != null) {
            this.site = site;
        }
        if (room != null) {
            this.room = room;
        }
    }

    /**
     * The record for telemetry.aggregates.*. A window holding only BAD readings has count 0, sum 0,
     * NaN for the other statistics, first and last times at the window start, and no quantiles.
     */
    Aggregate toAggregate(String deviceId, String sensor, long windowStart, long windowEnd) {
        boolean empty = count == 0;
        Aggregate.Builder builder = Aggregate.newBuilder()
                .setDeviceId(deviceId)
                .setSensor(sensor)
                .setUnit(unit)
                .setSite(site)
                .setRoom(room)
                .setWindowStart(Instant.ofEpochMilli(windowStart))
                .setWindowEnd(Instant.ofEpochMilli(windowEnd))
                .setCount(count)
                .setSum(sum)
                .setMin(empty ? Double.NaN : min)
                .setMax(empty ? Double.NaN : max)
                .setMean(empty ? Double.NaN : mean)
                .setM2(m2)
                .setStddev(empty ? Double.NaN : Math.sqrt(m2 / count))
                .setFirst(first)
                .setFirstTime(Instant.ofEpochMilli(empty ? windowStart : firstTime))
                .setLast(last)
                .setLastTime(Instant.ofEpochMilli(empty ? windowStart : lastTime))
                .setBadCount(badCount);
        if (!empty) {
            double[] quantiles = sketch.getValuesAtQuantiles(new double[] {0.5, 0.95, 0.99});
            builder.setP50(quantiles[0])
                    .setP95(quantiles[1])
                    .setP99(quantiles[2])
                    .setSketch(QuantileSketches.toProtobuf(sketch));
        }
        return builder.build();
    }

    /**
     * State-store serde; the sketch in {@link QuantileSketches#encodeCompact} form. Written on
     * every update, so it encodes into one exactly sized array without streams.
     */
    static Serde<SeriesStats> serde(QuantileSketches sketches) {
        Serializer<SeriesStats> serializer = (topic, stats) -> {
            if (stats == null) {
                return null;
            }
            byte[] unit = utf8(stats.unit);
            byte[] site = utf8(stats.site);
            byte[] room = utf8(stats.room);
            byte[] sketch = sketches.encodeCompact(stats.sketch, stats.count);
            ByteBuffer buffer = ByteBuffer.allocate(
                    1 + 12 * 8 + 4 * 4 + length(unit) + length(site) + length(room) + sketch.length);
            buffer.put(FORMAT_VERSION)
                    .putLong(stats.count)
                    .putDouble(stats.sum)
                    .putDouble(stats.min)
                    .putDouble(stats.max)
                    .putDouble(stats.mean)
                    .putDouble(stats.m2)
                    .putDouble(stats.first)
                    .putLong(stats.firstTime)
                    .putDouble(stats.last)
                    .putLong(stats.lastTime)
                    .putLong(stats.badCount);
            putBytes(buffer, unit);
            putBytes(buffer, site);
            putBytes(buffer, room);
            buffer.putInt(sketch.length).put(sketch);
            return buffer.array();
        };
        Deserializer<SeriesStats> deserializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            ByteBuffer buffer = ByteBuffer.wrap(data);
            if (buffer.get() != FORMAT_VERSION) {
                throw new SerializationException("Unsupported series statistics format in " + topic);
            }
            long count = buffer.getLong();
            double sum = buffer.getDouble();
            double min = buffer.getDouble();
            double max = buffer.getDouble();
            double mean = buffer.getDouble();
            double m2 = buffer.getDouble();
            double first = buffer.getDouble();
            long firstTime = buffer.getLong();
            double last = buffer.getDouble();
            long lastTime = buffer.getLong();
            long badCount = buffer.getLong();
            String unit = getString(buffer);
            String site = getString(buffer);
            String room = getString(buffer);
            byte[] sketch = new byte[buffer.getInt()];
            buffer.get(sketch);
            SeriesStats stats = new SeriesStats(sketches.decodeCompact(sketch));
            stats.count = count;
            stats.sum = sum;
            stats.min = min;
            stats.max = max;
            stats.mean = mean;
            stats.m2 = m2;
            stats.first = first;
            stats.firstTime = firstTime;
            stats.last = last;
            stats.lastTime = lastTime;
            stats.badCount = badCount;
            stats.unit = unit;
            stats.site = site;
            stats.room = room;
            return stats;
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    private static final byte FORMAT_VERSION = 2;

    private static byte[] utf8(String value) {
        return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static void putBytes(ByteBuffer buffer, byte[] bytes) {
        buffer.putInt(bytes == null ? -1 : bytes.length);
        if (bytes != null) {
            buffer.put(bytes);
        }
    }

    private static String getString(ByteBuffer buffer) {
        int length = buffer.getInt();
        if (length < 0) {
            return null;
        }
        String value = new String(buffer.array(), buffer.position(), length, StandardCharsets.UTF_8);
        buffer.position(buffer.position() + length);
        return value;
    }
}
