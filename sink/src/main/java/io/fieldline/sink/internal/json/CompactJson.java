package io.fieldline.sink.internal.json;

import java.util.Map;

/**
 * A minimal writer of compact JSON objects, for the few flat shapes the sink stores (Redis values,
 * jsonb attribute maps). Non-finite doubles, which JSON cannot represent, are written as null.
 */
public final class CompactJson {

    private final StringBuilder out;
    private boolean first = true;

    private CompactJson(int capacity) {
        out = new StringBuilder(capacity).append('{');
    }

    /** Starts an object. */
    public static CompactJson object() {
        return new CompactJson(96);
    }

    /** A flat object of string values, or null for an empty or null map. */
    public static String ofStrings(Map<String, String> map) {
        if (map == null || map.isEmpty()) {
            return null;
        }
        CompactJson json = new CompactJson(16 * map.size());
        map.forEach(json::field);
        return json.end();
    }

    /** A flat object of numbers, or null for an empty or null map. */
    public static String ofNumbers(Map<String, Double> map) {
        if (map == null || map.isEmpty()) {
            return null;
        }
        CompactJson json = new CompactJson(16 * map.size());
        map.forEach((k, v) -> json.field(k, v == null ? Double.NaN : v));
        return json.end();
    }

    /** Adds a string field; a null value is omitted. */
    public CompactJson field(String name, String value) {
        if (value != null) {
            name(name);
            string(value);
        }
        return this;
    }

    /** Adds a number field. */
    public CompactJson field(String name, double value) {
        name(name);
        number(value);
        return this;
    }

    /** Adds a number field; a null value is omitted. */
    public CompactJson field(String name, Double value) {
        return value == null ? this : field(name, value.doubleValue());
    }

    /** Adds an integer field. */
    public CompactJson field(String name, long value) {
        name(name);
        out.append(value);
        return this;
    }

    /** Adds a boolean field. */
    public CompactJson field(String name, boolean value) {
        name(name);
        out.append(value);
        return this;
    }

    /** Closes the object and returns its text. */
    public String end() {
        return out.append('}').toString();
    }

    private void name(String name) {
        if (!first) {
            out.append(',');
        }
        first = false;
        string(name);
        out.append(':');
    }

    private void number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            out.append("null");
        } else if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            out.append((long) value);
        } else {
            out.append(value);
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
