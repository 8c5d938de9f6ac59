package io.fieldline.topologies.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.fieldline.schemas.avro.AnomalyMethod;
import io.fieldline.topologies.StoreType;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AnomalyDetectorTest {

    private static final AnomalySettings SETTINGS =
            new AnomalySettings(0.5, 5, 3, 2.0, 0.9, Set.of(), false, StoreType.IN_MEMORY);

    @Test
    void shouldScoreAgainstHandWorkedEwmaAndMedianMad() {
        AnomalyDetector detector = new AnomalyDetector(SETTINGS);
        AnomalyState state = new AnomalyState(5);
        // Warm-up (3 values), alpha = 0.5:
        //   10: mean 10, var 0
        //   12: diff 2, incr 1  -> mean 11, var 0.5 * (0 + 2 * 1) = 1
        //   11: diff 0, incr 0  -> mean 11, var 0.5 * (1 + 0)     = 0.5
        assertThat(detector.scoreAndLearn(state, 10)).isNull();
        assertThat(detector.scoreAndLearn(state, 12)).isNull();
        assertThat(detector.scoreAndLearn(state, 11)).isNull();

        // 20: z = 9 / sqrt(0.5) = 12.7279; window {10, 12, 11}: median 11, |dev| {1, 1, 0} -> MAD 1,
        // robustZ = 9 / 1.4826 = 6.0704. Scores 1 - exp(-12.7279 / 2) = 0.99828 (EWMA) and
        // 1 - exp(-6.0704 / 2) = 0.95194 (robust): EWMA wins, expected 11, deviation 9, flagged.
        AnomalyDetector.Score spike = detector.scoreAndLearn(state, 20);
        assertThat(spike.zScore()).isCloseTo(12.727922, within(1e-6));
        assertThat(spike.robustZ()).isCloseTo(6.070417, within(1e-6));
        assertThat(spike.score()).isCloseTo(0.998277, within(1e-6));
        assertThat(spike.method()).isEqualTo(AnomalyMethod.EWMA_ZSCORE);
        assertThat(spike.expected()).isEqualTo(11.0);
        assertThat(spike.deviation()).isEqualTo(9.0);
        assertThat(spike.flagged()).isTrue();

        // Learning 20: diff 9, incr 4.5 -> mean 15.5, var 0.5 * (0.5 + 9 * 4.5) = 20.5.
        // 15: z = -0.5 / sqrt(20.5) = -0.11043; window {10, 12, 11, 20}: median 11.5,
        // |dev| {1.5, 0.5, 0.5, 8.5} -> MAD 1.0, robustZ = 3.5 / 1.4826 = 2.36072.
        // Scores 0.05372 (EWMA) and 0.69283 (robust): robust wins, expected 11.5, not flagged.
        AnomalyDetector.Score after = detector.scoreAndLearn(state, 15);
        assertThat(after.zScore()).isCloseTo(-0.110432, within(1e-6));
        assertThat(after.robustZ()).isCloseTo(2.360718, within(1e-6));
        assertThat(after.score()).isCloseTo(0.692832, within(1e-6));
        assertThat(after.method()).isEqualTo(AnomalyMethod.ROBUST_MAD);
        assertThat(after.expected()).isEqualTo(11.5);
        assertThat(after.deviation()).isEqualTo(3.5);
        assertThat(after.flagged()).isFalse();
    }

    @Test
    void shouldHandleAConstantSeries() {
        AnomalyDetector detector = new AnomalyDetector(SETTINGS);
        AnomalyState state = new AnomalyState(5);
        for (int i = 0; i < 5; i++) {
            detector.scoreAndLearn(state, 7.0);
        }
        AnomalyDetector.Score same = detector.scoreAndLearn(state, 7.0);
        assertThat(same.score()).isZero();
        assertThat(same.flagged()).isFalse();

        AnomalyDetector.Score different = detector.scoreAndLearn(state, 7.5);
        assertThat(different.score()).isEqualTo(1.0);
        assertThat(Math.abs(different.zScore())).isEqualTo(AnomalyDetector.Z_CAP);
        assertThat(different.flagged()).isTrue();
    }

    @Test
    void shouldKeepOnlyTheLastKValuesAcrossSerialisation() {
        AnomalyState state = new AnomalyState(3);
        for (double v : new double[] {1, 2, 3, 4, 5}) {
            state.push(v);
        }
        var serde = AnomalyState.codec(3).serde();
        AnomalyState copy =
                serde.deserializer().deserialize("t", serde.serializer().serialize("t", state));
        assertThat(copy.values()).containsExactlyInAnyOrder(3, 4, 5);
        copy.push(6);
        assertThat(copy.values()).containsExactlyInAnyOrder(4, 5, 6);
    }

    @Test
    void shouldScoreExactlyAsSortingTheWindowOnRandomSeries() {
        Random random = new Random(20261206);
        for (int series = 0; series < 300; series++) {
            int window = 3 + random.nextInt(70);
            int warmup = 2 + random.nextInt(window + 5);
            AnomalySettings settings =
                    new AnomalySettings(0.05, window, warmup, 2.0, 0.9, Set.of(), false, StoreType.IN_MEMORY);
            AnomalyDetector detector = new AnomalyDetector(settings);
            var serde = AnomalyState.codec(window).serde();
            AnomalyState state = new AnomalyState(window);
            int kind = series % 4;
            for (int i = 0; i < 400; i++) {
                double x = switch (kind) {
                    // Noise around a level, now and then a spike.
                    case 0 -> 20 + random.nextGaussian() + (random.nextInt(50) == 0 ? 30 : 0);
                    // Few distinct values: ties everywhere, often MAD 0.
                    case 1 -> random.nextInt(4);
                    // Signed zeros and small integers around zero.
                    case 2 -> random.nextBoolean() ? (random.nextBoolean() ? 0.0 : -0.0) : random.nextInt(3) - 1;
                    // Wide range, both signs.
                    default -> (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(12) - 4);
                };
                AnomalyDetector.Score expected = referenceScore(settings, state, x);
                AnomalyDetector.Score actual = detector.scoreAndLearn(state, x);
                assertThat(actual).as("series %d, value %d", series, i).isEqualTo(expected);
                double[] sorted = state.values();
                Arrays.sort(sorted);
                assertThat(Arrays.copyOf(state.sorted, state.size)).isEqualTo(sorted);
                if (random.nextInt(7) == 0) {
                    // Carry on from the state read back, as the store hands it to the next reading.
                    AnomalyState copy = serde.deserializer()
                            .deserialize("t", serde.serializer().serialize("t", state));
                    assertThat(Arrays.copyOf(copy.sorted, copy.size)).isEqualTo(sorted);
                    state = copy;
                }
            }
        }
    }

    @Test
    void shouldWriteTheSameBytesThroughTheSerdeAsThroughTheStreamCodec() throws IOException {
        Random random = new Random(7);
        for (int window : new int[] {3, 10, 60}) {
            var codec = AnomalyState.codec(window);
            AnomalyState state = new AnomalyState(window);
            for (int i = 0; i < 3 * window; i++) {
                state.push(random.nextInt(5) + random.nextGaussian());
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (DataOutputStream out = new DataOutputStream(bytes)) {
                    codec.write(state, out);
                }
                byte[] serialized = codec.serde().serializer().serialize("t", state);
                assertThat(serialized).isEqualTo(bytes.toByteArray());
                AnomalyState back = codec.serde().deserializer().deserialize("t", serialized);
                assertThat(back.values()).containsExactlyInAnyOrder(state.values());
                assertThat(Arrays.copyOf(back.sorted, back.size)).isEqualTo(Arrays.copyOf(state.sorted, state.size));
                assertThat(back.count).isEqualTo(state.count);
            }
        }
        byte[] truncated =
                Arrays.copyOf(AnomalyState.codec(3).serde().serializer().serialize("t", new AnomalyState(3)), 10);
        assertThatThrownBy(() -> AnomalyState.codec(3).serde().deserializer().deserialize("t", truncated))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void shouldReadTheFirstStateFormatAndScoreOnFromIt() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeLong(4);
            out.writeDouble(11.5);
            out.writeDouble(2.0);
            out.writeInt(4);
            for (double v : new double[] {12, 10, 13, 11}) {
                out.writeDouble(v);
            }
        }
        AnomalyState state = AnomalyState.codec(3).serde().deserializer().deserialize("t", bytes.toByteArray());

        // A window of 3 configured since: the newest three values are kept.
        assertThat(state.values()).containsExactlyInAnyOrder(10, 13, 11);
        assertThat(Arrays.copyOf(state.sorted, state.size)).containsExactly(10, 11, 13);
        assertThat(state.count).isEqualTo(4);
        state.push(9);
        assertThat(Arrays.copyOf(state.sorted, state.size)).containsExactly(9, 11, 13);
    }

    /** The scorer as first written: the window sorted for the median, the deviations sorted for the MAD. */
    private static AnomalyDetector.Score referenceScore(AnomalySettings settings, AnomalyState state, double x) {
        if (state.count < settings.warmup()) {
            return null;
        }
        double z = referenceStandardised(x - state.mean, Math.sqrt(state.variance));
        double[] values = state.values();
        double median = referenceMedian(values);
        double[] deviations = new double[values.length];
        double absSum = 0;
        for (int i = 0; i < values.length; i++) {
            deviations[i] = Math.abs(values[i] - median);
            absSum += deviations[i];
        }
        double scale = 1.4826 * referenceMedian(deviations);
        if (scale == 0 && values.length > 0) {
            scale = 1.2533 * absSum / values.length;
        }
        double robustZ = referenceStandardised(x - median, scale);
        double ewmaScore = 1.0 - Math.exp(-Math.abs(z) / settings.scoreScale());
        double robustScore = 1.0 - Math.exp(-Math.abs(robustZ) / settings.scoreScale());
        boolean robust = robustScore > ewmaScore;
        double expected = robust ? median : state.mean;
        double best = Math.max(ewmaScore, robustScore);
        return new AnomalyDetector.Score(
                best,
                best >= settings.threshold(),
                robust ? AnomalyMethod.ROBUST_MAD : AnomalyMethod.EWMA_ZSCORE,
                expected,
                x - expected,
                z,
                robustZ);
    }

    private static double referenceMedian(double[] values) {
        if (values.length == 0) {
            return 0;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static double referenceStandardised(double deviation, double spread) {
        if (spread > 0 && Double.isFinite(spread)) {
            return Math.max(-AnomalyDetector.Z_CAP, Math.min(AnomalyDetector.Z_CAP, deviation / spread));
        }
        return deviation == 0 ? 0 : Math.copySign(AnomalyDetector.Z_CAP, deviation);
    }
}
