package io.fieldline.topologies.internal;

import io.fieldline.schemas.Topic;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;

/** DSL bindings of catalogue topics, always named (so topology node names survive refactors). */
public final class TopicBindings {

    private TopicBindings() {}

    public static <K, V> Consumed<K, V> consumed(Topic<K, V> topic, String nodeName) {
        return Consumed.with(topic.keySerde(), topic.valueSerde()).withName(nodeName);
    }

    public static <K, V> Produced<K, V> produced(Topic<K, V> topic, String nodeName) {
        return Produced.with(topic.keySerde(), topic.valueSerde()).withName(nodeName);
    }

    /** A table of the topic, in a store of the given supplier. */
    public static <K, V> Materialized<K, V, KeyValueStore<Bytes, byte[]>> materialized(
            Topic<K, V> topic, KeyValueBytesStoreSupplier store) {
        return Materialized.<K, V>as(store).withKeySerde(topic.keySerde()).withValueSerde(topic.valueSerde());
    }
}
