package io.fieldline.sink.internal.worker;

import io.fieldline.sink.SinkStream;
import io.fieldline.sink.WorkerState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The workers of one sink, each on its own thread. */
public final class WorkerGroup {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerGroup.class);

    private record Entry(SinkStream stream, SinkWorker<?> worker, SinkMetrics metrics, Thread thread) {}

    private final List<Entry> entries = new ArrayList<>();

    public void add(SinkStream stream, SinkWorker<?> worker, SinkMetrics metrics) {
        Thread thread = new Thread(worker, "fieldline-" + worker.name());
        thread.setDaemon(true);
        entries.add(new Entry(stream, worker, metrics, thread));
    }

    public void start() {
        entries.forEach(e -> e.thread().start());
    }

    /** Stops every worker and waits for each up to {@code timeout}. */
    public void close(Duration timeout) {
        entries.forEach(e -> e.worker().close());
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Entry e : entries) {
            try {
                e.thread().join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
            if (e.thread().isAlive()) {
                LOG.warn("Sink worker {} did not stop within {}", e.worker().name(), timeout);
            }
        }
    }

    public Map<SinkStream, WorkerState> states() {
        Map<SinkStream, WorkerState> states = new EnumMap<>(SinkStream.class);
        entries.forEach(e -> states.put(e.stream(), e.worker().state()));
        return states;
    }

    public List<SinkMetrics> metrics() {
        return entries.stream().map(Entry::metrics).toList();
    }

    /** Rows (or entries) written per table since start, summed over workers. */
    public Map<String, Long> written() {
        Map<String, Long> written = new java.util.TreeMap<>();
        for (Entry e : entries) {
            e.metrics().rowsWrittenByTable().forEach((table, n) -> written.merge(table, n, Long::sum));
        }
        return written;
    }

    public long recordsConsumed() {
        return entries.stream().mapToLong(e -> e.metrics().recordsTotal()).sum();
    }

    public long deadLetters() {
        return entries.stream().mapToLong(e -> e.metrics().deadLettersTotal()).sum();
    }

    public long retries() {
        return entries.stream().mapToLong(e -> e.metrics().retriesTotal()).sum();
    }
}
