package io.fieldline.topologies.enrich;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * One compacted metadata topic (devices, sensors) as a global store, with its values also kept
 * deserialised, so that a lookup on the per-reading path costs a hash-map read instead of a store
 * read and an Avro decode.
 *
 * <p>The global store stays the state: the global thread's {@link #updater() updater} writes every
 * record of the topic to the store first and to the view second (restoration replays the topic
 * through the same updater). The view is filled lazily from the store, so it is also right when a
 * persistent store restored only the tail of the topic. Why it cannot go stale: the updater's view
 * write and a stream thread's fill of the same key are serialised by the map, and the updater
 * writes the view only after the store; a fill that read the old value is overwritten by the
 * updater's write that follows it.
 *
 * <p>One instance belongs to one topology, that is to one {@code KafkaStreams} instance, whose
 * threads share it, as they share the global store.
 *
 * @param <V> the metadata record type
 */
public final class MetadataTable<V> {

    private final String storeName;
    private final ConcurrentHashMap<String, V> values = new ConcurrentHashMap<>();

    public MetadataTable(String storeName) {
        this.storeName = Objects.requireNonNull(storeName, "storeName");
    }

    public String storeName() {
        return storeName;
    }

    /** The processor that keeps the global store and the view up to date. */
    public ProcessorSupplier<String, V, Void, Void> updater() {
        return Updater::new;
    }

    /** A reader for one processor, bound to the global store it got from its context. */
    public Reader<V> reader(ProcessorContext<?, ?> context) {
        ReadOnlyKeyValueStore<String, V> store = context.getStateStore(storeName);
        return key -> {
            V value = values.get(key); // lock-free; computeIfAbsent may lock the bin even on a hit
            return value != null ? value : values.computeIfAbsent(key, store::get);
        };
    }

    /** Reads one key, null when absent. */
    @FunctionalInterface
    public interface Reader<V> {
        V get(String key);
    }

    private final class Updater implements Processor<String, V, Void, Void> {
        private KeyValueStore<String, V> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(storeName);
        }

        @Override
        public void process(Record<String, V> record) {
            String key = record.key();
            if (key == null) {
                return; // not addressable; a compacted topic cannot keep it either
            }
            if (record.value() == null) {
                store.delete(key);
                values.remove(key);
            } else {
                store.put(key, record.value());
                values.put(key, record.value());
            }
        }
    }
}
