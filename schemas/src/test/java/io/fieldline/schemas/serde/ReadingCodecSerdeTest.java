package io.fieldline.schemas.serde;

import static io.fieldline.schemas.serde.internal.AvroReference.assertSameBytes;
import static io.fieldline.schemas.serde.internal.AvroReference.assertSameReading;
import static io.fieldline.schemas.serde.internal.AvroReference.codecBytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import io.fieldline.schemas.serde.internal.RandomReadings;
import java.nio.ByteBuffer;
import java.util.Iterator;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * The serde with {@link io.fieldline.schemas.serde.internal.ReadingCodec} wired in: the same bytes and records as
 * the generic Avro path, the codec used only for writer schemas of its own layout, resolution for all others.
 */
class ReadingCodecSerdeTest {

    private static final String TOPIC = "telemetry.readings";

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    @Test
    void shouldSerializeAndDeserializeAsTheGenericAvroPathDoes() {
        AvroSerializer<Reading> codecWriter = new AvroSerializer<>(registry, false);
        AvroSerializer<Reading> avroWriter = new AvroSerializer<>(registry, false);
        avroWriter.useReadingCodec(false);
        AvroDeserializer<Reading> codecReader = new AvroDeserializer<>(registry, Reading.class);
        AvroDeserializer<Reading> avroReader = new AvroDeserializer<>(registry, Reading.class);
        avroReader.useReadingCodec(false);
        RandomReadings readings = new RandomReadings(0xc0dec);

        for (int i = 0; i < 2_000; i++) {
            Reading reading = readings.next();
            byte[] bytes = codecWriter.serialize(TOPIC, reading);

            assertSameBytes(bytes, avroWriter.serialize(TOPIC, reading), "reading #" + i);
            assertSameReading(
                    codecReader.deserialize(TOPIC, bytes), avroReader.deserialize(TOPIC, bytes), "reading #" + i);
        }
        int id = ConfluentWireFormat.schemaId(codecWriter.serialize(TOPIC, readings.next()));
        assertThat(codecWriter.writesWithReadingCodec(readings.next())).isTrue();
        assertThat(avroWriter.writesWithReadingCodec(readings.next())).isFalse();
        assertThat(codecReader.readsWithReadingCodec(id)).isTrue();
        assertThat(avroReader.readsWithReadingCodec(id)).isFalse();
    }

    @Test
    void shouldReadAnOlderWriterSchemaThroughResolutionNextToTheCurrentOne() throws Exception {
        Schema v0 = withoutFields(Reading.getClassSchema(), "rawValue", "attributes");
        GenericRecord old = new GenericData.Record(v0);
        Reading current = RandomReadings.typical();
        for (Schema.Field field : v0.getFields()) {
            old.put(field.name(), toGeneric(current, field.name()));
        }
        byte[] oldBytes = AvroSerdes.generic(registry, false).serializer().serialize(TOPIC, old);
        byte[] currentBytes = new AvroSerializer<Reading>(registry, false).serialize(TOPIC, current);
        AvroDeserializer<Reading> deserializer = new AvroDeserializer<>(registry, Reading.class);

        for (int round = 0; round < 3; round++) { // alternating ids: the per-id decision, not the last one, counts
            Reading fromOld = deserializer.deserialize(TOPIC, oldBytes);
            Reading fromCurrent = deserializer.deserialize(TOPIC, currentBytes);

            assertThat(fromOld.getRawValue()).isNull();
            assertThat(fromOld.getAttributes()).isEmpty();
            assertThat(fromOld.getDeviceId()).isEqualTo(current.getDeviceId());
            assertThat(fromOld.getEventTime()).isEqualTo(current.getEventTime());
            assertThat(fromOld.getSource()).isEqualTo(current.getSource());
            assertThat(fromOld.getRoom()).isEqualTo(current.getRoom());
            assertThat(fromCurrent).isEqualTo(current);
        }
        assertThat(deserializer.readsWithReadingCodec(ConfluentWireFormat.schemaId(oldBytes)))
                .isFalse();
        assertThat(deserializer.readsWithReadingCodec(ConfluentWireFormat.schemaId(currentBytes)))
                .isTrue();
    }

