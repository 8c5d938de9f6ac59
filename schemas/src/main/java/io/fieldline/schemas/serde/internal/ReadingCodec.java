package io.fieldline.schemas.serde.internal;

import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.SystemLimitException;
import org.apache.avro.util.Utf8;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Avro binary encoding and decoding of {@link Reading}, written out by hand for the schema in
 * {@code schemas/src/main/avro/Reading.avsc}.
 *
 * <p><b>Why it exists.</b> {@code Reading} is the record of the hot paths (the MQTT and CAN bridges write it,
 * every topology reads it). Its {@code timestamp-millis} fields carry an {@code Instant} conversion, so Avro
 * generates no custom coders for it, and {@code SpecificDatumWriter}/{@code SpecificDatumReader} walk the schema
 * generically: per-field dispatch, conversion look-ups, boxing, union resolution by type. This class does the same
 * work in straight-line code, two to three times faster ({@code ReadingCodecBenchmark} in {@code src/jmh}).
 *
 * <p><b>Contract.</b>
 * <ul>
 *   <li>{@link #encode} writes byte for byte what {@code SpecificDatumWriter} writes for the same {@code Reading}
 *       with {@code Reading.SCHEMA$} (strings as {@code String.getBytes(UTF_8)} encodes them, unpaired surrogates
 *       as {@code '?'}; doubles by their raw bits; map entries in the map's iteration order; a map block count
 *       only for a non-empty map), and fails where it fails (null in a non-null field, an {@code Instant}
 *       outside the epoch-millisecond range, a map modified while written).</li>
 *   <li>{@link #decode} reads everything {@code SpecificDatumReader} reads with {@code Reading.SCHEMA$} as both
 *       writer and reader schema, into an equal {@code Reading}: varints with Avro's own decoder's rules, map
 *       blocks with negative counts (followed by a byte size), malformed UTF-8 replaced as {@code new String}
 *       replaces it, the attributes in a {@code HashMap} of default capacity as Avro's reader builds it (so it
 *       iterates, and is written again, in the same order), bytes after the record ignored. Anything malformed
 *       (truncated, a bad union index or enum ordinal, a negative length, a length past the end, an over-long
 *       varint) throws {@link AvroRuntimeException} saying what and where; allocations are bounded by the bytes
 *       present, so a hostile length cannot exhaust the heap. Avro's configurable limits
 *       ({@link SystemLimitException}) apply as they do in Avro. One deliberate difference: a map block count of
 *       {@code Long.MIN_VALUE}, which Avro's decoder turns into 0 by an int overflow and so reads as the end of
 *       the map, is malformed here. No writer produces it.</li>
 * </ul>
 *
 * <p><b>Fallback rule.</b> The codec is only right for the schema it was written for. {@link #WRITTEN_FOR_LAYOUT}
 * is the {@link #layoutFingerprint(Schema) layout fingerprint} of that schema; at class initialisation it is
 * compared with {@code Reading.SCHEMA$}. When they differ (the {@code .avsc} changed and this class was not
 * updated), {@link #isUsable()} is false, a warning is logged, and the serde must use the generic Avro path
 * instead; {@code ReadingCodecSchemaGuardTest} fails the build in that case. The deserializer also uses the
 * codec only for writer schemas whose layout fingerprint is the same ({@link #canDecode(Schema)}); records
 * written with any other schema go through Avro's schema resolution.
 *
 * <p>Stateless and thread-safe.
 */
public final class ReadingCodec {

    private static final Logger LOG = LoggerFactory.getLogger(ReadingCodec.class);

    /**
     * The {@link #layoutFingerprint(Schema) layout fingerprint} of the {@code Reading} schema this class encodes
     * and decodes. Change it only together with {@link #encode} and {@link #decode}.
     */
    static final long WRITTEN_FOR_LAYOUT = 0x4ac2723e0ca96f59L;

    private static final boolean USABLE = isWrittenFor(Reading.getClassSchema());

    private static final Source[] SOURCES = Source.values();
    private static final Quality[] QUALITIES = Quality.values();

    private static final VarHandle LITTLE_ENDIAN_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Bytes of the longest int varint (zig-zag, 7 bits per byte). */
    private static final int MAX_INT_VARINT = 5;
    /** Bytes of the longest long varint. */
    private static final int MAX_LONG_VARINT = 10;
    /** Strings longer than this get their exact UTF-8 length computed before writing, not a 3x reservation. */
    private static final int LARGE_STRING = 1 << 16;

    static {
        if (!USABLE) {
            LOG.warn(
                    "Reading.SCHEMA$ does not have the layout ReadingCodec was written for (layout fingerprint {}, "
                            + "codec written for {}): Reading records are encoded and decoded by the generic Avro path. "
                            + "Update ReadingCodec to the new Reading.avsc.",
                    Long.toHexString(layoutFingerprint(Reading.getClassSchema())),
                    Long.toHexString(WRITTEN_FOR_LAYOUT));
        }
    }

    private ReadingCodec() {}

    /** Whether the generated {@code Reading} class has the schema this codec was written for. */
    public static boolean isUsable() {
        return USABLE;
    }

    /**
     * Whether data written with {@code writerSchema} can be decoded by {@link #decode}: the codec is usable and
     * the writer schema has the same layout as the one the codec was written for.
     */
    public static boolean canDecode(Schema writerSchema) {
        return USABLE && isWrittenFor(writerSchema);
    }

    static boolean isWrittenFor(Schema schema) {
        return layoutFingerprint(schema) == WRITTEN_FOR_LAYOUT;
    }

    /**
     * A 64-bit fingerprint (CRC-64-AVRO) of what decides a schema's binary layout and its Java mapping: the Avro
     * parsing canonical form (names, types, field order, enum symbols; no docs, defaults, aliases or Java
     * properties), followed by every logical type in the schema with its properties (the canonical form drops
     * them, but a {@code timestamp-millis} turned {@code timestamp-micros} would change the values written).
     */
    public static long layoutFingerprint(Schema schema) {
        StringBuilder layout = new StringBuilder(SchemaNormalization.toParsingForm(schema));
        appendLogicalTypes(schema, schema.getFullName(), layout, new HashSet<>());
        return SchemaNormalization.fingerprint64(layout.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void appendLogicalTypes(Schema schema, String path, StringBuilder out, Set<String> seen) {
        if (schema.getLogicalType() != null) {
            out.append('|').append(path).append('=').append(schema);
        }
        switch (schema.getType()) {
            case RECORD -> {
                if (seen.add(schema.getFullName())) {
                    for (Schema.Field field : schema.getFields()) {
                        appendLogicalTypes(field.schema(), path + "." + field.name(), out, seen);
                    }
                }
            }
            case UNION -> {
                for (int i = 0; i < schema.getTypes().size(); i++) {
                    appendLogicalTypes(schema.getTypes().get(i), path + "[" + i + "]", out, seen);
                }
            }
            case MAP -> appendLogicalTypes(schema.getValueType(), path + "{}", out, seen);
            case ARRAY -> appendLogicalTypes(schema.getElementType(), path + "[]", out, seen);
            default -> {
                // primitives, enums and fixed have no nested schemas
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- encoding

    /**
     * Appends the Avro binary encoding of {@code reading} to {@code out}. On failure, {@code out} holds a partial
     * record and must be reset.
     *
     * @throws NullPointerException     for a null in a field the schema does not allow null in
     * @throws ArithmeticException      for a timestamp outside the range of epoch milliseconds in a long
     * @throws ConcurrentModificationException when the attribute map changes while it is written
     */
    public static void encode(Reading reading, EncodingBuffer out) {
        writeString(out, required(reading.getDeviceId(), "deviceId"));
        writeString(out, required(reading.getSensor(), "sensor"));
        out.ensure(8);
        writeDouble(out, reading.getValue());
        writeOptionalString(out, reading.getUnit());
        long eventTime = required(reading.getEventTime(), "eventTime").toEpochMilli();
        long ingestTime = required(reading.getIngestTime(), "ingestTime").toEpochMilli();
        int source = required(reading.getSource(), "source").ordinal();
        int quality = required(reading.getQuality(), "quality").ordinal();
        out.ensure(2 * MAX_LONG_VARINT + 2 * MAX_INT_VARINT);
        writeLong(out, eventTime);
        writeLong(out, ingestTime);
        writeLong(out, source);
        writeLong(out, quality);
        writeOptionalString(out, reading.getSite());
        writeOptionalString(out, reading.getRoom());
        Double rawValue = reading.getRawValue();
        out.ensure(1 + 8);
        if (rawValue == null) {
            out.buf[out.count++] = 0;
        } else {
            out.buf[out.count++] = 2;
            writeDouble(out, rawValue);
        }
        writeAttributes(out, required(reading.getAttributes(), "attributes"));
    }

    private static <V> V required(V value, String field) {
        if (value == null) {
            throw new NullPointerException("null value for (non-nullable) field Reading." + field);
        }
        return value;
    }

    private static void writeAttributes(EncodingBuffer out, Map<String, String> attributes) {
        int size = attributes.size();
        out.ensure(MAX_LONG_VARINT + 1);
        if (size > 0) {
            writeLong(out, size);
        }
        int written = 0;
        // Wildcards, so that a key or value that is not a String (heap pollution) is handled as Avro handles it
        // rather than failing a compiler-inserted cast.
        for (Map.Entry<?, ?> entry : attributes.entrySet()) {
            Object key = entry.getKey();
            Object value = entry.getValue();
            if (key == null) {
                throw new NullPointerException("null key in map Reading.attributes");
            }
            if (value == null) {
                throw new NullPointerException(
                        "null value for (non-nullable) string at Reading.attributes[\"" + key + "\"]");
            }
            writeString(out, key.toString());
            if (value instanceof String string) {
                writeString(out, string);
            } else if (value instanceof Utf8 utf8) {
                // Avro writes a Utf8's bytes as they are.
                out.ensure((long) MAX_INT_VARINT + utf8.getByteLength());
                writeLong(out, utf8.getByteLength());
                System.arraycopy(utf8.getBytes(), 0, out.buf, out.count, utf8.getByteLength());
                out.count += utf8.getByteLength();
            } else if (value instanceof CharSequence chars) {
                writeString(out, chars.toString());
            } else {
                throw new ClassCastException("Reading.attributes[\"" + key + "\"] is a "
                        + value.getClass().getName() + ", not a string");
            }
            written++;
        }
        out.ensure(1);
        out.buf[out.count++] = 0;
        if (written != size) {
            throw new ConcurrentModificationException(
                    "Size of map written was " + size + ", but number of entries written was " + written);
        }
    }

    private static void writeOptionalString(EncodingBuffer out, String value) {
        out.ensure(1);
        if (value == null) {
            out.buf[out.count++] = 0;
        } else {
            out.buf[out.count++] = 2;
            writeString(out, value);
        }
    }

    /**
     * A string: its UTF-8 byte length as a long varint, then the bytes. Assumes ASCII, which device ids, sensor
     * names and units nearly always are, and copies chars to bytes in one pass; at the first char that is not
     * ASCII, it works out the true byte length and encodes the rest as {@code String.getBytes(UTF_8)} would.
     */
    private static void writeString(EncodingBuffer out, String value) {
        int chars = value.length();
        if (chars > LARGE_STRING) {
            int bytes = utf8Length(value, 0);
            out.ensure((long) MAX_INT_VARINT + bytes);
            writeLong(out, bytes);
            out.count = encodeUtf8(value, 0, out.buf, out.count);
            return;
        }
        // Each char takes at most 3 bytes (a surrogate pair, 2 chars, takes 4).
        out.ensure(MAX_INT_VARINT + 3 * chars);
        byte[] buf = out.buf;
        int start = out.count;
        int lengthBytes = chars < 64 ? 1 : varLongSize(chars);
        int first = start + lengthBytes;
        int i = 0;
        // Indexed from one base rather than with a running position: C2 compiles this shape to a tighter loop.
        for (; i < chars; i++) {
            char c = value.charAt(i);
            if (c >= 0x80) {
                break;
            }
            buf[first + i] = (byte) c;
        }
        if (i == chars) {
            putVarLong(buf, start, chars);
            out.count = first + chars;
            return;
        }
        int bytes = i + utf8Length(value, i);
        int trueLengthBytes = varLongSize(bytes);
        if (trueLengthBytes != lengthBytes) {
            System.arraycopy(buf, first, buf, start + trueLengthBytes, i);
        }
        putVarLong(buf, start, bytes);
        out.count = encodeUtf8(value, i, buf, start + trueLengthBytes + i);
    }

    /** UTF-8 bytes of {@code value} from char {@code from} on, as {@code String.getBytes(UTF_8)} counts them. */
    private static int utf8Length(String value, int from) {
        int bytes = 0;
        int chars = value.length();
        for (int i = from; i < chars; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < chars && Character.isLowSurrogate(value.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes++; // an unpaired surrogate becomes '?'
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** Encodes chars from {@code from} on into {@code buf} at {@code p}; returns the position after them. */
    private static int encodeUtf8(String value, int from, byte[] buf, int p) {
        int chars = value.length();
        for (int i = from; i < chars; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                buf[p++] = (byte) c;
            } else if (c < 0x800) {
                buf[p++] = (byte) (0xc0 | c >> 6);
                buf[p++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c) && i + 1 < chars && Character.isLowSurrogate(value.charAt(i + 1))) {
                int codePoint = Character.toCodePoint(c, value.charAt(++i));
                buf[p++] = (byte) (0xf0 | codePoint >> 18);
                buf[p++] = (byte) (0x80 | codePoint >> 12 & 0x3f);
                buf[p++] = (byte) (0x80 | codePoint >> 6 & 0x3f);
                buf[p++] = (byte) (0x80 | codePoint & 0x3f);
            } else if (Character.isSurrogate(c)) {
                buf[p++] = '?';
            } else {
                buf[p++] = (byte) (0xe0 | c >> 12);
                buf[p++] = (byte) (0x80 | c >> 6 & 0x3f);
                buf[p++] = (byte) (0x80 | c & 0x3f);
            }
        }
        return p;
    }

    /** Appends a zig-zag varint; the caller has ensured {@link #MAX_LONG_VARINT} bytes of room. */
    private static void writeLong(EncodingBuffer out, long value) {
        out.count = putVarLong(out.buf, out.count, value);
    }

    private static int putVarLong(byte[] buf, int p, long value) {
        long zigZag = value << 1 ^ value >> 63;
        while ((zigZag & ~0x7fL) != 0) {
            buf[p++] = (byte) (zigZag | 0x80);
            zigZag >>>= 7;
        }
        buf[p++] = (byte) zigZag;
        return p;
    }

    /** Bytes of the varint of a non-negative int. */
    private static int varLongSize(int nonNegative) {
        long zigZag = (long) nonNegative << 1;
        return (64 - Long.numberOfLeadingZeros(zigZag | 1) + 6) / 7;
    }

    /** Appends 8 bytes, little-endian; the caller has ensured the room. */
    private static void writeDouble(EncodingBuffer out, double value) {
        LITTLE_ENDIAN_LONG.set(out.buf, out.count, Double.doubleToRawLongBits(value));
        out.count += 8;
    }

    // ---------------------------------------------------------------------------------------------- decoding

    /**
     * Decodes one {@code Reading} from {@code length} bytes of {@code data} from {@code offset} on. Bytes after
     * the record are ignored, as Avro's datum readers ignore them.
     *
     * @throws AvroRuntimeException      for malformed data, naming the field and byte offset
     * @throws IndexOutOfBoundsException when offset and length do not lie within {@code data}
     */
    public static Reading decode(byte[] data, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, data.length);
        Input in = new Input(data, offset, offset + length);
        Reading reading = new Reading();
        reading.setDeviceId(in.readString("deviceId"));
        reading.setSensor(in.readString("sensor"));
        reading.setValue(in.readDouble("value"));
        reading.setUnit(in.readUnionIndex("unit") == 0 ? null : in.readString("unit"));
        reading.setEventTime(Instant.ofEpochMilli(in.readLong("eventTime")));
        reading.setIngestTime(Instant.ofEpochMilli(in.readLong("ingestTime")));
        reading.setSource(SOURCES[in.readEnum("source", SOURCES.length)]);
        reading.setQuality(QUALITIES[in.readEnum("quality", QUALITIES.length)]);
        reading.setSite(in.readUnionIndex("site") == 0 ? null : in.readString("site"));
        reading.setRoom(in.readUnionIndex("room") == 0 ? null : in.readString("room"));
        reading.setRawValue(in.readUnionIndex("rawValue") == 0 ? null : in.readDouble("rawValue"));
        reading.setAttributes(in.readStringMap("attributes"));
        return reading;
    }

    /** A read position in a byte range, with bounds-checked reads of Avro's primitive encodings. */
    private static final class Input {
        private final byte[] buf;
        private final int start;
        private final int limit;
        private int pos;

        Input(byte[] buf, int offset, int limit) {
            this.buf = buf;
            this.start = offset;
            this.pos = offset;
            this.limit = limit;
        }

        /** A zig-zag varint of at most 10 bytes; bits past 64 are dropped, as Avro's decoder drops them. */
        long readLong(String field) {
            int p = pos;
            if (p < limit) {
                int b = buf[p];
                if (b >= 0) {
                    pos = p + 1;
                    return b >>> 1 ^ -(b & 1);
                }
            }
            long raw = 0;
            for (int shift = 0; shift < 70; shift += 7) {
                if (p >= limit) {
                    throw truncated(field, "a varint");
                }
                int b = buf[p++];
                raw |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    pos = p;
                    return raw >>> 1 ^ -(raw & 1);
                }
            }
            throw malformed(field, "varint longer than 10 bytes");
        }

        /** A zig-zag varint of at most 5 bytes; bits past 32 are dropped, as Avro's decoder drops them. */
        int readInt(String field) {
            int p = pos;
            int raw = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                if (p >= limit) {
                    throw truncated(field, "a varint");
                }
                int b = buf[p++];
                raw |= (b & 0x7f) << shift;
                if (b >= 0) {
                    pos = p;
                    return raw >>> 1 ^ -(raw & 1);
                }
            }
            throw malformed(field, "int varint longer than 5 bytes");
        }

        double readDouble(String field) {
            if (limit - pos < 8) {
                throw truncated(field, "an 8-byte double");
            }
            double value = Double.longBitsToDouble((long) LITTLE_ENDIAN_LONG.get(buf, pos));
            pos += 8;
            return value;
        }

        String readString(String field) {
            int at = pos;
            long length = readLong(field);
            if (length < 0) {
                throw malformedAt(at, field, "negative string length " + length);
            }
            if (length > limit - pos) {
                throw malformedAt(
                        at,
                        field,
                        "string length " + length + " is past the end of the data (" + (limit - pos) + " bytes left)");
            }
            SystemLimitException.checkMaxStringLength(length);
            if (length == 0) {
                return "";
            }
            // The JDK's UTF-8 decoding has its own vectorised ASCII fast path, and replaces malformed input
            // exactly as Avro's Utf8.toString() does, since that is what Avro calls.
            String value = new String(buf, pos, (int) length, StandardCharsets.UTF_8);
            pos += (int) length;
            return value;
        }

        /** The branch of a {@code ["null", T]} union: 0 for null, 1 for the value. */
        int readUnionIndex(String field) {
            int at = pos;
            int index = readInt(field);
            if (index != 0 && index != 1) {
                throw malformedAt(at, field, "union branch " + index + " out of range [0, 1]");
            }
            return index;
        }

        int readEnum(String field, int symbols) {
            int at = pos;
            int ordinal = readInt(field);
            if (ordinal < 0 || ordinal >= symbols) {
                throw malformedAt(at, field, "enum ordinal " + ordinal + " out of range [0, " + (symbols - 1) + "]");
            }
            return ordinal;
        }

        /**
         * A map of strings: blocks of (count, entries), ended by a count of 0; a negative count is followed by
         * the block's byte size, which is skipped. A {@code HashMap} of default capacity, as Avro's reader builds
         * it, so that the map iterates (and is written again) in the same order.
         */
        Map<String, String> readStringMap(String field) {
            Map<String, String> map = new HashMap<>();
            long entries = 0;
            while (true) {
                int at = pos;
                long count = readLong(field);
                if (count == 0) {
                    return map;
                }
                if (count < 0) {
                    readLong(field);
                    count = -count;
                    if (count < 0) {
                        throw malformedAt(at, field, "map block count " + Long.MIN_VALUE);
                    }
                }
                // Each entry holds at least its two length bytes.
                if (count > (limit - pos) / 2) {
                    throw malformedAt(
                            at,
                            field,
                            "map block of " + count + " entries is past the end of the data (" + (limit - pos)
                                    + " bytes left)");
                }
                SystemLimitException.checkMaxCollectionLength(entries, count);
                entries += count;
                for (long i = 0; i < count; i++) {
                    String key = readString(field);
                    map.put(key, readString(field));
                }
            }
        }

        private AvroRuntimeException truncated(String field, String what) {
            return malformedAt(
                    pos, field, "truncated: " + what + " needs more than the " + (limit - pos) + " bytes left");
        }

        private AvroRuntimeException malformed(String field, String what) {
            return malformedAt(pos, field, what);
        }

        private AvroRuntimeException malformedAt(int at, String field, String what) {
            return new AvroRuntimeException("Malformed Reading at byte " + (at - start) + " of " + (limit - start)
                    + " (field " + field + "): " + what);
        }
    }
}
