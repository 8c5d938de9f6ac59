package io.fieldline.schemas;

import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.AnomalyScore;
import io.fieldline.schemas.avro.CanFrame;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed catalogue of Fieldline's topics: name, key serde and value serde of each, built from the
 * configured {@link TopicNames} and one registry client. Keys are plain UTF-8 strings
 * ({@link Serdes#String()}), values Avro in the Confluent wire format, registered under
 * {@code <topic>-value}. Immutable and thread-safe; build one per application and share it.
 */
public final class Topics {

    private final TopicNames names;
    private final Topic<String, Reading> readings;
    private final Topic<String, Reading> enrichedReadings;
    private final Topic<String, Reading> lateReadings;
    private final Topic<String, Aggregate> aggregates1m;
    private final Topic<String, Aggregate> aggregates1h;
    private final Topic<String, Alert> alerts;
    private final Topic<String, AnomalyScore> anomalies;
    private final Topic<String, Kpi> kpis;
    private final Topic<String, CanFrame> canFrames;
    private final Topic<String, Device> devices;
    private final Topic<String, Sensor> sensors;
    private final Topic<String, AlertRule> alertRules;

    /**
     * Builds the catalogue.
     *
     * @param names  topic names (with the deployment's prefix)
     * @param client the registry the value serdes register in and read from
     */
    public Topics(TopicNames names, SchemaRegistryClient client) {
        this.names = Objects.requireNonNull(names, "names");
        Objects.requireNonNull(client, "client");
        Serde<String> keys = Serdes.String();
        Serde<Reading> reading = value(Reading.class, client);
        Serde<Aggregate> aggregate = value(Aggregate.class, client);
        readings = new Topic<>(names.readings(), keys, reading);
        enrichedReadings = new Topic<>(names.enrichedReadings(), keys, reading);
        lateReadings = new Topic<>(names.lateReadings(), keys, reading);
        aggregates1m = new Topic<>(names.aggregates1m(), keys, aggregate);
        aggregates1h = new Topic<>(names.aggregates1h(), keys, aggregate);
        alerts = new Topic<>(names.alerts(), keys, value(Alert.class, client));
        anomalies = new Topic<>(names.anomalies(), keys, value(AnomalyScore.class, client));
        kpis = new Topic<>(names.kpis(), keys, value(Kpi.class, client));
        canFrames = new Topic<>(names.canFrames(), keys, value(CanFrame.class, client));
        devices = new Topic<>(names.devices(), keys, value(Device.class, client));
        sensors = new Topic<>(names.sensors(), keys, value(Sensor.class, client));
        alertRules = new Topic<>(names.alertRules(), keys, value(AlertRule.class, client));
    }

    private static <T extends SpecificRecord> Serde<T> value(Class<T> type, SchemaRegistryClient client) {
        return AvroSerdes.specific(type, client, false);
    }

    /** The topic names this catalogue was built from. */
    public TopicNames names() {
        return names;
    }

    /** Raw readings from the bridges, keyed by device id. */
    public Topic<String, Reading> readings() {
        return readings;
    }

    /** Enriched (calibrated, quality-checked) readings, keyed by device id. */
    public Topic<String, Reading> enrichedReadings() {
        return enrichedReadings;
    }

    /** Readings that arrived after their window's grace period, keyed by device id. */
    public Topic<String, Reading> lateReadings() {
        return lateReadings;
    }

    /** One-minute aggregates, keyed by device id. */
    public Topic<String, Aggregate> aggregates1m() {
        return aggregates1m;
    }

    /** One-hour aggregates, keyed by device id. */
    public Topic<String, Aggregate> aggregates1h() {
        return aggregates1h;
    }

    /** Alert transitions, keyed by alert id ({@code ruleId/deviceId/sensor}). */
    public Topic<String, Alert> alerts() {
        return alerts;
    }

    /** Anomaly scores, keyed by device id. */
    public Topic<String, AnomalyScore> anomalies() {
        return anomalies;
    }

    /** Room KPIs, keyed by room id. */
    public Topic<String, Kpi> kpis() {
        return kpis;
    }

    /** Raw CAN frames, keyed by {@code interface/canId}. */
    public Topic<String, CanFrame> canFrames() {
        return canFrames;
    }

    /** Device metadata (compacted), keyed by device id. */
    public Topic<String, Device> devices() {
        return devices;
    }

    /** Sensor metadata (compacted), keyed by {@code deviceId/sensor}. */
    public Topic<String, Sensor> sensors() {
        return sensors;
    }

    /** Alert rules (compacted), keyed by rule id. */
    public Topic<String, AlertRule> alertRules() {
        return alertRules;
    }
}
