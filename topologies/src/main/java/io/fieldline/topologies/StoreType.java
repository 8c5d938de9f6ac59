package io.fieldline.topologies;

import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * Where the topologies keep their state. Either way every store is backed by a changelog topic,
 * so state survives a restart; RocksDB only shortens the restore.
 */
public enum StoreType {
    /** RocksDB on the state directory: restart restores only the changelog tail. */
    ROCKSDB,
    /** Heap maps: faster per update, but a restart replays the whole changelog. */
    IN_MEMORY;

    /** A key-value store supplier of this type. */
    public KeyValueBytesStoreSupplier keyValue(String name) {
        return this == ROCKSDB ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
    }

    /**
     * A window store supplier of this type that keeps one value per key and window start.
     *
     * @param retention how long a window is kept after stream time passed its start
     * @param size      the window size
     */
    public org.apache.kafka.streams.state.WindowBytesStoreSupplier window(
            String name, java.time.Duration retention, java.time.Duration size) {
        return this == ROCKSDB
                ? Stores.persistentWindowStore(name, retention, size, false)
                : Stores.inMemoryWindowStore(name, retention, size, false);
    }
}
