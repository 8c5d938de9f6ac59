package io.fieldline.schemas.serde.internal;

import java.io.OutputStream;
import java.util.Arrays;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * A growable, unsynchronized byte sink, with an Avro encoder writing into it. The serializer keeps one per
 * thread, so its hot path allocates only the returned array; {@link ReadingCodec} writes into the array directly.
 */
public final class EncodingBuffer extends OutputStream {

    private static final int INITIAL_CAPACITY = 256;
    /** Largest array the JVM reliably allocates. */
    private static final int MAX_CAPACITY = Integer.MAX_VALUE - 8;

    byte[] buf = new byte[INITIAL_CAPACITY];
    int count;
    private final BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(this, null);

    /** An Avro encoder that writes straight into this buffer (unbuffered, so nothing to flush). */
    public BinaryEncoder encoder() {
        return encoder;
    }

    /** Forgets the content, keeping the array. */
    public void reset() {
        count = 0;
    }

    /** Bytes written since the last {@link #reset()}. */
    public int size() {
        return count;
    }

    /** Appends a 32-bit big-endian integer (the Confluent schema id). */
    public void writeIntBigEndian(int value) {
        ensure(4);
        buf[count++] = (byte) (value >>> 24);
        buf[count++] = (byte) (value >>> 16);
        buf[count++] = (byte) (value >>> 8);
        buf[count++] = (byte) value;
    }

    @Override
    public void write(int b) {
        ensure(1);
        buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] bytes, int off, int len) {
        ensure(len);
        System.arraycopy(bytes, off, buf, count, len);
        count += len;
    }

    /** A copy of the bytes written since the last {@link #reset()}. */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, count);
    }

    /** Drops the array, going back to a small one, when it has grown past {@code maxRetained} bytes. */
    public void releaseIfLargerThan(int maxRetained) {
        if (buf.length > maxRetained) {
            buf = new byte[INITIAL_CAPACITY];
        }
    }

    /** Makes room for {@code more} bytes after {@link #count}. */
    void ensure(int more) {
        if (more > buf.length - count) {
            grow(more);
        }
    }

    /** As {@link #ensure(int)}, for sizes computed in {@code long} so that they cannot overflow. */
    void ensure(long more) {
        if (more > buf.length - count) {
            grow(more);
        }
    }

    private void grow(long more) {
        long needed = count + more;
        if (needed > MAX_CAPACITY) {
            // A RuntimeException, not an OutOfMemoryError: the serializer reports it as a bad record.
            throw new IllegalArgumentException("Cannot encode a record of more than " + MAX_CAPACITY + " bytes");
        }
        buf = Arrays.copyOf(buf, (int) Math.min(MAX_CAPACITY, Math.max(2L * buf.length, needed)));
    }
}
