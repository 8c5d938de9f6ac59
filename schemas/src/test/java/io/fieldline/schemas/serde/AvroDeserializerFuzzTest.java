package io.fieldline.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

/**
 * The Avro deserializer on hostile records, through both of its paths: the Reading codec and Avro's own readers
 * (behind {@code AvroLengthGuard}). 100,000 generated records (real ones with bytes overwritten, inserted or cut,
 * varints claiming huge lengths and counts, arbitrary bytes) decode or fail with a {@link SerializationException}
 * carrying a reason; nothing else escapes, and no claimed length is allocated before it is checked.
 */
class AvroDeserializerFuzzTest {

    /** Strings, bytes, a map, an array of nulls (items of no bytes), a union and a recursive list. */
    private static final Schema HOSTILE = new Schema.Parser().parse("""
            {"type":"record","name":"Probe","namespace":"fuzz","fields":[
              {"name":"device","type":"string"},
              {"name":"blob","type":"bytes"},
              {"name":"tags","type":{"type":"map","values":"string"}},
              {"name":"gaps","type":{"type":"array","items":"null"}},
              {"name":"value","type":["null","double","string"]},
              {"name":"next","type":["null",{"type":"record","name":"Node","fields":[
                {"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]}]}
            ]}""");

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final int hostileId = registry.register("fuzz-value", HOSTILE);
    private final byte[] readingRecord = AvroSerdes.specific(Reading.class, registry, false)
            .serializer()
            .serialize("t", AvroSerdeRoundTripTest.reading());
    private final byte[] hostileRecord =
            AvroSerdes.generic(registry, false).serializer().serialize("probe", probe());
    private final Deserializer<Reading> readings =
            AvroSerdes.specific(Reading.class, registry, false).deserializer();
    private final Deserializer<GenericRecord> generic =
            AvroSerdes.generic(registry, false).deserializer();

    private static GenericRecord probe() {
        Schema node = HOSTILE.getField("next").schema().getTypes().get(1);
        GenericRecord last = new GenericData.Record(node);
        last.put("v", 2);
        GenericRecord first = new GenericData.Record(node);
        first.put("v", 1);
        first.put("next", last);
        GenericRecord probe = new GenericData.Record(HOSTILE);
        probe.put("device", "gr-001");
        probe.put("blob", ByteBuffer.wrap(new byte[] {1, 2, 3}));
        probe.put("tags", Map.of("room", "r1"));
        probe.put("gaps", Arrays.asList(null, null));
        probe.put("value", 21.5);
        probe.put("next", first);
        return probe;
    }

    @Property(tries = 100_000)
    void shouldDecodeOrRefuseWithAReason(@ForAll("records") byte[] record, @ForAll boolean asReading) {
        try {
            Object value = asReading ? readings.deserialize("t", record) : generic.deserialize("t", record);
            assertThat(value).isNotNull();
        } catch (SerializationException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Test
    void shouldRefuseAStringLongerThanTheRecordBeforeAllocatingIt() {
        // device: a string that claims 2^30 bytes in a record of a few.
        byte[] record = withHeader(hostileId, new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08});
        assertThatThrownBy(() -> generic.deserialize("t", record))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("length limit");
    }

    @Test
    void shouldCapACollectionOfItemsThatTakeNoBytes() {
        // device "", blob empty, tags empty, then gaps: 2^24 nulls in one block.
        byte[] record = withHeader(hostileId, new byte[] {0, 0, 0, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x10, 0});
        assertThatThrownBy(() -> generic.deserialize("t", record))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("item count limit");
    }

    @Test
    void shouldRefuseABlockCountThatHasNoPositiveValue() {
        // gaps: a block of Long.MIN_VALUE items (zigzag: 2^64 - 1), whose negation is negative again; followed by a
        // block of Long.MAX_VALUE nulls it would have let through, to be walked one by one.
        byte[] minValue = {
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            0x01
        };
        byte[] maxValue = {
            (byte) 0xFE,
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            0x01
        };
        byte[] body = ByteBuffer.allocate(3 + minValue.length + 1 + maxValue.length + 1)
                .put(new byte[] {0, 0, 0})
                .put(minValue)
                .put((byte) 0)
                .put(maxValue)
                .put((byte) 0)
                .array();
        assertThatThrownBy(() -> generic.deserialize("t", withHeader(hostileId, body)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("item count limit");
    }

    private static byte[] withHeader(int id, byte[] body) {
        return ByteBuffer.allocate(5 + body.length)
                .put((byte) 0)
                .putInt(id)
                .put(body)
                .array();
    }

    @Provide
    Arbitrary<byte[]> records() {
        Arbitrary<byte[]> mutated = Combinators.combine(
                        Arbitraries.of(readingRecord, hostileRecord),
                        Arbitraries.integers().between(5, 200),
                        Arbitraries.of(List.of(
                                new byte[] {(byte) 0xFF},
                                new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08},
                                new byte[] {1},
                                new byte[] {0x7F},
                                new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, 0x0F},
                                new byte[] {})),
                        Arbitraries.integers().between(0, 2))
                .as((sample, at, insert, mode) -> {
                    int i = Math.min(at, sample.length);
                    byte[] head = Arrays.copyOf(sample, i);
                    if (mode == 0) { // cut
                        return head;
                    }
                    int skip = mode == 1 ? Math.min(insert.length, sample.length - i) : 0; // overwrite or insert
                    byte[] out = new byte[i + insert.length + sample.length - i - skip];
                    System.arraycopy(head, 0, out, 0, i);
                    System.arraycopy(insert, 0, out, i, insert.length);
                    System.arraycopy(sample, i + skip, out, i + insert.length, sample.length - i - skip);
                    return out;
                });
        Arbitrary<byte[]> bodies = Combinators.combine(
                        Arbitraries.of(hostileId, 1, 99),
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(60))
                .as(AvroDeserializerFuzzTest::withHeader);
        Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(30);
        return Arbitraries.frequencyOf(Tuple.of(6, mutated), Tuple.of(3, bodies), Tuple.of(1, raw));
    }
}
