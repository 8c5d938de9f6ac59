package io.fieldline.sink.internal.postgres;

import io.fieldline.sink.internal.worker.SinkWriteException;
import java.sql.SQLException;
import java.util.Set;

/** Sorts database failures into "the data is wrong" and "try again later". */
final class SqlFailures {

    /**
     * SQLSTATE classes that blame the data: 22 data exception (invalid value, NUL in text, out of range),
     * 23 integrity constraint violation (check, not-null, foreign key), 54 program limit exceeded (an index
     * row too large for a huge key). Everything else (connection failures, shutdowns, lock and resource
     * trouble, a missing table) is treated as transient: it is about the server, not the record.
     */
    private static final Set<String> PERMANENT_CLASSES = Set.of("22", "23", "54");

    private SqlFailures() {}

    static SinkWriteException classify(String what, SQLException e) {
        String state = e.getSQLState();
        if (state != null && state.length() >= 2 && PERMANENT_CLASSES.contains(state.substring(0, 2))) {
            return new SinkWriteException.Permanent(what + " rejected [" + state + "]: " + e.getMessage(), e);
        }
        return new SinkWriteException.Transient(what + " failed [" + state + "]: " + e.getMessage(), e);
    }
}
