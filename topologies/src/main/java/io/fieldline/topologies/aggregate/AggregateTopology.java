package io.fieldline.topologies.aggregate;

import java.util.Objects;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.state.Stores;

import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.topologies.ReadingTimestampExtractor;
import io.fieldline.topologies.internal.TopicBindings;
import io.fieldline.topologies.internal.WindowKey;

/**
 * Windowed aggregates: {@code telemetry.readings.enriched} into one-minute windows per series
 * ({@code telemetry.aggregates.1m}), one-hour rollups merged from them
 * ({@code telemetry.aggregates.1h}), and the readings that came too late
 * ({@code telemetry.readings.late}). All keyed by deviceId, as the input: no repartition. See
 * {@link SeriesWindowAggregator} for the windowing and {@link SeriesStats} for the statistics.
 */
public final class AggregateTopology {

    /** Open small windows: (window start, device, sensor) to statistics. */
    public static final String WINDOW_STORE = "aggregates-windows";
    /** Open rollup windows, merged from the closed small ones. */
    public static final String ROLLUP_STORE = "aggregates-rollups";
    /** The window processor. */
    public static final String AGGREGATOR = "aggregates-window-aggregator";
    /** Metric operation: readings that arrived after their window closed ({@code late-readings-total}). */
    public static final String LATE_READINGS = "late-readings";

    private final AggregateSettings settings;
    private final Topics topics;

    public AggregateTopology(AggregateSettings settings, Topics topics) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.topics = Objects.requireNonNull(topics, "topics");
    }

    /** Builds the topology; no I/O. */
    public Topology build() {
        return build(null);
    }

    /**
     * Builds the topology under the application's topology configuration, which carries, among
     * others, the check that every internal resource is explicitly named.
     */
    public Topology build(TopologyConfig config) {
        StreamsBuilder builder = config == null ? new StreamsBuilder() : new StreamsBuilder(config);
        QuantileSketches sketches = new QuantileSketches(settings.sketchRelativeAccuracy(), settings.sketchMaxBins());
        Serde<SeriesStats> statsSerde = SeriesStats.serde(sketches);
        builder.addStateStore(Stores.keyValueStoreBuilder(settings.storeType().keyValue(WINDOW_STORE),
                WindowKey.serde(), statsSerde).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(settings.storeType().keyValue(ROLLUP_STORE),
                WindowKey.serde(), statsSerde).withCachingEnabled());

        KStream<String, Reading> readings = builder.stream(topics.enrichedReadings().name(),
                TopicBindings.consumed(topics.enrichedReadings(), "aggregates-readings-source")
                        .withTimestampExtractor(new ReadingTimestampExtractor()));

        readings
                .process(() -> new SeriesWindowAggregator(settings, sketches), Named.as(AGGREGATOR),
                        WINDOW_STORE, ROLLUP_STORE)
                .split(Named.as("aggregates-"))
                .branch((key, out) -> out instanceof WindowOutput.Window, Branched.withConsumer(windows -> windows
                        .mapValues(out -> ((WindowOutput.Window) out).aggregate(), Named.as("aggregates-1m-values"))
                        .to(topics.aggregates1m().name(), TopicBindings.produced(topics.aggregates1m(), "aggregates-1m-sink")),
                        "1m"))
                .branch((key, out) -> out instanceof WindowOutput.Rollup, Branched.withConsumer(rollups -> rollups
                        .mapValues(out -> ((WindowOutput.Rollup) out).aggregate(), Named.as("aggregates-1h-values"))
                        .to(topics.aggregates1h().name(), TopicBindings.produced(topics.aggregates1h(), "aggregates-1h-sink")),
                        "1h"))
                .branch((key, out) -> out instanceof WindowOutput.Late, Branched.withConsumer(late -> late
                        .mapValues(out -> ((WindowOutput.Late) out).reading(), Named.as("aggregates-late-values"))
                        .to(topics.lateReadings().name(), TopicBindings.produced(topics.lateReadings(), "aggregates-late-sink")),
                        "late"));
        return builder.build();
    }
}
