package io.fieldline.topologies.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QuantileSketchesTest {

    private final QuantileSketches sketches = new QuantileSketches(0.01, 2048);

    @Test
    void shouldRoundTripTheCompactStateEncodingExactly() {
        DDSketch sketch = sketches.create();
        Random random = new Random(5);
        for (int i = 0; i < 5000; i++) {
            double value = switch (i % 4) {
                case 0 -> 0.0;
                case 1 -> -Math.exp(3 * random.nextGaussian());
                default -> Math.exp(3 * random.nextGaussian());
            };
            sketch.accept(value);
        }
        DDSketch copy = sketches.decodeCompact(sketches.encodeCompact(sketch));

        assertThat(copy.getCount()).isEqualTo(sketch.getCount());
        for (double q : new double[] {0, 0.01, 0.25, 0.5, 0.75, 0.95, 0.99, 1}) {
            assertThat(copy.getValueAtQuantile(q)).as("q=%s", q).isEqualTo(sketch.getValueAtQuantile(q));
        }
    }

    @Test
    void shouldRoundTripAnEmptySketch() {
        DDSketch copy = sketches.decodeCompact(sketches.encodeCompact(sketches.create()));
        assertThat(copy.isEmpty()).isTrue();
    }

    @Test
    void shouldWriteTheStandardProtobufThatOtherImplementationsMerge() {
        DDSketch narrow = sketches.create();
        DDSketch wide = sketches.create();
        for (int i = 0; i < 100; i++) {
            narrow.accept(20 + i / 1000.0);
            wide.accept(i % 2 == 0 ? 0.001 : 1000);
        }
        DDSketch narrowCopy = sketches.fromProtobuf(QuantileSketches.toProtobuf(narrow));
        DDSketch wideCopy = sketches.fromProtobuf(QuantileSketches.toProtobuf(wide));

        assertThat(narrowCopy.getValueAtQuantile(0.5)).isEqualTo(narrow.getValueAtQuantile(0.5));
        assertThat(wideCopy.getValueAtQuantile(0.99)).isEqualTo(wide.getValueAtQuantile(0.99));
        // Two values six decades apart: the sparse form, not 700 contiguous 8-byte counts.
        assertThat(QuantileSketches.toProtobuf(wide).remaining()).isLessThan(100);
    }
}
