package io.fieldline.bridge.mqtt.decode;

import java.util.Objects;

/**
 * How one decoded Sparkplug message changes the bridge's alias state. The decoder only says
 * what to change; {@link SparkplugSessions} applies it, so decoding stays a pure function.
 *
 * @param kind  what to do
 * @param key   the entity key ({@link SparkplugTopic#entityKey()}) it applies to
 * @param birth the new birth for {@link Kind#STORE}, else null
 */
public record SparkplugStateChange(Kind kind, String key, SparkplugBirth birth) {

    /** What to do with the state of {@link #key()}. */
    public enum Kind {
        /** Nothing changes. */
        NONE,
        /** Remember {@link #birth()} for the key (a BIRTH). */
        STORE,
        /** Forget the node and every device below it (an NDEATH). */
        FORGET_NODE,
        /** Forget one device (a DDEATH). */
        FORGET_DEVICE
    }

    public SparkplugStateChange {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.STORE) {
            Objects.requireNonNull(birth, "birth");
        }
    }

    static final SparkplugStateChange NONE = new SparkplugStateChange(Kind.NONE, "", null);
}
