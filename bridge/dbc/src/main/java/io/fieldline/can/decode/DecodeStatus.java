package io.fieldline.can.decode;

/** Outcome of decoding one frame. */
public enum DecodeStatus {
    /** Every signal the multiplexers select was decoded. */
    OK,
    /**
     * The frame was shorter than the message and truncated frames are allowed: the signals that lie wholly
     * in the received bytes were decoded, the others left out (cantools {@code allow_truncated=True}).
     */
    TRUNCATED,
    /**
     * The frame was shorter than the message and truncated frames are not allowed: nothing decoded
     * (cantools' default: {@code DecodeError: Wrong data size}).
     */
    WRONG_LENGTH,
    /**
     * A multiplexer carried a value that selects no signal and has no value description: nothing decoded
     * (cantools: {@code DecodeError: expected multiplexer id ..., but got ...}).
     */
    UNKNOWN_MULTIPLEXER;

    /** Whether signals were decoded. */
    public boolean decoded() {
        return this == OK || this == TRUNCATED;
    }
}
