package io.fieldline.can.dbc;

/** Bit layout of a signal in the payload, as written after {@code @} in an {@code SG_} line. */
public enum ByteOrder {
    /** {@code @1}: Intel; the start bit is the least significant bit of the signal. */
    LITTLE_ENDIAN,
    /**
     * {@code @0}: Motorola; the start bit is the most significant bit of the signal, counted in DBC's
     * "sawtooth" numbering (bit 7 of byte 0 is bit 7, bit 0 of byte 1 is bit 8, ...).
     */
    BIG_ENDIAN
}
