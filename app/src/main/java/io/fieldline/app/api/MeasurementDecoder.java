package io.fieldline.app.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fieldline.core.device.DeviceTopics;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The body of {@code POST /api/v1/measurements} to readings: one reading as a JSON object, or a batch as
 * {@code {"readings": [...]}}. Pure: every problem is collected with the JSON pointer of its field, and the request
 * is refused as a whole when there is any.
 *
 * <p>A reading: {@code deviceId} (required, a device id as MQTT devices have), {@code sensor} (required),
 * {@code value} (required, a finite number), {@code unit}, {@code time} (ISO-8601 instant or epoch milliseconds;
 * the receive time when absent; at most a day ahead), {@code quality} ({@code GOOD}, {@code UNCERTAIN},
 * {@code BAD}; {@code GOOD} when absent), {@code site}, {@code room}, {@code attributes} (an object of strings).
 * Other fields are refused, so that a misspelt field is not silently dropped.
 */
final class MeasurementDecoder {

    static final Set<String> FIELDS =
            Set.of("deviceId", "sensor", "value", "unit", "time", "quality", "site", "room", "attributes");

    private static final int MAX_TEXT = 256;
    private static final int MAX_ERRORS = 50;
    private static final Duration MAX_AHEAD = Duration.ofDays(1);

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final int maxReadings;
    private final Clock clock;

    MeasurementDecoder(int maxReadings, Clock clock) {
        this.maxReadings = maxReadings;
        this.clock = clock;
    }

    /**
     * The readings of a request body.
     *
     * @throws ApiProblem 400 naming every invalid field (the first 50), 413 for more than the allowed readings
     */
    List<Reading> decode(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiProblem.invalid("", "not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiProblem.invalid("", "unreadable body: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw ApiProblem.invalid("", "empty body: send a reading object or {\"readings\": [...]}");
        }
        if (!root.isObject()) {
            throw ApiProblem.invalid("", "must be a reading object or {\"readings\": [...]}");
        }
        Instant now = clock.instant();
        List<ApiProblem.FieldError> errors = new ArrayList<>();
        List<Reading> readings = new ArrayList<>();
        if (root.has("readings")) {
            if (root.size() != 1) {
                throw ApiProblem.invalid("", "a batch has the one field readings");
            }
            JsonNode list = root.get("readings");
            if (!list.isArray() || list.isEmpty()) {
                throw ApiProblem.invalid("/readings", "must be a non-empty array of readings");
            }
            if (list.size() > maxReadings) {
                throw new ApiProblem(
                        413,
                        "too-many-readings",
                        "Too many readings",
                        list.size() + " readings in one request; at most " + maxReadings + " (api.max.readings)");
            }
            for (int i = 0; i < list.size() && errors.size() < MAX_ERRORS; i++) {
                Reading reading = reading(list.get(i), "/readings/" + i, now, errors);
                if (reading != null) {
                    readings.add(reading);
                }
            }
        } else {
            Reading reading = reading(root, "", now, errors);
            if (reading != null) {
                readings.add(reading);
            }
        }
        if (!errors.isEmpty()) {
            throw ApiProblem.invalid(errors.subList(0, Math.min(MAX_ERRORS, errors.size())));
        }
        return readings;
    }

