package io.fieldline.topologies.alert;

import io.fieldline.schemas.Topics;
import io.fieldline.topologies.ReadingTimestampExtractor;
import io.fieldline.topologies.internal.TopicBindings;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.state.Stores;

/**
 * Alerts: {@code telemetry.readings.enriched} evaluated against the rules of
 * {@code metadata.alert-rules}, transitions to {@code telemetry.alerts} keyed by alertId
 * ({@code ruleId/deviceId/sensor}).
 *
 * <p>Rules, devices and sensors are global tables (every task needs every rule; changes apply
 * without restart; a tombstone deletes). The per-series state is keyed by series in the task that
 * owns the device, so no repartition; writing with the alertId key to the sink topic is a plain
 * re-keyed produce, not a repartition. See {@link AlertStateMachine} for the semantics.
 */
public final class AlertTopology {

    /** Per-series alert state. */
    public static final String SERIES_STORE = "alerts-series-state";
    /** Global store of metadata.alert-rules. */
    public static final String RULES_STORE = "alerts-rules";
    /** Global store of metadata.devices (expected intervals). */
    public static final String DEVICES_STORE = "alerts-devices";
    /** Global store of metadata.sensors (expected intervals). */
    public static final String SENSORS_STORE = "alerts-sensors";
    /** The evaluating processor. */
    public static final String EVALUATOR = "alerts-evaluator";

    private final AlertSettings settings;
    private final Topics topics;

    public AlertTopology(AlertSettings settings, Topics topics) {
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
        builder.globalTable(
                topics.alertRules().name(),
                TopicBindings.consumed(topics.alertRules(), "alerts-rules-source"),
                TopicBindings.materialized(
                        topics.alertRules(), settings.storeType().keyValue(RULES_STORE)));
        builder.globalTable(
                topics.devices().name(),
                TopicBindings.consumed(topics.devices(), "alerts-devices-source"),
                TopicBindings.materialized(
                        topics.devices(), settings.storeType().keyValue(DEVICES_STORE)));
        builder.globalTable(
                topics.sensors().name(),
                TopicBindings.consumed(topics.sensors(), "alerts-sensors-source"),
                TopicBindings.materialized(
                        topics.sensors(), settings.storeType().keyValue(SENSORS_STORE)));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        settings.storeType().keyValue(SERIES_STORE), Serdes.String(), SeriesAlertState.CODEC.serde())
                .withCachingEnabled());

        builder.stream(
                        topics.enrichedReadings().name(),
                        TopicBindings.consumed(topics.enrichedReadings(), "alerts-readings-source")
                                .withTimestampExtractor(new ReadingTimestampExtractor()))
                .process(() -> new AlertProcessor(settings), Named.as(EVALUATOR), SERIES_STORE)
                .to(topics.alerts().name(), TopicBindings.produced(topics.alerts(), "alerts-sink"));
        return builder.build();
    }
}
