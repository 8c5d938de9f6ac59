package io.fieldline.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerializerTest {

    private static final String TOPIC = "telemetry.readings";
    private static final String SUBJECT = TOPIC + "-value";

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    @Test
    void shouldLookUpInsteadOfRegisteringWhenAutoRegisterIsOff() {
        AvroSerializer<Reading> serializer = new AvroSerializer<>(registry, false, false, false);

        assertThatThrownBy(() -> serializer.serialize(TOPIC, AvroSerdeRoundTripTest.reading()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(SUBJECT);
        assertThat(registry.subjects()).isEmpty();

        int id = registry.register(SUBJECT, Reading.getClassSchema());
        assertThat(ConfluentWireFormat.schemaId(serializer.serialize(TOPIC, AvroSerdeRoundTripTest.reading())))
                .isEqualTo(id);
    }

    @Test
    void shouldWriteWithTheLatestVersionIdWhenAsked() {
        int id = registry.register(SUBJECT, Reading.getClassSchema());
        AvroSerializer<Reading> serializer = new AvroSerializer<>(registry, false, false, true);

        assertThat(ConfluentWireFormat.schemaId(serializer.serialize(TOPIC, AvroSerdeRoundTripTest.reading())))
                .isEqualTo(id);
    }

    @Test
    void shouldRefuseUseLatestVersionWhenTheLatestDiffersFromTheRecordSchema() throws Exception {
        registry.register(SUBJECT, Reading.getClassSchema());
        registry.register(SUBJECT, SchemaEvolutionTest.readingV2());
        AvroSerializer<Reading> serializer = new AvroSerializer<>(registry, false, false, true);

        assertThatThrownBy(() -> serializer.serialize(TOPIC, AvroSerdeRoundTripTest.reading()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("latest version 2");
    }

    @Test
    void shouldTurnAnIncompatibleSchemaIntoASerializationException() {
        registry.register(SUBJECT, Reading.getClassSchema());
        // A new required field without a default cannot read the registered version's data: BACKWARD rejects it.
        GenericRecord notReading = new GenericData.Record(SchemaBuilder.record("io.fieldline.schemas.avro.Reading")
                .fields()
                .requiredString("deviceId")
                .requiredLong("newRequired")
                .endRecord());
        notReading.put("deviceId", "d");
        notReading.put("newRequired", 1L);

        assertThatThrownBy(() -> new AvroSerializer<GenericRecord>(registry, false).serialize(TOPIC, notReading))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(SUBJECT)
                .hasMessageContaining("incompatible");
        assertThat(registry.versions(SUBJECT)).containsExactly(1);
    }

    @Test
    void shouldRejectARecordThatDoesNotMatchItsSchema() {
        GenericRecord broken = new GenericData.Record(Reading.getClassSchema());
        broken.put("deviceId", "d");

        assertThatThrownBy(() -> new AvroSerializer<GenericRecord>(registry, false).serialize(TOPIC, broken))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(TOPIC);
    }

    @Test
    void shouldRejectATypeAvroCannotWrite() {
        assertThatThrownBy(() -> new AvroSerializer<Object>(registry, false).serialize(TOPIC, new java.util.Date()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("java.util.Date");
    }
}
