package io.fieldline.schemas.serde;

import static io.fieldline.schemas.serde.internal.AvroReference.avroRead;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import io.fieldline.schemas.serde.internal.AvroBytes;
import io.fieldline.schemas.serde.internal.ReadingCodec;
import java.nio.ByteBuffer;
import java.util.stream.Stream;
import org.apache.avro.AvroRuntimeException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed {@code Reading} data, one defect per row: the codec rejects it with an {@link AvroRuntimeException}
 * naming the field (never an index or memory error), Avro rejects it too, and the deserializer, with or without the
 * codec, turns it into a {@link SerializationException} naming the topic and schema id, to be dead-lettered.
 */
class ReadingCodecMalformedInputTest {

    private static final String TOPIC = "telemetry.readings";
    private static final int SCHEMA_ID = 31;

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    ReadingCodecMalformedInputTest() {
        registry.register(TOPIC + "-value", Reading.getClassSchema(), SCHEMA_ID);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                row("no data at all", "deviceId", "truncated", new AvroBytes()),
                row(
                        "deviceId longer than the data",
                        "deviceId",
                        "past the end",
                        new AvroBytes().varLong(10).bytes('a', 'b')),
                row(
                        "deviceId of negative length",
                        "deviceId",
                        "negative string length -1",
                        new AvroBytes().varLong(-1)),
                row(
                        "deviceId of length Long.MAX_VALUE",
                        "deviceId",
                        "past the end",
                        new AvroBytes().varLong(Long.MAX_VALUE)),
                row(
                        "varint of 11 bytes",
                        "deviceId",
                        "longer than 10 bytes",
                        new AvroBytes().bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)),
                row("value cut short", "value", "truncated", head().bytes(0, 0, 0, 0)),
                row(
                        "unit union branch 2",
                        "unit",
                        "union branch 2",
                        head().doubleValue(1).varLong(2)),
                row(
                        "unit union branch -1",
                        "unit",
                        "union branch -1",
                        head().doubleValue(1).varLong(-1)),
                row(
                        "union branch in an int varint of 6 bytes",
                        "unit",
                        "longer than 5 bytes",
                        head().doubleValue(1).bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x00)),
                row(
                        "eventTime cut inside its varint",
                        "eventTime",
                        "truncated",
                        head().doubleValue(1).varLong(0).bytes(0x80)),
                row(
                        "source ordinal 6 of 6 symbols",
                        "source",
                        "enum ordinal 6",
                        head().doubleValue(1).varLong(0).varLong(1).varLong(2).varLong(6)),
                row(
                        "source ordinal -1",
                        "source",
                        "enum ordinal -1",
                        head().doubleValue(1).varLong(0).varLong(1).varLong(2).varLong(-1)),
                row(
                        "quality ordinal 3 of 3 symbols",
                        "quality",
                        "enum ordinal 3",
                        head().doubleValue(1)
                                .varLong(0)
                                .varLong(1)
                                .varLong(2)
                                .varLong(0)
                                .varLong(3)),
                row(
                        "site union branch 5",
                        "site",
                        "union branch 5",
                        head().doubleValue(1)
                                .varLong(0)
                                .varLong(1)
                                .varLong(2)
                                .varLong(0)
                                .varLong(0)
                                .varLong(5)),
                row(
                        "rawValue cut short",
                        "rawValue",
                        "truncated",
                        head().doubleValue(1)
                                .varLong(0)
                                .varLong(1)
                                .varLong(2)
                                .varLong(0)
                                .varLong(0)
                                .varLong(0)
                                .varLong(0)
                                .varLong(1)
                                .bytes(0, 0, 0)),
                row(
                        "map block of more entries than bytes",
                        "attributes",
                        "past the end",
                        new AvroBytes()
                                .prefixOfMinimalReading()
                                .varLong(1000)
                                .string("a")
                                .string("b")),
                row(
                        "map block of 2^40 entries",
                        "attributes",
                        "past the end",
                        new AvroBytes().prefixOfMinimalReading().varLong(1L << 40)),
                row(
                        "negative block count without its byte size",
                        "attributes",
                        "truncated",
                        new AvroBytes().prefixOfMinimalReading().varLong(-1)),
                row(
                        "map without its end marker",
                        "attributes",
                        "truncated",
                        new AvroBytes()
                                .prefixOfMinimalReading()
                                .varLong(1)
                                .string("a")
                                .string("b")),
                row(
                        "map key longer than the data",
                        "attributes",
                        "past the end",
                        new AvroBytes()
                                .prefixOfMinimalReading()
                                .varLong(1)
                                .varLong(50)
                                .bytes('k')),
                row(
                        "map value of negative length",
                        "attributes",
                        "negative string length -3",
                        new AvroBytes()
                                .prefixOfMinimalReading()
                                .varLong(1)
                                .string("k")
                                .varLong(-3)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void shouldRejectMalformedData(String defect, String field, String detail, byte[] data) {
        assertThatThrownBy(() -> ReadingCodec.decode(data, 0, data.length))
                .isInstanceOf(AvroRuntimeException.class)
                .hasMessageContaining("(field " + field + ")")
                .hasMessageContaining(detail);
        assertThat(catchThrowable(() -> avroRead(data)))
                .as("Avro's reader on the same data")
                .isNotNull();

        for (boolean codec : new boolean[] {true, false}) {
            AvroDeserializer<Reading> deserializer = new AvroDeserializer<>(registry, Reading.class);
            deserializer.useReadingCodec(codec);

            assertThatThrownBy(() -> deserializer.deserialize(TOPIC, framed(data)))
                    .as(codec ? "with the codec" : "without the codec")
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("Cannot decode " + data.length + " bytes")
                    .hasMessageContaining("schema id " + SCHEMA_ID)
                    .hasMessageContaining(TOPIC);
            assertThat(deserializer.readsWithReadingCodec(SCHEMA_ID)).isEqualTo(codec);
        }
    }

    /**
     * The one input known to part the two ways: a first map block count of Long.MIN_VALUE, whose negation
     * overflows. Avro's decoder casts it to an int, 0, and reads an empty map; the codec calls it malformed. No
     * writer produces it.
     */
    @Test
    void shouldRejectAMapBlockCountOfLongMinValueThatAvroReadsAsEmpty() throws Exception {
        byte[] data = new AvroBytes()
                .prefixOfMinimalReading()
                .varLong(Long.MIN_VALUE)
                .varLong(0)
                .toArray();

        assertThatThrownBy(() -> ReadingCodec.decode(data, 0, data.length))
                .isInstanceOf(AvroRuntimeException.class)
                .hasMessageContaining("(field attributes)");
        assertThat(avroRead(data).getAttributes()).isEmpty();
    }

    private static Arguments row(String defect, String field, String detail, AvroBytes data) {
        return Arguments.of(defect, field, detail, data.toArray());
    }

    /** The fields before {@code value}: deviceId "d", sensor "s". */
    private static AvroBytes head() {
        return new AvroBytes().string("d").string("s");
    }

    private static byte[] framed(byte[] data) {
        return ByteBuffer.allocate(ConfluentWireFormat.HEADER_SIZE + data.length)
                .put(ConfluentWireFormat.MAGIC_BYTE)
                .putInt(SCHEMA_ID)
                .put(data)
                .array();
    }
}
