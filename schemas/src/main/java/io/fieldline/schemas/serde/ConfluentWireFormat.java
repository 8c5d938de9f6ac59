package io.fieldline.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * The Confluent wire format every Avro value and key on Fieldline's topics uses:
 * <pre>
 *   byte 0     magic byte, always 0
 *   bytes 1-4  schema id, a signed 32-bit big-endian integer, as assigned by the Schema Registry
 *   bytes 5-   the datum in Avro binary encoding, written with that schema
 * </pre>
 * A null Kafka value (a tombstone) stays null: it is not framed.
 */
public final class ConfluentWireFormat {

    /** The first byte of every framed payload. */
    public static final byte MAGIC_BYTE = 0;
    /** Bytes before the Avro data: the magic byte and the schema id. */
    public static final int HEADER_SIZE = 5;

    private ConfluentWireFormat() {}

    /**
     * The schema id of a framed payload, after checking its magic byte and length.
     *
     * @throws SerializationException when the payload is too short or does not start with {@link #MAGIC_BYTE}
     */
    public static int schemaId(byte[] payload) {
        if (payload.length < HEADER_SIZE) {
            throw new SerializationException("Payload of " + payload.length + " bytes is too short for the Confluent "
                    + "wire format (magic byte + 4-byte schema id + Avro data)");
        }
        if (payload[0] != MAGIC_BYTE) {
            throw new SerializationException(String.format(
                    "Unknown magic byte 0x%02x: not Confluent wire format "
                            + "(expected 0x00 followed by a 4-byte schema id)",
                    payload[0] & 0xff));
        }
        return (payload[1] & 0xff) << 24 | (payload[2] & 0xff) << 16 | (payload[3] & 0xff) << 8 | payload[4] & 0xff;
    }
}
