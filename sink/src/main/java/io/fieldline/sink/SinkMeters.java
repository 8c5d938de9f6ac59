package io.fieldline.sink;

/**
 * Names of the meters both sinks register (tags {@code sink} = {@code postgres} or {@code redis}, and
 * {@code stream}), and the values of their finite tags. The meters themselves are registered per sink worker;
 * docs/metrics.md lists them with their Prometheus names.
 */
public final class SinkMeters {

    /** Counter: records consumed. */
    public static final String RECORDS = "fieldline.sink.records";
    /** Counter: records written (or dead-lettered) whose offsets were committed. */
    public static final String RECORDS_DONE = "fieldline.sink.records.done";
    /** Counter: batches written. */
    public static final String BATCHES = "fieldline.sink.batches";
    /** Counter: write attempts that failed transiently and were retried. */
    public static final String RETRIES = "fieldline.sink.retries";
    /** Counter: records sent to the dead-letter topic, tagged {@code reason}. */
    public static final String DEAD_LETTERS = "fieldline.sink.deadletters";
    /** Timer: from a batch's first record to its commit, retries included. */
    public static final String BATCH_DURATION = "fieldline.sink.batch.duration";
    /** Distribution summary: records per batch written (a histogram). */
    public static final String BATCH_SIZE = "fieldline.sink.batch.size";
    /** Gauge: records behind the end of the assigned partitions. */
    public static final String LAG = "fieldline.sink.lag";
    /** Gauge: 1 while the worker retries a failed write. */
    public static final String FAILING = "fieldline.sink.failing";
    /** Counter, tagged {@code table}: PostgreSQL rows inserted, or Redis entries written. */
    public static final String ROWS = "fieldline.sink.rows";
    /** Counter, tagged {@code table}: rows skipped because the store already held them. */
    public static final String DUPLICATES = "fieldline.sink.duplicates";
    /** Counter, tagged {@code table}: rows skipped because another value is stored under their key. */
    public static final String CONFLICTS = "fieldline.sink.conflicts";

    /** {@code reason} of a dead letter the worker could not decode: a null value (tombstone), or a decoding error. */
    public static final String REASON_UNDECODABLE = "undecodable";
    /** {@code reason} of a dead letter the store rejected for itself (a permanent write error, a conflict). */
    public static final String REASON_REJECTED = "rejected";

    private SinkMeters() {}
}
