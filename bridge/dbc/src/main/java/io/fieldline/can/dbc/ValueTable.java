package io.fieldline.can.dbc;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Value descriptions of a signal ({@code VAL_}) or a named table ({@code VAL_TABLE_}): raw integer to label.
 * Immutable; lookups do not allocate. Keys are 64-bit two's complement, so a value written as
 * 18446744073709551615 and the raw value of a 64-bit unsigned signal with all bits set meet as -1.
 */
public final class ValueTable {

    private static final ValueTable EMPTY = new ValueTable(new long[0], new String[0], new long[0]);

    private final long[] keys;
    private final String[] labels;
    /** Keys in the order the file lists them, for cantools' reverse lookup. */
    private final long[] fileOrder;

    private ValueTable(long[] keys, String[] labels, long[] fileOrder) {
        this.keys = keys;
        this.labels = labels;
        this.fileOrder = fileOrder;
    }

    /** The empty table. */
    public static ValueTable empty() {
        return EMPTY;
    }

    /**
     * A table from raw values to labels, in the map's iteration order (the order of the file: pass a
     * {@link LinkedHashMap}). When a raw value appears twice in a file the later label wins, as in cantools.
     */
    public static ValueTable of(Map<Long, String> entries) {
        if (entries.isEmpty()) {
            return EMPTY;
        }
        long[] order = new long[entries.size()];
        int i = 0;
        for (Long key : entries.keySet()) {
            order[i++] = key;
        }
        long[] k = order.clone();
        Arrays.sort(k);
        String[] l = new String[k.length];
        for (int j = 0; j < k.length; j++) {
            l[j] = Objects.requireNonNull(entries.get(k[j]), "label");
        }
        return new ValueTable(k, l, order);
    }

    /** The label of a raw value, or null when the table has none. */
    public String label(long raw) {
        int i = Arrays.binarySearch(keys, raw);
        return i >= 0 ? labels[i] : null;
    }

    /** Whether the table has no entries. */
    public boolean isEmpty() {
        return keys.length == 0;
    }

    /** Number of entries. */
    public int size() {
        return keys.length;
    }

    /** Raw values in ascending order (a copy). */
    public long[] rawValues() {
        return keys.clone();
    }

    /**
     * The raw value cantools maps a label back to: with duplicate labels, its reverse lookup keeps the entry
     * listed last in the file. Multiplexer values resolve through it.
     */
    public long lastRawValueOf(String label) {
        for (int i = fileOrder.length - 1; i >= 0; i--) {
            if (label(fileOrder[i]).equals(label)) {
                return fileOrder[i];
            }
        }
        throw new IllegalArgumentException("no value has label " + label);
    }

    /** Entries in file order. */
    public Map<Long, String> asMap() {
        Map<Long, String> map = new LinkedHashMap<>();
        for (long key : fileOrder) {
            map.put(key, label(key));
        }
        return Collections.unmodifiableMap(map);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ValueTable other && Arrays.equals(keys, other.keys) && Arrays.equals(labels, other.labels);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(keys) + Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return asMap().toString();
    }
}
