package io.fieldline.schemas.registry;

import java.util.Objects;
import org.apache.avro.Schema;

/**
 * One registered version of a subject, as the registry reports it.
 *
 * @param subject the subject, for example {@code telemetry.readings-value}
 * @param version the version number within the subject, starting at 1
 * @param id      the global schema id, the one written into the Confluent wire format
 * @param schema  the parsed Avro schema
 */
public record SchemaVersion(String subject, int version, int id, Schema schema) {

    /** Checks that no component is null. */
    public SchemaVersion {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
    }
}
