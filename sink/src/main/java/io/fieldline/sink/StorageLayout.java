package io.fieldline.sink;

/** Which of the two storage layouts the migrations chose for the time-series tables. */
public enum StorageLayout {
    /** TimescaleDB hypertables with compression and retention policies run by TimescaleDB's jobs. */
    TIMESCALEDB,
    /** Native range partitioning by time, kept by {@link PartitionMaintenance}. */
    PARTITIONED
}
