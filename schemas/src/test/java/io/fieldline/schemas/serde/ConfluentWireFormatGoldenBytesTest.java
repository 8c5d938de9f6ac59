package io.fieldline.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/**
 * Byte-for-byte checks of the Confluent wire format, with expected bytes worked out by hand.
 *
 * <p>Interoperability: Confluent's {@code KafkaAvroSerializer}/{@code KafkaAvroDeserializer} are not on Maven
 * Central, so they cannot run here. Their format is fixed and public: byte 0 is the magic byte {@code 0x00},
 * bytes 1-4 the schema id as a big-endian signed int ({@code ByteBuffer.putInt}), then the datum in plain Avro
 * binary encoding (no container header, no sync marker, no length prefix). Confluent's deserializer reads
 * exactly that: it checks byte 0, reads the id with {@code ByteBuffer.getInt()}, fetches
 * {@code GET /schemas/ids/{id}} and decodes the rest with a binary decoder. So bytes equal to the ones asserted
 * below are bytes Confluent writes and reads for the same schema id; the Avro part is checked against the
 * Avro specification's encoding rules, spelled out field by field.
 */
class ConfluentWireFormatGoldenBytesTest {

    /** Distinct bytes, so a little-endian or shifted id would not pass. */
    private static final int SCHEMA_ID = 0x01020304;

    /*
     * Reading, in schema field order. Avro binary rules: int/long are zig-zag varints (n >= 0 encodes as 2n,
     * seven bits per byte, low group first, high bit set on all but the last byte); string = long length then
     * UTF-8 bytes; double = 8 bytes IEEE 754 little-endian; union = long branch index then the value;
     * enum = int symbol index; map = blocks of (long count, then key/value pairs), ended by a count of 0.
     */
    private static final byte[] GOLDEN = bytes(
            0x00, // magic byte
            0x01,
            0x02,
            0x03,
            0x04, // schema id 0x01020304, big-endian
            0x0a,
            'd',
            'e',
            'v',
            '-',
            '1', // deviceId "dev-1": length 5 -> zig-zag 10 = 0x0a
            0x08,
            't',
            'e',
            'm',
            'p', // sensor "temp": length 4 -> 0x08
            0x00,
            0x00,
            0x00,
            0x00,
            0x00,
            0x80,
            0x35,
            0x40, // value 21.5 = 0x4035800000000000, little-endian
            0x02,
            0x08,
            'd',
            'e',
            'g',
            'C', // unit: union branch 1 (string) -> 0x02, then "degC"
            // eventTime 1_700_000_000_000 ms: zig-zag 2n = 3_400_000_000_000 = 0x317_9FCA_D000; its 7-bit groups,
            // low first: 0x00 0x20 0x2b 0x7e 0x79 0x62, continuation bit on all but the last
            0x80,
            0xa0,
            0xab,
            0xfe,
            0xf9,
            0x62,
            // ingestTime 1_700_000_000_123 ms: zig-zag 3_400_000_000_246; only the lowest group differs:
            // 0x76 0x21 0x2b 0x7e 0x79 0x62
            0xf6,
            0xa1,
            0xab,
            0xfe,
            0xf9,
            0x62,
            0x02, // source CAN: symbol index 1 -> zig-zag 2
            0x00, // quality GOOD: symbol index 0
            0x00, // site: union branch 0 (null), no value bytes
            0x02,
            0x04,
            'r',
            '1', // room: branch 1, "r1"
            0x00, // rawValue: branch 0 (null)
            0x02,
            0x04,
            'f',
            'w',
            0x06,
            '1',
            '.',
            '0', // attributes: one block of 1 entry, "fw" -> "1.0"
            0x00); // end of map blocks

    private static Reading golden() {
        return Reading.newBuilder()
                .setDeviceId("dev-1")
                .setSensor("temp")
                .setValue(21.5)
                .setUnit("degC")
                .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
                .setIngestTime(Instant.ofEpochMilli(1_700_000_000_123L))
                .setSource(Source.CAN)
                .setQuality(Quality.GOOD)
                .setSite(null)
                .setRoom("r1")
                .setRawValue(null)
                .setAttributes(Map.of("fw", "1.0"))
                .build();
    }

    private static InMemorySchemaRegistryClient registryWithPinnedId() {
        InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
        registry.register("telemetry.readings-value", Reading.getClassSchema(), SCHEMA_ID);
        return registry;
    }

    @Test
    void shouldWriteTheExactConfluentBytesForAKnownReading() {
        Serde<Reading> serde = AvroSerdes.specific(Reading.class, registryWithPinnedId(), false);

        byte[] written = serde.serializer().serialize("telemetry.readings", golden());

        assertThat(written).containsExactly(GOLDEN);
    }

    @Test
    void shouldReadHandWrittenBytesIntoTheSpecificRecord() {
        Serde<Reading> serde = AvroSerdes.specific(Reading.class, registryWithPinnedId(), false);

        assertThat(serde.deserializer().deserialize("telemetry.readings", GOLDEN))
                .isEqualTo(golden());
    }

    @Test
    void shouldReadHandWrittenBytesGenerically() {
        Serde<GenericRecord> serde = AvroSerdes.generic(registryWithPinnedId(), false);

        GenericRecord record = serde.deserializer().deserialize("telemetry.readings", GOLDEN);

        assertThat(record.getSchema().getFullName()).isEqualTo("io.fieldline.schemas.avro.Reading");
        assertThat(record.get("deviceId")).hasToString("dev-1");
        assertThat(record.get("value")).isEqualTo(21.5);
        assertThat(record.get("eventTime")).isEqualTo(1_700_000_000_000L);
        assertThat(record.get("source")).hasToString("CAN");
        assertThat(record.get("site")).isNull();
        assertThat(record.get("room")).hasToString("r1");
    }

    @Test
    void shouldWriteAndReadPrimitivesAsConfluentDoes() {
        InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
        registry.register("keys-key", Schema.create(Schema.Type.STRING), 7);
        registry.register("counts-value", Schema.create(Schema.Type.LONG), 8);
        AvroSerializer<Object> keys = new AvroSerializer<>(registry, true);
        AvroSerializer<Object> values = new AvroSerializer<>(registry, false);
        AvroDeserializer<Object> reader = new AvroDeserializer<>(registry, Object.class);

        byte[] key = keys.serialize("keys", "dev-1");
        byte[] count = values.serialize("counts", -3L);

        // "string" schema, id 7: length 5 -> 0x0a, then the UTF-8 bytes
        assertThat(key).containsExactly(bytes(0x00, 0, 0, 0, 7, 0x0a, 'd', 'e', 'v', '-', '1'));
        // "long" schema, id 8: zig-zag(-3) = 5
        assertThat(count).containsExactly(bytes(0x00, 0, 0, 0, 8, 0x05));
        assertThat(reader.deserialize("keys", key)).isEqualTo("dev-1");
        assertThat(reader.deserialize("counts", count)).isEqualTo(-3L);
    }

    @Test
    void shouldReadTheSchemaIdBigEndian() {
        assertThat(ConfluentWireFormat.schemaId(GOLDEN)).isEqualTo(SCHEMA_ID);
        assertThat(ConfluentWireFormat.schemaId(bytes(0x00, 0xff, 0xff, 0xff, 0xfe)))
                .isEqualTo(-2);
    }

    static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }
}
