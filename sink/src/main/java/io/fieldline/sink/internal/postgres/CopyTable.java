package io.fieldline.sink.internal.postgres;

import io.fieldline.sink.internal.SqlNames;
import io.fieldline.sink.internal.copy.PgBinaryCopyWriter;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How rows of type {@code T} go into one table with binary COPY: the column list, how one row is
 * encoded, and what happens to a row whose key is already stored.
 *
 * @param table      unqualified table name
 * @param columns    columns in COPY order; {@link RowEncoder} writes exactly these
 * @param conflict   what to do with a row whose natural key exists
 * @param key        natural key columns (the conflict target of upserts)
 * @param updated    columns an upsert replaces; empty for all but the key
 * @param newerWhen  for {@link Conflict#UPDATE_IF}, the condition (over {@code t.} and {@code excluded.})
 *                   under which the incoming row replaces the stored one
 * @param encoder    writes one row's fields
 * @param conflictCheck for {@link Conflict#IGNORE}, how a skipped row is told apart from a harmless duplicate;
 *                   null when skipped rows are not checked
 */
public record CopyTable<T>(
        String table,
        List<String> columns,
        Conflict conflict,
        List<String> key,
        List<String> updated,
        String newerWhen,
        RowEncoder<T> encoder,
        ConflictCheck<T> conflictCheck) {

    /** Fate of a row whose natural key is already stored. */
    public enum Conflict {
        /** Keep the stored row: history that never changes (measurements, alert transitions). */
        IGNORE,
        /** Replace the stored row when it differs: later revisions win (aggregates, KPIs). */
        UPDATE,
        /** Replace the stored row when {@code newerWhen} holds: current-state tables. */
        UPDATE_IF
    }

    /** Writes the fields of one row, in column order. */
    @FunctionalInterface
    public interface RowEncoder<T> {
        void encode(T row, PgBinaryCopyWriter out) throws SQLException;
    }

    /**
     * How a row that {@link Conflict#IGNORE} skipped because its key is stored is told apart from a harmless
     * duplicate (a replay, a redelivery with a new ingest time): when its {@code compared} columns differ from
     * the stored row's, it is a conflicting duplicate, another value that would otherwise vanish unseen.
     *
     * @param compared the columns that make the row's value (not bookkeeping such as the ingest time)
     * @param values   a row's key columns, then its compared columns, as they read back from JDBC: text as
     *                 String, float8 as Double, boolean as Boolean, timestamptz as Instant; null for NULL
     */
    public record ConflictCheck<T>(List<String> compared, Function<T, List<Object>> values) {
        public ConflictCheck {
            compared = List.copyOf(compared);
        }
    }

    public CopyTable {
        columns = List.copyOf(columns);
        key = List.copyOf(key);
        updated = List.copyOf(updated);
        if (conflictCheck != null && conflict != Conflict.IGNORE) {
            throw new IllegalArgumentException(table + ": only tables that keep the first row check conflicts");
        }
    }

    public CopyTable(
            String table,
            List<String> columns,
            Conflict conflict,
            List<String> key,
            List<String> updated,
            String newerWhen,
            RowEncoder<T> encoder) {
        this(table, columns, conflict, key, updated, newerWhen, encoder, null);
    }

    /** A table whose upserts replace every column but the key. */
    public CopyTable(
            String table,
            List<String> columns,
            Conflict conflict,
            List<String> key,
            String newerWhen,
            RowEncoder<T> encoder) {
        this(table, columns, conflict, key, List.of(), newerWhen, encoder, null);
    }

    /** This table, checking the rows it skips with {@code check}. */
    public CopyTable<T> withConflictCheck(ConflictCheck<T> check) {
        return new CopyTable<>(table, columns, conflict, key, updated, newerWhen, encoder, check);
    }

    String columnList() {
        return String.join(", ", columns);
    }

    String stagingTable() {
        return "fieldline_stage_" + table;
    }

    /** COPY into the real table (direct path) or into the staging table. */
    public String copySql(SqlNames names, boolean staging) {
        String target = staging ? "pg_temp." + stagingTable() : names.table(table);
        return "COPY " + target + " (" + columnList() + ") FROM STDIN (FORMAT BINARY)";
    }

    /** Session-local staging table: columns and types of the real table, no constraints, emptied at commit. */
    String createStagingSql(SqlNames names) {
        return "CREATE TEMP TABLE IF NOT EXISTS " + stagingTable() + " (LIKE " + names.table(table)
                + " INCLUDING DEFAULTS) ON COMMIT DELETE ROWS";
    }

    /** Moves the staged rows into the table, resolving key conflicts as configured. */
    String mergeSql(SqlNames names) {
        String target = names.table(table);
        String insert = "INSERT INTO " + target + " AS t (" + columnList() + ") SELECT " + columnList()
                + " FROM pg_temp." + stagingTable();
        return switch (conflict) {
            case IGNORE -> insert + " ON CONFLICT DO NOTHING";
            case UPDATE ->
                insert + " ON CONFLICT (" + String.join(", ", key) + ") DO UPDATE SET " + updateList() + " WHERE ("
                        + prefixed("t.", nonKey()) + ") IS DISTINCT FROM (" + prefixed("excluded.", nonKey()) + ")";
            case UPDATE_IF ->
                insert + " ON CONFLICT (" + String.join(", ", key) + ") DO UPDATE SET " + updateList() + " WHERE "
                        + newerWhen;
        };
    }

    /**
     * After {@link #mergeSql}, in the same transaction: the staged rows whose key is stored with other
     * {@link ConflictCheck#compared} values (a row skipped within the batch counts too, against the one that
     * was inserted). Columns: the staged row's key and compared columns, then the stored row's compared ones.
     */
    String conflictSql(SqlNames names) {
        List<String> compared = conflictCheck.compared();
        return "SELECT " + prefixed("s.", key) + ", " + prefixed("s.", compared) + ", " + prefixed("t.", compared)
                + " FROM pg_temp." + stagingTable() + " s JOIN " + names.table(table) + " t ON (" + prefixed("t.", key)
                + ") = (" + prefixed("s.", key) + ") WHERE (" + prefixed("s.", compared) + ") IS DISTINCT FROM ("
                + prefixed("t.", compared) + ")";
    }

    private List<String> nonKey() {
        return columns.stream().filter(c -> !key.contains(c)).toList();
    }

    private String updateList() {
        return (updated.isEmpty() ? nonKey() : updated)
                .stream().map(c -> c + " = excluded." + c).collect(Collectors.joining(", "));
    }

    private static String prefixed(String prefix, List<String> columns) {
        return columns.stream().map(c -> prefix + c).collect(Collectors.joining(", "));
    }
}
