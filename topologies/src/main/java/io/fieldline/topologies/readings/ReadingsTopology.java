package io.fieldline.topologies.readings;

import io.fieldline.schemas.Topic;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.topologies.ReadingTimestampExtractor;
import io.fieldline.topologies.aggregate.AggregateSettings;
import io.fieldline.topologies.aggregate.QuantileSketches;
import io.fieldline.topologies.aggregate.SeriesWindowAggregator;
import io.fieldline.topologies.enrich.EnrichmentSettings;
import io.fieldline.topologies.enrich.MetadataTable;
import io.fieldline.topologies.enrich.ReadingDeduplicator;
import io.fieldline.topologies.enrich.ReadingEnrichmentProcessor;
import java.util.Objects;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The readings application: the per-reading hot path, enrichment and windowed aggregates in one
 * sub-topology.
 *
 * <pre>
 * telemetry.readings --&gt; enrich --+--&gt; telemetry.readings.enriched
 *                                  +--&gt; aggregate --+--&gt; telemetry.aggregates.1m
 *                                                   +--&gt; telemetry.aggregates.1h
 *                                                   +--&gt; telemetry.readings.late
 * metadata.devices, metadata.sensors --&gt; global stores read by enrich
 * </pre>
 *
 * <p>Enrichment joins each reading with its device and sensor (global stores, so nothing is
 * repartitioned; see {@link ReadingEnrichmentProcessor}); the enriched reading is written to
 * {@code telemetry.readings.enriched} for the other applications and downstream consumers, and
 * handed in memory to the window aggregator ({@link SeriesWindowAggregator}), which would
 * otherwise have to read it back from that topic and decode it again. Everything is keyed by
 * deviceId, as the input, so one task owns a device's readings, its windows and its output, and
 * under exactly-once they commit in one transaction.
 */
public final class ReadingsTopology {

    /** Global store of metadata.devices. */
    public static final String DEVICES_STORE = "enrichment-devices";
    /** Global store of metadata.sensors. */
    public static final String SENSORS_STORE = "enrichment-sensors";
    /** Source of telemetry.readings. */
    public static final String SOURCE = "enrichment-readings-source";
    /** The enrichment processor; it counts readings of unknown devices. */
    public static final String ENRICHER = "enrichment-enricher";
    /** Metric operation: readings of devices not in metadata.devices ({@code unknown-device-readings-total}). */
    public static final String UNKNOWN_DEVICES = "unknown-device-readings";
    /** The window processor. */
    public static final String AGGREGATOR = "aggregates-window-aggregator";
    /** Open small windows: (window start, device, sensor) to statistics. */
    public static final String WINDOW_STORE = SeriesWindowAggregator.WINDOW_STORE;
    /** Open rollup windows, merged from the closed small ones. */
    public static final String ROLLUP_STORE = SeriesWindowAggregator.ROLLUP_STORE;
    /** Metric operation: readings that arrived after their window closed ({@code late-readings-total}). */
    public static final String LATE_READINGS = SeriesWindowAggregator.LATE_READINGS;

    private static final String ENRICHED_SINK = "enrichment-enriched-sink";
    /** Drops second copies of a reading (at-least-once delivery from the edges). */
    public static final String DEDUPLICATOR = "enrichment-deduplicate";
    /** Counter (on {@link #DEDUPLICATOR}): second copies dropped. */
    public static final String DUPLICATE_READINGS = ReadingDeduplicator.DUPLICATES;

    private static final String WINDOW_SINK = "aggregates-1m-sink";
    private static final String ROLLUP_SINK = "aggregates-1h-sink";
    private static final String LATE_SINK = "aggregates-late-sink";

    private final EnrichmentSettings enrichment;
    private final AggregateSettings aggregates;
    private final Topics topics;

