package io.fieldline.schemas.serde.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fieldline.schemas.avro.Reading;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * The codec is hand-written for one version of {@code Reading.avsc}. This test is what stops it from drifting:
 * when the schema changes in a way that moves bytes, it fails until the codec is updated, and at runtime the
 * serde falls back to Avro ({@link ReadingCodec#isUsable()}).
 */
class ReadingCodecSchemaGuardTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldHaveBeenWrittenForTheGeneratedReadingSchema() {
        long current = ReadingCodec.layoutFingerprint(Reading.getClassSchema());

        assertThat(current)
                .withFailMessage(
                        "Reading.avsc changed in a way that changes its binary layout or Java "
                                + "mapping (layout fingerprint now 0x%xL, ReadingCodec was written for 0x%xL). Update ReadingCodec's "
                                + "encode and decode to the new schema, then set ReadingCodec.WRITTEN_FOR_LAYOUT to the new "
                                + "fingerprint. Until then the serde uses the generic Avro path for Reading.",
                        current, ReadingCodec.WRITTEN_FOR_LAYOUT)
                .isEqualTo(ReadingCodec.WRITTEN_FOR_LAYOUT);
        assertThat(ReadingCodec.isUsable()).isTrue();
        assertThat(ReadingCodec.canDecode(Reading.getClassSchema())).isTrue();
    }

    @Test
    void shouldRefuseEverySchemaChangeThatMovesBytesOrChangesValues() throws Exception {
        Map<String, Consumer<ObjectNode>> changes = new LinkedHashMap<>();
        changes.put(
                "a field added, even with a default",
                schema -> fields(schema)
                        .addObject()
                        .put("name", "batteryVolts")
                        .putNull("default")
                        .putArray("type")
                        .add("null")
                        .add("double"));
        changes.put("a field removed", schema -> fields(schema).remove(11));
        changes.put("two fields swapped", schema -> {
            JsonNode site = fields(schema).get(8);
            fields(schema).set(8, fields(schema).get(9));
            fields(schema).set(9, site);
        });
        changes.put("a field renamed", schema -> field(schema, "room").put("name", "zone"));
        changes.put("a union's branches swapped", schema -> {
            field(schema, "unit").remove("default");
            field(schema, "unit").putArray("type").add("string").add("null");
        });
        changes.put("double narrowed to float", schema -> field(schema, "value").put("type", "float"));
        changes.put(
                "timestamp-millis turned timestamp-micros",
                schema -> ((ObjectNode) field(schema, "eventTime").get("type")).put("logicalType", "timestamp-micros"));
        changes.put(
                "logical type dropped", schema -> field(schema, "ingestTime").put("type", "long"));
        changes.put(
                "an enum symbol added",
                schema -> ((ArrayNode) field(schema, "quality").get("type").get("symbols")).add("SUSPECT"));
        changes.put("enum symbols reordered", schema -> {
            ArrayNode symbols = (ArrayNode) field(schema, "source").get("type").get("symbols");
            JsonNode first = symbols.get(0);
            symbols.set(0, symbols.get(1));
            symbols.set(1, first);
        });
        changes.put(
                "map of strings turned map of longs",
                schema -> ((ObjectNode) field(schema, "attributes").get("type")).put("values", "long"));
        changes.put("record renamed", schema -> schema.put("name", "Measurement"));

        for (Map.Entry<String, Consumer<ObjectNode>> change : changes.entrySet()) {
            Schema changed = changed(change.getValue());

            assertThat(ReadingCodec.isWrittenFor(changed)).as(change.getKey()).isFalse();
            assertThat(ReadingCodec.canDecode(changed)).as(change.getKey()).isFalse();
        }
    }

    @Test
    void shouldAcceptChangesThatMoveNoBytes() throws Exception {
        Map<String, Consumer<ObjectNode>> changes = new LinkedHashMap<>();
        changes.put("docs edited", schema -> {
            schema.put("doc", "another doc");
            field(schema, "sensor").put("doc", "another field doc");
        });
        changes.put("a default changed", schema -> field(schema, "quality").put("default", "UNCERTAIN"));
        changes.put(
                "an alias added",
                schema -> field(schema, "room").putArray("aliases").add("zone"));
        // As a producer outside Java registers the schema: without the Java string-type hints.
        changes.put("avro.java.string removed", schema -> removeJavaStringType(schema));

        for (Map.Entry<String, Consumer<ObjectNode>> change : changes.entrySet()) {
            assertThat(ReadingCodec.canDecode(changed(change.getValue())))
                    .as(change.getKey())
                    .isTrue();
        }
    }

    private static Schema changed(Consumer<ObjectNode> change) throws Exception {
        ObjectNode schema = (ObjectNode) JSON.readTree(Reading.getClassSchema().toString());
        change.accept(schema);
        return new Schema.Parser().parse(JSON.writeValueAsString(schema));
    }

    private static ArrayNode fields(ObjectNode schema) {
        return (ArrayNode) schema.get("fields");
    }

    private static ObjectNode field(ObjectNode schema, String name) {
        for (JsonNode field : fields(schema)) {
            if (field.get("name").asText().equals(name)) {
                return (ObjectNode) field;
            }
        }
        throw new IllegalArgumentException("no field " + name);
    }

    private static void removeJavaStringType(JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.remove("avro.java.string");
        }
        node.forEach(ReadingCodecSchemaGuardTest::removeJavaStringType);
    }
}
