package io.fieldline.bridge.mqtt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Kafka header names the MQTT bridge puts on every record it writes (readings and dead
 * letters), so a consumer can tell where a record came from. Values are UTF-8 strings.
 */
public final class MqttHeaders {

    /** The MQTT topic the message was published to. */
    public static final String TOPIC = "fieldline.mqtt.topic";
    /** QoS the message was delivered to the bridge with: 0 or 1. */
    public static final String QOS = "fieldline.mqtt.qos";
    /** {@code true} when the broker delivered a retained message. */
    public static final String RETAIN = "fieldline.mqtt.retain";
    /** {@code true} when the broker flagged the delivery as a redelivery (MQTT DUP flag). */
    public static final String DUPLICATE = "fieldline.mqtt.dup";
    /** Name of the route that took the message (absent when none did). */
    public static final String ROUTE = "fieldline.mqtt.route";
    /** MQTT client id of the bridge instance that wrote the record. */
    public static final String BRIDGE = "fieldline.mqtt.bridge";
    /** MQTT 5 content type, when the publisher set one. */
    public static final String CONTENT_TYPE = "fieldline.mqtt.content.type";
    /**
     * Prefix of MQTT 5 user properties: property {@code name} becomes header
     * {@code fieldline.mqtt.user.name}; a property given several times gives several headers.
     */
    public static final String USER_PROPERTY_PREFIX = "fieldline.mqtt.user.";

    private MqttHeaders() {
    }

    /**
     * The headers of one message.
     *
     * @param topic          MQTT topic
     * @param qos            delivery QoS
     * @param retained       retain flag
     * @param duplicate      DUP flag
     * @param route          route name, or null
     * @param bridge         bridge client id
     * @param contentType    MQTT 5 content type, or null
     * @param userProperties MQTT 5 user properties in order, possibly repeating names
     */
    public static List<Header> of(String topic, int qos, boolean retained, boolean duplicate, String route, String bridge,
            String contentType, List<Map.Entry<String, String>> userProperties) {
        List<Header> headers = new ArrayList<>(6 + userProperties.size());
        headers.add(header(TOPIC, topic));
        headers.add(header(QOS, Integer.toString(qos)));
        headers.add(header(RETAIN, Boolean.toString(retained)));
        headers.add(header(DUPLICATE, Boolean.toString(duplicate)));
        if (route != null) {
            headers.add(header(ROUTE, route));
        }
        headers.add(header(BRIDGE, bridge));
        if (contentType != null) {
            headers.add(header(CONTENT_TYPE, contentType));
        }
        for (Map.Entry<String, String> property : userProperties) {
            headers.add(header(USER_PROPERTY_PREFIX + property.getKey(), property.getValue()));
        }
        return headers;
    }

    static Header header(String name, String value) {
        return new RecordHeader(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }
}
