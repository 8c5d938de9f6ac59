package io.fieldline.sink.internal.postgres;

import io.fieldline.sink.SinkConfig.WriteMode;
import io.fieldline.sink.internal.SqlNames;
import io.fieldline.sink.internal.copy.PgBinaryCopyWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Writes rows into a table with binary COPY, idempotently, inside the caller's transaction.
 *
 * <p>Staging path: COPY into a session-local temporary table (no indexes, no constraints: the fastest
 * COPY there is), then one {@code INSERT ... SELECT ... ON CONFLICT} moves the rows, skipping or updating
 * those whose natural key is already stored. Direct path, for tables that keep the first row: COPY
 * straight into the table, as fast as a raw COPY; a duplicate key (only a replay produces one) fails the
 * transaction, which the caller then repeats on the staging path. Rows whose later version wins always
 * take the staging path, since COPY cannot update.
 */
public final class TableCopier {

    static final String UNIQUE_VIOLATION = "23505";
    private static final int BUFFER_BYTES = 256 * 1024;

    private final SqlNames names;
    private final WriteMode mode;
    /** Staging tables already created per physical connection (temporary tables live as long as the session). */
    private final Map<PGConnection, Set<String>> staged = Collections.synchronizedMap(new WeakHashMap<>());

    public TableCopier(SqlNames names, WriteMode mode) {
        this.names = names;
        this.mode = mode;
    }

    /**
     * Result of one table write: rows offered, rows that changed the table, and the skipped rows that are
     * conflicting duplicates (see {@link CopyTable.ConflictCheck}).
     */
    public record Written(long offered, long stored, List<Conflicting> conflicts) {

        public Written {
            conflicts = List.copyOf(conflicts);
        }

        Written(long offered, long stored) {
            this(offered, stored, List.of());
        }

        /** Rows skipped as harmless duplicates (already stored, or identical). */
        public long duplicates() {
            return offered - stored - conflicts.size();
        }
    }

    /** A row not stored because its key holds another value; {@code reason} says which. */
    public record Conflicting(Object row, String reason) {}

    /** The write mode: whether a transaction may try the direct path first. */
    public WriteMode mode() {
        return mode;
    }

    /**
     * Writes {@code rows} into {@code table}. The connection must not be in auto-commit mode.
     *
     * @param direct whether to COPY straight into the table (tables that keep the first row only); a duplicate
     *               key then fails the statement with SQLSTATE 23505 and aborts the transaction, and the
     *               caller starts over with {@code direct} false. Cheaper than a savepoint per batch, since
     *               duplicates only come with replays.
     * @throws SQLException as the driver reports it; the caller classifies and rolls back
     */
    public <T> Written write(Connection connection, CopyTable<T> table, Collection<T> rows, boolean direct)
            throws SQLException {
        if (rows.isEmpty()) {
            return new Written(0, 0);
        }
        PGConnection pg = connection.unwrap(PGConnection.class);
        if (direct && table.conflict() == CopyTable.Conflict.IGNORE) {
            return new Written(rows.size(), copy(pg, table.copySql(names, false), table, rows));
        }
        copy(pg, table.copySql(names, true), table, rows);
        try (Statement st = connection.createStatement()) {
            long stored = st.executeLargeUpdate(table.mergeSql(names));
            // ON COMMIT DELETE ROWS empties the staging table at commit; each table has its own, and each
            // is filled at most once per transaction
            if (stored == rows.size() || table.conflictCheck() == null) {
                return new Written(rows.size(), stored);
            }
            return new Written(rows.size(), stored, conflicts(st, table, rows));
        }
    }

    /** The rows skipped because their key holds another value (the staging table still holds the batch). */
    private <T> List<Conflicting> conflicts(Statement st, CopyTable<T> table, Collection<T> rows) throws SQLException {
        CopyTable.ConflictCheck<T> check = table.conflictCheck();
        int identity = table.key().size() + check.compared().size();
        Map<List<Object>, List<Object>> storedByStaged = new HashMap<>();
        try (ResultSet rs = st.executeQuery(table.conflictSql(names))) {
            while (rs.next()) {
                List<Object> staged = new ArrayList<>(identity);
                List<Object> stored = new ArrayList<>(check.compared().size());
                for (int i = 1; i <= identity + check.compared().size(); i++) {
                    Object value = rs.getObject(i);
                    (i <= identity ? staged : stored).add(value instanceof Timestamp t ? t.toInstant() : value);
                }
                storedByStaged.put(staged, stored);
            }
        }
        if (storedByStaged.isEmpty()) {
            return List.of();
        }
        List<Conflicting> conflicts = new ArrayList<>();
        for (T row : rows) {
            List<Object> values = check.values().apply(row);
            List<Object> stored = storedByStaged.get(values);
            if (stored != null) {
                conflicts.add(new Conflicting(
                        row,
                        "conflicting duplicate: " + table.table() + " already holds ("
                                + String.join(", ", table.key()) + ") = "
                                + text(values.subList(0, table.key().size()))
                                + " with (" + String.join(", ", check.compared()) + ") = " + text(stored)
                                + "; this record has "
                                + text(values.subList(table.key().size(), values.size()))));
            }
        }
        return conflicts;
    }

    private static String text(List<Object> values) {
        StringBuilder out = new StringBuilder("(");
        for (int i = 0; i < values.size(); i++) {
            out.append(i == 0 ? "" : ", ").append(values.get(i));
        }
        return out.append(')').toString();
    }

    private <T> long copy(PGConnection pg, String sql, CopyTable<T> table, Collection<T> rows) throws SQLException {
        CopyIn in = pg.getCopyAPI().copyIn(sql);
        try {
            PgBinaryCopyWriter out =
                    new PgBinaryCopyWriter(in::writeToCopy, (int) Math.min(BUFFER_BYTES, 64L + 256L * rows.size()));
            for (T row : rows) {
                table.encoder().encode(row, out);
            }
            out.finish();
            return in.endCopy();
        } catch (SQLException | RuntimeException e) {
            if (in.isActive()) {
                try {
                    in.cancelCopy();
                } catch (SQLException cancel) {
                    e.addSuppressed(cancel);
                }
            }
            throw e;
        }
    }

    /**
     * Creates the staging tables of {@code tables} that this session lacks, and commits. Call at the start
     * of a transaction, before any data is written: the creation then survives a later rollback.
     */
    public void prepare(Connection connection, Collection<CopyTable<?>> tables) throws SQLException {
        PGConnection pg = connection.unwrap(PGConnection.class);
        Set<String> known = staged.computeIfAbsent(pg, k -> Collections.synchronizedSet(new HashSet<>()));
        boolean created = false;
        try (Statement st = connection.createStatement()) {
            for (CopyTable<?> table : tables) {
                if (!known.contains(table.stagingTable())) {
                    st.execute(table.createStagingSql(names));
                    created = true;
                }
            }
        }
        if (created) {
            connection.commit();
            for (CopyTable<?> table : tables) {
                known.add(table.stagingTable());
            }
        }
    }
}
