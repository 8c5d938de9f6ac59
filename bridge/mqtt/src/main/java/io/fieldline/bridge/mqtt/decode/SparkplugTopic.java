package io.fieldline.bridge.mqtt.decode;

import java.util.Objects;
import java.util.Optional;

/**
 * A Sparkplug B topic: {@code spBv1.0/<group>/<type>/<edge node>[/<device>]}. Node messages
 * (NBIRTH, NDEATH, NDATA, NCMD) have no device level; device messages (DBIRTH, DDEATH, DDATA,
 * DCMD) must have one.
 *
 * @param group    group id
 * @param type     message type
 * @param edgeNode edge node id
 * @param device   device id, null for node messages
 */
public record SparkplugTopic(String group, SparkplugMessageType type, String edgeNode, String device) {

    /** The namespace element every Sparkplug B topic starts with. */
    public static final String NAMESPACE = "spBv1.0";

    public SparkplugTopic {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(edgeNode, "edgeNode");
    }

    /** The topic's parts, or empty with no reason when the topic is not a Sparkplug B topic at all. */
    public static Optional<SparkplugTopic> parse(String topic) {
        try {
            return Optional.of(parseOrThrow(topic));
        } catch (BadPayloadException e) {
            return Optional.empty();
        }
    }

    /** Parses or throws {@link BadPayloadException} naming what is wrong. */
    static SparkplugTopic parseOrThrow(String topic) {
        String[] levels = topic.split("/", -1);
        if (levels.length < 4 || !NAMESPACE.equals(levels[0])) {
            throw new BadPayloadException(
                    "not a Sparkplug B topic (expected spBv1.0/<group>/<type>/<edge node>[/<device>]): " + topic);
        }
        SparkplugMessageType type;
        try {
            type = SparkplugMessageType.valueOf(levels[2]);
        } catch (IllegalArgumentException e) {
            throw new BadPayloadException("unknown Sparkplug message type '" + levels[2] + "' in topic " + topic);
        }
        for (int i = 1; i < levels.length; i++) {
            if (levels[i].isEmpty()) {
                throw new BadPayloadException("empty level " + i + " in Sparkplug topic " + topic);
            }
        }
        if (type.deviceLevel()) {
            if (levels.length != 5) {
                throw new BadPayloadException(type + " topic must name a device (spBv1.0/<group>/" + type
                        + "/<edge node>/<device>): " + topic);
            }
            return new SparkplugTopic(levels[1], type, levels[3], levels[4]);
        }
        if (levels.length != 4) {
            throw new BadPayloadException(type + " is a node message and takes no device level: " + topic);
        }
        return new SparkplugTopic(levels[1], type, levels[3], null);
    }

    /** Key of the node: {@code group/edge}. */
    public String nodeKey() {
        return group + "/" + edgeNode;
    }

    /**
     * Key of whatever sent the message and owns an alias table: {@code group/edge} for node
     * messages, {@code group/edge/device} for device messages.
     */
    public String entityKey() {
        return device == null ? nodeKey() : nodeKey() + "/" + device;
    }

    @Override
    public String toString() {
        return NAMESPACE + "/" + group + "/" + type + "/" + edgeNode + (device == null ? "" : "/" + device);
    }
}
