package io.fieldline.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class AvroSerdeRoundTripTest {

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    static Reading reading() {
        return Reading.newBuilder()
                .setDeviceId("dev-1")
                .setSensor("air_temperature")
                .setValue(21.5)
                .setUnit("degC")
                .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
                .setIngestTime(Instant.ofEpochMilli(1_700_000_000_123L))
                .setSource(Source.MQTT)
                .setQuality(Quality.GOOD)
                .setSite("site-a")
                .setRoom(null)
                .setRawValue(21.25)
                .setAttributes(Map.of("firmware", "1.2.3"))
                .build();
    }

    @Test
    void shouldRoundTripSpecificRecordAsValue() {
        Serde<Reading> serde = AvroSerdes.specific(Reading.class, registry, false);
        byte[] bytes = serde.serializer().serialize("telemetry.readings", reading());

        assertThat(bytes[0]).isZero();
        assertThat(serde.deserializer().deserialize("telemetry.readings", bytes))
                .isEqualTo(reading());
        assertThat(registry.subjects()).containsExactly("telemetry.readings-value");
    }

    @Test
    void shouldRoundTripSpecificRecordAsKeyUnderKeySubject() {
        Serde<Reading> serde = AvroSerdes.specific(Reading.class, registry, true);
        byte[] bytes = serde.serializer().serialize("t", reading());

        assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(reading());
        assertThat(registry.subjects()).containsExactly("t-key");
    }

    @Test
    void shouldRoundTripGenericRecordAndReadSpecificBytesGenerically() {
        Serde<Reading> specific = AvroSerdes.specific(Reading.class, registry, false);
        Serde<GenericRecord> generic = AvroSerdes.generic(registry, false);
        byte[] bytes = specific.serializer().serialize("t", reading());

        GenericRecord record = generic.deserializer().deserialize("t", bytes);
        assertThat(record.get("deviceId")).hasToString("dev-1");
        assertThat(record.get("eventTime")).isEqualTo(1_700_000_000_000L);
        assertThat(record.get("source"))
                .isEqualTo(new GenericData.EnumSymbol(
                        Reading.getClassSchema().getField("source").schema(), "MQTT"));

        byte[] again = generic.serializer().serialize("t", record);
        assertThat(again).isEqualTo(bytes);
        assertThat(specific.deserializer().deserialize("t", again)).isEqualTo(reading());
    }

    @Test
    void shouldKeepTombstonesNull() {
        Serde<Reading> serde = AvroSerdes.specific(Reading.class, registry, false);
        assertThat(serde.serializer().serialize("t", null)).isNull();
        assertThat(serde.deserializer().deserialize("t", null)).isNull();
    }

    @Test
    void shouldGiveTheSameIdToTheSameSchemaUnderTwoTopics() {
        Serde<Reading> serde = AvroSerdes.specific(Reading.class, registry, false);
        byte[] a = serde.serializer().serialize("a", reading());
        byte[] b = serde.serializer().serialize("b", reading());
        assertThat(ConfluentWireFormat.schemaId(a)).isEqualTo(ConfluentWireFormat.schemaId(b));
        assertThat(registry.subjects()).containsExactlyInAnyOrder("a-value", "b-value");
    }
}
