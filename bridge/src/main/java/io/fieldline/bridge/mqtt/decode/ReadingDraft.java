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
     */
    Reading toReading(DecodeContext context) {
        Map<String, String> merged = new LinkedHashMap<>(attributes);
        merged.putAll(context.attributes());
        return Reading.newBuilder()
                .setDeviceId(deviceId)
                .setSensor(sensor)
                .setValue(value)
                .setUnit(unit)
                .setEventTime(eventTime == null ? context.ingestTime() : eventTime)
                .setIngestTime(context.ingestTime())
                .setSource(context.source())
                .setQuality(quality == null ? Quality.GOOD : quality)
                .setSite(context.site() != null ? context.site() : site)
                .setRoom(context.room() != null ? context.room() : room)
                .setRawValue(null)
                .setAttributes(merged)
                .build();
    }
}
