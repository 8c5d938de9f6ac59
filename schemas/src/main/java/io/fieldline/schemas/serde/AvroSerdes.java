package io.fieldline.schemas.serde;

import io.fieldline.schemas.registry.SchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Factories of Confluent wire-format Avro serdes bound to a registry client. The serdes auto-register
 * schemas under the TopicNameStrategy subjects ({@code <topic>-key}, {@code <topic>-value}) and need no
 * {@code configure} call.
 */
public final class AvroSerdes {

    private AvroSerdes() {}

    /**
     * A serde of a generated record class: writes with the class's schema, reads any compatible writer
     * schema into the class.
     *
     * @param type   the generated class, for example {@code Reading.class}
     * @param client the registry
     * @param isKey  whether the serde is for record keys (subject {@code <topic>-key}) or values
     */
    public static <T extends SpecificRecord> Serde<T> specific(
            Class<T> type, SchemaRegistryClient client, boolean isKey) {
        return new AvroSerde<>(new AvroSerializer<>(client, isKey), new AvroDeserializer<>(client, type));
    }

    /** A serde of generic records: writes with each record's schema, reads with the writer's schema. */
    public static Serde<GenericRecord> generic(SchemaRegistryClient client, boolean isKey) {
        return generic(client, isKey, null);
    }

    /**
     * A serde of generic records that reads every record into one reader schema (resolving writer schemas
     * against it).
     *
     * @param readerSchema the reader schema, or null to read with each record's writer schema
     */
    public static Serde<GenericRecord> generic(SchemaRegistryClient client, boolean isKey, Schema readerSchema) {
        return new AvroSerde<>(
                new AvroSerializer<>(client, isKey), new AvroDeserializer<>(client, GenericRecord.class, readerSchema));
    }
}
