package io.fieldline.can.dbc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One {@code SG_} line of a message, with everything the rest of the file says about it.
 *
 * @param name               signal name
 * @param startBit           start bit as written: the least significant bit for {@link ByteOrder#LITTLE_ENDIAN},
 *                           the most significant bit (sawtooth numbering) for {@link ByteOrder#BIG_ENDIAN}
 * @param length             length in bits, 1 to 64
 * @param byteOrder          {@code @1} or {@code @0}
 * @param signed             {@code -} (two's complement) rather than {@code +}
 * @param valueType          integer or IEEE float ({@code SIG_VALTYPE_})
 * @param factor             scale: physical = raw * factor + offset
 * @param offset             offset
 * @param factorIsInteger    the factor was written as an integer literal (cantools then multiplies exactly)
 * @param minimum            {@code [min|...]}, null when the file writes {@code [0|0]}
 * @param maximum            {@code [...|max]}, null when the file writes {@code [0|0]}
 * @param unit               unit, null when empty
 * @param receivers          receiving nodes ({@code Vector__XXX} dropped)
 * @param multiplexer        marked {@code M} or {@code mNM}: its value selects other signals
 * @param multiplexerSignal  name of the multiplexer that selects this signal, null when it is always present
 * @param multiplexerIds     multiplexer values that select this signal (sorted, unique); empty when
 *                           {@code multiplexerSignal} is null
 * @param valueTable         {@code VAL_} descriptions, possibly empty
 * @param comment            {@code CM_ SG_} text, or null
 * @param attributes         {@code BA_ ... SG_} values set explicitly (defaults are in {@link Dbc#attributeDefinitions()})
 */
public record DbcSignal(
        String name,
        int startBit,
        int length,
        ByteOrder byteOrder,
        boolean signed,
        SignalValueType valueType,
        double factor,
        double offset,
        boolean factorIsInteger,
        Double minimum,
        Double maximum,
        String unit,
        List<String> receivers,
        boolean multiplexer,
        String multiplexerSignal,
        List<Long> multiplexerIds,
        ValueTable valueTable,
        String comment,
        Map<String, AttributeValue> attributes) {

    public DbcSignal {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(byteOrder, "byteOrder");
        Objects.requireNonNull(valueType, "valueType");
        receivers = List.copyOf(receivers);
        multiplexerIds = List.copyOf(multiplexerIds);
        valueTable = valueTable == null ? ValueTable.empty() : valueTable;
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /** Whether a multiplexer selects this signal. */
    public boolean isMultiplexed() {
        return multiplexerSignal != null;
    }

    /**
     * Position of the most significant bit when the payload is read as one big-endian bit string (byte 0 first,
     * bit 7 of each byte first) for Motorola signals; the start bit itself for Intel signals. The signal ends
     * {@code length} bits later; cantools uses the same sum to decide whether a signal fits.
     */
    public int sequentialStartBit() {
        return byteOrder == ByteOrder.BIG_ENDIAN ? 8 * (startBit / 8) + (7 - startBit % 8) : startBit;
    }

    /** Number of payload bytes needed to hold the whole signal. */
    public int requiredBytes() {
        return (sequentialStartBit() + length + 7) / 8;
    }
}