    public ReadingsTopology(EnrichmentSettings enrichment, AggregateSettings aggregates, Topics topics) {
        this.enrichment = Objects.requireNonNull(enrichment, "enrichment");
        this.aggregates = Objects.requireNonNull(aggregates, "aggregates");
        this.topics = Objects.requireNonNull(topics, "topics");
    }

    /** Builds the topology; no I/O. */
    public Topology build() {
        return build(null);
    }

    /** Builds the topology under the application's topology configuration. */
    public Topology build(TopologyConfig config) {
        Topology topology = config == null ? new Topology() : new Topology(config);

        MetadataTable<Device> devices = new MetadataTable<>(DEVICES_STORE);
        MetadataTable<Sensor> sensors = new MetadataTable<>(SENSORS_STORE);
        addMetadata(topology, topics.devices(), devices, "enrichment-devices");
        addMetadata(topology, topics.sensors(), sensors, "enrichment-sensors");

        Topic<String, Reading> readings = topics.readings();
        topology.addSource(
                (org.apache.kafka.streams.AutoOffsetReset) null,
                SOURCE,
                new ReadingTimestampExtractor(),
                readings.keySerde().deserializer(),
                readings.valueSerde().deserializer(),
                readings.name());
        String enricherParent = SOURCE;
        if (!enrichment.dedupRetention().isZero()) {
            topology.addProcessor(DEDUPLICATOR, () -> new ReadingDeduplicator(DEDUPLICATOR), SOURCE);
            topology.addStateStore(
                    ReadingDeduplicator.store(enrichment.storeType(), enrichment.dedupRetention()), DEDUPLICATOR);
            enricherParent = DEDUPLICATOR;
        }
        topology.addProcessor(
                ENRICHER,
                () -> new ReadingEnrichmentProcessor(ENRICHER, UNKNOWN_DEVICES, devices, sensors),
                enricherParent);
        Topic<String, Reading> enriched = topics.enrichedReadings();
        topology.addSink(
                ENRICHED_SINK,
                enriched.name(),
                enriched.keySerde().serializer(),
                enriched.valueSerde().serializer(),
                ENRICHER);

        QuantileSketches sketches =
                new QuantileSketches(aggregates.sketchRelativeAccuracy(), aggregates.sketchMaxBins());
        topology.addProcessor(
                AGGREGATOR,
                () -> new SeriesWindowAggregator(aggregates, sketches, AGGREGATOR, WINDOW_SINK, ROLLUP_SINK, LATE_SINK),
                ENRICHER);
        for (StoreBuilder<?> store : SeriesWindowAggregator.stores(aggregates, sketches)) {
            topology.addStateStore(store, AGGREGATOR);
        }
        topology.addSink(
                WINDOW_SINK,
                topics.aggregates1m().name(),
                topics.aggregates1m().keySerde().serializer(),
                topics.aggregates1m().valueSerde().serializer(),
                AGGREGATOR);
        topology.addSink(
                ROLLUP_SINK,
                topics.aggregates1h().name(),
                topics.aggregates1h().keySerde().serializer(),
                topics.aggregates1h().valueSerde().serializer(),
                AGGREGATOR);
        topology.addSink(
                LATE_SINK,
                topics.lateReadings().name(),
                topics.lateReadings().keySerde().serializer(),
                topics.lateReadings().valueSerde().serializer(),
                AGGREGATOR);
        return topology;
    }

    private <V> void addMetadata(Topology topology, Topic<String, V> topic, MetadataTable<V> table, String prefix) {
        // Global stores restore from their (compacted) source topic, not from a changelog.
        StoreBuilder<?> store = Stores.keyValueStoreBuilder(
                        enrichment.storeType().keyValue(table.storeName()), topic.keySerde(), topic.valueSerde())
                .withLoggingDisabled();
        topology.addGlobalStore(
                store,
                prefix + "-source",
                topic.keySerde().deserializer(),
                topic.valueSerde().deserializer(),
                topic.name(),
                prefix + "-updater",
                table.updater());
    }
}
