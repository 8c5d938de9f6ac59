package io.fieldline.sink.internal.worker;

import io.fieldline.sink.SinkMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Meters of one sink worker (tags {@code sink} = postgres or redis, {@code stream}). Names (constants in
 * {@link SinkMeters}):
 * <ul>
 *   <li>{@code fieldline.sink.records}: records consumed;</li>
 *   <li>{@code fieldline.sink.records.done}: records written (or dead-lettered) and committed;</li>
 *   <li>{@code fieldline.sink.batches}, {@code fieldline.sink.batch.duration}: batches written, and the time from a
 *       batch's first record to its commit, retries included;</li>
 *   <li>{@code fieldline.sink.retries}: failed write attempts that were retried;</li>
 *   <li>{@code fieldline.sink.deadletters} (tag {@code reason}: undecodable, rejected): records sent to the
 *       dead-letter topic;</li>
 *   <li>{@code fieldline.sink.rows} (tag {@code table}): PostgreSQL rows inserted, or Redis entries written
 *       (tag {@code table} = the kind of key);</li>
 *   <li>{@code fieldline.sink.duplicates} (tag {@code table}): rows skipped because already stored;</li>
 *   <li>{@code fieldline.sink.conflicts} (tag {@code table}): rows skipped because another value is stored under
 *       their key (their records are dead-lettered);</li>
 *   <li>{@code fieldline.sink.lag} (gauge): records behind the end of the assigned partitions;</li>
 *   <li>{@code fieldline.sink.failing} (gauge): 1 while the worker is retrying a failed write.</li>
 * </ul>
 */
public final class SinkMetrics {

    private final MeterRegistry registry;
    private final String sink;
    private final String stream;
    private final Counter records;
    private final Counter recordsDone;
    private final Counter batches;
    private final Counter retries;
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Timer batchDuration;
    private final DistributionSummary batchSize;
    private final AtomicLong lag = new AtomicLong();
    private final AtomicLong failing = new AtomicLong();
    private final Map<String, Counter> rows = new ConcurrentHashMap<>();
    private final Map<String, Counter> duplicates = new ConcurrentHashMap<>();
    private final Map<String, Counter> conflicts = new ConcurrentHashMap<>();
    // This worker's own totals for summaries: the registry's counters are shared by every worker that
    // registers the same name and tags (two sink instances in one process, tests).
    private final Map<String, AtomicLong> rowTotals = new ConcurrentHashMap<>();
    private final AtomicLong recordTotal = new AtomicLong();
    private final AtomicLong recordsDoneTotal = new AtomicLong();
    private final AtomicLong deadLetterTotal = new AtomicLong();
    private final AtomicLong retryTotal = new AtomicLong();

