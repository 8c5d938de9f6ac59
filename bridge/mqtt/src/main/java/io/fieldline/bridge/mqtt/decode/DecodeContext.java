package io.fieldline.bridge.mqtt.decode;

import io.fieldline.schemas.avro.Source;
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
 */
public record DecodeContext(
        String deviceId,
        String deviceField,
        String sensor,
        String site,
        String room,
        Map<String, String> attributes,
        Instant ingestTime,
        Source source) {

    public DecodeContext {
        if ((deviceId == null || deviceId.isEmpty()) && (deviceField == null || deviceField.isEmpty())) {
            throw new IllegalArgumentException("either deviceId or deviceField must be set");
        }
        attributes = Map.copyOf(attributes);
        Objects.requireNonNull(ingestTime, "ingestTime");
        Objects.requireNonNull(source, "source");
    }

    /** A context for a device named by the topic, with no site, room, sensor or attributes. */
    public static DecodeContext forDevice(String deviceId, Instant ingestTime) {
        return new DecodeContext(deviceId, null, null, null, null, Map.of(), ingestTime, Source.MQTT);
    }

    /** This context with the single-value sensor name set. */
    public DecodeContext withSensor(String sensorName) {
        return new DecodeContext(deviceId, deviceField, sensorName, site, room, attributes, ingestTime, source);
    }

    /** This context with the device id read from the named payload field. */
    public DecodeContext withDeviceField(String field) {
        return new DecodeContext(null, field, sensor, site, room, attributes, ingestTime, source);
    }
}
