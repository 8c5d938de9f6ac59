package io.fieldline.schemas.serde.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.schemas.avro.Reading;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Avro's {@code SpecificDatumWriter} and {@code SpecificDatumReader}, configured as the serde configured them
 * before {@link ReadingCodec}, as the reference the codec must match; and assertions that compare readings
 * exactly. ({@code Reading.equals} cannot: a reading whose value is NaN is not equal even to its own copy.)
 */
public final class AvroReference {

    private AvroReference() {}

    /** What {@code SpecificDatumWriter} writes for the reading. */
    public static byte[] avroBytes(Reading reading) {
        return avroBytes(reading, false);
    }

    /**
     * As {@link #avroBytes(Reading)}, or, with {@code blocking}, through Avro's blocking encoder, which writes
     * maps as blocks of at most 64 bytes, each with a negative count and a byte size.
     */
    public static byte[] avroBytes(Reading reading, boolean blocking) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            BinaryEncoder encoder = blocking
                    ? new EncoderFactory().configureBlockSize(64).blockingBinaryEncoder(out, null)
                    : EncoderFactory.get().directBinaryEncoder(out, null);
            new SpecificDatumWriter<Reading>(
                            Reading.getClassSchema(), SpecificData.getForSchema(Reading.getClassSchema()))
                    .write(reading, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** What {@code SpecificDatumReader} reads, with {@code Reading.SCHEMA$} as writer and reader schema. */
    public static Reading avroRead(byte[] bytes) throws IOException {
        SpecificDatumReader<Reading> reader = new SpecificDatumReader<>(
                Reading.getClassSchema(),
                Reading.getClassSchema(),
                SpecificData.getForSchema(Reading.getClassSchema()));
        return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    }

    /** The codec's encoding of the reading. */
    public static byte[] codecBytes(Reading reading) {
        EncodingBuffer buffer = new EncodingBuffer();
        ReadingCodec.encode(reading, buffer);
        return buffer.toByteArray();
    }

    /** Equal bytes, reported by the first difference rather than by printing both arrays. */
    public static void assertSameBytes(byte[] actual, byte[] expected, String what) {
        int mismatch = Arrays.mismatch(actual, expected);
        assertThat(mismatch)
                .withFailMessage(() -> what + ": " + actual.length + " bytes against " + expected.length
                        + ", first difference at byte " + mismatch + ": " + excerpt(actual, mismatch) + " instead of "
                        + excerpt(expected, mismatch))
                .isEqualTo(-1);
    }

    /**
     * The same reading, field by field: equal re-encodings (so every double to the bit, every string, and the
     * attribute map in the same iteration order) and String keys and values in a map of the same class.
     */
    public static void assertSameReading(Reading actual, Reading expected, String what) {
        assertSameBytes(avroBytes(actual), avroBytes(expected), what + " (re-encoded)");
        assertThat(actual.getAttributes())
                .as(what)
                .isInstanceOf(expected.getAttributes().getClass());
        for (Map.Entry<?, ?> entry : actual.getAttributes().entrySet()) {
            assertThat(entry.getKey()).as(what).isInstanceOf(String.class);
            assertThat(entry.getValue()).as(what).isInstanceOf(String.class);
        }
    }

    private static String excerpt(byte[] bytes, int from) {
        int start = Math.max(0, from - 4);
        return Arrays.toString(
                        Arrays.copyOfRange(bytes, Math.min(start, bytes.length), Math.min(bytes.length, from + 8)))
                + " (from byte " + start + ")";
    }
}
