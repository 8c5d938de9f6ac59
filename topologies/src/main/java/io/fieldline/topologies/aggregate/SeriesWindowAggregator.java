package io.fieldline.topologies.aggregate;

import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.topologies.internal.ProcessorCounter;
import io.fieldline.topologies.internal.WindowKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

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
 * forwarded to the late child and counted in {@value #LATE_READINGS}.
 *
 * <p>Outputs go to named children: closed windows ({@link Aggregate}) to the window child, closed
 * rollups to the rollup child, late readings ({@link Reading}) to the late child.
 */
public final class SeriesWindowAggregator implements Processor<String, Reading, String, SpecificRecord> {

    /** Open small windows: (window start, device, sensor) to statistics. */
    public static final String WINDOW_STORE = "aggregates-windows";
    /** Open rollup windows, merged from the closed small ones. */
    public static final String ROLLUP_STORE = "aggregates-rollups";
    /** Metric operation: readings that arrived after their window closed ({@code late-readings-total}). */
    public static final String LATE_READINGS = "late-readings";

    private final String name;
    private final String windowChild;
    private final String rollupChild;
    private final String lateChild;
    private final long windowMs;
    private final long rollupMs;
    private final long graceMs;
    private final QuantileSketches sketches;

    private ProcessorContext<String, SpecificRecord> context;
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

    /**
     * @param name        this processor's node name (tags the late-readings counter)
     * @param windowChild the child node that receives closed windows
     * @param rollupChild the child node that receives closed rollups
     * @param lateChild   the child node that receives late readings
     */
    public SeriesWindowAggregator(
            AggregateSettings settings,
            QuantileSketches sketches,
            String name,
            String windowChild,
            String rollupChild,
            String lateChild) {
        this.name = name;
        this.windowChild = windowChild;
        this.rollupChild = rollupChild;
        this.lateChild = lateChild;
        this.windowMs = settings.window().toMillis();
        this.rollupMs = settings.rollupWindow().toMillis();
        this.graceMs = settings.grace().toMillis();
        this.sketches = sketches;
    }

    /** The two stores the processor needs, to add to the topology and connect to it. */
    public static List<StoreBuilder<?>> stores(AggregateSettings settings, QuantileSketches sketches) {
        Serde<SeriesStats> statsSerde = SeriesStats.serde(sketches);
        return List.of(
                Stores.keyValueStoreBuilder(settings.storeType().keyValue(WINDOW_STORE), WindowKey.serde(), statsSerde)
                        .withCachingEnabled(),
                Stores.keyValueStoreBuilder(settings.storeType().keyValue(ROLLUP_STORE), WindowKey.serde(), statsSerde)
                        .withCachingEnabled());
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.windows = context.getStateStore(WINDOW_STORE);
        this.rollups = context.getStateStore(ROLLUP_STORE);
        this.lateCounter = ProcessorCounter.register(context, name, LATE_READINGS);
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
            context.forward(record.withValue((SpecificRecord) reading), lateChild);
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
                context.forward(new Record<>(key.first(), (SpecificRecord) aggregate, end - 1), windowChild);
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
                context.forward(new Record<>(key.first(), (SpecificRecord) aggregate, end - 1), rollupChild);
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

    private static List<KeyValue<WindowKey, SeriesStats>> closable(
            KeyValueStore<WindowKey, SeriesStats> store, long lastClosableStart) {
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
