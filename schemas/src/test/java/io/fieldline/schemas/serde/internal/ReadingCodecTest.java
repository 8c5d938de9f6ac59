package io.fieldline.schemas.serde.internal;

import static io.fieldline.schemas.serde.internal.AvroReference.assertSameBytes;
import static io.fieldline.schemas.serde.internal.AvroReference.assertSameReading;
import static io.fieldline.schemas.serde.internal.AvroReference.avroBytes;
import static io.fieldline.schemas.serde.internal.AvroReference.avroRead;
import static io.fieldline.schemas.serde.internal.AvroReference.codecBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.fieldline.schemas.avro.Reading;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

/**
 * {@link ReadingCodec} against Avro's {@code SpecificDatumWriter}/{@code SpecificDatumReader} as the reference:
 * the same bytes for every reading, equal records for every encoding Avro reads, and a rejection (never an
 * index or memory error) for every encoding Avro rejects. Seeds are fixed, so a failure reproduces.
 */
class ReadingCodecTest {

    private static final long SEED = 0x5eed_2026L;
    private static final int READINGS = 5_000;

    @Test
    void shouldWriteExactlyTheBytesOfSpecificDatumWriterForRandomReadings() {
        RandomReadings readings = new RandomReadings(SEED);
        for (int i = 0; i < READINGS; i++) {
            Reading reading = readings.next();

            assertSameBytes(codecBytes(reading), avroBytes(reading), "reading #" + i + " of seed " + SEED);
        }
    }

    @Test
    void shouldDecodeIntoWhatSpecificDatumReaderReadsForRandomReadings() throws Exception {
        RandomReadings readings = new RandomReadings(SEED + 1);
        for (int i = 0; i < READINGS; i++) {
            byte[] bytes = avroBytes(readings.next());

            Reading expected = avroRead(bytes);
            Reading decoded = ReadingCodec.decode(bytes, 0, bytes.length);

            assertSameReading(decoded, expected, "reading #" + i + " of seed " + (SEED + 1));
        }
    }

    @Test
    void shouldDecodeFromAnOffsetAndIgnoreTrailingBytesAsAvroDoes() throws Exception {
        Reading reading = RandomReadings.typical();
        byte[] bytes = avroBytes(reading);
        byte[] framed = new byte[bytes.length + 13];
        Arrays.fill(framed, (byte) 0x7f);
        System.arraycopy(bytes, 0, framed, 5, bytes.length);

        assertSameReading(ReadingCodec.decode(framed, 5, bytes.length + 8), reading, "codec");
        assertSameReading(avroRead(Arrays.copyOfRange(framed, 5, framed.length)), reading, "Avro");
    }

    @Test
    void shouldDecodeMapsWrittenAsBlocksWithNegativeCountsAndByteSizes() throws Exception {
        RandomReadings readings = new RandomReadings(SEED + 2);
        int blocked = 0;
        for (int i = 0; i < 1_000; i++) {
            Reading reading = readings.next();
            byte[] plain = avroBytes(reading);
            byte[] blocks = avroBytes(reading, true);
            if (blocks.length > plain.length) {
                blocked++;
            }

            Reading decoded = ReadingCodec.decode(blocks, 0, blocks.length);
            assertSameReading(decoded, avroRead(blocks), "reading #" + i);
            assertSameReading(decoded, ReadingCodec.decode(plain, 0, plain.length), "reading #" + i + " unblocked");
        }
        assertThat(blocked)
                .as("readings whose maps were written in blocks with byte sizes")
                .isGreaterThan(100);
    }

    @Test
    void shouldDecodeAHandWrittenMapOfTwoBlocksOneWithAByteSize() throws Exception {
        byte[] bytes = new AvroBytes()
                .prefixOfMinimalReading()
                .varLong(-1)
                .varLong(6)
                .string("a")
                .string("1") // block of one entry, 4 bytes, size given as 6
                .varLong(2)
                .string("b")
                .string("2")
                .string("c")
                .string("")
                .varLong(0)
                .toArray();

        Reading decoded = ReadingCodec.decode(bytes, 0, bytes.length);

        assertThat(decoded.getAttributes()).isEqualTo(Map.of("a", "1", "b", "2", "c", ""));
        assertSameReading(decoded, avroRead(bytes), "two blocks");
    }

