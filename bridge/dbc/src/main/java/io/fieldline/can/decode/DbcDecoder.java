package io.fieldline.can.decode;

import io.fieldline.can.dbc.Dbc;
import io.fieldline.can.dbc.DbcMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The compiled decoders of every message of a {@link Dbc}, found by CAN id without allocating. Immutable and
 * thread-safe.
 *
 * <p>Lookup matches id and frame kind (standard or extended) first. When the frame kind has no message with
 * that id, the other kind's message with the same number is used, because cantools looks messages up by the
 * id alone.
 */
public final class DbcDecoder {

    private final Dbc dbc;
    private final MessageDecoder[] standard = new MessageDecoder[0x800];
    private final int[] extendedKeys;
    private final MessageDecoder[] extendedValues;
    private final List<MessageDecoder> all = new ArrayList<>();

    private DbcDecoder(Dbc dbc) {
        this.dbc = dbc;
        List<MessageDecoder> extended = new ArrayList<>();
        for (DbcMessage m : dbc.messages()) {
            MessageDecoder d = MessageDecoder.compile(m);
            all.add(d);
            if (m.extended()) {
                extended.add(d);
            } else {
                // A later definition of the same id wins, as in the model's lookup.
                standard[m.id()] = d;
            }
        }
        int capacity = Integer.highestOneBit(Math.max(4, extended.size() * 4 - 1)) << 1;
        extendedKeys = new int[capacity];
        extendedValues = new MessageDecoder[capacity];
        for (MessageDecoder d : extended) {
            int slot = slot(d.message().id(), capacity);
            while (extendedValues[slot] != null
                    && extendedKeys[slot] != d.message().id()) {
                slot = (slot + 1) & (capacity - 1);
            }
            extendedKeys[slot] = d.message().id();
            extendedValues[slot] = d;
        }
    }

    /** Compiles every message of the database. */
    public static DbcDecoder compile(Dbc dbc) {
        return new DbcDecoder(Objects.requireNonNull(dbc, "dbc"));
    }

    /** The database. */
    public Dbc dbc() {
        return dbc;
    }

    /** Every compiled message, in file order. */
    public List<MessageDecoder> decoders() {
        return List.copyOf(all);
    }

    /** The decoder for a frame id, or null when the database has no such message. */
    public MessageDecoder find(int id, boolean extended) {
        MessageDecoder exact = extended ? findExtended(id) : findStandard(id);
        if (exact != null) {
            return exact;
        }
        return extended ? findStandard(id) : findExtended(id);
    }

    private MessageDecoder findStandard(int id) {
        return id >= 0 && id < standard.length ? standard[id] : null;
    }

    private MessageDecoder findExtended(int id) {
        int mask = extendedKeys.length - 1;
        int slot = slot(id, extendedKeys.length);
        while (true) {
            MessageDecoder d = extendedValues[slot];
            if (d == null) {
                return null;
            }
            if (extendedKeys[slot] == id) {
                return d;
            }
            slot = (slot + 1) & mask;
        }
    }

    private static int slot(int id, int capacity) {
        int h = id * 0x9E3779B9;
        return (h ^ (h >>> 16)) & (capacity - 1);
    }
}
