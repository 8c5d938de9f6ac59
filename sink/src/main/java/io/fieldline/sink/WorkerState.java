package io.fieldline.sink;

/** Life cycle of one sink worker (one stream of one sink), for health reporting. */
public enum WorkerState {
    /** Built, not started. */
    CREATED,
    /** Consuming and writing. */
    RUNNING,
    /** The store (or registry, or dead-letter topic) failed; retrying with backoff, partitions paused. Degraded. */
    RETRYING,
    /** Gave up (retry policy) or hit an unexpected error; uncommitted records wait for the next start. */
    FAILED,
    /** Closed. */
    STOPPED
}