    @Test
    void shouldRoundTripTheCornersOfEachField() throws Exception {
        Map<String, String> large = new HashMap<>();
        for (int i = 0; i < 5_000; i++) {
            large.put("key-" + i, i % 7 == 0 ? "" : "välue-" + i);
        }
        List<Reading> corners = List.of(
                RandomReadings.typical(),
                with(
                        RandomReadings.typical(),
                        r -> r.setValue(Double.longBitsToDouble(0x7ff0_0000_0000_0abcL))), // signalling NaN
                with(RandomReadings.typical(), r -> r.setValue(-0.0)),
                with(RandomReadings.typical(), r -> r.setValue(Double.NEGATIVE_INFINITY)),
                with(RandomReadings.typical(), r -> r.setRawValue(Double.longBitsToDouble(0xfff8_dead_beef_0001L))),
                with(RandomReadings.typical(), r -> r.setEventTime(Instant.ofEpochMilli(Long.MIN_VALUE))),
                with(RandomReadings.typical(), r -> r.setIngestTime(Instant.ofEpochMilli(Long.MAX_VALUE))),
                with(
                        RandomReadings.typical(),
                        r -> r.setEventTime(Instant.ofEpochSecond(-1, 999_999_999))), // before 1970
                with(RandomReadings.typical(), r -> {
                    r.setDeviceId("");
                    r.setSensor("");
                    r.setUnit("");
                    r.setSite(null);
                    r.setRoom(null);
                    r.setRawValue(null);
                    r.setAttributes(Map.of());
                }),
                with(RandomReadings.typical(), r -> r.setSensor("x".repeat(70_000))), // past the large-string size
                with(
                        RandomReadings.typical(),
                        r -> r.setSensor("€".repeat(30_000) + "\uD83C\uDF31")), // large, 3- and 4-byte UTF-8
                with(
                        RandomReadings.typical(),
                        r -> r.setDeviceId("x".repeat(63) + "é")), // length prefix grows to 2 bytes
                with(
                        RandomReadings.typical(),
                        r -> r.setDeviceId("\uD800\uD800\uDC00\uDC00")), // unpaired around a pair
                with(RandomReadings.typical(), r -> r.setAttributes(large)));
        for (int i = 0; i < corners.size(); i++) {
            Reading reading = corners.get(i);
            byte[] bytes = codecBytes(reading);
            assertSameBytes(bytes, avroBytes(reading), "corner #" + i);
            Reading decoded = ReadingCodec.decode(bytes, 0, bytes.length);
            assertSameReading(decoded, avroRead(bytes), "corner #" + i);
            assertThat(Double.doubleToRawLongBits(decoded.getValue()))
                    .isEqualTo(Double.doubleToRawLongBits(reading.getValue()));
        }
    }

    @Test
    void shouldWriteUtf8MapValuesAsAvroDoes() {
        // Avro's reader fills Map<String, String> with whatever its string class is; a Utf8 may end up there.
        Map<Object, Object> polluted = new HashMap<>();
        polluted.put(new Utf8("key"), new Utf8("value"));
        polluted.put("plain", new StringBuilder("builder"));
        Reading reading = RandomReadings.typical();
        @SuppressWarnings("unchecked")
        Map<String, String> attributes = (Map<String, String>) (Map<?, ?>) polluted;
        reading.setAttributes(attributes);

        assertSameBytes(codecBytes(reading), avroBytes(reading), "map of Utf8 and StringBuilder");
    }

    @Test
    void shouldFailWhereSpecificDatumWriterFails() {
        List<Reading> invalid = List.of(
                with(RandomReadings.typical(), r -> r.setDeviceId(null)),
                with(RandomReadings.typical(), r -> r.setAttributes(null)),
                with(RandomReadings.typical(), r -> r.setQuality(null)),
                with(RandomReadings.typical(), r -> r.setAttributes(nullValue())),
                with(RandomReadings.typical(), r -> r.setEventTime(Instant.MAX)));
        for (Reading reading : invalid) {
            Throwable avro = catchThrowable(() -> avroBytes(reading));
            Throwable codec = catchThrowable(() -> codecBytes(reading));

            assertThat(avro).as("Avro on %s", reading).isNotNull();
            assertThat(codec)
                    .as("codec on %s", reading)
                    .isNotNull()
                    .isInstanceOfAny(NullPointerException.class, ArithmeticException.class);
        }
    }

