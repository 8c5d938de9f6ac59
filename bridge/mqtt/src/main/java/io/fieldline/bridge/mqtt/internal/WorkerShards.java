package io.fieldline.bridge.mqtt.internal;

/**
 * Which worker thread handles a message, from its MQTT topic alone (the callback thread decides,
 * before anything is parsed). Messages that must be handled in order land on the same worker:
 * <ul>
 *   <li>every message of one topic (one device's telemetry, in the order the broker sent it);</li>
 *   <li>every message of one Sparkplug B edge node, {@code spBv1.0/<group>/<type>/<edge node>[/<device>]}
 *       by group and edge node whatever the type and device: a node's NBIRTH and DBIRTHs define the
 *       aliases its NDATA and DDATA use, and its NDEATH forgets its devices.</li>
 * </ul>
 * Messages of different topics may be handled in any order relative to each other, as MQTT allows.
 */
public final class WorkerShards {

    private static final String SPARKPLUG_PREFIX = "spBv1.0/";

    private WorkerShards() {}

    /** The worker, from 0 to {@code workers - 1}, that handles messages on this topic. */
    public static int of(String topic, int workers) {
        if (workers <= 1) {
            return 0;
        }
        int hash = topic.startsWith(SPARKPLUG_PREFIX) ? sparkplugNodeHash(topic) : topic.hashCode();
        // Spread the high bits down: String hashes of topics that differ in their last characters
        // differ mostly in the low bits, and a small modulus must still see all of them.
        hash ^= hash >>> 16;
        hash *= 0x85EBCA6B;
        hash ^= hash >>> 13;
        return Math.floorMod(hash, workers);
    }

    /** Hash of the group and edge node levels; the whole topic when it has fewer than four levels. */
    private static int sparkplugNodeHash(String topic) {
        int groupStart = SPARKPLUG_PREFIX.length();
        int groupEnd = topic.indexOf('/', groupStart);
        int typeEnd = groupEnd < 0 ? -1 : topic.indexOf('/', groupEnd + 1);
        if (typeEnd < 0) {
            return topic.hashCode();
        }
        int edgeEnd = topic.indexOf('/', typeEnd + 1);
        if (edgeEnd < 0) {
            edgeEnd = topic.length();
        }
        int hash = 1;
        for (int i = groupStart; i <= groupEnd; i++) {
            hash = 31 * hash + topic.charAt(i);
        }
        for (int i = typeEnd + 1; i < edgeEnd; i++) {
            hash = 31 * hash + topic.charAt(i);
        }
        return hash;
    }
}
