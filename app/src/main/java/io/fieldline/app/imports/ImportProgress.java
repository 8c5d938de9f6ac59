package io.fieldline.app.imports;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * The progress line an import redraws on a terminal: a bar, rows done of the total, the rate and the time left.
 * Redrawn at most every {@value #REDRAW_MS} ms, with a carriage return, and ended with a newline by {@link #done()}.
 */
final class ImportProgress {

    static final long REDRAW_MS = 200;
    private static final int BAR_WIDTH = 30;

    private final PrintWriter out;
    private final String label;
    private final long total;
    private final long startNanos;
    private long lastDrawNanos;
    private long done;
    private int drawn;

    ImportProgress(PrintWriter out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.startNanos = System.nanoTime();
        this.lastDrawNanos = startNanos - Duration.ofMillis(REDRAW_MS).toNanos();
    }

    /** One more row. */
    void step() {
        done++;
        long now = System.nanoTime();
        if (now - lastDrawNanos >= Duration.ofMillis(REDRAW_MS).toNanos()) {
            lastDrawNanos = now;
            out.print("\r" + padded(render(label, done, total, Duration.ofNanos(now - startNanos))));
            out.flush();
        }
    }

    /** The last state, and a newline. */
    void done() {
        out.println("\r" + padded(render(label, done, total, Duration.ofNanos(System.nanoTime() - startNanos))));
        out.flush();
    }

    /** The line, with spaces over what is left of a longer line drawn before it. */
    private String padded(String line) {
        String padded = line.length() < drawn ? line + " ".repeat(drawn - line.length()) : line;
        drawn = line.length();
        return padded;
    }

    /** The line for {@code done} of {@code total} rows after {@code elapsed}. */
    static String render(String label, long done, long total, Duration elapsed) {
        double fraction = total <= 0 ? 1 : Math.min(1, (double) done / total);
        int filled = (int) Math.round(fraction * BAR_WIDTH);
        double seconds = elapsed.toNanos() / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        String eta = rate > 0 && done < total ? clock(Math.round((total - done) / rate)) : "--:--";
        if (done >= total) {
            eta = "0:00";
        }
        return String.format(
                Locale.ROOT,
                "%s [%s%s] %3d%% %d/%d rows, %.0f rows/s, ETA %s",
                label,
                "=".repeat(filled),
                " ".repeat(BAR_WIDTH - filled),
                Math.round(fraction * 100),
                done,
                total,
                rate,
                eta);
    }

    private static String clock(long seconds) {
        return seconds >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
