package io.fieldline.topologies.alert;

import java.util.Objects;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.topologies.ReadingTimestampExtractor;
import io.fieldline.topologies.TopologySerdes;

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
    private final TopicNames topics;
    private final TopologySerdes serdes;

    public AlertTopology(AlertSettings settings, TopicNames topics, TopologySerdes serdes) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.serdes = Objects.requireNonNull(serdes, "serdes");
    }

    /** Builds the topology; no I/O. */
    public Topology build() {
        StreamsBuilder builder = new StreamsBuilder();
        Serde<String> keys = serdes.key();
        builder.globalTable(topics.alertRules(), Consumed.with(keys, serdes.alertRule()).withName("alerts-rules-source"),
                Materialized.<String, AlertRule>as(settings.storeType().keyValue(RULES_STORE))
                        .withKeySerde(keys).withValueSerde(serdes.alertRule()));
        builder.globalTable(topics.devices(), Consumed.with(keys, serdes.device()).withName("alerts-devices-source"),
                Materialized.<String, Device>as(settings.storeType().keyValue(DEVICES_STORE))
                        .withKeySerde(keys).withValueSerde(serdes.device()));
        builder.globalTable(topics.sensors(), Consumed.with(keys, serdes.sensor()).withName("alerts-sensors-source"),
                Materialized.<String, Sensor>as(settings.storeType().keyValue(SENSORS_STORE))
                        .withKeySerde(keys).withValueSerde(serdes.sensor()));
        builder.addStateStore(Stores.keyValueStoreBuilder(settings.storeType().keyValue(SERIES_STORE), keys,
                SeriesAlertState.CODEC.serde()).withCachingEnabled());

        builder.stream(topics.enrichedReadings(), Consumed.with(keys, serdes.reading())
                        .withTimestampExtractor(new ReadingTimestampExtractor())
                        .withName("alerts-readings-source"))
                .process(() -> new AlertProcessor(settings), Named.as(EVALUATOR), SERIES_STORE)
                .to(topics.alerts(), Produced.with(keys, serdes.alert()).withName("alerts-sink"));
        return builder.build();
    }
}
