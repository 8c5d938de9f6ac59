package io.fieldline.sink.internal;

import java.util.Objects;

/** Quoting of identifiers and literals for the few statements that cannot take bind parameters (DDL). */
public record SqlNames(String schema) {

    public SqlNames {
        Objects.requireNonNull(schema, "schema");
    }

    /** A table of this schema, quoted and qualified. */
    public String table(String name) {
        return ident(schema) + "." + ident(name);
    }

    /** A double-quoted identifier. */
    public static String ident(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** A single-quoted string literal (standard_conforming_strings, on since PostgreSQL 9.1). */
    public static String literal(String value) {
        return '\'' + value.replace("'", "''") + '\'';
    }
}
