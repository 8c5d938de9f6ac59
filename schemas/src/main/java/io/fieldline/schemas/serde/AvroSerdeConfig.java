package io.fieldline.schemas.serde;

import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Settings of {@link AvroSerializer} and {@link AvroDeserializer} when Kafka configures them by class
 * name. The keys are Confluent's, so a configuration written for Confluent's Avro serdes works as is.
 * The registry connection itself is configured by the keys of
 * {@link io.fieldline.schemas.registry.SchemaRegistryClientConfig} ({@code schema.registry.url}, ...),
 * read from the same map; they are ignored when the serde was given a client.
 */
public final class AvroSerdeConfig extends AbstractConfig {

    /** Register the record's schema under the subject on first write; when false, look it up instead. */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    /** Write with the id of the subject's latest version (which must equal the record's schema). */
    public static final String USE_LATEST_VERSION = "use.latest.version";
    /** Deserialize into the generated SpecificRecord class named by the writer schema, rather than GenericRecord. */
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";

    private static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(
                    AUTO_REGISTER_SCHEMAS,
                    Type.BOOLEAN,
                    true,
                    Importance.MEDIUM,
                    "Whether the serializer registers the record's schema under the topic's subject on first "
                            + "write. When false the schema must already be registered (it is looked up), so "
                            + "producers cannot change a topic's contract.")
            .define(
                    USE_LATEST_VERSION,
                    Type.BOOLEAN,
                    false,
                    Importance.LOW,
                    "Whether the serializer writes with the id of the subject's latest version instead of "
                            + "registering or looking up the record's schema. The record's schema must equal "
                            + "that latest version; the latest version is read once per schema and serializer.")
            .define(
                    SPECIFIC_AVRO_READER,
                    Type.BOOLEAN,
                    false,
                    Importance.MEDIUM,
                    "Whether a deserializer created by class name returns generated SpecificRecord classes "
                            + "(resolved by the writer schema's full name) instead of GenericRecord.");

    /** Parses the serde keys; other keys in the map are ignored. */
    public AvroSerdeConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals, false);
    }

    /** The definitions of the serde keys, for generated documentation. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG_DEF);
    }

    /** See {@link #AUTO_REGISTER_SCHEMAS}. */
    public boolean autoRegisterSchemas() {
        return getBoolean(AUTO_REGISTER_SCHEMAS);
    }

    /** See {@link #USE_LATEST_VERSION}. */
    public boolean useLatestVersion() {
        return getBoolean(USE_LATEST_VERSION);
    }

    /** See {@link #SPECIFIC_AVRO_READER}. */
    public boolean specificAvroReader() {
        return getBoolean(SPECIFIC_AVRO_READER);
    }
}
