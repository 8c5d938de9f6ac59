package io.fieldline.bridge.mqtt.decode;

import java.util.HashMap;
import java.util.Map;

/**
 * The bridge's memory of Sparkplug births: alias tables per edge node and per device, fed by
 * {@link SparkplugStateChange}s. Not thread-safe: each bridge worker has its own, and every
 * message of an edge node goes to the same worker, in arrival order, which is also what makes a
 * BIRTH precede the DATA that uses its aliases.
 */
public final class SparkplugSessions {

    private final Map<String, SparkplugBirth> births = new HashMap<>();

    /** The birth on record for the topic's node or device, or null. */
    public SparkplugBirth birthFor(SparkplugTopic topic) {
        return births.get(topic.entityKey());
    }

    /** The birth on record for an entity key, or null. */
    public SparkplugBirth birth(String entityKey) {
        return births.get(entityKey);
    }

    /** Applies what a decode asked for. */
    public void apply(SparkplugStateChange change) {
        switch (change.kind()) {
            case STORE -> births.put(change.key(), change.birth());
            case FORGET_DEVICE -> births.remove(change.key());
            case FORGET_NODE -> {
                births.remove(change.key());
                String devicePrefix = change.key() + "/";
                births.keySet().removeIf(key -> key.startsWith(devicePrefix));
            }
            case NONE -> {}
            default -> throw new IllegalStateException("unknown change " + change.kind());
        }
    }

    /** Number of nodes and devices with a birth on record. */
    public int size() {
        return births.size();
    }
}
