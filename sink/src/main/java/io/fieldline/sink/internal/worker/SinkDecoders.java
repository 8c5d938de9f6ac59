package io.fieldline.sink.internal.worker;

import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryException;
import io.fieldline.schemas.serde.AvroSerdes;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/** Decoders of the Confluent wire-format Avro values the sinks read. */
public final class SinkDecoders {

    private SinkDecoders() {}

    /**
     * Reads values of a generated Avro class through the registry. A registry that cannot be reached is a
     * transient failure (the batch waits); a payload that cannot be read is the record's fault.
     */
    public static <T extends SpecificRecord> SinkWorker.Decoder<T> avro(Class<T> type, SchemaRegistryClient registry) {
        Deserializer<T> deserializer =
                AvroSerdes.specific(type, registry, false).deserializer();
        return record -> {
            try {
                return deserializer.deserialize(record.topic(), record.headers(), record.value());
            } catch (RuntimeException e) {
                for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                    if (t instanceof SchemaRegistryException registryFailure && registryFailure.isTransient()) {
                        throw new SinkWriteException.Transient("schema registry unavailable: " + t.getMessage(), e);
                    }
                }
                throw e;
            }
        };
    }
}