    @Test
    void shouldReadANewerWriterSchemaThroughResolution() throws Exception {
        AvroDeserializer<Reading> deserializer = new AvroDeserializer<>(registry, Reading.class);
        Reading reading = RandomReadings.typical();
        GenericRecord v2 = new GenericData.Record(SchemaEvolutionTest.readingV2());
        for (Schema.Field field : Reading.getClassSchema().getFields()) {
            v2.put(field.name(), toGeneric(reading, field.name()));
        }
        v2.put("batteryVolts", 3.3);
        v2.put("firmware", "2.0.1");

        byte[] bytes = AvroSerdes.generic(registry, false).serializer().serialize(TOPIC, v2);

        assertThat(deserializer.deserialize(TOPIC, bytes)).isEqualTo(reading);
        assertThat(deserializer.readsWithReadingCodec(ConfluentWireFormat.schemaId(bytes)))
                .isFalse();
    }

    @Test
    void shouldUseTheCodecForTheSameSchemaRegisteredWithoutJavaStringHints() throws Exception {
        // What a producer outside Java registers: the same schema without "avro.java.string".
        ObjectMapper json = new ObjectMapper();
        JsonNode schema = json.readTree(Reading.getClassSchema().toString());
        removeJavaStringHints(schema);
        registry.register(TOPIC + "-value", new Schema.Parser().parse(json.writeValueAsString(schema)), 77);
        Reading reading = RandomReadings.typical();
        byte[] avro = codecBytes(reading);
        byte[] framed = ByteBuffer.allocate(5 + avro.length)
                .put((byte) 0)
                .putInt(77)
                .put(avro)
                .array();
        AvroDeserializer<Reading> deserializer = new AvroDeserializer<>(registry, Reading.class);

        assertThat(deserializer.deserialize(TOPIC, framed)).isEqualTo(reading);
        assertThat(deserializer.readsWithReadingCodec(77)).isTrue();
    }

    @Test
    void shouldLeaveGenericReadingToAvro() {
        Reading reading = RandomReadings.typical();
        byte[] bytes = new AvroSerializer<Reading>(registry, false).serialize(TOPIC, reading);
        AvroDeserializer<GenericRecord> generic = new AvroDeserializer<>(registry, GenericRecord.class);

        GenericRecord record = generic.deserialize(TOPIC, bytes);

        assertThat(record).isNotInstanceOf(Reading.class);
        assertThat(record.get("deviceId")).hasToString(reading.getDeviceId());
        assertThat(generic.readsWithReadingCodec(ConfluentWireFormat.schemaId(bytes)))
                .isFalse();
    }

    private static Object toGeneric(Reading reading, String field) {
        Object value = reading.get(field);
        if (value instanceof java.time.Instant instant) {
            return instant.toEpochMilli();
        }
        if (value instanceof Enum<?> symbol) {
            return new GenericData.EnumSymbol(
                    Reading.getClassSchema().getField(field).schema(), symbol.name());
        }
        return value;
    }

    private static Schema withoutFields(Schema schema, String... names) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode node = (ObjectNode) json.readTree(schema.toString());
        ArrayNode fields = (ArrayNode) node.get("fields");
        for (Iterator<JsonNode> it = fields.iterator(); it.hasNext(); ) {
            if (java.util.List.of(names).contains(it.next().get("name").asText())) {
                it.remove();
            }
        }
        return new Schema.Parser().parse(json.writeValueAsString(node));
    }

    private static void removeJavaStringHints(JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.remove("avro.java.string");
        }
        node.forEach(ReadingCodecSerdeTest::removeJavaStringHints);
    }
}
