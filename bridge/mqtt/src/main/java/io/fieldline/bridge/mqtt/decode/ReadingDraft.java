package io.fieldline.bridge.mqtt.decode;

import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One reading as a decoder assembles it, before the message-level values of the
 * {@link DecodeContext} are filled in. Package-private: the decoders' common last step.
 */
record ReadingDraft(
        String deviceId,
        String sensor,
        double value,
        String unit,
        Instant eventTime,
        Quality quality,
        String site,
        String room,
        Map<String, String> attributes) {

    /**
     * The Avro reading. Topic-derived site and room win over payload ones (routing is the
     * authority on where a device lives); payload attributes never replace route attributes.
     * Without an event time, the reading gets the receive time from {@code receiveTimes}, unique
     * for its series.
     */
    Reading toReading(DecodeContext context, ReceiveTimeStamps receiveTimes) {
        Map<String, String> merged;
        if (attributes.isEmpty()) {
            merged = context.attributes(); // immutable already, and most payloads carry no attributes
        } else {
            merged = new LinkedHashMap<>(attributes);
            merged.putAll(context.attributes());
        }
        // The all-args constructor, not the builder: every field is set here, and the builder's
        // per-field validation and default lookups cost more than the rest of the reading.
        Instant time = eventTime != null ? eventTime : receiveTimes.stamp(deviceId, sensor, context.ingestTime());
        return new Reading(
                deviceId,
                sensor,
                value,
                unit,
                time,
                context.ingestTime(),
                context.source(),
                quality == null ? Quality.GOOD : quality,
                context.site() != null ? context.site() : site,
                context.room() != null ? context.room() : room,
                null,
                merged);
    }
}
