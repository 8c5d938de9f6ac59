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
        int n = state.size;
        double median = sortedMedian(state.sorted, n);
        double scale = MAD_TO_SIGMA * medianAbsoluteDeviation(state.sorted, n, median);
        if (scale == 0 && n > 0) {
            // Summed in slot order, as the deviations always were, so the figure is the same to the last bit.
            double absSum = 0;
            for (int i = 0; i < n; i++) {
                absSum += Math.abs(state.window[i] - median);
            }
            scale = MEAN_ABS_DEV_TO_SIGMA * absSum / n;
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
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sortedMedian(sorted, sorted.length);
    }

    /** The median of the first n values of an ascending array; 0 when n is 0. */
    static double sortedMedian(double[] sorted, int n) {
        if (n == 0) {
            return 0;
        }
        int mid = n / 2;
        return n % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /**
     * The median of |v - centre| over the first n values of an ascending array, without sorting the deviations:
     * they fall towards the centre and rise after it, so walking outwards from the centre, always to the side
     * with the smaller deviation, meets them in ascending order. Stops at the middle one (or two).
     */
    static double medianAbsoluteDeviation(double[] sorted, int n, double centre) {
        if (n == 0) {
            return 0;
        }
        int right = upperBound(sorted, n, centre);
        int left = right - 1;
        int mid = n / 2;
        double previous = 0;
        for (int rank = 0; ; rank++) {
            double deviation;
            if (right >= n || left >= 0 && Math.abs(sorted[left] - centre) <= Math.abs(sorted[right] - centre)) {
                deviation = Math.abs(sorted[left--] - centre);
            } else {
                deviation = Math.abs(sorted[right++] - centre);
            }
            if (rank == mid) {
                return n % 2 == 1 ? deviation : (previous + deviation) / 2;
            }
            previous = deviation;
        }
    }

    private static int upperBound(double[] sorted, int n, double value) {
        int low = 0;
        int high = n;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (sorted[middle] <= value) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
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
