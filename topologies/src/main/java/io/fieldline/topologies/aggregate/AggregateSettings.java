package io.fieldline.topologies.aggregate;

import io.fieldline.topologies.StoreType;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the windowed-aggregates application.
 *
 * @param window                 size of the tumbling windows (telemetry.aggregates.1m: one minute)
 * @param rollupWindow           size of the rollup windows merged from them (one hour); a multiple of {@code window}
 * @param grace                  how long after a window's end, in stream time, late readings still update it
 * @param sketchRelativeAccuracy the DDSketch relative accuracy of p50/p95/p99 (0.01 = 1 %)
 * @param sketchMaxBins          the most bins a sketch keeps per sign before collapsing its lowest ones
 * @param storeType              where the open windows live
 */
public record AggregateSettings(
        Duration window,
        Duration rollupWindow,
        Duration grace,
        double sketchRelativeAccuracy,
        int sketchMaxBins,
        StoreType storeType) {

    public AggregateSettings {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(rollupWindow, "rollupWindow");
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(storeType, "storeType");
        if (window.toMillis() <= 0) {
            throw new IllegalArgumentException("window must be positive: " + window);
        }
        if (rollupWindow.toMillis() < window.toMillis() || rollupWindow.toMillis() % window.toMillis() != 0) {
            throw new IllegalArgumentException(
                    "rollupWindow " + rollupWindow + " must be a multiple of window " + window);
        }
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative: " + grace);
        }
        if (!(sketchRelativeAccuracy > 0 && sketchRelativeAccuracy < 1)) {
            throw new IllegalArgumentException("sketchRelativeAccuracy must be in (0, 1): " + sketchRelativeAccuracy);
        }
        if (sketchMaxBins < 16) {
            throw new IllegalArgumentException("sketchMaxBins must be at least 16: " + sketchMaxBins);
        }
    }
}
