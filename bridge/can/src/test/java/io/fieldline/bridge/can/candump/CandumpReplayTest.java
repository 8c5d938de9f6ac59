package io.fieldline.bridge.can.candump;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.can.CanFrame;
import java.io.BufferedReader;
import java.io.StringReader;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CandumpReplayTest {

    private static final String LOG = """
            (1000.000000) can0 100#01
            (1000.500000) can0 100#02
            this line is broken
            # a comment

            (1002.000000) can0 100#03
            """;

    /** A fake clock: sleeping advances it. */
    private static final class FakePacer implements CandumpReplay.Pacer {
        long now = 5_000_000_000L;
        final List<Long> sleeps = new ArrayList<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleepNanos(long nanos) {
            sleeps.add(nanos);
            now += nanos;
        }
    }

    private static final class Recorder implements FrameListener {
        final List<CanFrame> frames = new ArrayList<>();
        final List<Long> frameLines = new ArrayList<>();
        final List<String> malformed = new ArrayList<>();

        @Override
        public void onFrame(CanFrame frame, String source, long line) {
            frames.add(frame);
            frameLines.add(line);
        }

        @Override
        public void onMalformed(String text, String source, long line, String reason) {
            malformed.add(source + ":" + line + ":" + text);
        }
    }

    private final Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);

    @Test
    void shouldKeepTheOriginalTimingAndTimestamps() throws Exception {
        FakePacer pacer = new FakePacer();
        Recorder r = new Recorder();
        CandumpReplay.Result result = new CandumpReplay(
                        ReplaySpeed.ORIGINAL, CandumpReplay.TimestampMode.ORIGINAL, clock, pacer)
                .replay(new BufferedReader(new StringReader(LOG)), "demo.log", r);

        assertThat(pacer.sleeps).containsExactly(500_000_000L, 1_500_000_000L);
        assertThat(r.frames)
                .extracting(CanFrame::timestampMicros)
                .containsExactly(1_000_000_000L, 1_000_500_000L, 1_002_000_000L);
        assertThat(r.frameLines).containsExactly(1L, 2L, 6L);
        assertThat(r.malformed).containsExactly("demo.log:3:this line is broken");
        assertThat(result).isEqualTo(new CandumpReplay.Result(6, 3, 1));
    }

    @Test
    void shouldCompressPausesAtNTimesSpeedAndShiftTimestampsToNow() throws Exception {
        FakePacer pacer = new FakePacer();
        Recorder r = new Recorder();
        new CandumpReplay(new ReplaySpeed(10), CandumpReplay.TimestampMode.SHIFTED, clock, pacer)
                .replay(new BufferedReader(new StringReader(LOG)), "demo.log", r);

        assertThat(pacer.sleeps).containsExactly(50_000_000L, 150_000_000L);
        long start = 1_700_000_000_000_000L;
        assertThat(r.frames)
                .extracting(CanFrame::timestampMicros)
                .containsExactly(start, start + 50_000, start + 200_000);
    }

    @Test
    void shouldNotPauseAtMaxSpeed() throws Exception {
        FakePacer pacer = new FakePacer();
        Recorder r = new Recorder();
        new CandumpReplay(ReplaySpeed.MAX, CandumpReplay.TimestampMode.ORIGINAL, clock, pacer)
                .replay(new BufferedReader(new StringReader(LOG)), "demo.log", r);

        assertThat(pacer.sleeps).isEmpty();
        assertThat(r.frames).hasSize(3);
    }

    @Test
    void shouldParseSpeeds() {
        assertThat(ReplaySpeed.parse("max").isMax()).isTrue();
        assertThat(ReplaySpeed.parse("1")).isEqualTo(ReplaySpeed.ORIGINAL);
        assertThat(ReplaySpeed.parse("10x").factor()).isEqualTo(10.0);
        assertThat(ReplaySpeed.parse("0.5").toString()).isEqualTo("0.5");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReplaySpeed.parse("fast"))
                .hasMessageContaining("'max' or a positive factor");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReplaySpeed.parse("0"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
