package io.fieldline.topologies.kpi;

import io.fieldline.schemas.Topics;
import io.fieldline.topologies.ReadingTimestampExtractor;
import io.fieldline.topologies.internal.TopicBindings;
import io.fieldline.topologies.internal.WindowKey;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * Room KPIs: {@code telemetry.aggregates.1m} of the configured input sensors, re-keyed by room,
 * into {@code telemetry.kpis} keyed by room. See {@link RoomKpiProcessor}.
 *
 * <p>This is the one topology that repartitions, on purpose: a room's series live on several
 * devices, hence several partitions, and a KPI needs them together. It repartitions the
 * one-minute aggregates, not the readings: one record per series per minute, and only of the
 * KPI input sensors, through the internal topic
 * {@code <application id>-}{@value #REPARTITION}{@code -repartition}, keyed by room.
 */
public final class KpiTopology {

    /** Name of the repartition (the internal topic is {@code <application id>-<this>-repartition}). */
    public static final String REPARTITION = "kpis-aggregates-by-room";
    /** Open climate windows per room. */
    public static final String CLIMATE_STORE = "kpis-climate-windows";
    /** Open days per room (light integrals, poultry counters). */
    public static final String DAY_STORE = "kpis-days";
    /** The last PPFD value of each light series, not yet integrated. */
    public static final String LIGHT_STORE = "kpis-pending-light";
    /** Per room: last weight and bird count of closed days. */
    public static final String CARRY_STORE = "kpis-room-carry";
    /** The KPI processor. */
    public static final String CALCULATOR = "kpis-room-calculator";
    /** Metric operation: input aggregates that arrived after their KPI window closed. */
    public static final String LATE_INPUTS = "late-kpi-inputs";

    private final KpiSettings settings;
    private final Topics topics;

    public KpiTopology(KpiSettings settings, Topics topics) {
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
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        settings.storeType().keyValue(CLIMATE_STORE),
                        WindowKey.serde(),
                        RoomKpiState.Climate.CODEC.serde())
                .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        settings.storeType().keyValue(DAY_STORE), WindowKey.serde(), RoomKpiState.Day.CODEC.serde())
                .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        settings.storeType().keyValue(LIGHT_STORE),
                        Serdes.String(),
                        RoomKpiState.PendingLight.CODEC.serde())
                .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        settings.storeType().keyValue(CARRY_STORE), Serdes.String(), RoomKpiState.Carry.CODEC.serde())
                .withCachingEnabled());

        builder.stream(
                        topics.aggregates1m().name(),
                        TopicBindings.consumed(topics.aggregates1m(), "kpis-aggregates-source")
                                .withTimestampExtractor(new ReadingTimestampExtractor()))
                .filter(
                        (device, aggregate) -> aggregate != null
                                && aggregate.getRoom() != null
                                && settings.inputOf(aggregate.getSensor()) != null,
                        Named.as("kpis-select-inputs"))
                .selectKey((device, aggregate) -> aggregate.getRoom(), Named.as("kpis-key-by-room"))
                .repartition(Repartitioned.with(
                                topics.aggregates1m().keySerde(),
                                topics.aggregates1m().valueSerde())
                        .withName(REPARTITION))
                .process(
                        () -> new RoomKpiProcessor(settings),
                        Named.as(CALCULATOR),
                        CLIMATE_STORE,
                        DAY_STORE,
                        LIGHT_STORE,
                        CARRY_STORE)
                .to(topics.kpis().name(), TopicBindings.produced(topics.kpis(), "kpis-sink"));
        return builder.build();
    }
}
