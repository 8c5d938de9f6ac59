package io.fieldline.bridge.mqtt.route;

import io.fieldline.bridge.mqtt.decode.DecodeContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One routing rule: MQTT topics matching {@link #pattern()} are decoded as {@link #format()}
 * and written to {@link #kafkaTopic()}, keyed by the device id. Built from the
 * {@code mqtt.route.<name>.*} keys of {@code MqttBridgeConfig}.
 *
 * @param name                  route name, as listed in {@code mqtt.routes}
 * @param pattern               topic filter with named segments
 * @param format                payload format
 * @param kafkaTopic            Kafka topic of the readings; null for the readings topic
 * @param device                device id template over the segments; null when {@code deviceField} is set
 * @param deviceField           payload field holding the device id; null when {@code device} is set
 * @param site                  site template, or null for none
 * @param room                  room template, or null for none
 * @param sensor                sensor-name template for single-value payloads, or null
 * @param attributes            extra attributes: name to template
 * @param segmentsAsAttributes  whether every captured segment also becomes an attribute
 * @param shared                whether the subscription joins the shared-subscription group
 * @param maxFuture             how far ahead of the receive time a payload's event time may be
 *                              ({@code mqtt.event.time.max.future.ms}); later ones are dead-lettered
 */
public record Route(
        String name,
        TopicPattern pattern,
        PayloadFormat format,
        String kafkaTopic,
        ValueTemplate device,
        String deviceField,
        ValueTemplate site,
        ValueTemplate room,
        ValueTemplate sensor,
        Map<String, ValueTemplate> attributes,
        boolean segmentsAsAttributes,
        boolean shared,
        Duration maxFuture) {

    public Route {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(maxFuture, "maxFuture");
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(format, "format");
        if ((device == null) == (deviceField == null || deviceField.isEmpty())) {
            throw new IllegalArgumentException("route " + name + ": exactly one of device template and device field");
        }
        attributes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        for (ValueTemplate template : templates(device, site, room, sensor, attributes)) {
            for (String segment : template.names()) {
                if (!pattern.names().contains(segment)) {
                    throw new IllegalArgumentException("template '" + template + "' of route " + name
                            + " refers to {" + segment + "}, which topic pattern " + pattern + " does not capture"
                            + " (it captures " + pattern.names() + ")");
                }
            }
        }
    }

    /** A route with the {@link DecodeContext#DEFAULT_MAX_FUTURE default} tolerance for event times ahead. */
    public Route(
            String name,
            TopicPattern pattern,
            PayloadFormat format,
            String kafkaTopic,
            ValueTemplate device,
            String deviceField,
            ValueTemplate site,
            ValueTemplate room,
            ValueTemplate sensor,
            Map<String, ValueTemplate> attributes,
            boolean segmentsAsAttributes,
            boolean shared) {
        this(
                name,
                pattern,
                format,
                kafkaTopic,
                device,
                deviceField,
                site,
                room,
                sensor,
                attributes,
                segmentsAsAttributes,
                shared,
                DecodeContext.DEFAULT_MAX_FUTURE);
    }

    private static java.util.List<ValueTemplate> templates(
            ValueTemplate device,
            ValueTemplate site,
            ValueTemplate room,
            ValueTemplate sensor,
            Map<String, ValueTemplate> attributes) {
        java.util.List<ValueTemplate> all = new java.util.ArrayList<>(attributes.values());
        for (ValueTemplate template : new ValueTemplate[] {device, site, room, sensor}) {
            if (template != null) {
                all.add(template);
            }
        }
        return all;
    }

    /** The segment names the route's pattern captures. */
    public Set<String> segmentNames() {
        return pattern.names();
    }
}
