package io.fieldline.bridge.mqtt.decode;

import io.fieldline.schemas.avro.Source;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What the route and the transport know about a message before its payload is read: the values
 * the decoders put into every {@link io.fieldline.schemas.avro.Reading} unless the payload says
 * otherwise.
 *
 * @param deviceId    device id from the topic, or null when it comes from a payload field
 * @param deviceField payload field holding the device id, or null when the topic names the device
 * @param sensor      sensor name from the topic, used for single-value payloads; null when none
 * @param site        site id from the topic, or null
 * @param room        room id from the topic, or null
 * @param attributes  attributes every reading of the message carries (routing segments and the like)
 * @param ingestTime  when the bridge received the message; also the event time when the payload has none
 * @param source      how the readings entered Fieldline
 * @param maxFuture   how far after {@code ingestTime} a payload's event time may lie; a later one fails
 *                    the message (a device clock far ahead would advance stream time, close every open
 *                    window and pin the latest value of its series)
 */
public record DecodeContext(
        String deviceId,
        String deviceField,
        String sensor,
        String site,
        String room,
        Map<String, String> attributes,
        Instant ingestTime,
        Source source,
        Duration maxFuture) {

    /** How far ahead of the receive time an event time may be unless configured otherwise: five minutes. */
    public static final Duration DEFAULT_MAX_FUTURE = Duration.ofMinutes(5);

    public DecodeContext {
        if ((deviceId == null || deviceId.isEmpty()) && (deviceField == null || deviceField.isEmpty())) {
            throw new IllegalArgumentException("either deviceId or deviceField must be set");
        }
        attributes = Map.copyOf(attributes);
        Objects.requireNonNull(ingestTime, "ingestTime");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(maxFuture, "maxFuture");
        if (maxFuture.isNegative()) {
            throw new IllegalArgumentException("maxFuture < 0: " + maxFuture);
        }
    }

    /** A context with the {@link #DEFAULT_MAX_FUTURE default} tolerance for event times ahead of the receive time. */
    public DecodeContext(
            String deviceId,
            String deviceField,
            String sensor,
            String site,
            String room,
            Map<String, String> attributes,
            Instant ingestTime,
            Source source) {
        this(deviceId, deviceField, sensor, site, room, attributes, ingestTime, source, DEFAULT_MAX_FUTURE);
    }

    /** A context for a device named by the topic, with no site, room, sensor or attributes. */
    public static DecodeContext forDevice(String deviceId, Instant ingestTime) {
        return new DecodeContext(deviceId, null, null, null, null, Map.of(), ingestTime, Source.MQTT);
    }

    /** This context with the single-value sensor name set. */
    public DecodeContext withSensor(String sensorName) {
        return new DecodeContext(
                deviceId, deviceField, sensorName, site, room, attributes, ingestTime, source, maxFuture);
    }

    /** This context with the device id read from the named payload field. */
    public DecodeContext withDeviceField(String field) {
        return new DecodeContext(null, field, sensor, site, room, attributes, ingestTime, source, maxFuture);
    }

    /** This context with another tolerance for event times ahead of the receive time. */
    public DecodeContext withMaxFuture(Duration tolerance) {
        return new DecodeContext(deviceId, deviceField, sensor, site, room, attributes, ingestTime, source, tolerance);
    }

    /** The latest event time a payload may carry: {@code ingestTime + maxFuture}. */
    public Instant latestEventTime() {
        return ingestTime.plus(maxFuture);
    }
}
