package io.fieldline.sink.internal.postgres;

import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.internal.worker.BatchSplitter;
import io.fieldline.sink.internal.worker.BatchWriter;
import io.fieldline.sink.internal.worker.SinkMetrics;
import io.fieldline.sink.internal.worker.SinkRecord;
import io.fieldline.sink.internal.worker.SinkWriteException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Writes a batch of one stream into its tables in a single transaction: the rows of every table of the
 * stream (history and current state) commit together or not at all.
 */
public final class PostgresStreamWriter<V> implements BatchWriter<V> {

    /** Turns a batch into rows per table (filtering, de-duplicating within the batch). */
    @FunctionalInterface
    public interface Plan<V> {
        /** The rows of a batch per table, in the order the tables are written. */
        List<TableRows<?>> rows(List<SinkRecord<V>> batch);

        /**
         * Runs in the batch's transaction after the rows of the last {@link #rows} call are written, before the
         * commit: statements that derive other rows from them (revisions, rollups). Called again when the
         * transaction is repeated.
         */
        default void afterWrite(Connection connection) throws SQLException {}

        /** The rows of the last {@link #rows} call are committed: a plan with a cache may trust them now. */
        default void committed() {}
    }

    /** Rows destined for one table. */
    public record TableRows<T>(CopyTable<T> table, Collection<T> rows) {}

    private final String stream;
    private final DataSource dataSource;
    private final TableCopier copier;
    private final Plan<V> plan;
    private final SinkMetrics metrics;
    private final SinkConfig.PostgresTimeouts timeouts;

    /** A writer without statement and network timeouts (tests, benchmarks). */
    public PostgresStreamWriter(
            String stream, DataSource dataSource, TableCopier copier, Plan<V> plan, SinkMetrics metrics) {
        this(
                stream,
                dataSource,
                copier,
                plan,
                metrics,
                new SinkConfig.PostgresTimeouts(Duration.ZERO, Duration.ZERO, Duration.ZERO));
    }

    /**
     * @param timeouts the statement timeout (server side) and network timeout (client side) of each write
     *                 transaction, so that a hung server fails the write (transiently) instead of blocking it
     */
    public PostgresStreamWriter(
            String stream,
            DataSource dataSource,
            TableCopier copier,
            Plan<V> plan,
            SinkMetrics metrics,
            SinkConfig.PostgresTimeouts timeouts) {
        this.stream = stream;
        this.dataSource = dataSource;
        this.copier = copier;
        this.plan = plan;
        this.metrics = metrics;
        this.timeouts = timeouts;
    }

    @Override
    public List<BatchSplitter.Rejected<V>> write(List<SinkRecord<V>> batch) throws SinkWriteException {
        List<TableRows<?>> parts = plan.rows(batch);
        List<TableCopier.Written> results;
        try {
            boolean direct = copier.mode() == SinkConfig.WriteMode.DIRECT_FIRST;
            try {
                results = transaction(parts, direct);
            } catch (SQLException e) {
                if (!direct || !TableCopier.UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
                // a replay: some rows are stored already; the staging path skips them
                results = transaction(parts, false);
            }
        } catch (SQLException e) {
            throw SqlFailures.classify("writing " + batch.size() + " " + stream + " records", e);
        }
        plan.committed();
        List<BatchSplitter.Rejected<V>> conflicting = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            String table = parts.get(i).table().table();
            TableCopier.Written written = results.get(i);
            metrics.rowsWritten(table, written.stored());
            if (written.duplicates() > 0) {
                metrics.duplicatesSkipped(table, written.duplicates());
            }
            if (!written.conflicts().isEmpty()) {
                metrics.conflictsSkipped(table, written.conflicts().size());
                conflicting.addAll(records(batch, written.conflicts()));
            }
        }
        return conflicting;
    }

    /** The records behind conflicting rows (tables that check conflicts store the record values as rows). */
    private static <V> List<BatchSplitter.Rejected<V>> records(
            List<SinkRecord<V>> batch, List<TableCopier.Conflicting> conflicts) {
        Map<Object, SinkRecord<V>> byValue = new IdentityHashMap<>();
        batch.forEach(r -> byValue.put(r.value(), r));
        List<BatchSplitter.Rejected<V>> rejected = new ArrayList<>(conflicts.size());
        for (TableCopier.Conflicting conflict : conflicts) {
            SinkRecord<V> record = byValue.get(conflict.row());
            if (record != null) {
                rejected.add(new BatchSplitter.Rejected<>(
                        record, new SinkWriteException.Permanent(conflict.reason(), null)));
            }
        }
        return rejected;
    }

    private List<TableCopier.Written> transaction(List<TableRows<?>> parts, boolean direct) throws SQLException {
        List<CopyTable<?>> tables = new ArrayList<>(parts.size());
        for (TableRows<?> part : parts) {
            tables.add(part.table());
        }
        List<TableCopier.Written> results = new ArrayList<>(parts.size());
        try (Connection c = dataSource.getConnection()) {
            if (!timeouts.socket().isZero()) {
                // the pool resets it when the connection returns; reads only, which is where a hung server blocks
                c.setNetworkTimeout(Runnable::run, (int)
                        Math.min(Integer.MAX_VALUE, timeouts.socket().toMillis()));
            }
            c.setAutoCommit(false);
            try {
                copier.prepare(c, tables); // may commit: the SET LOCAL below must come after it
                if (!timeouts.statement().isZero()) {
                    try (Statement st = c.createStatement()) {
                        st.execute("SET LOCAL statement_timeout = "
                                + timeouts.statement().toMillis());
                    }
                }
                for (TableRows<?> part : parts) {
                    results.add(write(c, part, direct));
                }
                plan.afterWrite(c);
                c.commit();
                return results;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        }
    }

    private <T> TableCopier.Written write(Connection c, TableRows<T> part, boolean direct) throws SQLException {
        return copier.write(c, part.table(), part.rows(), direct);
    }
}
