package io.fieldline.schemas.serde.internal;

import java.util.List;
import org.apache.avro.Schema;

/**
 * Checks the lengths and counts in Avro binary data against the bytes actually there, before Avro's own readers see
 * it: they allocate what a length says before reading (a 10-byte record that claims a 2 GiB string makes Avro
 * allocate 2 GiB), so a hostile record could exhaust the heap. Walks the writer schema over the data without
 * allocating anything: every string, bytes, fixed, array and map must fit in what is left, a collection whose items
 * can take no bytes (nulls, empty records) is capped at {@value #MAX_EMPTY_ITEMS} items, and nesting (recursive
 * schemas) at {@value #MAX_DEPTH} levels. Values themselves (a union index, an enum ordinal) are left to Avro.
 */
public final class AvroLengthGuard {

    /** Items of a collection whose items can be empty on the wire: no byte count bounds them. */
    public static final int MAX_EMPTY_ITEMS = 65_536;
    /** Nesting of records, arrays, maps and unions. */
    public static final int MAX_DEPTH = 64;

    private final byte[] data;
    private final int end;
    private int position;

    private AvroLengthGuard(byte[] data, int offset, int length) {
        this.data = data;
        this.position = offset;
        this.end = offset + length;
    }

    /**
     * @return null when every length and count fits the data, else the reason (naming the limit)
     */
    public static String check(Schema writer, byte[] data, int offset, int length) {
        AvroLengthGuard guard = new AvroLengthGuard(data, offset, length);
        try {
            guard.walk(writer, 0);
            return null;
        } catch (Reject e) {
            return e.getMessage();
        }
    }

    private static final class Reject extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Reject(String reason) {
            super(reason, null, false, false);
        }
    }

    private void walk(Schema schema, int depth) {
        if (depth > MAX_DEPTH) {
            throw new Reject("Avro data nested deeper than " + MAX_DEPTH + " levels (nesting limit)");
        }
        switch (schema.getType()) {
            case NULL -> {}
            case BOOLEAN -> skip(1, "a boolean");
            case INT, LONG, ENUM -> varLong();
            case FLOAT -> skip(4, "a float");
            case DOUBLE -> skip(8, "a double");
            case STRING, BYTES -> skip(length(schema.getType() == Schema.Type.STRING ? "a string" : "bytes"), "");
            case FIXED -> skip(schema.getFixedSize(), "a fixed of " + schema.getFixedSize() + " bytes");
            case RECORD -> {
                for (Schema.Field field : schema.getFields()) {
                    walk(field.schema(), depth + 1);
                }
            }
            case UNION -> {
                long index = varLong();
                List<Schema> branches = schema.getTypes();
                if (index < 0 || index >= branches.size()) {
                    throw new Reject("union index " + index + " out of range (" + branches.size() + " branches)");
                }
                walk(branches.get((int) index), depth + 1);
            }
            case ARRAY -> collection(schema.getElementType(), null, depth);
            case MAP -> collection(schema.getValueType(), Schema.create(Schema.Type.STRING), depth);
        }
    }

    private void collection(Schema items, Schema keys, int depth) {
        boolean mayBeEmpty = keys == null && minSize(items, 0) == 0;
        long total = 0;
        while (true) {
            long count = varLong();
            if (count == 0) {
                return;
            }
            if (count == Long.MIN_VALUE || Math.abs(count) > Integer.MAX_VALUE) {
                // -Long.MIN_VALUE is itself negative; Avro's own readers refuse counts past an int anyway.
                throw new Reject("a collection block of " + count + " items (item count limit)");
            }
            if (count < 0) {
                count = -count;
                long blockBytes = varLong();
                if (blockBytes < 0 || blockBytes > end - position) {
                    throw new Reject("a collection block of " + blockBytes + " bytes, only " + (end - position)
                            + " left (length limit)");
                }
            }
            total += count;
            if (mayBeEmpty ? total > MAX_EMPTY_ITEMS : total > end - position) {
                throw new Reject("a collection of " + total + " items, more than "
                        + (mayBeEmpty
                                ? MAX_EMPTY_ITEMS + " (item count limit)"
                                : "the " + (end - position) + " bytes left can hold (length limit)"));
            }
            for (long i = 0; i < count; i++) {
                if (keys != null) {
                    walk(keys, depth + 1);
                }
                walk(items, depth + 1);
            }
        }
    }

    /** The fewest bytes a value of the schema takes on the wire (0 for null and empty records). */
    private static int minSize(Schema schema, int depth) {
        if (depth > MAX_DEPTH) {
            return 0;
        }
        return switch (schema.getType()) {
            case NULL -> 0;
            case BOOLEAN, INT, LONG, ENUM, STRING, BYTES, ARRAY, MAP, UNION -> 1;
            case FLOAT -> 4;
            case DOUBLE -> 8;
            case FIXED -> schema.getFixedSize();
            case RECORD -> {
                int sum = 0;
                for (Schema.Field field : schema.getFields()) {
                    sum += minSize(field.schema(), depth + 1);
                    if (sum > 0) {
                        break;
                    }
                }
                yield sum;
            }
        };
    }

    private long length(String what) {
        long length = varLong();
        if (length < 0 || length > end - position) {
            throw new Reject(what + " of " + length + " bytes, only " + (end - position) + " left (length limit)");
        }
        return length;
    }

    private void skip(long bytes, String what) {
        if (bytes > end - position) {
            throw new Reject("truncated: " + what + " needs " + bytes + " bytes, only " + (end - position) + " left");
        }
        position += (int) bytes;
    }

    /** A zig-zag varint, as Avro writes int and long. */
    private long varLong() {
        long raw = 0;
        int shift = 0;
        while (true) {
            if (position >= end) {
                throw new Reject("truncated: a number runs past the end of the data");
            }
            int b = data[position++] & 0xFF;
            raw |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
            if (shift > 63) {
                throw new Reject("a number longer than 10 bytes");
            }
        }
        return (raw >>> 1) ^ -(raw & 1);
    }
}
