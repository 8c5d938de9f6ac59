package io.fieldline.topologies.anomaly;

import io.fieldline.schemas.avro.AnomalyMethod;
import java.util.Arrays;

/**
 * Two streaming detectors per series and the rule that turns them into one score in [0, 1].
 *
 * <ul>
 *   <li><b>EWMA z-score.</b> Exponentially weighted mean and variance (weight {@code alpha} on the
 *       newest value): {@code z = (x - mean) / sqrt(variance)}, both taken before x updates them.
 *       Follows slow drift, reacts to sudden change.</li>
 *   <li><b>Robust z-score.</b> Median and median absolute deviation of the last K values (x not
 *       included): {@code robustZ = (x - median) / (1.4826 * MAD)}; 1.4826 makes MAD estimate the
 *       standard deviation of normal data. Outliers in the window barely move it. When MAD is 0
 *       (over half the window identical) the mean absolute deviation times 1.2533 stands in.</li>
 *   <li><b>Score.</b> {@code s(z) = 1 - exp(-|z| / c)} for each; the larger wins and names the
 *       method, its centre is {@code expected}. With c = 2: |z| = 1 gives 0.39, 3 gives 0.78,
 *       4.6 gives 0.90, 6 gives 0.95. A zero spread with a different value gives z = ±1000, so score 1.</li>
 *   <li><b>Warm-up.</b> A series is not scored until it has seen {@code warmup} values: no record
 *       is emitted for those (an early score of 0 would read as "normal" when it means "unknown").</li>
 * </ul>
 */
final class AnomalyDetector {

    /** |z| used when the spread is zero and the value differs from the centre. */
    static final double Z_CAP = 1000.0;

    private static final double MAD_TO_SIGMA = 1.4826;
    private static final double MEAN_ABS_DEV_TO_SIGMA = 1.2533;

    private final AnomalySettings settings;

    AnomalyDetector(AnomalySettings settings) {
        this.settings = settings;
    }

    /** The score of x, or null during warm-up; then x is learnt. */
    Score scoreAndLearn(AnomalyState state, double x) {
        Score score = state.count >= settings.warmup() ? score(state, x) : null;
        learn(state, x);
        return score;
    }

    private Score score(AnomalyState state, double x) {
        double z = standardised(x - state.mean, Math.sqrt(state.variance));
        double[] values = state.values();
        double median = median(values);
        double[] deviations = new double[values.length];
        double absSum = 0;
        for (int i = 0; i < values.length; i++) {
            deviations[i] = Math.abs(values[i] - median);
            absSum += deviations[i];
        }
        double scale = MAD_TO_SIGMA * median(deviations);
        if (scale == 0 && values.length > 0) {
            scale = MEAN_ABS_DEV_TO_SIGMA * absSum / values.length;
        }
        double robustZ = standardised(x - median, scale);
        double ewmaScore = score(z);
        double robustScore = score(robustZ);
        boolean robust = robustScore > ewmaScore;
        double expected = robust ? median : state.mean;
        double best = Math.max(ewmaScore, robustScore);
        return new Score(
                best,
                best >= settings.threshold(),
                robust ? AnomalyMethod.ROBUST_MAD : AnomalyMethod.EWMA_ZSCORE,
                expected,
                x - expected,
                z,
                robustZ);
    }

    private double score(double z) {
        return 1.0 - Math.exp(-Math.abs(z) / settings.scoreScale());
    }

    private static double standardised(double deviation, double spread) {
        if (spread > 0 && Double.isFinite(spread)) {
            return Math.max(-Z_CAP, Math.min(Z_CAP, deviation / spread));
        }
        return deviation == 0 ? 0 : Math.copySign(Z_CAP, deviation);
    }

    private void learn(AnomalyState state, double x) {
        if (state.count == 0) {
            state.mean = x;
            state.variance = 0;
        } else {
            double alpha = settings.ewmaAlpha();
            double diff = x - state.mean;
            double increment = alpha * diff;
            state.mean += increment;
            state.variance = (1 - alpha) * (state.variance + diff * increment);
        }
        state.count++;
        state.push(x);
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return 0;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** One scored value. */
    record Score(
            double score,
            boolean flagged,
            AnomalyMethod method,
            double expected,
            double deviation,
            double zScore,
            double robustZ) {}
}
