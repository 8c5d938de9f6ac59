package io.fieldline.topologies.enrich;

import io.fieldline.schemas.avro.Reading;
import io.fieldline.topologies.StoreType;
import io.fieldline.topologies.internal.ProcessorCounter;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Drops a second copy of a reading: the same device, sensor and event time seen within the duplicate window. The
 * MQTT bridge delivers at least once (a message whose acknowledgement did not reach the broker before a crash or a
 * dropped connection is delivered again, and its readings reach Kafka again); the sinks absorb that by their keys,
 * but aggregates, alerts, anomaly scores and KPIs would count the copy. The seen readings live in a window store
 * (one entry per series and event time, expired by the store's retention), whose changelog commits with the
 * output, so under exactly-once a restart neither forgets a reading nor drops one it did not forward.
 */
public final class ReadingDeduplicator implements Processor<String, Reading, String, Reading> {

    /** The store of seen readings. */
    public static final String STORE = "enrichment-seen-readings";
    /** Metric operation: copies dropped ({@code duplicate-readings-total}). */
    public static final String DUPLICATES = "duplicate-readings";

    private final String name;
    private ProcessorContext<String, Reading> context;
    private WindowStore<String, Long> seen;
    private ProcessorCounter duplicates;

    public ReadingDeduplicator(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** The store the processor needs, for {@code retention} of event time. */
    public static StoreBuilder<WindowStore<String, Long>> store(StoreType type, Duration retention) {
        return Stores.windowStoreBuilder(
                type.window(STORE, retention, Duration.ofMillis(1)), Serdes.String(), Serdes.Long());
    }

    @Override
    public void init(ProcessorContext<String, Reading> context) {
        this.context = context;
        this.seen = context.getStateStore(STORE);
        this.duplicates = ProcessorCounter.register(context, name, DUPLICATES);
    }

    @Override
    public void process(Record<String, Reading> record) {
        Reading reading = record.value();
        if (reading == null) {
            return;
        }
        String series = reading.getDeviceId() + '\u0000' + reading.getSensor();
        long time = record.timestamp();
        try (WindowStoreIterator<Long> copies = seen.fetch(series, time, time)) {
            if (copies.hasNext()) {
                duplicates.increment();
                return;
            }
        }
        seen.put(series, time, time);
        context.forward(record);
    }
}
