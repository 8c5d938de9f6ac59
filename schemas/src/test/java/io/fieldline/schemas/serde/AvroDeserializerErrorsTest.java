package io.fieldline.schemas.serde;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

/** Bad payloads fail with a {@link SerializationException} that says what is wrong, so they can be dead-lettered. */
class AvroDeserializerErrorsTest {

    private static final String TOPIC = "telemetry.readings";

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final Deserializer<Reading> deserializer =
            AvroSerdes.specific(Reading.class, registry, false).deserializer();

    private byte[] validBytes() {
        return AvroSerdes.specific(Reading.class, registry, false)
                .serializer()
                .serialize(TOPIC, AvroSerdeRoundTripTest.reading());
    }

    @Test
    void shouldRejectAnUnknownMagicByte() {
        byte[] bytes = validBytes();
        bytes[0] = 0x01;

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Unknown magic byte 0x01")
                .hasMessageContaining(TOPIC);
    }

    @Test
    void shouldRejectJsonThatIsNotWireFormat() {
        byte[] json = "{\"deviceId\":\"dev-1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, json))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Unknown magic byte 0x7b");
    }

    @Test
    void shouldRejectAPayloadShorterThanTheHeader() {
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[] {0, 0, 1}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("3 bytes is too short");
    }

    @Test
    void shouldRejectATruncatedAvroBody() {
        byte[] bytes = validBytes();
        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 4);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, truncated))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Cannot decode")
                .hasMessageContaining("schema id " + ConfluentWireFormat.schemaId(bytes))
                .hasMessageContaining(TOPIC);
    }

    @Test
    void shouldRejectAnUnknownSchemaId() {
        byte[] bytes = validBytes();
        bytes[4] = 99;

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Unknown schema id 99")
                .hasMessageContaining(TOPIC);
    }

    @Test
    void shouldRejectAWriterSchemaTheReaderCannotResolve() {
        byte[] bytes = AvroSerdes.specific(Aggregate.class, registry, false)
                .serializer()
                .serialize("other", aggregate());

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("as io.fieldline.schemas.avro.Reading");
    }

    @Test
    void shouldRejectAPrimitiveWhereARecordIsExpected() {
        registry.register("strings-value", Schema.create(Schema.Type.STRING), 50);
        byte[] bytes = new AvroSerializer<Object>(registry, false).serialize("strings", "hello");

        assertThatThrownBy(() -> deserializer.deserialize("strings", bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("schema id 50");
    }

    private static Aggregate aggregate() {
        java.time.Instant t = java.time.Instant.ofEpochMilli(1_700_000_000_000L);
        return Aggregate.newBuilder()
                .setDeviceId("d")
                .setSensor("s")
                .setUnit(null)
                .setSite(null)
                .setRoom(null)
                .setWindowStart(t)
                .setWindowEnd(t.plusSeconds(60))
                .setCount(1)
                .setSum(1)
                .setMin(1)
                .setMax(1)
                .setMean(1)
                .setM2(0)
                .setStddev(0)
                .setFirst(1)
                .setFirstTime(t)
                .setLast(1)
                .setLastTime(t)
                .setP50(null)
                .setP95(null)
                .setP99(null)
                .setSketch(null)
                .setBadCount(0)
                .build();
    }
}
