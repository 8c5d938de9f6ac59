package io.fieldline.sink;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a sink did and holds, for {@code fieldline up}'s summary and health checks.
 *
 * @param sink            {@code postgres} or {@code redis}
 * @param written         since start: PostgreSQL rows inserted per table, or Redis entries written per kind
 * @param stored          now: rows per table (exact, or the planner's estimate for very large tables), or
 *                        Redis keys per kind
 * @param recordsConsumed since start, all streams
 * @param deadLetters     since start, all streams
 * @param retries         failed write attempts since start, all streams
 * @param workers         state of each stream's worker
 */
public record SinkSummary(
        String sink,
        Map<String, Long> written,
        Map<String, Long> stored,
        long recordsConsumed,
        long deadLetters,
        long retries,
        Map<SinkStream, WorkerState> workers) {

    public SinkSummary {
        written = Map.copyOf(written);
        stored = Map.copyOf(stored);
        workers = Map.copyOf(workers);
    }

    /** Healthy when no worker failed; retrying workers make the sink degraded, not unhealthy. */
    public boolean healthy() {
        return workers.values().stream().noneMatch(s -> s == WorkerState.FAILED);
    }

    /** Whether some worker is waiting for its store. */
    public boolean degraded() {
        return workers.values().stream().anyMatch(s -> s == WorkerState.RETRYING);
    }

    /** One line per table or key kind, for a console summary. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        out.append(sink)
                .append(": ")
                .append(recordsConsumed)
                .append(" records consumed, ")
                .append(deadLetters)
                .append(" dead letters, ")
                .append(retries)
                .append(" retries; workers ")
                .append(new TreeMap<>(workers))
                .append('\n');
        new TreeMap<>(stored)
                .forEach((name, count) -> out.append(String.format(
                        "  %-28s %,14d stored %,14d written this run%n", name, count, written.getOrDefault(name, 0L))));
        return out.toString();
    }
}
