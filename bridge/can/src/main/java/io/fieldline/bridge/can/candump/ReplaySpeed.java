package io.fieldline.bridge.can.candump;

import java.util.Locale;

/**
 * How fast a log is replayed: a factor of the original timing (1 = as recorded, 10 = ten times faster), or
 * {@link #MAX}: as fast as the pipeline takes the frames.
 *
 * @param factor speed-up factor, positive; {@link Double#POSITIVE_INFINITY} for {@link #MAX}
 */
public record ReplaySpeed(double factor) {

    /** No pauses. */
    public static final ReplaySpeed MAX = new ReplaySpeed(Double.POSITIVE_INFINITY);
    /** The original timing. */
    public static final ReplaySpeed ORIGINAL = new ReplaySpeed(1.0);

    public ReplaySpeed {
        if (!(factor > 0)) {
            throw new IllegalArgumentException("replay speed must be positive, got " + factor);
        }
    }

    /** Parses {@code max}, a factor like {@code 1}, {@code 2.5}, or {@code 10x}. */
    public static ReplaySpeed parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("max")) {
            return MAX;
        }
        if (t.endsWith("x")) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            return new ReplaySpeed(Double.parseDouble(t));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "replay speed must be 'max' or a positive factor like 1 or 10, got '" + text + "'", e);
        }
    }

    /** Whether frames are sent without pauses. */
    public boolean isMax() {
        return Double.isInfinite(factor);
    }

    @Override
    public String toString() {
        return isMax() ? "max" : (factor == Math.rint(factor) ? Long.toString((long) factor) : Double.toString(factor));
    }
}
