package io.fieldline.schemas.serde;

import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryClientConfig;
import io.fieldline.schemas.registry.SchemaRegistryException;
import io.fieldline.schemas.serde.internal.AvroLengthGuard;
import io.fieldline.schemas.serde.internal.ReadingCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.Utf8;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Avro data in the Confluent wire format ({@link ConfluentWireFormat}), as written by
 * {@link AvroSerializer} or by Confluent's {@code KafkaAvroSerializer}.
 *
 * <p>The writer schema is fetched from the registry by the id in the payload (once per id), then resolved
 * against the reader schema with Avro's schema resolution, so records written with an older or newer
 * compatible schema are read into the reader's shape (added fields take their defaults, removed fields are
 * skipped). The reader schema is:
 * <ul>
 *   <li>for a {@link SpecificRecord} class, the class's own schema ({@code SCHEMA$});</li>
 *   <li>for generic reading, a reader schema given at construction, or else the writer schema itself;</li>
 *   <li>when created by class name with {@code specific.avro.reader=true}, the generated class named by the
 *       writer schema's full name.</li>
 * </ul>
 * Top-level Avro {@code string} values are returned as {@code String} and {@code bytes} as {@code byte[]}, as
 * Confluent's deserializer does. Null stays null (a tombstone).
 *
 * <p>Failures: a payload that is not Confluent wire format (wrong magic byte, too short), an id the registry
 * does not know, or Avro data that cannot be decoded or resolved throws {@link SerializationException} whose
 * message names the topic and schema id: a permanent problem of that record, to dead-letter. A registry that
 * cannot be reached after the client's retries throws {@link SchemaRegistryException} with
 * {@link SchemaRegistryException#isTransient()} true: not the record's fault, so it must not be dead-lettered.
 *
 * <p>{@link Reading} is decoded by {@link ReadingCodec} rather than Avro's {@code SpecificDatumReader}, in about half
 * the time and into an equal record, when {@code Reading} is what this deserializer returns (the reader schema
 * is the generated class's) and the writer schema has the layout the codec was written for
 * ({@link ReadingCodec#canDecode(Schema)}, decided once per schema id). Records written with any other schema,
 * older or newer, go through Avro's schema resolution as above. Malformed data fails the same way on both paths.
 *
 * <p>Thread-safe; datum readers are cached per writer id, decoders reused per thread.
 *
 * @param <T> the type of the values read
 */
public class AvroDeserializer<T> implements Deserializer<T> {

    private static final PayloadReader READING_CODEC = ReadingCodec::decode;

    private volatile SchemaRegistryClient client;
    private final Class<T> type;
    private final Schema readerSchema;
    private volatile boolean specificByWriterName;

    private final Map<Integer, PayloadReader> readers = new ConcurrentHashMap<>();
    private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();
    private volatile LastReader lastReader;
    private volatile boolean readingCodec = ReadingCodec.isUsable();

    /**
     * For Kafka's configuration by class name; {@link #configure(Map, boolean)} must be called before use.
     * Returns GenericRecords (or primitives), or generated classes with {@code specific.avro.reader=true}.
     */
    public AvroDeserializer() {
        this.type = null;
        this.readerSchema = null;
    }

    /**
     * A deserializer returning {@code type}: a generated {@link SpecificRecord} class (read with its own
     * schema), or {@code GenericRecord}/{@code Object} (read with the writer schema).
     */
    public AvroDeserializer(SchemaRegistryClient client, Class<T> type) {
        this(
                client,
                type,
                SpecificRecord.class.isAssignableFrom(Objects.requireNonNull(type, "type"))
                        ? SpecificData.getForClass(type).getSchema(type)
                        : null);
    }

    /**
     * A deserializer that resolves every record against a given reader schema.
     *
     * @param type         what the reader schema reads into: a generated class for a specific schema,
     *                     {@code GenericRecord} otherwise
     * @param readerSchema the reader schema, or null to read with the writer schema
     */
    public AvroDeserializer(SchemaRegistryClient client, Class<T> type, Schema readerSchema) {
        this.client = Objects.requireNonNull(client, "client");
        this.type = Objects.requireNonNull(type, "type");
        this.readerSchema = readerSchema;
    }

    /**
     * Reads {@code specific.avro.reader} and, when no client was given, builds an {@link HttpSchemaRegistryClient}
     * from {@code schema.registry.url} and the other registry keys.
     *
     * @throws org.apache.kafka.common.config.ConfigException naming an invalid or missing key
     */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        specificByWriterName = type == null && config.specificAvroReader();
        if (client == null) {
            client = new HttpSchemaRegistryClient(new SchemaRegistryClientConfig(configs));
        }
        readers.clear();
        lastReader = null;
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        int id;
        try {
            id = ConfluentWireFormat.schemaId(data);
        } catch (SerializationException e) {
            throw new SerializationException("Topic " + topic + ": " + e.getMessage());
        }
        // Consecutive records of a topic nearly always share one writer id: skip the map (and boxing) then.
        LastReader last = lastReader;
        PayloadReader reader = last != null && last.id == id ? last.reader : readers.get(id);
        if (reader == null) {
            // Built outside computeIfAbsent: it may call the registry, which must not block other ids.
            PayloadReader built = readerFor(topic, id);
            PayloadReader raced = readers.putIfAbsent(id, built);
            reader = raced != null ? raced : built;
        }
        if (last == null || last.id != id) {
            lastReader = new LastReader(id, reader);
        }
        Object value;
        try {
            value = reader.read(data, ConfluentWireFormat.HEADER_SIZE, data.length - ConfluentWireFormat.HEADER_SIZE);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "Cannot decode " + (data.length - ConfluentWireFormat.HEADER_SIZE)
                            + " bytes of Avro data written with schema id " + id + " on topic " + topic
                            + (readerSchema != null ? " as " + readerSchema.getFullName() : "") + ": " + e,
                    e);
        }
        return cast(topic, id, unwrapPrimitive(value));
    }

    /**
     * Turns the {@link ReadingCodec} off (or back on, when it is usable), so that tests can compare it with the
     * generic Avro path.
     */
    void useReadingCodec(boolean use) {
        readingCodec = use && ReadingCodec.isUsable();
        readers.clear();
        lastReader = null;
    }

    /** Whether records of this schema id, once read, are decoded by the {@link ReadingCodec}. */
    boolean readsWithReadingCodec(int id) {
        return readers.get(id) == READING_CODEC;
    }

    private PayloadReader readerFor(String topic, int id) {
        SchemaRegistryClient registry = client;
        if (registry == null) {
            throw new IllegalStateException(
                    "AvroDeserializer is not configured: pass a SchemaRegistryClient or call configure()");
        }
        Schema writer;
        try {
            writer = registry.getById(id);
        } catch (SchemaRegistryException e) {
            if (e.isTransient()) {
                throw e;
            }
            throw new SerializationException(
                    (e.isNotFound() ? "Unknown schema id " : "Cannot get schema id ") + id + " in a record of topic "
                            + topic + ": " + e.getMessage(),
                    e);
        }
        Schema reader = readerSchema;
        if (reader == null && specificByWriterName && isNamed(writer)) {
            Class<?> generated = SpecificData.get().getClass(writer);
            if (generated == null) {
                throw new SerializationException("specific.avro.reader is set but no generated class "
                        + writer.getFullName() + " is on the classpath (schema id " + id + ", topic " + topic + ")");
            }
            reader = SpecificData.get().getSchema(generated);
        }
        if (reader == null) {
            reader = writer;
        }
        boolean specific = type != null ? SpecificRecord.class.isAssignableFrom(type) : specificByWriterName;
        if (specific && isNamed(reader)) {
            // The generated class's SpecificData carries its logical-type conversions (Instant).
            SpecificData model = SpecificData.getForSchema(reader);
            Class<?> generated = model.getClass(reader);
            if (generated == Reading.class
                    && readingCodec
                    && ReadingCodec.canDecode(reader)
                    && ReadingCodec.canDecode(writer)) {
                return READING_CODEC;
            }
            if (generated != null) {
                return avro(writer, new SpecificDatumReader<>(writer, reader, model));
            }
        }
        return avro(writer, new GenericDatumReader<>(writer, reader, GenericData.get()));
    }

    /**
     * Reads with Avro's resolving datum reader, reusing a binary decoder per thread, after {@link AvroLengthGuard}
     * has checked every length and count against the data: Avro allocates what a length says before reading it.
     */
    private PayloadReader avro(Schema writer, DatumReader<Object> reader) {
        return (data, offset, length) -> {
            String reject = AvroLengthGuard.check(writer, data, offset, length);
            if (reject != null) {
                throw new IOException(reject);
            }
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, offset, length, decoders.get());
            decoders.set(decoder);
            return reader.read(null, decoder);
        };
    }

    private static boolean isNamed(Schema schema) {
        return schema.getType() == Schema.Type.RECORD
                || schema.getType() == Schema.Type.ENUM
                || schema.getType() == Schema.Type.FIXED;
    }

    private static Object unwrapPrimitive(Object value) {
        if (value instanceof Utf8 utf8) {
            return utf8.toString();
        }
        if (value instanceof ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return bytes;
        }
        return value;
    }

    private T cast(String topic, int id, Object value) {
        if (type == null) {
            @SuppressWarnings("unchecked") // created by class name: Kafka gives T no meaning beyond Object
            T anything = (T) value;
            return anything;
        }
        if (value != null && !type.isInstance(value)) {
            throw new SerializationException("Topic " + topic + " holds a "
                    + value.getClass().getName() + " (schema id " + id + ") where " + type.getName() + " was expected");
        }
        return type.cast(value);
    }

    /** Decodes the Avro data of one writer schema id. */
    @FunctionalInterface
    private interface PayloadReader {
        Object read(byte[] data, int offset, int length) throws IOException;
    }

    private record LastReader(int id, PayloadReader reader) {}

    @Override
    public void close() {
        // The client may be shared with other serdes; it holds no resources that need closing.
    }
}
