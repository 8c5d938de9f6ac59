package io.fieldline.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/** Reader/writer schema resolution across a backward-compatible change of {@code Reading}. */
class SchemaEvolutionTest {

    private static final String TOPIC = "telemetry.readings";

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    /** Reading v2: v1 plus {@code batteryVolts}, a nullable double defaulting to null, and a defaulted string. */
    static Schema readingV2() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode schema = (ObjectNode) json.readTree(Reading.getClassSchema().toString());
        ArrayNode fields = (ArrayNode) schema.get("fields");
        fields.addObject()
                .put("name", "batteryVolts")
                .putNull("default")
                .putArray("type")
                .add("null")
                .add("double");
        fields.addObject().put("name", "firmware").put("type", "string").put("default", "unknown");
        return new Schema.Parser().parse(json.writeValueAsString(schema));
    }

    @Test
    void shouldReadV1BytesWithAV2ReaderFillingDefaults() throws Exception {
        Schema v2 = readingV2();
        byte[] v1Bytes = AvroSerdes.specific(Reading.class, registry, false)
                .serializer()
                .serialize(TOPIC, AvroSerdeRoundTripTest.reading());

        GenericRecord read =
                AvroSerdes.generic(registry, false, v2).deserializer().deserialize(TOPIC, v1Bytes);

        assertThat(read.getSchema()).isEqualTo(v2);
        assertThat(read.get("batteryVolts")).isNull();
        assertThat(read.get("firmware")).hasToString("unknown");
        assertThat(read.get("deviceId")).hasToString("dev-1");
        assertThat(read.get("value")).isEqualTo(21.5);
    }

    @Test
    void shouldReadV2BytesWithTheV1SpecificClassIgnoringTheNewFields() throws Exception {
        Serde<Reading> specific = AvroSerdes.specific(Reading.class, registry, false);
        Reading v1 = AvroSerdeRoundTripTest.reading();
        byte[] v1Bytes = specific.serializer().serialize(TOPIC, v1);
        GenericRecord asV2 =
                AvroSerdes.generic(registry, false, readingV2()).deserializer().deserialize(TOPIC, v1Bytes);
        GenericRecord v2Record = new GenericData.Record((GenericData.Record) asV2, true);
        v2Record.put("batteryVolts", 3.3);
        v2Record.put("firmware", "2.0.1");

        byte[] v2Bytes = AvroSerdes.generic(registry, false).serializer().serialize(TOPIC, v2Record);

        assertThat(ConfluentWireFormat.schemaId(v2Bytes)).isNotEqualTo(ConfluentWireFormat.schemaId(v1Bytes));
        assertThat(registry.versions(TOPIC + "-value")).containsExactly(1, 2);
        assertThat(specific.deserializer().deserialize(TOPIC, v2Bytes)).isEqualTo(v1);
    }
}
