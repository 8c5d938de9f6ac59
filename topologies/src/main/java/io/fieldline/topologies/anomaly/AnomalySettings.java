package io.fieldline.topologies.anomaly;

import io.fieldline.topologies.StoreType;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of the anomaly-score application.
 *
 * @param ewmaAlpha       weight of the newest value in the exponentially weighted mean and variance, in (0, 1)
 * @param windowSize      K: how many of the latest values the median/MAD detector keeps
 * @param warmup          how many values a series must have seen before it is scored (nothing is emitted before)
 * @param scoreScale      c in score = 1 - exp(-|z| / c)
 * @param threshold       scores at or over this are flagged
 * @param sensors         sensors to score; empty scores every sensor
 * @param emitFlaggedOnly emit only flagged scores instead of one per reading
 * @param storeType       where the per-series detector state lives
 */
public record AnomalySettings(
        double ewmaAlpha,
        int windowSize,
        int warmup,
        double scoreScale,
        double threshold,
        Set<String> sensors,
        boolean emitFlaggedOnly,
        StoreType storeType) {

    public AnomalySettings {
        sensors = Set.copyOf(Objects.requireNonNull(sensors, "sensors"));
        Objects.requireNonNull(storeType, "storeType");
        if (!(ewmaAlpha > 0 && ewmaAlpha < 1)) {
            throw new IllegalArgumentException("ewmaAlpha must be in (0, 1): " + ewmaAlpha);
        }
        if (windowSize < 3) {
            throw new IllegalArgumentException("windowSize must be at least 3: " + windowSize);
        }
        if (warmup < 2) {
            throw new IllegalArgumentException("warmup must be at least 2: " + warmup);
        }
        if (!(scoreScale > 0)) {
            throw new IllegalArgumentException("scoreScale must be positive: " + scoreScale);
        }
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1): " + threshold);
        }
    }

    /** Whether a sensor is scored. */
    public boolean scores(String sensor) {
        return sensors.isEmpty() || sensors.contains(sensor);
    }
}
