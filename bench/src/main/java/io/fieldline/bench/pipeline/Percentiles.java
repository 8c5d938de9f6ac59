package io.fieldline.bench.pipeline;

import java.util.Arrays;
import java.util.Locale;

/**
 * Exact percentiles of a small set of latencies (milliseconds): the pipeline benchmark samples a few thousand probe
 * readings, so every value is kept and sorted, no sketch needed.
 *
 * @param count how many values
 * @param p50   median, or -1 without values
 * @param p95   95th percentile, or -1
 * @param p99   99th percentile, or -1
 * @param max   largest value, or -1
 */
public record Percentiles(int count, long p50, long p95, long p99, long max) {

    /** Percentiles of {@code values} (nearest rank). */
    public static Percentiles of(long[] values) {
        if (values.length == 0) {
            return new Percentiles(0, -1, -1, -1, -1);
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return new Percentiles(
                sorted.length, rank(sorted, 0.50), rank(sorted, 0.95), rank(sorted, 0.99), sorted[sorted.length - 1]);
    }

    private static long rank(long[] sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    @Override
    public String toString() {
        return count == 0
                ? "no samples"
                : String.format(
                        Locale.ROOT,
                        "p50 %d ms, p95 %d ms, p99 %d ms, max %d ms (%d probes)",
                        p50,
                        p95,
                        p99,
                        max,
                        count);
    }
}
