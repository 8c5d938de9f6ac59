package io.fieldline.can.decode;

import io.fieldline.can.dbc.ByteOrder;
import io.fieldline.can.dbc.DbcMessage;
import io.fieldline.can.dbc.DbcSignal;
import io.fieldline.can.dbc.SignalValueType;
import java.util.Map;
import java.util.Objects;

/**
 * Packs signal values into a payload: the inverse of {@link MessageDecoder}, for simulators, the demo log
 * generator and tests. Raw integers are {@code round((physical - offset) / factor)}, saturated to the signal's
 * range; float signals take the value as is. Unused bits stay 0.
 */
public final class MessageEncoder {

    private final DbcMessage message;

    private MessageEncoder(DbcMessage message) {
        this.message = message;
    }

    /** An encoder for one message. */
    public static MessageEncoder of(DbcMessage message) {
        return new MessageEncoder(Objects.requireNonNull(message, "message"));
    }

    /**
     * A payload of the message's length with the given physical values; signals not named stay 0. The caller
     * picks a consistent set (for multiplexed messages: the multiplexer value and the signals it selects).
     *
     * @throws IllegalArgumentException for a name the message does not have
     */
    public byte[] encode(Map<String, Double> physical) {
        byte[] data = new byte[message.length()];
        for (Map.Entry<String, Double> e : physical.entrySet()) {
            DbcSignal s = message.signal(e.getKey())
                    .orElseThrow(() ->
                            new IllegalArgumentException("message " + message.name() + " has no signal " + e.getKey()));
            putRaw(data, s, raw(s, e.getValue()));
        }
        return data;
    }

    /** The raw bits that stand for a physical value. */
    static long raw(DbcSignal s, double physical) {
        if (s.valueType() == SignalValueType.IEEE_FLOAT) {
            double v = (physical - s.offset()) / s.factor();
            return switch (s.length()) {
                case 32 -> Float.floatToRawIntBits((float) v) & 0xFFFFFFFFL;
                case 64 -> Double.doubleToRawLongBits(v);
                default -> throw new IllegalArgumentException("16-bit float signals are not encoded");
            };
        }
        double r = Math.rint((physical - s.offset()) / s.factor());
        int len = s.length();
        if (s.signed()) {
            double min = -Math.pow(2, len - 1);
            double max = Math.pow(2, len - 1) - 1;
            return (long) Math.max(min, Math.min(max, r));
        }
        if (len == 64) {
            return r <= 0 ? 0 : r >= 0x1p64 ? -1L : r >= 0x1p63 ? (long) (r - 0x1p63) | Long.MIN_VALUE : (long) r;
        }
        return (long) Math.max(0, Math.min(Math.pow(2, len) - 1, r));
    }

    /** Writes the low {@code length} bits of {@code raw} where the signal lives. */
    static void putRaw(byte[] data, DbcSignal s, long raw) {
        int len = s.length();
        if (s.byteOrder() == ByteOrder.LITTLE_ENDIAN) {
            for (int k = 0; k < len; k++) {
                int bit = s.startBit() + k;
                setBit(data, bit / 8, bit % 8, (raw >>> k) & 1);
            }
        } else {
            int seq = s.sequentialStartBit();
            for (int k = 0; k < len; k++) {
                int n = seq + k;
                setBit(data, n / 8, 7 - n % 8, (raw >>> (len - 1 - k)) & 1);
            }
        }
    }

    private static void setBit(byte[] data, int index, int bit, long value) {
        if (value != 0) {
            data[index] |= (byte) (1 << bit);
        } else {
            data[index] &= (byte) ~(1 << bit);
        }
    }
}
