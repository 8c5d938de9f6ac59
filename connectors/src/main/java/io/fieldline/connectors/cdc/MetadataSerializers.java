package io.fieldline.connectors.cdc;

import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import java.util.Objects;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The value serializers of the metadata topics: the three typed contracts and the generic
 * records of the other hierarchy tables. In production these write the Confluent wire format
 * against the Schema Registry.
 *
 * @param devices serializer of {@code metadata.devices} values
 * @param sensors serializer of {@code metadata.sensors} values
 * @param alertRules serializer of {@code metadata.alert-rules} values
 * @param tables serializer of the generic facility, zone, room and rack values
 */
public record MetadataSerializers(
        Serializer<Device> devices,
        Serializer<Sensor> sensors,
        Serializer<AlertRule> alertRules,
        Serializer<GenericRecord> tables)
        implements AutoCloseable {

    public MetadataSerializers {
        Objects.requireNonNull(devices, "devices");
        Objects.requireNonNull(sensors, "sensors");
        Objects.requireNonNull(alertRules, "alertRules");
        Objects.requireNonNull(tables, "tables");
    }

    /**
     * Confluent wire-format serializers against the registry: schemas are registered under the
     * {@code <topic>-value} subjects on first write.
     */
    public static MetadataSerializers avro(SchemaRegistryClient registry) {
        Objects.requireNonNull(registry, "registry");
        return new MetadataSerializers(
                AvroSerdes.specific(Device.class, registry, false).serializer(),
                AvroSerdes.specific(Sensor.class, registry, false).serializer(),
                AvroSerdes.specific(AlertRule.class, registry, false).serializer(),
                AvroSerdes.generic(registry, false).serializer());
    }

    /** Serializes a routed value; null (a tombstone) stays null. */
    byte[] serialize(CapturedTable table, String topic, Object value) {
        if (value == null) {
            return null;
        }
        return switch (table) {
            case DEVICE -> devices.serialize(topic, (Device) value);
            case SENSOR -> sensors.serialize(topic, (Sensor) value);
            case ALERT_RULE -> alertRules.serialize(topic, (AlertRule) value);
            default -> tables.serialize(topic, (GenericRecord) value);
        };
    }

    @Override
    public void close() {
        devices.close();
        sensors.close();
        alertRules.close();
        tables.close();
    }
}
