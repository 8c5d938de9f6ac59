package io.fieldline.topologies;

import java.util.Objects;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.AnomalyScore;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Sensor;

/**
 * The value serdes of every record type the topologies read or write. Keys are always UTF-8
 * strings ({@link #key()}). In production these are the Confluent wire-format Avro serdes bound
 * to the schema registry; tests pass the same serdes bound to an in-memory registry.
 */
public record TopologySerdes(Serde<Reading> reading, Serde<Device> device, Serde<Sensor> sensor,
                             Serde<AlertRule> alertRule, Serde<Aggregate> aggregate, Serde<Alert> alert,
                             Serde<AnomalyScore> anomaly, Serde<Kpi> kpi) {

    public TopologySerdes {
        Objects.requireNonNull(reading, "reading");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(sensor, "sensor");
        Objects.requireNonNull(alertRule, "alertRule");
        Objects.requireNonNull(aggregate, "aggregate");
        Objects.requireNonNull(alert, "alert");
        Objects.requireNonNull(anomaly, "anomaly");
        Objects.requireNonNull(kpi, "kpi");
    }

    /** Makes the value serde of one Avro record class. */
    @FunctionalInterface
    public interface ValueSerdeFactory {
        <T extends SpecificRecord> Serde<T> create(Class<T> type);
    }

    /** Builds all serdes with one factory, e.g. {@code AvroSerdes.specific(type, registry, false)}. */
    public static TopologySerdes from(ValueSerdeFactory factory) {
        return new TopologySerdes(factory.create(Reading.class), factory.create(Device.class),
                factory.create(Sensor.class), factory.create(AlertRule.class), factory.create(Aggregate.class),
                factory.create(Alert.class), factory.create(AnomalyScore.class), factory.create(Kpi.class));
    }

    /** The key serde of every topic: plain UTF-8 strings. */
    public Serde<String> key() {
        return Serdes.String();
    }
}
