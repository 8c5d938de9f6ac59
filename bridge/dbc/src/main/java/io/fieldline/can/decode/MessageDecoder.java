package io.fieldline.can.decode;

import io.fieldline.can.dbc.ByteOrder;
import io.fieldline.can.dbc.DbcMessage;
import io.fieldline.can.dbc.DbcSignal;
import io.fieldline.can.dbc.SignalValueType;
import io.fieldline.can.dbc.ValueTable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes the frames of one message: compiled once from its {@link DbcMessage} into per-signal shifts, masks and
 * byte windows, then used from any number of threads (the state of a decode lives in {@link DecodedSignals}).
 *
 * <p>Semantics are those of cantools' {@code Message.decode} with {@code decode_choices=True},
 * {@code scaling=True}, {@code allow_excess=True} and a choice of {@code allow_truncated}:
 * <ul>
 *   <li>Intel signals read {@code length} bits upwards from the start bit; Motorola signals read them
 *       most-significant first from the start bit in DBC's sawtooth numbering.</li>
 *   <li>Signed integers are sign-extended from their length; IEEE signals reinterpret the bits (16, 32 or 64).</li>
 *   <li>physical = raw * factor + offset: exact integer arithmetic when factor and offset are integral and the
 *       signal is an integer (cantools' {@code LinearIntegerConversion}), otherwise the IEEE double expression
 *       {@code raw * factor + offset}; the raw value is returned unchanged when factor is 1 and offset 0.</li>
 *   <li>Multiplexers select signals by their value (the raw value when it has a value description, else the
 *       scaled value truncated to an integer). A multiplexer value that selects no signal and has no
 *       description makes the whole frame undecodable, as cantools raises {@code DecodeError}.</li>
 *   <li>Bytes beyond the message length are ignored. A shorter frame is rejected, or (allowTruncated) decoded
 *       for the signals that lie wholly within it.</li>
 * </ul>
 */
public final class MessageDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(MessageDecoder.class);

    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_BE =
            MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    private static final byte INT = 0;
    private static final byte F16 = 1;
    private static final byte F32 = 2;
    private static final byte F64 = 3;

    private static final byte IDENTITY = 0;
    private static final byte LINEAR_INTEGER = 1;
    private static final byte LINEAR = 2;

    private static final double TWO_TO_53 = 9007199254740992.0;

    private final DbcMessage message;
    private final int messageLength;
    private final boolean fastPath;
    private final int n;
    private final DbcSignal[] signals;

    private final int[] parent;
    private final long[][] selectedBy;
    private final long[][] validMuxValues;
    private final boolean[] reachable;
    private final boolean[] isMux;

    private final boolean[] bigEndian;
    private final int[] shift;
    private final long[] mask;
    private final int[] length;
    private final int[] firstByte;
    private final int[] byteCount;
    private final int[] bitShift;
    private final int[] requiredBytes;
    private final boolean[] signed;
    private final boolean[] unsigned64;
    private final byte[] kind;

    private final byte[] conversion;
    private final boolean[] slow;
    private final double[] factor;
    private final double[] offset;
    private final long[] factorLong;
    private final long[] offsetLong;
    private final boolean[] factorIsInteger;
    private final ValueTable[] tables;

    private MessageDecoder(DbcMessage message) {
        this.message = message;
        this.messageLength = message.length();
        this.fastPath = messageLength <= 8;

        List<DbcSignal> ordered = decodeOrder(message);
        n = ordered.size();
        signals = ordered.toArray(new DbcSignal[0]);
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < n; i++) {
            position.putIfAbsent(signals[i].name(), i);
        }

        parent = new int[n];
        selectedBy = new long[n][];
        validMuxValues = new long[n][];
        reachable = new boolean[n];
        isMux = new boolean[n];
        bigEndian = new boolean[n];
        shift = new int[n];
        mask = new long[n];
        length = new int[n];
        firstByte = new int[n];
        byteCount = new int[n];
        bitShift = new int[n];
        requiredBytes = new int[n];
        signed = new boolean[n];
        unsigned64 = new boolean[n];
        kind = new byte[n];
        conversion = new byte[n];
        slow = new boolean[n];
        factor = new double[n];
        offset = new double[n];
        factorLong = new long[n];
        offsetLong = new long[n];
        factorIsInteger = new boolean[n];
        tables = new ValueTable[n];

        List<TreeSet<Long>> childValues = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            childValues.add(new TreeSet<>());
        }
        for (int i = 0; i < n; i++) {
            DbcSignal s = signals[i];
            isMux[i] = s.multiplexer();
            tables[i] = s.valueTable();
            if (s.isMultiplexed()) {
                Integer p = position.get(s.multiplexerSignal());
                parent[i] = p == null ? -2 : p;
                selectedBy[i] = s.multiplexerIds().stream()
                        .mapToLong(Long::longValue)
                        .sorted()
                        .toArray();
                if (p != null && signals[p].multiplexer()) {
                    childValues.get(p).addAll(s.multiplexerIds());
                }
            } else {
                parent[i] = -1;
            }
            compileLayout(i, s);
            compileConversion(i, s);
        }
        for (int i = 0; i < n; i++) {
            int p = parent[i];
            // Reachable: root, or selected by a reachable multiplexer for at least one value.
            reachable[i] = p == -1 || (p >= 0 && reachable[p] && isMux[p] && selectedBy[i].length > 0);
            if (!reachable[i]) {
                LOG.warn(
                        "Signal {} of message {} can never be decoded: its multiplexer {} is missing, not marked "
                                + "as a multiplexer, or selects it for no value",
                        signals[i].name(),
                        message.name(),
                        signals[i].multiplexerSignal());
            }
            if (isMux[i] && !childValues.get(i).isEmpty()) {
                TreeSet<Long> valid = new TreeSet<>(childValues.get(i));
                for (long v : tables[i].rawValues()) {
                    valid.add(v);
                }
                validMuxValues[i] = valid.stream().mapToLong(Long::longValue).toArray();
            }
        }
    }

    /** Compiles the decoder of one message. */
    public static MessageDecoder compile(DbcMessage message) {
        return new MessageDecoder(message);
    }

    /** Signals in file order, moved so that every multiplexer comes before the signals it selects. */
    private static List<DbcSignal> decodeOrder(DbcMessage message) {
        Map<String, DbcSignal> byName = new HashMap<>();
        for (DbcSignal s : message.signals()) {
            byName.putIfAbsent(s.name(), s);
        }
        List<DbcSignal> ordered = new ArrayList<>(message.signals());
        Map<DbcSignal, Integer> depth = new HashMap<>();
        for (DbcSignal s : ordered) {
            int d = 0;
            DbcSignal cur = s;
            while (cur.isMultiplexed() && d <= ordered.size()) {
                cur = byName.get(cur.multiplexerSignal());
                if (cur == null) {
                    break;
                }
                d++;
            }
            depth.put(s, d);
        }
        ordered.sort((a, b) -> Integer.compare(depth.get(a), depth.get(b)));
        return ordered;
    }

    private void compileLayout(int i, DbcSignal s) {
        int len = s.length();
        length[i] = len;
        mask[i] = len == 64 ? -1L : (1L << len) - 1;
        signed[i] = s.signed();
        unsigned64[i] = !s.signed() && len == 64 && s.valueType() == SignalValueType.INTEGER;
        bigEndian[i] = s.byteOrder() == ByteOrder.BIG_ENDIAN;
        int seq = s.sequentialStartBit();
        requiredBytes[i] = (seq + len + 7) / 8;
        if (bigEndian[i]) {
            // The payload as one big-endian number: sequential bit seq is its bit (63 - seq) in an 8-byte word.
            shift[i] = 64 - seq - len;
            firstByte[i] = seq / 8;
            int last = (seq + len - 1) / 8;
            byteCount[i] = last - firstByte[i] + 1;
            bitShift[i] = 7 - (seq + len - 1) % 8;
        } else {
            shift[i] = seq;
            firstByte[i] = seq / 8;
            int last = (seq + len - 1) / 8;
            byteCount[i] = last - firstByte[i] + 1;
            bitShift[i] = seq % 8;
        }
        if (s.valueType() == SignalValueType.IEEE_FLOAT) {
            kind[i] = switch (len) {
                case 16 -> F16;
                case 32 -> F32;
                case 64 -> F64;
                default -> throw new IllegalArgumentException("float signal " + s.name() + " has " + len + " bits");
            };
        } else {
            kind[i] = INT;
        }
    }

    private void compileConversion(int i, DbcSignal s) {
        double f = s.factor();
        double o = s.offset();
        factor[i] = f;
        offset[i] = o;
        factorIsInteger[i] = s.factorIsInteger();
        boolean isFloat = kind[i] != INT;
        if (f == 1.0 && o == 0.0) {
            conversion[i] = IDENTITY;
        } else if (!isFloat && isIntegral(f) && isIntegral(o)) {
            conversion[i] = LINEAR_INTEGER;
        } else {
            conversion[i] = LINEAR;
        }
        if (!isFloat) {
            // Where long arithmetic could overflow, or Python would multiply two integers exactly before one
            // rounding, take the BigInteger route that mirrors Python's unbounded integers.
            if (conversion[i] == LINEAR_INTEGER) {
                boolean small = Math.abs(f) <= TWO_TO_53 && Math.abs(o) <= TWO_TO_53;
                if (small) {
                    factorLong[i] = (long) f;
                    offsetLong[i] = (long) o;
                    int factorBits = 64 - Long.numberOfLeadingZeros(Math.abs(factorLong[i]));
                    slow[i] = length[i] + factorBits > 61 || Math.abs(offsetLong[i]) >= (1L << 61);
                } else {
                    slow[i] = true;
                }
            } else if (conversion[i] == LINEAR) {
                // raw * int: exact in Python; in doubles only while raw and factor are exact doubles.
                slow[i] = factorIsInteger[i] && (length[i] > 53 || Math.abs(f) > TWO_TO_53);
            }
        }
    }

    private static boolean isIntegral(double v) {
        return !Double.isInfinite(v) && v == Math.rint(v);
    }

    /** The message this decoder was compiled from. */
    public DbcMessage message() {
        return message;
    }

    /** Number of signals of the message. */
    public int signalCount() {
        return n;
    }

    /** The signal at a position of this decoder's order (multiplexers before the signals they select). */
    public DbcSignal signalAt(int position) {
        return signals[position];
    }

    /** Decodes a whole array. */
    public DecodeStatus decode(byte[] data, boolean allowTruncated, DecodedSignals out) {
        return decode(data, 0, data.length, allowTruncated, out);
    }

    /**
     * Decodes {@code len} payload bytes starting at {@code off} into {@code out}, which is reset first.
     *
     * @param allowTruncated decode what fits when the frame is shorter than the message (else nothing)
     * @return the outcome, also kept in {@code out}
     */
    public DecodeStatus decode(byte[] data, int off, int len, boolean allowTruncated, DecodedSignals out) {
        out.reset(this, n, len);
        if (len < messageLength && !allowTruncated) {
            out.status = DecodeStatus.WRONG_LENGTH;
            return out.status;
        }
        int avail = Math.min(len, messageLength);
        long le = 0;
        long be = 0;
        if (fastPath) {
            if (avail == 8) {
                le = (long) LONG_LE.get(data, off);
                be = (long) LONG_BE.get(data, off);
            } else {
                for (int b = 0; b < avail; b++) {
                    long v = data[off + b] & 0xFFL;
                    le |= v << (8 * b);
                    be |= v << (56 - 8 * b);
                }
            }
        }
        boolean truncated = false;
        boolean[] present = out.present;
        long[] muxValue = out.muxValue;
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (!reachable[i]) {
                continue;
            }
            int p = parent[i];
            if (p >= 0 && (!present[p] || !contains(selectedBy[i], muxValue[p]))) {
                continue;
            }
            if (requiredBytes[i] > avail) {
                truncated = true;
                continue;
            }
            long bits;
            if (fastPath) {
                bits = ((bigEndian[i] ? be : le) >>> shift[i]) & mask[i];
            } else {
                bits = extract(data, off, i);
            }
            double physical;
            switch (kind[i]) {
                case INT -> {
                    if (signed[i]) {
                        int unused = 64 - length[i];
                        bits = (bits << unused) >> unused;
                    }
                    physical = slow[i] ? convertExactly(i, bits) : convert(i, bits);
                }
                case F32 -> physical = convertFloat(i, Float.intBitsToFloat((int) bits));
                case F64 -> physical = convertFloat(i, Double.longBitsToDouble(bits));
                default -> physical = convertFloat(i, halfToFloat((int) bits));
            }
            present[i] = true;
            if (isMux[i]) {
                long mux = multiplexerValue(i, bits, physical);
                muxValue[i] = mux;
                if (validMuxValues[i] != null && !contains(validMuxValues[i], mux)) {
                    out.status = DecodeStatus.UNKNOWN_MULTIPLEXER;
                    out.errorSignal = i;
                    out.errorValue = mux;
                    out.count = 0;
                    return out.status;
                }
            }
            out.index[count] = i;
            out.raw[count] = bits;
            out.value[count] = physical;
            count++;
        }
        out.count = count;
        out.status = truncated ? DecodeStatus.TRUNCATED : DecodeStatus.OK;
        return out.status;
    }

    private long extract(byte[] data, int off, int i) {
        int start = off + firstByte[i];
        int count = byteCount[i];
        int sh = bitShift[i];
        if (bigEndian[i]) {
            if (count <= 8) {
                long acc = 0;
                for (int k = 0; k < count; k++) {
                    acc = (acc << 8) | (data[start + k] & 0xFFL);
                }
                return (acc >>> sh) & mask[i];
            }
            long acc = 0;
            for (int k = 0; k < 8; k++) {
                acc = (acc << 8) | (data[start + k] & 0xFFL);
            }
            long last = data[start + 8] & 0xFFL;
            return ((acc << (8 - sh)) | (last >>> sh)) & mask[i];
        }
        if (count <= 8) {
            long acc = 0;
            for (int k = 0; k < count; k++) {
                acc |= (data[start + k] & 0xFFL) << (8 * k);
            }
            return (acc >>> sh) & mask[i];
        }
        long acc = 0;
        for (int k = 0; k < 8; k++) {
            acc |= (data[start + k] & 0xFFL) << (8 * k);
        }
        long high = data[start + 8] & 0xFFL;
        // Nine bytes only when the signal starts inside its first byte, so sh >= 1 here.
        return ((acc >>> sh) | (high << (64 - sh))) & mask[i];
    }

    private double convert(int i, long raw) {
        return switch (conversion[i]) {
            case IDENTITY -> unsigned64[i] && raw < 0 ? unsignedToDouble(raw) : (double) raw;
            case LINEAR_INTEGER -> (double) (raw * factorLong[i] + offsetLong[i]);
            default -> (unsigned64[i] && raw < 0 ? unsignedToDouble(raw) : (double) raw) * factor[i] + offset[i];
        };
    }

    /** Python's unbounded integers: exact products, one rounding to double at the end. */
    private double convertExactly(int i, long raw) {
        BigInteger r = unsigned64[i] && raw < 0 ? new BigInteger(Long.toUnsignedString(raw)) : BigInteger.valueOf(raw);
        return switch (conversion[i]) {
            case IDENTITY -> r.doubleValue();
            case LINEAR_INTEGER ->
                r.multiply(new BigDecimal(factor[i]).toBigInteger())
                        .add(new BigDecimal(offset[i]).toBigInteger())
                        .doubleValue();
            default ->
                factorIsInteger[i]
                        ? r.multiply(new BigDecimal(factor[i]).toBigInteger()).doubleValue() + offset[i]
                        : r.doubleValue() * factor[i] + offset[i];
        };
    }

    private double convertFloat(int i, double raw) {
        return conversion[i] == IDENTITY ? raw : raw * factor[i] + offset[i];
    }

    /** The number cantools compares with the multiplexer ids. */
    private long multiplexerValue(int i, long bits, double physical) {
        if (kind[i] == INT) {
            if (!tables[i].isEmpty()) {
                String label = tables[i].label(bits);
                if (label != null) {
                    return tables[i].lastRawValueOf(label);
                }
            }
            return switch (conversion[i]) {
                case IDENTITY -> bits;
                case LINEAR_INTEGER -> bits * factorLong[i] + offsetLong[i];
                default -> (long) physical;
            };
        }
        double raw = rawAsDouble(i, bits);
        if (!tables[i].isEmpty() && Double.isFinite(raw)) {
            String label = tables[i].label((long) raw);
            if (label != null) {
                return tables[i].lastRawValueOf(label);
            }
        }
        return (long) physical;
    }

    double rawAsDouble(int i, long bits) {
        return switch (kind[i]) {
            case F16 -> halfToFloat((int) bits);
            case F32 -> Float.intBitsToFloat((int) bits);
            case F64 -> Double.longBitsToDouble(bits);
            default -> unsigned64[i] && bits < 0 ? unsignedToDouble(bits) : (double) bits;
        };
    }

    String label(int i, long bits) {
        if (tables[i].isEmpty()) {
            return null;
        }
        if (kind[i] == INT) {
            return tables[i].label(bits);
        }
        double raw = rawAsDouble(i, bits);
        return Double.isFinite(raw) ? tables[i].label((long) raw) : null;
    }

    boolean integral(int i) {
        return kind[i] == INT && conversion[i] != LINEAR;
    }

    String describe(DecodedSignals out) {
        return switch (out.status) {
            case OK, TRUNCATED -> null;
            case WRONG_LENGTH ->
                "Wrong data size: " + out.frameLength + " instead of " + messageLength + " bytes for message "
                        + message.name();
            case UNKNOWN_MULTIPLEXER -> {
                long[] valid = validMuxValues[out.errorSignal];
                StringBuilder sb = new StringBuilder("expected multiplexer id ");
                for (int k = 0; k < valid.length; k++) {
                    if (k > 0) {
                        sb.append(k == valid.length - 1 ? " or " : ", ");
                    }
                    sb.append(valid[k]);
                }
                yield sb.append(", but got ")
                        .append(out.errorValue)
                        .append(" for multiplexer ")
                        .append(signals[out.errorSignal].name())
                        .append(" of message ")
                        .append(message.name())
                        .toString();
            }
        };
    }

    private static boolean contains(long[] sorted, long v) {
        if (sorted.length <= 8) {
            for (long s : sorted) {
                if (s == v) {
                    return true;
                }
            }
            return false;
        }
        return Arrays.binarySearch(sorted, v) >= 0;
    }

    private static double unsignedToDouble(long v) {
        // Halve with the lost bit kept as a sticky bit, convert, double: one correct rounding.
        return ((double) ((v >>> 1) | (v & 1))) * 2.0;
    }

    /** IEEE 754 binary16 to float, exactly (every half value is a float value). */
    static float halfToFloat(int bits) {
        int sign = (bits >>> 15) & 1;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        float magnitude;
        if (exponent == 0) {
            magnitude = mantissa * 0x1p-24f;
        } else if (exponent == 31) {
            magnitude = mantissa == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            magnitude = Float.intBitsToFloat(((exponent + 112) << 23) | (mantissa << 13));
        }
        return sign == 0 ? magnitude : -magnitude;
    }
}