    @Test
    void shouldFailWhenTheMapChangesSizeWhileWritten() {
        Map<String, String> growing = new AbstractMap<>() {
            @Override
            public Set<Entry<String, String>> entrySet() {
                return Set.of(Map.entry("a", "1"));
            }

            @Override
            public int size() {
                return 2; // one entry more than iteration yields, as when another thread removes one meanwhile
            }
        };
        Reading reading = with(RandomReadings.typical(), r -> r.setAttributes(growing));

        assertThatThrownBy(() -> codecBytes(reading)).isInstanceOf(ConcurrentModificationException.class);
        assertThatThrownBy(() -> avroBytes(reading)).isInstanceOf(ConcurrentModificationException.class);
    }

    @Test
    void shouldRejectEveryTruncationOfAValidRecordAsAvroDoes() {
        RandomReadings readings = new RandomReadings(SEED + 3);
        int prefixes = 0;
        for (int i = 0; i < 300; i++) {
            byte[] bytes = avroBytes(readings.next());
            if (bytes.length > 600) {
                continue;
            }
            for (int length = 0; length < bytes.length; length++) {
                byte[] prefix = Arrays.copyOf(bytes, length);
                assertThatThrownBy(() -> ReadingCodec.decode(prefix, 0, prefix.length))
                        .as("prefix of %d bytes", length)
                        .isInstanceOf(AvroRuntimeException.class);
                assertThat(catchThrowable(() -> avroRead(prefix)))
                        .as("Avro on a prefix of %d bytes", length)
                        .isNotNull();
                prefixes++;
            }
        }
        assertThat(prefixes).isGreaterThan(10_000);
    }

    /**
     * Random corruption of valid records: wherever Avro reads a record, the codec reads an equal one; wherever
     * Avro fails, the codec fails with {@link AvroRuntimeException}. Avro is not run on inputs the codec rejected
     * for a length past the end: Avro allocates such lengths before it notices, up to 2 GB.
     */
    @Test
    void shouldAgreeWithAvroOnCorruptedRecords() throws Exception {
        RandomReadings readings = new RandomReadings(SEED + 4);
        Random random = readings.random();
        int accepted = 0;
        int rejected = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = avroBytes(readings.next());
            if (bytes.length > 2_000) {
                continue;
            }
            byte[] corrupt = corrupt(bytes, random);
            Reading decoded;
            try {
                decoded = ReadingCodec.decode(corrupt, 0, corrupt.length);
            } catch (AvroRuntimeException e) {
                rejected++;
                if (!e.getMessage().contains("past the end")) {
                    assertThat(catchThrowable(() -> avroRead(corrupt)))
                            .as("Avro on %s, which the codec rejects: %s", Arrays.toString(corrupt), e.getMessage())
                            .isNotNull();
                }
                continue;
            }
            accepted++;
            assertSameReading(decoded, avroRead(corrupt), "corruption #" + i);
        }
        assertThat(accepted).isGreaterThan(1_000);
        assertThat(rejected).isGreaterThan(1_000);
    }

    private static byte[] corrupt(byte[] bytes, Random random) {
        byte[] corrupt = bytes.clone();
        int changes = 1 + random.nextInt(3);
        for (int c = 0; c < changes && corrupt.length > 0; c++) {
            int at = random.nextInt(corrupt.length);
            corrupt[at] = switch (random.nextInt(4)) {
                case 0 -> (byte) random.nextInt(256);
                case 1 -> (byte) (corrupt[at] ^ 1 << random.nextInt(8));
                case 2 -> (byte) 0xff;
                default -> (byte) (corrupt[at] + (random.nextBoolean() ? 2 : -2));
            };
        }
        return corrupt;
    }

    private static Reading with(Reading reading, Consumer<Reading> change) {
        change.accept(reading);
        return reading;
    }

    private static Map<String, String> nullValue() {
        Map<String, String> map = new HashMap<>();
        map.put("k", null);
        return map;
    }
}
