package io.fieldline.schemas.serde;

import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryClientConfig;
import io.fieldline.schemas.registry.SchemaRegistryException;
import io.fieldline.schemas.registry.SchemaVersion;
import io.fieldline.schemas.serde.internal.EncodingBuffer;
import io.fieldline.schemas.serde.internal.ReadingCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro data in the Confluent wire format ({@link ConfluentWireFormat}), byte for byte what
 * Confluent's {@code KafkaAvroSerializer} writes, so any Confluent-compatible consumer reads it.
 *
 * <p>Accepts generated {@link SpecificRecord}s, {@link org.apache.avro.generic.GenericRecord}s (any
 * {@link GenericContainer}) and, like Confluent's serializer, bare Avro primitives: {@code Boolean},
 * {@code Integer}, {@code Long}, {@code Float}, {@code Double}, {@code CharSequence} (as {@code string}),
 * {@code byte[]} and {@code ByteBuffer} (as {@code bytes}). Null stays null (a tombstone).
 *
 * <p>Subjects follow the TopicNameStrategy: {@code <topic>-key} or {@code <topic>-value}. On the first write
 * of a schema to a topic, the schema is registered under the subject (or, with {@code auto.register.schemas}
 * false, looked up; or, with {@code use.latest.version}, the subject's latest version is used); the id is then
 * cached, so the steady state makes no registry call and allocates little beyond the returned array.
 *
 * <p>{@link Reading} records (exactly that class, the hot path) are encoded by {@link ReadingCodec}, which writes
 * the same bytes as Avro's {@code SpecificDatumWriter} in about a third of the time; when the codec does not match
 * the generated {@code Reading} schema ({@link ReadingCodec#isUsable()} false), they take the generic Avro path like
 * any record.
 *
 * <p>Failures: a schema the registry rejects (incompatible, not registered, invalid) or a datum that does not
 * match its schema throws {@link SerializationException}; a registry that cannot be reached after the client's
 * retries throws {@link SchemaRegistryException} with {@link SchemaRegistryException#isTransient()} true.
 *
 * <p>Either build it with a {@link SchemaRegistryClient} (and {@code isKey}), or let Kafka create it by class
 * name and call {@link #configure(Map, boolean)} with the keys of {@link AvroSerdeConfig} and
 * {@link SchemaRegistryClientConfig}. Thread-safe.
 *
 * @param <T> the type of the values written; {@code Object} accepts anything listed above
 */
public class AvroSerializer<T> implements Serializer<T> {

    /** Per-thread buffers larger than this are dropped after use rather than kept. */
    private static final int MAX_RETAINED_BUFFER = 1 << 20;

    private volatile SchemaRegistryClient client;
    private volatile boolean isKey;
    private volatile boolean autoRegister;
    private volatile boolean useLatestVersion;

    private final Map<String, TopicBindings> topics = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> specificWriters = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> genericWriters = new ConcurrentHashMap<>();
    private final ThreadLocal<EncodingBuffer> buffers = ThreadLocal.withInitial(EncodingBuffer::new);
    private volatile boolean readingCodec = ReadingCodec.isUsable();

    /** For Kafka's configuration by class name; {@link #configure(Map, boolean)} must be called before use. */
    public AvroSerializer() {
        this.autoRegister = true;
    }

    /**
     * A serializer that auto-registers schemas under {@code <topic>-key} or {@code <topic>-value}.
     *
     * @param client the registry
     * @param isKey  whether it serializes record keys (subject suffix {@code -key}) or values ({@code -value})
     */
    public AvroSerializer(SchemaRegistryClient client, boolean isKey) {
        this(client, isKey, true, false);
    }

    /**
     * A serializer with explicit registration behaviour.
     *
     * @param autoRegister     register the schema on first write; when false it must already be registered
     * @param useLatestVersion write with the subject's latest version id (which must equal the record's schema)
     */
    public AvroSerializer(SchemaRegistryClient client, boolean isKey, boolean autoRegister, boolean useLatestVersion) {
        this.client = java.util.Objects.requireNonNull(client, "client");
        this.isKey = isKey;
        this.autoRegister = autoRegister;
        this.useLatestVersion = useLatestVersion;
    }

    /**
     * Reads {@code auto.register.schemas} and {@code use.latest.version} and, when no client was given, builds
     * an {@link HttpSchemaRegistryClient} from {@code schema.registry.url} and the other registry keys.
     *
     * @throws org.apache.kafka.common.config.ConfigException naming an invalid or missing key
     */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        this.isKey = isKey;
        this.autoRegister = config.autoRegisterSchemas();
        this.useLatestVersion = config.useLatestVersion();
        if (client == null) {
            client = new HttpSchemaRegistryClient(new SchemaRegistryClientConfig(configs));
        }
        topics.clear();
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        Schema schema = schemaOf(data);
        TopicBindings bindings = topics.get(topic);
        if (bindings == null) {
            bindings = topics.computeIfAbsent(topic, t -> new TopicBindings(t + (isKey ? "-key" : "-value")));
        }
        Integer id = bindings.bySchema.get(schema);
        if (id == null) {
            id = bind(topic, bindings, schema);
        }
        boolean codec = writesWithReadingCodec(data);
        DatumWriter<Object> writer = codec ? null : writerFor(data, schema);
        EncodingBuffer buffer = buffers.get();
        try {
            buffer.reset();
            buffer.write(ConfluentWireFormat.MAGIC_BYTE);
            buffer.writeIntBigEndian(id);
            if (codec) {
                ReadingCodec.encode((Reading) data, buffer);
            } else {
                writer.write(data instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : data, buffer.encoder());
            }
            return buffer.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "Cannot write " + data.getClass().getName() + " with schema " + schema.getFullName() + " (id " + id
                            + ") for topic " + topic + ": " + e.getMessage(),
                    e);
        } finally {
            buffer.releaseIfLargerThan(MAX_RETAINED_BUFFER);
        }
    }

    /**
     * Turns the {@link ReadingCodec} off (or back on, when it is usable), so that tests can compare its bytes
     * with the generic Avro path's.
     */
    void useReadingCodec(boolean use) {
        readingCodec = use && ReadingCodec.isUsable();
    }

    /** Whether the datum is encoded by the {@link ReadingCodec}: a {@link Reading}, exactly, while the codec is on. */
    boolean writesWithReadingCodec(Object data) {
        return readingCodec && data.getClass() == Reading.class;
    }

    /** The id under which the schema is written to the topic, as resolved on first write. */
    private int bind(String topic, TopicBindings bindings, Schema schema) {
        SchemaRegistryClient registry = client;
        if (registry == null) {
            throw new IllegalStateException(
                    "AvroSerializer is not configured: pass a SchemaRegistryClient or call configure()");
        }
        String subject = bindings.subject;
        int id;
        try {
            if (useLatestVersion) {
                SchemaVersion latest = registry.latest(subject);
                if (!latest.schema().equals(schema)) {
                    throw new SerializationException("use.latest.version: the latest version " + latest.version()
                            + " (id " + latest.id() + ") of subject " + subject + " differs from the record's schema "
                            + schema.getFullName() + "; register the record's schema or turn use.latest.version off");
                }
                id = latest.id();
            } else if (autoRegister) {
                id = registry.register(subject, schema);
            } else {
                id = registry.lookup(subject, schema);
            }
        } catch (SchemaRegistryException e) {
            if (e.isTransient()) {
                throw e;
            }
            throw new SerializationException(
                    "Cannot "
                            + (useLatestVersion
                                    ? "get the latest version of"
                                    : autoRegister
                                            ? "register schema " + schema.getFullName() + " under"
                                            : "find schema " + schema.getFullName() + " under")
                            + " subject " + subject + " for topic " + topic + ": "
                            + e.getMessage(),
                    e);
        }
        bindings.bySchema.putIfAbsent(schema, id);
        return id;
    }

    private DatumWriter<Object> writerFor(Object data, Schema schema) {
        if (data instanceof SpecificRecord) {
            DatumWriter<Object> writer = specificWriters.get(schema);
            // The generated class's SpecificData carries its logical-type conversions (Instant).
            return writer != null
                    ? writer
                    : specificWriters.computeIfAbsent(
                            schema, s -> new SpecificDatumWriter<>(s, SpecificData.getForSchema(s)));
        }
        DatumWriter<Object> writer = genericWriters.get(schema);
        return writer != null
                ? writer
                : genericWriters.computeIfAbsent(schema, s -> new GenericDatumWriter<>(s, GenericData.get()));
    }

    /**
     * The schema of a datum: its own for Avro containers, the primitive schema for Avro primitives.
     *
     * @throws SerializationException for any other type
     */
    static Schema schemaOf(Object data) {
        if (data instanceof GenericContainer container) {
            return container.getSchema();
        }
        Schema.Type type;
        if (data instanceof CharSequence) {
            type = Schema.Type.STRING;
        } else if (data instanceof Long) {
            type = Schema.Type.LONG;
        } else if (data instanceof Integer) {
            type = Schema.Type.INT;
        } else if (data instanceof Double) {
            type = Schema.Type.DOUBLE;
        } else if (data instanceof Float) {
            type = Schema.Type.FLOAT;
        } else if (data instanceof Boolean) {
            type = Schema.Type.BOOLEAN;
        } else if (data instanceof byte[] || data instanceof ByteBuffer) {
            type = Schema.Type.BYTES;
        } else {
            throw new SerializationException("Cannot write " + data.getClass().getName() + " as Avro: expected a "
                    + "SpecificRecord, GenericRecord or an Avro primitive (String, Long, Integer, Double, Float, "
                    + "Boolean, byte[], ByteBuffer)");
        }
        return PRIMITIVES.get(type);
    }

    private static final Map<Schema.Type, Schema> PRIMITIVES = Map.of(
            Schema.Type.STRING, Schema.create(Schema.Type.STRING),
            Schema.Type.LONG, Schema.create(Schema.Type.LONG),
            Schema.Type.INT, Schema.create(Schema.Type.INT),
            Schema.Type.DOUBLE, Schema.create(Schema.Type.DOUBLE),
            Schema.Type.FLOAT, Schema.create(Schema.Type.FLOAT),
            Schema.Type.BOOLEAN, Schema.create(Schema.Type.BOOLEAN),
            Schema.Type.BYTES, Schema.create(Schema.Type.BYTES));

    @Override
    public void close() {
        // The client may be shared with other serdes; it holds no resources that need closing.
    }

    private static final class TopicBindings {
        final String subject;
        final Map<Schema, Integer> bySchema = new ConcurrentHashMap<>();

        TopicBindings(String subject) {
            this.subject = subject;
        }
    }
}
