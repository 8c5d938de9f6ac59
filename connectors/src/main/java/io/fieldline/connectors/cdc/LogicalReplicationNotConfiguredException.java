package io.fieldline.connectors.cdc;

import java.util.List;

/**
 * PostgreSQL is not set up for logical replication, so Debezium cannot stream from it. The
 * message names each setting to change ({@code wal_level}, {@code max_replication_slots},
 * {@code max_wal_senders}, the REPLICATION attribute) and its required value.
 */
public final class LogicalReplicationNotConfiguredException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public LogicalReplicationNotConfiguredException(String database, List<String> problems) {
        super("PostgreSQL at " + database + " is not configured for logical replication, which CDC needs: "
                + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One sentence per setting that is wrong. */
    public List<String> problems() {
        return problems;
    }
}
