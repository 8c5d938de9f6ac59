package io.fieldline.sink.internal.copy;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Objects;

/**
 * Encodes rows in PostgreSQL's binary COPY format ({@code COPY ... FROM STDIN (FORMAT BINARY)}) into a
 * reusable buffer that is handed to a {@link Target} whenever it fills, so a batch of any size streams in
 * constant memory.
 *
 * <p>The format: an 11-byte signature, a 32-bit flags field and a 32-bit header-extension length (both 0);
 * per row a 16-bit field count, then per field a 32-bit byte length (-1 for NULL) and the value in the
 * type's binary send format, all integers big-endian; a 16-bit -1 as trailer. Only the types the sink
 * writes are supported. The writer does not know the table: the caller writes exactly the fields the
 * COPY column list names, in order.
 *
 * <p>Not thread-safe; one writer per COPY.
 */
public final class PgBinaryCopyWriter {

    /** Where encoded bytes go: the COPY stream, or a buffer in tests. */
    @FunctionalInterface
    public interface Target {
        void write(byte[] bytes, int offset, int length) throws SQLException;
    }

    static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
    /** Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z. */
    static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    private static final byte JSONB_VERSION = 1;

    private final Target target;
    private byte[] buf;
    private int pos;
    private long rows;

    public PgBinaryCopyWriter(Target target, int bufferSize) {
        this.target = Objects.requireNonNull(target, "target");
        this.buf = new byte[Math.max(bufferSize, 64)];
        System.arraycopy(SIGNATURE, 0, buf, 0, SIGNATURE.length);
        pos = SIGNATURE.length;
        putInt(0); // flags: no OIDs
        putInt(0); // header extension length
    }

    /** Starts a row of {@code fields} fields. */
    public PgBinaryCopyWriter startRow(int fields) throws SQLException {
        ensure(2);
        putShort(fields);
        rows++;
        return this;
    }

    public PgBinaryCopyWriter writeNull() throws SQLException {
        ensure(4);
        putInt(-1);
        return this;
    }

