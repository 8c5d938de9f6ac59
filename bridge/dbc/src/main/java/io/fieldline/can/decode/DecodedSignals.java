package io.fieldline.can.decode;

import io.fieldline.can.dbc.DbcSignal;
import java.util.Arrays;

/**
 * A reusable, growable buffer that receives the signals of one decoded frame: primitive arrays, no object per
 * signal. Not thread-safe; use one per thread and read it before the next decode.
 */
public final class DecodedSignals {

    int count;
    int[] index;
    long[] raw;
    double[] value;
    // Per-signal scratch of the current decode, indexed in the decoder's order.
    boolean[] present;
    long[] muxValue;

    MessageDecoder decoder;
    DecodeStatus status = DecodeStatus.OK;
    int frameLength;
    int errorSignal = -1;
    long errorValue;

    /** A buffer for messages of up to {@code capacity} signals; it grows when a message has more. */
    public DecodedSignals(int capacity) {
        int c = Math.max(1, capacity);
        index = new int[c];
        raw = new long[c];
        value = new double[c];
        present = new boolean[c];
        muxValue = new long[c];
    }

    /** A buffer with room for 64 signals. */
    public DecodedSignals() {
        this(64);
    }

    void reset(MessageDecoder d, int signals, int length) {
        if (present.length < signals) {
            int c = Math.max(signals, present.length * 2);
            index = new int[c];
            raw = new long[c];
            value = new double[c];
            present = new boolean[c];
            muxValue = new long[c];
        } else {
            Arrays.fill(present, 0, signals, false);
        }
        decoder = d;
        count = 0;
        status = DecodeStatus.OK;
        frameLength = length;
        errorSignal = -1;
    }

    /** Number of decoded signals. */
    public int count() {
        return count;
    }

    /** Outcome of the last decode. */
    public DecodeStatus status() {
        return status;
    }

    /** The decoder of the last frame, or null before the first decode. */
    public MessageDecoder decoder() {
        return decoder;
    }

    /** The definition of the i-th decoded signal. */
    public DbcSignal signal(int i) {
        return decoder.signalAt(index[checked(i)]);
    }

    /**
     * Position of the i-th decoded signal in its decoder ({@link MessageDecoder#signalAt(int)}): stable per
     * signal, so callers can keep per-signal data in arrays.
     */
    public int position(int i) {
        return index[checked(i)];
    }

    /** Name of the i-th decoded signal. */
    public String name(int i) {
        return signal(i).name();
    }

    /** Physical value of the i-th signal: raw * factor + offset, computed as cantools does. */
    public double value(int i) {
        return value[checked(i)];
    }

    /**
     * Raw value of the i-th signal: the sign-extended integer, or for float signals the IEEE bits
     * (use {@link #rawAsDouble(int)} for their value). 64-bit unsigned values above 2^63 read as negative.
     */
    public long raw(int i) {
        return raw[checked(i)];
    }

    /** Raw value as a number: the integer, or the float itself for float signals. */
    public double rawAsDouble(int i) {
        return decoder.rawAsDouble(index[checked(i)], raw[i]);
    }

    /** Value description of the raw value ({@code VAL_}), or null. */
    public String label(int i) {
        return decoder.label(index[checked(i)], raw[i]);
    }

    /**
     * Whether cantools would give an integer for this signal (integer raw value with integral factor and
     * offset), so printers can show {@code 12} rather than {@code 12.0}.
     */
    public boolean integral(int i) {
        return decoder.integral(index[checked(i)]);
    }

    /** Unit of the i-th signal, or null. */
    public String unit(int i) {
        return signal(i).unit();
    }

    /** Why nothing was decoded, for logs and dead letters; null when {@link #status()} decoded. */
    public String problem() {
        return decoder == null ? null : decoder.describe(this);
    }

    private int checked(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("signal " + i + " of " + count);
        }
        return i;
    }
}
