package io.fieldline.bridge.mqtt.decode;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decodes JSON telemetry payloads into readings. A function of the payload bytes and the
 * {@link DecodeContext}, but for one memory: a reading without a timestamp gets the receive time,
 * made unique per series across messages ({@link ReceiveTimeStamps}); thread-safe. Accepted shapes (documented with examples in docs/mqtt.md):
 *
 * <ol>
 *   <li>One object with several metrics:
 *       {@code {"ts": 1714564800000, "air_temperature": 24.1, "relative_humidity": 61.5,
 *       "units": {"air_temperature": "degC"}, "quality": "GOOD"}}. A metric's value is a number,
 *       a boolean (1 or 0), or an object {@code {"value": 24.1, "unit": "degC", "quality": "BAD",
 *       "ts": ...}}. {@code quality} is one quality for all metrics or an object by metric.</li>
 *   <li>One reading: {@code {"sensor": "co2", "value": 812, "unit": "ppm", "ts": "2024-05-01T12:00:00Z"}};
 *       when the topic names the sensor, {@code {"value": 812}} is enough.</li>
 *   <li>An array of objects of either kind, each with its own optional timestamp.</li>
 *   <li>A bare number ({@code 21.5}): the sensor is named by the topic.</li>
 * </ol>
 *
 * <p>Reserved keys, never read as metrics: {@value #RESERVED_DOC}. The device id comes from the
 * topic, or from the payload field named by {@link DecodeContext#deviceField()}. Anything else
 * that is not a finite number or boolean (a string, null, NaN, an array) fails the whole message
 * with a reason naming the field: a partial decode would hide a broken device.
 */
public final class JsonReadingDecoder {

    static final String RESERVED_DOC = "ts, timestamp, time, unit, units, quality, sensor, value, "
            + "site, room, attributes, device, deviceId, device_id";

    private static final Set<String> TIME_KEYS = Set.of("ts", "timestamp", "time");
    private static final Set<String> RESERVED = Set.of(
            "ts",
            "timestamp",
            "time",
            "unit",
            "units",
            "quality",
            "sensor",
            "value",
            "site",
            "room",
            "attributes",
            "device",
            "deviceId",
            "device_id");

    private final ReceiveTimeStamps receiveTimes = new ReceiveTimeStamps();
    private final JsonMapper mapper = JsonMapper.builder()
            // Parse NaN and Infinity so the reason can say "NaN" instead of "malformed JSON".
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Decodes one payload; never throws for bad input. */
    public DecodeResult decode(byte[] payload, DecodeContext context) {
        if (payload == null || payload.length == 0) {
            return DecodeResult.failed("empty payload");
        }
        JsonNode root;
        try {
            root = mapper.readTree(payload);
        } catch (JsonProcessingException e) {
            return DecodeResult.failed(malformed(e));
        } catch (IOException e) {
            return DecodeResult.failed("unreadable JSON: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            return DecodeResult.failed("empty payload");
        }
        try {
            List<Reading> readings = new ArrayList<>();
            if (root.isArray()) {
                if (root.isEmpty()) {
                    throw new BadPayloadException("empty array: no readings");
                }
                for (int i = 0; i < root.size(); i++) {
                    JsonNode element = root.get(i);
                    if (!element.isObject()) {
                        throw new BadPayloadException(
                                "element [" + i + "]: expected an object, got " + describe(element));
                    }
                    try {
                        readObject(element, context, readings);
                    } catch (BadPayloadException e) {
                        throw e.within("element [" + i + "]");
                    }
                }
            } else if (root.isObject()) {
                readObject(root, context, readings);
            } else if (root.isNumber() || root.isBoolean()) {
                if (context.sensor() == null) {
                    throw new BadPayloadException(
                            "a bare value needs the sensor name from the topic (a {sensor} segment "
                                    + "or the route's sensor setting)");
                }
                String device = deviceId(root, context);
                double value = number(root, context.sensor());
                readings.add(new ReadingDraft(device, context.sensor(), value, null, null, null, null, null, Map.of())
                        .toReading(context, receiveTimes));
            } else {
                throw new BadPayloadException("expected an object, an array or a number, got " + describe(root));
            }
            return DecodeResult.decoded(readings);
        } catch (BadPayloadException e) {
            return DecodeResult.failed(e.getMessage());
        }
    }

    private void readObject(JsonNode object, DecodeContext context, List<Reading> out) {
        String device = deviceId(object, context);
        Instant eventTime = eventTime(object, context);
        String site = optionalText(object, "site");
        String room = optionalText(object, "room");
        Map<String, String> attributes = attributes(object);
        JsonNode qualityNode = object.get("quality");

        if (object.has("sensor") || (object.has("value") && context.sensor() != null)) {
            String sensor = object.has("sensor") ? requiredText(object, "sensor") : context.sensor();
            if (!object.has("value")) {
                throw new BadPayloadException("reading of sensor '" + sensor + "' has no 'value'");
            }
            if (qualityNode != null && !qualityNode.isTextual()) {
                throw new BadPayloadException(
                        "'quality' of a single reading must be a string, got " + describe(qualityNode));
            }
            double value = number(object.get("value"), sensor);
            Quality quality = qualityNode == null ? null : quality(qualityNode.asText(), "quality");
            out.add(new ReadingDraft(
                            device,
                            sensor,
                            value,
                            optionalText(object, "unit"),
                            eventTime,
                            quality,
                            site,
                            room,
                            attributes)
                    .toReading(context, receiveTimes));
            return;
        }
        if (object.has("value")) {
            throw new BadPayloadException("payload has 'value' but no sensor: name it with a 'sensor' field or a "
                    + "{sensor} topic segment");
        }
        Map<String, String> units = textMap(object, "units");
        Quality sharedQuality = null;
        Map<String, String> qualities = Map.of();
        if (qualityNode != null) {
            if (qualityNode.isTextual()) {
                sharedQuality = quality(qualityNode.asText(), "quality");
            } else if (qualityNode.isObject()) {
                qualities = textMap(object, "quality");
            } else {
                throw new BadPayloadException(
                        "'quality' must be a string or an object by metric, got " + describe(qualityNode));
            }
        }
        String sharedUnit = optionalText(object, "unit");
        int before = out.size();
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            String name = field.getKey();
            if (RESERVED.contains(name) || name.equals(context.deviceField())) {
                continue;
            }
            if (name.isBlank()) {
                throw new BadPayloadException("metric with an empty name");
            }
            JsonNode node = field.getValue();
            Instant time = eventTime;
            String unit = units.getOrDefault(name, sharedUnit);
            Quality quality =
                    qualities.containsKey(name) ? quality(qualities.get(name), "quality." + name) : sharedQuality;
            double value;
            if (node.isObject()) {
                if (!node.has("value")) {
                    throw new BadPayloadException("metric '" + name + "' is an object without 'value'");
                }
                value = number(node.get("value"), name);
                String ownUnit = optionalText(node, "unit");
                unit = ownUnit != null ? ownUnit : unit;
                JsonNode ownQuality = node.get("quality");
                if (ownQuality != null) {
                    if (!ownQuality.isTextual()) {
                        throw new BadPayloadException(
                                "'quality' of metric '" + name + "' must be a string, got " + describe(ownQuality));
                    }
                    quality = quality(ownQuality.asText(), name + ".quality");
                }
                Instant ownTime = eventTime(node, context);
                time = ownTime != null ? ownTime : time;
            } else {
                value = number(node, name);
            }
            out.add(new ReadingDraft(device, name, value, unit, time, quality, site, room, attributes)
                    .toReading(context, receiveTimes));
        }
        if (out.size() == before) {
            throw new BadPayloadException("object has no metrics");
        }
    }

    private static String deviceId(JsonNode node, DecodeContext context) {
        if (context.deviceField() == null) {
            return context.deviceId();
        }
        String field = context.deviceField();
        JsonNode id = node.isObject() ? node.get(field) : null;
        if (id == null || id.isNull()) {
            throw new BadPayloadException("device id field '" + field + "' is missing");
        }
        if (!(id.isTextual() || id.isIntegralNumber())) {
            throw new BadPayloadException("device id field '" + field + "' must be a string, got " + describe(id));
        }
        String text = id.asText().trim();
        if (text.isEmpty()) {
            throw new BadPayloadException("device id field '" + field + "' is empty");
        }
        return text;
    }

    private static Instant eventTime(JsonNode object, DecodeContext context) {
        Instant found = null;
        String foundKey = null;
        for (String key : TIME_KEYS) {
            JsonNode node = object.get(key);
            if (node == null) {
                continue;
            }
            if (foundKey != null) {
                throw new BadPayloadException("two timestamps: '" + foundKey + "' and '" + key + "'");
            }
            foundKey = key;
            if (node.isNumber()) {
                if (!Double.isFinite(node.doubleValue())) {
                    throw new BadPayloadException("timestamp '" + key + "' is not a finite number");
                }
                found = EventTimes.fromNumber(node.decimalValue(), key, context);
            } else if (node.isTextual()) {
                found = EventTimes.fromText(node.asText(), key, context);
            } else {
                throw new BadPayloadException(
                        "timestamp '" + key + "' must be a number or an ISO-8601 string, got " + describe(node));
            }
        }
        return found;
    }

    private static double number(JsonNode node, String metric) {
        if (node == null || node.isNull()) {
            throw new BadPayloadException("metric '" + metric + "' is null");
        }
        if (node.isBoolean()) {
            return node.booleanValue() ? 1.0 : 0.0;
        }
        if (!node.isNumber()) {
            throw new BadPayloadException("metric '" + metric + "': expected a number, got " + describe(node));
        }
        double value = node.doubleValue();
        if (Double.isNaN(value)) {
            throw new BadPayloadException("metric '" + metric + "' is NaN");
        }
        if (Double.isInfinite(value)) {
            throw new BadPayloadException("metric '" + metric + "' is infinite or out of double range");
        }
        return value;
    }

    private static Quality quality(String text, String field) {
        try {
            return Quality.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadPayloadException("'" + field + "' is \"" + text + "\", not one of GOOD, UNCERTAIN, BAD");
        }
    }

    private static String optionalText(JsonNode object, String key) {
        JsonNode node = object.get(key);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new BadPayloadException("'" + key + "' must be a string, got " + describe(node));
        }
        return node.asText();
    }

    private static String requiredText(JsonNode object, String key) {
        String text = optionalText(object, key);
        if (text == null || text.isBlank()) {
            throw new BadPayloadException("'" + key + "' is empty");
        }
        return text;
    }

    private static Map<String, String> textMap(JsonNode object, String key) {
        JsonNode node = object.get(key);
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new BadPayloadException("'" + key + "' must be an object by metric, got " + describe(node));
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw new BadPayloadException(
                        "'" + key + "." + field.getKey() + "' must be a string, got " + describe(field.getValue()));
            }
            map.put(field.getKey(), field.getValue().asText());
        }
        return map;
    }

    private static Map<String, String> attributes(JsonNode object) {
        JsonNode node = object.get("attributes");
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new BadPayloadException("'attributes' must be an object, got " + describe(node));
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isValueNode() || field.getValue().isNull()) {
                throw new BadPayloadException("attribute '" + field.getKey()
                        + "' must be a string, number or boolean, got " + describe(field.getValue()));
            }
            map.put(field.getKey(), field.getValue().asText());
        }
        return map;
    }

    private static String describe(JsonNode node) {
        if (node.isTextual()) {
            String text = node.asText();
            return "string \"" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\"";
        }
        if (node.isNull()) {
            return "null";
        }
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static String malformed(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        String where = location == null ? "" : " at line " + location.getLineNr() + " column " + location.getColumnNr();
        String message = e.getOriginalMessage();
        int newline = message.indexOf('\n');
        return "malformed JSON" + where + ": " + (newline >= 0 ? message.substring(0, newline) : message);
    }
}
