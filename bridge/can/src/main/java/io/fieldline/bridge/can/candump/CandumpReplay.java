package io.fieldline.bridge.can.candump;

import io.fieldline.can.CanFrame;
import io.fieldline.can.candump.CandumpParser;
import java.io.IOException;
import java.io.Reader;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Reads candump lines from a reader and hands the frames to a {@link FrameListener}, paced by the frames'
 * timestamps: at the original timing, N times faster, or without pauses ({@link ReplaySpeed#MAX}). A malformed line
 * is reported and skipped; it never stops the replay.
 *
 * <p>Timestamps: {@link TimestampMode#ORIGINAL} keeps the logged receive times; {@link TimestampMode#SHIFTED}
 * moves them so that the first frame happens now and the others follow at the replayed pace (at
 * {@link ReplaySpeed#MAX}, at their original spacing), so a replayed log looks live downstream. Lines without a
 * timestamp (the console format) are not paced; shifted, they get the current time.
 *
 * <p>Lines are read in bounded memory: a line longer than the maximum length (a candump line is under 200
 * characters) is reported as malformed with its first characters only, and the reading goes on.
 */
public final class CandumpReplay {

    /** What happens to the receive times of replayed frames. */
    public enum TimestampMode {
        /** Keep the logged times. */
        ORIGINAL,
        /** Start at the replay's start time, keep the (sped-up) spacing. */
        SHIFTED
    }

    /** How the replay waits; replaced in tests. */
    public interface Pacer {
        /** Monotonic nanoseconds. */
        long nanoTime();

        /** Waits for the given nanoseconds. */
        void sleepNanos(long nanos) throws InterruptedException;

        /** The real clock. */
        static Pacer system() {
            return new Pacer() {
                @Override
                public long nanoTime() {
                    return System.nanoTime();
                }

                @Override
                public void sleepNanos(long nanos) throws InterruptedException {
                    TimeUnit.NANOSECONDS.sleep(nanos);
                }
            };
        }
    }

    /**
     * What one pass over a reader did.
     *
     * @param lines     lines read
     * @param frames    frames handed on
     * @param malformed lines reported as malformed
     */
    public record Result(long lines, long frames, long malformed) {}

    /** The longest line read whole unless configured otherwise ({@code can.line.max.length}). */
    public static final int DEFAULT_MAX_LINE_LENGTH = 1024;

    private final ReplaySpeed speed;
    private final TimestampMode timestamps;
    private final Clock clock;
    private final Pacer pacer;
    private final int maxLineLength;

    /**
     * @param speed      pacing
     * @param timestamps what to do with the logged receive times
     * @param clock      wall clock, for shifted timestamps
     * @param pacer      monotonic time and sleeping
     * @param maxLineLength longest line read whole; longer ones are reported malformed with their beginning
     */
    public CandumpReplay(ReplaySpeed speed, TimestampMode timestamps, Clock clock, Pacer pacer, int maxLineLength) {
        this.speed = Objects.requireNonNull(speed, "speed");
        this.timestamps = Objects.requireNonNull(timestamps, "timestamps");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pacer = Objects.requireNonNull(pacer, "pacer");
        if (maxLineLength < 1) {
            throw new IllegalArgumentException("maxLineLength must be at least 1, got " + maxLineLength);
        }
        this.maxLineLength = maxLineLength;
    }

    /** As above, with lines of up to {@link #DEFAULT_MAX_LINE_LENGTH} characters. */
    public CandumpReplay(ReplaySpeed speed, TimestampMode timestamps, Clock clock, Pacer pacer) {
        this(speed, timestamps, clock, pacer, DEFAULT_MAX_LINE_LENGTH);
    }

    /** A reader of live streams (stdin, sockets): no pacing, timestamps as received. */
    public static CandumpReplay live() {
        return live(DEFAULT_MAX_LINE_LENGTH);
    }

    /** A reader of live streams with lines of up to {@code maxLineLength} characters. */
    public static CandumpReplay live(int maxLineLength) {
        return new CandumpReplay(
                ReplaySpeed.MAX, TimestampMode.ORIGINAL, Clock.systemUTC(), Pacer.system(), maxLineLength);
    }

    /** Reads the reader to its end (or until interrupted). */
    public Result replay(Reader reader, String source, FrameListener listener)
            throws IOException, InterruptedException {
        BoundedLineReader lineReader = new BoundedLineReader(reader, maxLineLength);
        long lines = 0;
        long frames = 0;
        long malformed = 0;
        long firstLogged = CanFrame.NO_TIMESTAMP;
        long startNanos = 0;
        long startWallMicros = 0;
        BoundedLineReader.Line read;
        while ((read = lineReader.readLine()) != null) {
            lines++;
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("replay of " + source + " interrupted at line " + lines);
            }
            String text = read.text();
            if (read.cut()) {
                malformed++;
                listener.onMalformed(
                        text,
                        source,
                        lines,
                        "line is " + read.length() + " characters long, more than the "
                                + maxLineLength + " accepted (can.line.max.length); only its first " + maxLineLength
                                + " are kept");
                continue;
            }
            if (CandumpParser.isBlankOrComment(text)) {
                continue;
            }
            CanFrame frame;
            try {
                frame = CandumpParser.parse(text);
            } catch (IllegalArgumentException e) {
                malformed++;
                listener.onMalformed(text, source, lines, e.getMessage());
                continue;
            }
            if (frame.hasTimestamp()) {
                if (firstLogged == CanFrame.NO_TIMESTAMP) {
                    firstLogged = frame.timestampMicros();
                    startNanos = pacer.nanoTime();
                    startWallMicros = wallMicros();
                }
                long offsetMicros = frame.timestampMicros() - firstLogged;
                if (!speed.isMax() && offsetMicros > 0) {
                    long due = startNanos + (long) (offsetMicros * 1000.0 / speed.factor());
                    long wait = due - pacer.nanoTime();
                    if (wait > 0) {
                        pacer.sleepNanos(wait);
                    }
                }
                if (timestamps == TimestampMode.SHIFTED) {
                    long shiftedOffset = speed.isMax() ? offsetMicros : (long) (offsetMicros / speed.factor());
                    frame = frame.withTimestampMicros(startWallMicros + shiftedOffset);
                }
            } else if (timestamps == TimestampMode.SHIFTED) {
                frame = frame.withTimestampMicros(wallMicros());
            }
            frames++;
            listener.onFrame(frame, source, lines);
        }
        return new Result(lines, frames, malformed);
    }

    private long wallMicros() {
        java.time.Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }
}
