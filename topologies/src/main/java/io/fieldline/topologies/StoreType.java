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
}
