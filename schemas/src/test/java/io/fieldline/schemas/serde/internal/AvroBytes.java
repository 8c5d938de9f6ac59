package io.fieldline.schemas.serde.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Avro binary data written by hand, primitive by primitive, to build exact (and exactly wrong) encodings. */
public final class AvroBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A zig-zag varint, as Avro writes ints and longs. */
    public AvroBytes varLong(long value) {
        long zigZag = value << 1 ^ value >> 63;
        while ((zigZag & ~0x7fL) != 0) {
            out.write((int) (zigZag & 0x7f | 0x80));
            zigZag >>>= 7;
        }
        out.write((int) zigZag);
        return this;
    }

    /** Raw bytes. */
    public AvroBytes bytes(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    /** A string: byte length, then UTF-8. */
    public AvroBytes string(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        varLong(utf8.length);
        out.write(utf8, 0, utf8.length);
        return this;
    }

    /** A double: 8 bytes, little-endian. */
    public AvroBytes doubleValue(double value) {
        long bits = Double.doubleToRawLongBits(value);
        for (int i = 0; i < 8; i++) {
            out.write((int) (bits >>> 8 * i));
        }
        return this;
    }

    /**
     * A {@code Reading} up to its last field, {@code attributes}: deviceId "d", sensor "s", value 1.0, no unit,
     * eventTime 1, ingestTime 2, source MQTT, quality GOOD, no site, room or raw value.
     */
    public AvroBytes prefixOfMinimalReading() {
        return string("d")
                .string("s")
                .doubleValue(1.0)
                .varLong(0)
                .varLong(1)
                .varLong(2)
                .varLong(0)
                .varLong(0)
                .varLong(0)
                .varLong(0)
                .varLong(0);
    }

    public byte[] toArray() {
        return out.toByteArray();
    }
}
