package io.fieldline.can.dbc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code BO_} message with its signals.
 *
 * @param id           arbitration id without the extended flag (11 or 29 bits)
 * @param extended     bit 31 of the DBC id was set: a 29-bit id
 * @param name         message name
 * @param length       payload length in bytes (0 to 64; above 8 only for CAN FD)
 * @param senders      the {@code BO_} transmitter and any {@code BO_TX_BU_} nodes ({@code Vector__XXX} dropped)
 * @param signals      signals in file order
 * @param comment      {@code CM_ BO_} text, or null
 * @param attributes   {@code BA_ ... BO_} values set explicitly
 * @param cycleTimeMs  {@code GenMsgCycleTime} (or its default), null when absent or 0
 * @param frameFormat  {@code VFrameFormat} label (for example {@code StandardCAN_FD}), null when undefined
 * @param fd           CAN FD: the frame format ends with {@code CAN_FD}
 * @param signalGroups {@code SIG_GROUP_} entries of this message
 */
public record DbcMessage(
        int id,
        boolean extended,
        String name,
        int length,
        List<String> senders,
        List<DbcSignal> signals,
        String comment,
        Map<String, AttributeValue> attributes,
        Integer cycleTimeMs,
        String frameFormat,
        boolean fd,
        List<SignalGroup> signalGroups) {

    public DbcMessage {
        Objects.requireNonNull(name, "name");
        senders = List.copyOf(senders);
        signals = List.copyOf(signals);
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        signalGroups = List.copyOf(signalGroups);
    }

    /** The id as a DBC file writes it: with bit 31 set for extended ids. */
    public long dbcId() {
        return extended ? (id & 0xFFFFFFFFL) | 0x80000000L : id;
    }

    /** The first sender, the node that transmits this message; empty when the file names none. */
    public Optional<String> sender() {
        return senders.isEmpty() ? Optional.empty() : Optional.of(senders.get(0));
    }

    /** A signal by name. */
    public Optional<DbcSignal> signal(String signalName) {
        for (DbcSignal s : signals) {
            if (s.name().equals(signalName)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The id in candump notation: 3 hex digits for standard, 8 for extended ids. */
    public String idText() {
        return extended ? String.format("%08X", id) : String.format("%03X", id);
    }
}
