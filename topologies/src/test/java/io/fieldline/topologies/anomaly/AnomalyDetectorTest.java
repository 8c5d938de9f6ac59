package io.fieldline.topologies.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fieldline.schemas.avro.AnomalyMethod;
import io.fieldline.topologies.StoreType;
import java.util.Set;
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
}
