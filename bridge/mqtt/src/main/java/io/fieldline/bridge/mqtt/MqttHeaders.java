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
    /**
     * How many user properties were left out because they went over the cap ({@code mqtt.user.properties.max.bytes});
     * absent when none was. Outside {@link #USER_PROPERTY_PREFIX}, so that no user property can be taken for it.
     */
    public static final String USER_PROPERTIES_DROPPED = "fieldline.mqtt.dropped.user.properties";
    /** Default cap of the user properties copied into headers, in UTF-8 bytes of names and values. */
    public static final int DEFAULT_USER_PROPERTIES_MAX_BYTES = 8192;

    private MqttHeaders() {}

    /** The headers of one message, user properties capped at {@link #DEFAULT_USER_PROPERTIES_MAX_BYTES}. */
    public static List<Header> of(
            String topic,
            int qos,
            boolean retained,
            boolean duplicate,
            String route,
            String bridge,
            String contentType,
            List<Map.Entry<String, String>> userProperties) {
        return of(
                topic,
                qos,
                retained,
                duplicate,
                route,
                bridge,
                contentType,
                userProperties,
                DEFAULT_USER_PROPERTIES_MAX_BYTES);
    }

    /**
     * The headers of one message. User properties are copied in order while their names and values add up to at
     * most {@code maxUserPropertyBytes} UTF-8 bytes; the rest are left out and counted in
     * {@link #USER_PROPERTIES_DROPPED}. Uncapped, a publisher could make every record of its message too large for
     * Kafka (the broker accepts far larger MQTT packets than Kafka accepts records).
     *
     * @param topic                MQTT topic
     * @param qos                  delivery QoS
     * @param retained             retain flag
     * @param duplicate            DUP flag
     * @param route                route name, or null
     * @param bridge               bridge client id
     * @param contentType          MQTT 5 content type, or null
     * @param userProperties       MQTT 5 user properties in order, possibly repeating names
     * @param maxUserPropertyBytes cap of the user properties copied
     */
    public static List<Header> of(
            String topic,
            int qos,
            boolean retained,
            boolean duplicate,
            String route,
            String bridge,
            String contentType,
            List<Map.Entry<String, String>> userProperties,
            int maxUserPropertyBytes) {
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
        long budget = maxUserPropertyBytes;
        int dropped = 0;
        for (Map.Entry<String, String> property : userProperties) {
            byte[] value =
                    property.getValue() == null ? null : property.getValue().getBytes(StandardCharsets.UTF_8);
            long size = utf8Length(property.getKey()) + (value == null ? 0 : value.length);
            if (dropped > 0 || size > budget) {
                // Once one is left out, so are the rest: the kept ones are a prefix, in publish order.
                dropped++;
                continue;
            }
            budget -= size;
            headers.add(new RecordHeader(USER_PROPERTY_PREFIX + property.getKey(), value));
        }
        if (dropped > 0) {
            headers.add(header(USER_PROPERTIES_DROPPED, Integer.toString(dropped)));
        }
        return headers;
    }

    private static long utf8Length(String text) {
        long length = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                length++;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c)) {
                length += 4;
                i++;
            } else {
                length += 3;
            }
        }
        return length;
    }

    static Header header(String name, String value) {
        return new RecordHeader(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }
}
