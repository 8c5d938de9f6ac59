package io.fieldline.can.dbc;

/** How the raw bits of a signal are read ({@code SIG_VALTYPE_}). */
public enum SignalValueType {
    /** Two's complement or unsigned integer (no {@code SIG_VALTYPE_}, or type 0). */
    INTEGER,
    /**
     * IEEE 754 binary floating point ({@code SIG_VALTYPE_} 1 or 2). The width follows the signal length,
     * as cantools does: 32 bits is a float, 64 bits a double, 16 bits a half-precision float.
     */
    IEEE_FLOAT
}
