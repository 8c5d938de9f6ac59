package io.fieldline.topologies.aggregate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.topologies.internal.ProcessorCounter;
import io.fieldline.topologies.internal.WindowKey;

/**
 * Tumbling windows per series (device, sensor) on the deviceId-keyed stream, closed on stream
 * time, and their rollups merged from the closed windows.
 *
 * <p>Why the Processor API rather than {@code groupBy((device, sensor)).windowedBy(...)}: the
 * series key differs from the record key, so the DSL would repartition every reading through a
 * topic. All readings of a series already share a partition (same device), so a store keyed by
 * (window start, device, sensor) in the task that owns the device gives the same result with no
 * repartition. A window closes, and is emitted exactly once, when the task's stream time reaches
 * {@code windowEnd + grace}; it is then merged into its rollup window, which closes the same way
 * once its last small window has. The store and its changelog commit in the same transaction as
 * the output, so under exactly-once a restart neither loses nor repeats a window.
 *
 * <p>A reading whose window has closed (its end plus grace is at or before stream time) is late:
 * forwarded as {@link WindowOutput.Late} and counted in {@value AggregateTopology#LATE_READINGS}.
 */
final class SeriesWindowAggregator implements Processor<String, Reading, String, WindowOutput> {

    private final long windowMs;
    private final long rollupMs;
    private final long graceMs;
    private final QuantileSketches sketches;

    private ProcessorContext<String, WindowOutput> context;
    private KeyValueStore<WindowKey, SeriesStats> windows;
    private KeyValueStore<WindowKey, SeriesStats> rollups;
    private ProcessorCounter lateCounter;
    // Earliest open window start in each store, Long.MIN_VALUE when not known (after init): a
    // shortcut so that a record that closes nothing costs no range scan. Not state: rebuilt lazily.
    private long earliestWindow;
    private long earliestRollup;
    // Write-through copy of the open small windows, so an update does not decode the sketch again.
    // Every change still goes to the store (which alone is state); cleared when the task is
    // (re)initialised, e.g. after an exactly-once abort wiped and restored the store.
    private final Map<WindowKey, SeriesStats> openWindows = new HashMap<>();

    SeriesWindowAggregator(AggregateSettings settings, QuantileSketches sketches) {
        this.windowMs = settings.window().toMillis();
        this.rollupMs = settings.rollupWindow().toMillis();
        this.graceMs = settings.grace().toMillis();
        this.sketches = sketches;
    }

    @Override
    public void init(ProcessorContext<String, WindowOutput> context) {
        this.context = context;
        this.windows = context.getStateStore(AggregateTopology.WINDOW_STORE);
        this.rollups = context.getStateStore(AggregateTopology.ROLLUP_STORE);
        this.lateCounter = ProcessorCounter.register(context, AggregateTopology.AGGREGATOR, AggregateTopology.LATE_READINGS);
        this.earliestWindow = Long.MIN_VALUE;
        this.earliestRollup = Long.MIN_VALUE;
        this.openWindows.clear();
    }

    @Override
    public void close() {
        openWindows.clear();
    }

    @Override
    public void process(Record<String, Reading> record) {
        Reading reading = record.value();
        if (reading == null) {
            return;
        }
        long eventTime = record.timestamp();
        long streamTime = Math.max(context.currentStreamTimeMs(), eventTime);
        long windowStart = Math.floorDiv(eventTime, windowMs) * windowMs;
        if (windowStart + windowMs + graceMs <= streamTime) {
            lateCounter.increment();
            context.forward(record.withValue((WindowOutput) new WindowOutput.Late(reading)));
        } else {
            WindowKey key = new WindowKey(windowStart, reading.getDeviceId(), reading.getSensor());
            SeriesStats stats = openWindows.get(key);
            if (stats == null) {
                stats = windows.get(key);
            }
            if (stats == null) {
                stats = new SeriesStats(sketches.create());
                if (earliestWindow != Long.MIN_VALUE && windowStart < earliestWindow) {
                    earliestWindow = windowStart;
                }
            }
            stats.add(reading);
            windows.put(key, stats);
            openWindows.put(key, stats);
        }
        closeWindows(streamTime);
    }

    private void closeWindows(long streamTime) {
        // Windows starting at or before this bound have end + grace <= stream time.
        long lastClosable = streamTime - graceMs - windowMs;
        if (earliestWindow == Long.MIN_VALUE || earliestWindow <= lastClosable) {
            for (KeyValue<WindowKey, SeriesStats> window : closable(windows, lastClosable)) {
                WindowKey key = window.key;
                long end = key.start() + windowMs;
                Aggregate aggregate = window.value.toAggregate(key.first(), key.second(), key.start(), end);
                context.forward(new Record<>(key.first(), (WindowOutput) new WindowOutput.Window(aggregate), end - 1));
                windows.delete(key);
                openWindows.remove(key);
                mergeIntoRollup(key, window.value);
            }
            earliestWindow = earliestStart(windows);
        }
        long lastClosableRollup = streamTime - graceMs - rollupMs;
        if (earliestRollup == Long.MIN_VALUE || earliestRollup <= lastClosableRollup) {
            for (KeyValue<WindowKey, SeriesStats> rollup : closable(rollups, lastClosableRollup)) {
                WindowKey key = rollup.key;
                long end = key.start() + rollupMs;
                Aggregate aggregate = rollup.value.toAggregate(key.first(), key.second(), key.start(), end);
                context.forward(new Record<>(key.first(), (WindowOutput) new WindowOutput.Rollup(aggregate), end - 1));
                rollups.delete(key);
            }
            earliestRollup = earliestStart(rollups);
        }
    }

    private void mergeIntoRollup(WindowKey window, SeriesStats stats) {
        long rollupStart = Math.floorDiv(window.start(), rollupMs) * rollupMs;
        WindowKey key = new WindowKey(rollupStart, window.first(), window.second());
        SeriesStats rollup = rollups.get(key);
        if (rollup == null) {
            rollup = new SeriesStats(sketches.create());
            if (earliestRollup != Long.MIN_VALUE && rollupStart < earliestRollup) {
                earliestRollup = rollupStart;
            }
        }
        rollup.merge(stats);
        rollups.put(key, rollup);
    }

    private static List<KeyValue<WindowKey, SeriesStats>> closable(KeyValueStore<WindowKey, SeriesStats> store,
                                                                   long lastClosableStart) {
        List<KeyValue<WindowKey, SeriesStats>> closable = new ArrayList<>();
        if (lastClosableStart == Long.MIN_VALUE) {
            return closable;
        }
        // lowest(s + 1) sorts after every key of windows starting at s: the range is inclusive of s.
        try (KeyValueIterator<WindowKey, SeriesStats> range =
                     store.range(WindowKey.lowest(Long.MIN_VALUE), WindowKey.lowest(lastClosableStart + 1))) {
            range.forEachRemaining(closable::add);
        }
        return closable;
    }

    private static long earliestStart(KeyValueStore<WindowKey, SeriesStats> store) {
        try (KeyValueIterator<WindowKey, SeriesStats> all = store.all()) {
            return all.hasNext() ? all.peekNextKey().start() : Long.MAX_VALUE;
        }
    }
}