    private Reading reading(JsonNode node, String at, Instant now, List<ApiProblem.FieldError> errors) {
        if (!node.isObject()) {
            errors.add(new ApiProblem.FieldError(at.isEmpty() ? "/" : at, "must be an object"));
            return null;
        }
        int before = errors.size();
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                errors.add(new ApiProblem.FieldError(
                        at + "/" + escape(name),
                        "unknown field; the fields are "
                                + String.join(
                                        ", ",
                                        List.of(
                                                "deviceId",
                                                "sensor",
                                                "value",
                                                "unit",
                                                "time",
                                                "quality",
                                                "site",
                                                "room",
                                                "attributes"))));
            }
        }
        String deviceId = text(node, at, "deviceId", true, errors);
        if (deviceId != null && !DeviceTopics.DEVICE_ID.matcher(deviceId).matches()) {
            errors.add(new ApiProblem.FieldError(
                    at + "/deviceId",
                    "must be 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit"));
        }
        String sensor = text(node, at, "sensor", true, errors);
        Double value = null;
        JsonNode v = node.get("value");
        if (v == null || v.isNull()) {
            errors.add(new ApiProblem.FieldError(at + "/value", "required"));
        } else if (!v.isNumber()) {
            errors.add(new ApiProblem.FieldError(at + "/value", "must be a number"));
        } else if (!Double.isFinite(v.doubleValue())) {
            errors.add(new ApiProblem.FieldError(at + "/value", "must be a finite number"));
        } else {
            value = v.doubleValue();
        }
        String unit = text(node, at, "unit", false, errors);
        String site = text(node, at, "site", false, errors);
        String room = text(node, at, "room", false, errors);
        Instant time = time(node.get("time"), at + "/time", now, errors);
        Quality quality = Quality.GOOD;
        JsonNode q = node.get("quality");
        if (q != null && !q.isNull()) {
            try {
                quality = Quality.valueOf(q.isTextual() ? q.asText() : "?");
            } catch (IllegalArgumentException e) {
                errors.add(new ApiProblem.FieldError(at + "/quality", "must be GOOD, UNCERTAIN or BAD"));
            }
        }
        Map<String, String> attributes = new HashMap<>();
        JsonNode a = node.get("attributes");
        if (a != null && !a.isNull()) {
            if (!a.isObject()) {
                errors.add(new ApiProblem.FieldError(at + "/attributes", "must be an object of strings"));
            } else {
                a.properties().forEach(entry -> {
                    if (!entry.getValue().isTextual()
                            || entry.getValue().asText().length() > MAX_TEXT
                            || entry.getKey().length() > MAX_TEXT) {
                        errors.add(new ApiProblem.FieldError(
                                at + "/attributes/" + escape(entry.getKey()),
                                "must be a string of at most " + MAX_TEXT + " characters"));
                    } else {
                        attributes.put(entry.getKey(), entry.getValue().asText());
                    }
                });
            }
        }
        if (errors.size() > before) {
            return null;
        }
        return Reading.newBuilder()
                .setDeviceId(deviceId)
                .setSensor(sensor)
                .setValue(value)
                .setUnit(unit)
                .setEventTime(time == null ? now : time)
                .setIngestTime(now)
                .setSource(Source.HTTP)
                .setQuality(quality)
                .setSite(site)
                .setRoom(room)
                .setAttributes(new HashMap<>(attributes))
                .build();
    }

    private static String text(
            JsonNode node, String at, String field, boolean required, List<ApiProblem.FieldError> errors) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                errors.add(new ApiProblem.FieldError(at + "/" + field, "required"));
            }
            return null;
        }
        if (!value.isTextual()) {
            errors.add(new ApiProblem.FieldError(at + "/" + field, "must be a string"));
            return null;
        }
        String text = value.asText();
        if (text.isBlank() || text.length() > MAX_TEXT) {
            errors.add(new ApiProblem.FieldError(
                    at + "/" + field, "must be a non-blank string of at most " + MAX_TEXT + " characters"));
            return null;
        }
        return text;
    }

    private static Instant time(JsonNode value, String at, Instant now, List<ApiProblem.FieldError> errors) {
        if (value == null || value.isNull()) {
            return null;
        }
        Instant time;
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            time = Instant.ofEpochMilli(value.asLong());
        } else if (value.isTextual()) {
            try {
                time = Instant.parse(value.asText());
            } catch (DateTimeParseException e) {
                errors.add(new ApiProblem.FieldError(
                        at, "must be an ISO-8601 instant (2026-01-31T12:00:00Z) or epoch milliseconds"));
                return null;
            }
        } else {
            errors.add(new ApiProblem.FieldError(
                    at, "must be an ISO-8601 instant (2026-01-31T12:00:00Z) or epoch milliseconds"));
            return null;
        }
        if (time.isAfter(now.plus(MAX_AHEAD))) {
            errors.add(new ApiProblem.FieldError(at, "more than a day in the future"));
            return null;
        }
        if (time.toEpochMilli() < 0) {
            errors.add(new ApiProblem.FieldError(at, "before 1970"));
            return null;
        }
        return time;
    }

    /** A field name as a JSON pointer segment (RFC 6901). */
    private static String escape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }
}
