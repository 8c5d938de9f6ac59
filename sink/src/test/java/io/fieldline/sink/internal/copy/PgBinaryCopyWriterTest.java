package io.fieldline.sink.internal.copy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PgBinaryCopyWriterTest {

    private static final byte[] HEADER = {
        'P',
        'G',
        'C',
        'O',
        'P',
        'Y',
        '\n',
        (byte) 0xFF,
        '\r',
        '\n',
        0, // signature
        0,
        0,
        0,
        0, // flags
        0,
        0,
        0,
        0 // header extension length
    };

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private PgBinaryCopyWriter writer(int bufferSize) {
        return new PgBinaryCopyWriter((b, off, len) -> out.write(b, off, len), bufferSize);
    }

    @Test
    void shouldWriteOnlyHeaderAndTrailerForNoRows() throws SQLException {
        PgBinaryCopyWriter w = writer(1024);

        w.finish();

        ByteBuffer expected = ByteBuffer.allocate(HEADER.length + 2).put(HEADER).putShort((short) -1);
        assertThat(out.toByteArray()).isEqualTo(expected.array());
    }

    @Test
    void shouldEncodeEveryTypeInPostgresBinaryFormat() throws SQLException {
        PgBinaryCopyWriter w = writer(1024);
        Instant time = Instant.parse("2000-01-01T00:00:01.5Z");
        w.startRow(9)
                .writeText("ab")
                .writeNull()
                .writeFloat8(1.5)
                .writeInt8(-2L)
                .writeInt4(7)
                .writeBool(true)
                .writeTimestamptz(time)
                .writeBytea(new byte[] {1, 2, 3})
                .writeJsonb("{\"k\":\"v\"}");
        w.finish();

        ByteBuffer expected = ByteBuffer.allocate(200)
                .put(HEADER)
                .putShort((short) 9)
                .putInt(2)
                .put((byte) 'a')
                .put((byte) 'b')
                .putInt(-1)
                .putInt(8)
                .putLong(0x3FF8000000000000L)
                .putInt(8)
                .putLong(-2L)
                .putInt(4)
                .putInt(7)
                .putInt(1)
                .put((byte) 1)
                .putInt(8)
                .putLong(1_500_000L) // microseconds after 2000-01-01T00:00:00Z
                .putInt(3)
                .put(new byte[] {1, 2, 3})
                .putInt(10)
                .put((byte) 1)
                .put("{\"k\":\"v\"}".getBytes(StandardCharsets.UTF_8))
                .putShort((short) -1);
        assertThat(out.toByteArray()).isEqualTo(slice(expected));
    }

    @Test
    void shouldEncodeTimesBeforeThePostgresEpochAsNegativeMicroseconds() throws SQLException {
        PgBinaryCopyWriter w = writer(64);
        w.startRow(2).writeTimestamptzMillis(0L).writeTimestamptz(Instant.parse("1999-12-31T23:59:59.999999Z"));
        w.finish();

        ByteBuffer expected = ByteBuffer.allocate(100)
                .put(HEADER)
                .putShort((short) 2)
                .putInt(8)
                .putLong(-946_684_800_000_000L)
                .putInt(8)
                .putLong(-1L)
                .putShort((short) -1);
        assertThat(out.toByteArray()).isEqualTo(slice(expected));
    }

    @Test
    void shouldEncodeTextAsUtf8IncludingSupplementaryCharacters() throws SQLException {
        String text = "°C µmol/m² \uD83C\uDF31 é";
        PgBinaryCopyWriter w = writer(64);
        w.startRow(1).writeText(text);
        w.finish();

        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer expected = ByteBuffer.allocate(200)
                .put(HEADER)
                .putShort((short) 1)
                .putInt(utf8.length)
                .put(utf8)
                .putShort((short) -1);
        assertThat(out.toByteArray()).isEqualTo(slice(expected));
    }

    @Test
    void shouldProduceTheSameBytesWhateverTheBufferSize() throws SQLException {
        byte[] reference = encodeSample(1 << 20);
        out.reset();

        byte[] tiny = encodeSample(64);

        assertThat(tiny).isEqualTo(reference);
    }

    @Test
    void shouldCountRows() throws SQLException {
        PgBinaryCopyWriter w = writer(64);
        w.startRow(1).writeInt4(1);
        w.startRow(1).writeInt4(2);

        assertThat(w.rows()).isEqualTo(2);
    }

    private byte[] encodeSample(int bufferSize) throws SQLException {
        PgBinaryCopyWriter w = writer(bufferSize);
        for (int i = 0; i < 100; i++) {
            w.startRow(4)
                    .writeText("device-" + i + "-ü".repeat(i % 7))
                    .writeFloat8(i * 0.25)
                    .writeBytea(new byte[i])
                    .writeJsonb(i % 3 == 0 ? null : "{\"i\":" + i + "}");
        }
        w.writeNull();
        w.finish();
        return out.toByteArray();
    }

    private static byte[] slice(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.position()];
        buffer.flip().get(bytes);
        return bytes;
    }
}