    public SinkMetrics(MeterRegistry registry, String sink, String stream) {
        this.registry = registry;
        this.sink = sink;
        this.stream = stream;
        records = Counter.builder(SinkMeters.RECORDS)
                .tag("sink", sink)
                .tag("stream", stream)
                .description("Records consumed")
                .register(registry);
        recordsDone = Counter.builder(SinkMeters.RECORDS_DONE)
                .tag("sink", sink)
                .tag("stream", stream)
                .description("Records written or dead-lettered, offsets committed")
                .register(registry);
        batches = Counter.builder(SinkMeters.BATCHES)
                .tag("sink", sink)
                .tag("stream", stream)
                .description("Batches written")
                .register(registry);
        retries = Counter.builder(SinkMeters.RETRIES)
                .tag("sink", sink)
                .tag("stream", stream)
                .description("Write attempts that failed transiently and were retried")
                .register(registry);
        for (String reason : new String[] {SinkMeters.REASON_UNDECODABLE, SinkMeters.REASON_REJECTED}) {
            deadLetters.put(
                    reason,
                    Counter.builder(SinkMeters.DEAD_LETTERS)
                            .tag("sink", sink)
                            .tag("stream", stream)
                            .tag("reason", reason)
                            .description("Records sent to the dead-letter topic, by reason")
                            .register(registry));
        }
        batchDuration = Timer.builder(SinkMeters.BATCH_DURATION)
                .tag("sink", sink)
                .tag("stream", stream)
                .description("Time from a batch's first record to its commit, retries included")
                // Prometheus histogram buckets: quantiles and SLO alerts across instances.
                .serviceLevelObjectives(
                        Duration.ofMillis(5),
                        Duration.ofMillis(10),
                        Duration.ofMillis(25),
                        Duration.ofMillis(50),
                        Duration.ofMillis(100),
                        Duration.ofMillis(250),
                        Duration.ofMillis(500),
                        Duration.ofSeconds(1),
                        Duration.ofMillis(2500),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(30))
                .register(registry);
        batchSize = DistributionSummary.builder(SinkMeters.BATCH_SIZE)
                .tag("sink", sink)
                .tag("stream", stream)
                .baseUnit("records")
                .description("Records per batch written")
                .serviceLevelObjectives(1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
                .register(registry);
        // A gauge reads the object it was registered with: after a restart of the sink in the same process, the
        // previous worker's gauges would keep reading the old worker. Replace them.
        for (String gauge : new String[] {SinkMeters.LAG, SinkMeters.FAILING}) {
            Gauge previous =
                    registry.find(gauge).tag("sink", sink).tag("stream", stream).gauge();
            if (previous != null) {
                registry.remove(previous);
            }
        }
        Gauge.builder(SinkMeters.LAG, lag, AtomicLong::get)
                .tag("sink", sink)
                .tag("stream", stream)
                .description("Records behind the end of the assigned partitions")
                .register(registry);
        Gauge.builder(SinkMeters.FAILING, failing, AtomicLong::get)
                .tag("sink", sink)
                .tag("stream", stream)
                .description("1 while the worker retries a failed write")
                .register(registry);
    }

    public void recordsConsumed(int n) {
        records.increment(n);
        recordTotal.addAndGet(n);
    }

    /** A batch of {@code records} records was written and its offsets committed. */
    public void batchWritten(int records) {
        batches.increment();
        batchSize.record(records);
        recordsDone.increment(records);
        recordsDoneTotal.addAndGet(records);
    }

    /** Records written (or dead-lettered) and committed since start. */
    public long recordsDoneTotal() {
        return recordsDoneTotal.get();
    }

    public Timer batchDuration() {
        return batchDuration;
    }

    public void retried() {
        retries.increment();
        retryTotal.incrementAndGet();
    }

    /**
     * Records sent to the dead-letter topic.
     *
     * @param reason {@link SinkMeters#REASON_UNDECODABLE} or {@link SinkMeters#REASON_REJECTED}
     */
    public void deadLettered(String reason, int n) {
        Counter counter = deadLetters.get(reason);
        if (counter == null) {
            throw new IllegalArgumentException("unknown dead-letter reason: " + reason);
        }
        counter.increment(n);
        deadLetterTotal.addAndGet(n);
    }

    public void lag(long records) {
        lag.set(records);
    }

    public void failing(boolean isFailing) {
        failing.set(isFailing ? 1 : 0);
    }

    /** Rows (or Redis entries) newly written to {@code table}. */
    public void rowsWritten(String table, long n) {
        rows.computeIfAbsent(
                        table,
                        t -> Counter.builder(SinkMeters.ROWS)
                                .tag("sink", sink)
                                .tag("stream", stream)
                                .tag("table", t)
                                .description("Rows inserted, or Redis entries written")
                                .register(registry))
                .increment(n);
        rowTotals.computeIfAbsent(table, t -> new AtomicLong()).addAndGet(n);
    }

    /** Rows skipped because the store already held them (replays). */
    public void duplicatesSkipped(String table, long n) {
        duplicates
                .computeIfAbsent(
                        table,
                        t -> Counter.builder(SinkMeters.DUPLICATES)
                                .tag("sink", sink)
                                .tag("stream", stream)
                                .tag("table", t)
                                .description("Rows skipped as already stored")
                                .register(registry))
                .increment(n);
    }

    /** Rows skipped because the store holds a different row under their key (conflicting duplicates). */
    public void conflictsSkipped(String table, long n) {
        conflicts
                .computeIfAbsent(
                        table,
                        t -> Counter.builder(SinkMeters.CONFLICTS)
                                .tag("sink", sink)
                                .tag("stream", stream)
                                .tag("table", t)
                                .description(
                                        "Rows skipped because another value is stored under their key; dead-lettered")
                                .register(registry))
                .increment(n);
    }

    /** Rows written per table since start. */
    public Map<String, Long> rowsWrittenByTable() {
        Map<String, Long> totals = new java.util.TreeMap<>();
        rowTotals.forEach((t, n) -> totals.put(t, n.get()));
        return totals;
    }

    public long deadLettersTotal() {
        return deadLetterTotal.get();
    }

    public long recordsTotal() {
        return recordTotal.get();
    }

    public long retriesTotal() {
        return retryTotal.get();
    }
}