    /** {@code text}/{@code varchar}: UTF-8 (PgJDBC always sets client_encoding UTF8); null writes NULL. */
    public PgBinaryCopyWriter writeText(String value) throws SQLException {
        if (value == null) {
            return writeNull();
        }
        int length = value.length();
        // worst case 3 bytes per UTF-16 unit (a surrogate pair is 2 units for 4 bytes)
        ensure(4 + 3 * length);
        int lengthAt = pos;
        pos += 4;
        int start = pos;
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                buf[pos++] = (byte) c;
            } else if (c < 0x800) {
                buf[pos++] = (byte) (0xC0 | (c >> 6));
                buf[pos++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < length
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, value.charAt(++i));
                buf[pos++] = (byte) (0xF0 | (cp >> 18));
                buf[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                buf[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                buf[pos++] = (byte) (0x80 | (cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                buf[pos++] = '?'; // unpaired surrogate: what String.getBytes(UTF_8) writes too
            } else {
                buf[pos++] = (byte) (0xE0 | (c >> 12));
                buf[pos++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buf[pos++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        int bytes = pos - start;
        buf[lengthAt] = (byte) (bytes >>> 24);
        buf[lengthAt + 1] = (byte) (bytes >>> 16);
        buf[lengthAt + 2] = (byte) (bytes >>> 8);
        buf[lengthAt + 3] = (byte) bytes;
        return this;
    }

    /** {@code jsonb}: a version byte (1) then the JSON text; null writes NULL. */
    public PgBinaryCopyWriter writeJsonb(String json) throws SQLException {
        if (json == null) {
            return writeNull();
        }
        // encode as text, then shift in the version byte: keeps one UTF-8 encoder
        ensure(5 + 3 * json.length());
        int lengthAt = pos;
        writeText(json);
        int textLength = pos - lengthAt - 4;
        System.arraycopy(buf, lengthAt + 4, buf, lengthAt + 5, textLength);
        buf[lengthAt + 4] = JSONB_VERSION;
        pos++;
        int bytes = textLength + 1;
        buf[lengthAt] = (byte) (bytes >>> 24);
        buf[lengthAt + 1] = (byte) (bytes >>> 16);
        buf[lengthAt + 2] = (byte) (bytes >>> 8);
        buf[lengthAt + 3] = (byte) bytes;
        return this;
    }

    /** {@code float8}: IEEE 754 binary64, big-endian. */
    public PgBinaryCopyWriter writeFloat8(double value) throws SQLException {
        ensure(12);
        putInt(8);
        putLong(Double.doubleToRawLongBits(value));
        return this;
    }

    /** {@code float8} or NULL. */
    public PgBinaryCopyWriter writeFloat8(Double value) throws SQLException {
        return value == null ? writeNull() : writeFloat8(value.doubleValue());
    }

    /** {@code int8}. */
    public PgBinaryCopyWriter writeInt8(long value) throws SQLException {
        ensure(12);
        putInt(8);
        putLong(value);
        return this;
    }

    /** {@code int8} or NULL. */
    public PgBinaryCopyWriter writeInt8(Long value) throws SQLException {
        return value == null ? writeNull() : writeInt8(value.longValue());
    }

    /** {@code int4}. */
    public PgBinaryCopyWriter writeInt4(int value) throws SQLException {
        ensure(8);
        putInt(4);
        putInt(value);
        return this;
    }

    /** {@code bool}: one byte, 1 or 0. */
    public PgBinaryCopyWriter writeBool(boolean value) throws SQLException {
        ensure(5);
        putInt(1);
        buf[pos++] = (byte) (value ? 1 : 0);
        return this;
    }

    /** {@code timestamptz} from epoch milliseconds: microseconds since 2000-01-01T00:00:00Z. */
    public PgBinaryCopyWriter writeTimestamptzMillis(long epochMillis) throws SQLException {
        ensure(12);
        putInt(8);
        putLong(epochMillis * 1000 - PG_EPOCH_MICROS);
        return this;
    }

    /** {@code timestamptz}, truncated to microseconds; null writes NULL. */
    public PgBinaryCopyWriter writeTimestamptz(Instant value) throws SQLException {
        if (value == null) {
            return writeNull();
        }
        ensure(12);
        putInt(8);
        putLong(Math.addExact(Math.multiplyExact(value.getEpochSecond(), 1_000_000L), value.getNano() / 1000)
                - PG_EPOCH_MICROS);
        return this;
    }

    /** {@code bytea}: the raw bytes; null writes NULL. */
    public PgBinaryCopyWriter writeBytea(byte[] value) throws SQLException {
        if (value == null) {
            return writeNull();
        }
        ensure(4);
        putInt(value.length);
        if (value.length > buf.length - pos) {
            flush();
            if (value.length > buf.length) {
                target.write(value, 0, value.length);
                return this;
            }
        }
        System.arraycopy(value, 0, buf, pos, value.length);
        pos += value.length;
        return this;
    }

    /** {@code bytea} from the remaining bytes of a buffer (its position is left alone); null writes NULL. */
    public PgBinaryCopyWriter writeBytea(java.nio.ByteBuffer value) throws SQLException {
        if (value == null) {
            return writeNull();
        }
        java.nio.ByteBuffer view = value.duplicate();
        if (view.hasArray()) {
            int length = view.remaining();
            if (view.arrayOffset() == 0 && view.position() == 0 && length == view.array().length) {
                return writeBytea(view.array());
            }
            byte[] copy = new byte[length];
            view.get(copy);
            return writeBytea(copy);
        }
        byte[] copy = new byte[view.remaining()];
        view.get(copy);
        return writeBytea(copy);
    }

    /** Rows started so far. */
    public long rows() {
        return rows;
    }

    /** Writes the trailer and hands over what is buffered. The writer is done afterwards. */
    public void finish() throws SQLException {
        ensure(2);
        putShort(-1);
        flush();
    }

    /** Hands the buffered bytes to the target. */
    public void flush() throws SQLException {
        if (pos > 0) {
            target.write(buf, 0, pos);
            pos = 0;
        }
    }

    private void ensure(int bytes) throws SQLException {
        if (buf.length - pos >= bytes) {
            return;
        }
        flush();
        if (buf.length < bytes) {
            // a single value larger than the buffer (a long text): grow rather than split it
            buf = new byte[Math.max(bytes, buf.length * 2)];
        }
    }

    private void putShort(int v) {
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    private void putInt(int v) {
        buf[pos++] = (byte) (v >>> 24);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    private void putLong(long v) {
        putInt((int) (v >>> 32));
        putInt((int) v);
    }
}
