package io.fieldline.bridge.mqtt.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonReadingDecoderTest {

    private static final Instant NOW = Instant.parse("2024-05-01T12:00:30Z");
    private static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");
    private static final DecodeContext DEVICE = new DecodeContext(
            "gr-01", null, null, "site-a", "room-1", Map.of("segment.site", "site-a"), NOW, Source.MQTT);
    private static final DecodeContext BY_FIELD = DEVICE.withDeviceField("deviceId");
    private static final DecodeContext WITH_SENSOR = DEVICE.withSensor("co2");

    private final JsonReadingDecoder decoder = new JsonReadingDecoder();

    /** What a reading must look like, reduced to the fields a case cares about. */
    record Expected(String device, String sensor, double value, String unit, Instant time, Quality quality) {
        static Expected of(Reading r) {
            return new Expected(
                    r.getDeviceId(), r.getSensor(), r.getValue(), r.getUnit(), r.getEventTime(), r.getQuality());
        }
    }

    private static Expected good(String sensor, double value, String unit, Instant time) {
        return new Expected("gr-01", sensor, value, unit, time, Quality.GOOD);
    }

    static Stream<Arguments> validPayloads() {
        return Stream.of(
                arguments(
                        "object with several metrics and epoch-ms ts",
                        DEVICE,
                        "{\"ts\": 1714564800000, \"air_temperature\": 24.5, \"relative_humidity\": 61}",
                        List.of(good("air_temperature", 24.5, null, T0), good("relative_humidity", 61, null, T0))),
                arguments(
                        "epoch seconds with fraction",
                        DEVICE,
                        "{\"timestamp\": 1714564800.25, \"co2\": 800}",
                        List.of(good("co2", 800, null, T0.plusMillis(250)))),
                arguments(
                        "epoch microseconds, truncated to milliseconds",
                        DEVICE,
                        "{\"time\": 1714564800000123, \"co2\": 800}",
                        List.of(good("co2", 800, null, T0))),
                arguments(
                        "ISO-8601 with offset",
                        DEVICE,
                        "{\"ts\": \"2024-05-01T14:00:00+02:00\", \"co2\": 800}",
                        List.of(good("co2", 800, null, T0))),
                arguments(
                        "ISO-8601 in a string of digits",
                        DEVICE,
                        "{\"ts\": \"1714564800000\", \"co2\": 800}",
                        List.of(good("co2", 800, null, T0))),
                arguments(
                        "no timestamp: bridge receive time",
                        DEVICE,
                        "{\"co2\": 800}",
                        List.of(good("co2", 800, null, NOW))),
                arguments(
                        "units map and shared quality",
                        DEVICE,
                        "{\"air_temperature\": 24.5, \"co2\": 812, \"units\": {\"air_temperature\": \"degC\", \"co2\": \"ppm\"},"
                                + " \"quality\": \"uncertain\"}",
                        List.of(
                                new Expected("gr-01", "air_temperature", 24.5, "degC", NOW, Quality.UNCERTAIN),
                                new Expected("gr-01", "co2", 812, "ppm", NOW, Quality.UNCERTAIN))),
                arguments(
                        "quality by metric",
                        DEVICE,
                        "{\"air_temperature\": 24.5, \"co2\": 812, \"quality\": {\"co2\": \"BAD\"}}",
                        List.of(
                                good("air_temperature", 24.5, null, NOW),
                                new Expected("gr-01", "co2", 812, null, NOW, Quality.BAD))),
                arguments(
                        "metric objects with own unit, quality and time",
                        DEVICE,
                        "{\"ts\": 1714564800000, \"ppfd\": {\"value\": 650, \"unit\": \"umol/m2/s\"},"
                                + " \"co2\": {\"value\": 5000, \"quality\": \"BAD\", \"ts\": 1714564801000}}",
                        List.of(
                                good("ppfd", 650, "umol/m2/s", T0),
                                new Expected("gr-01", "co2", 5000, null, T0.plusSeconds(1), Quality.BAD))),
                arguments(
                        "booleans become 1 and 0",
                        DEVICE,
                        "{\"door_open\": true, \"fan_on\": false}",
                        List.of(good("door_open", 1, null, NOW), good("fan_on", 0, null, NOW))),
                arguments(
                        "single reading object",
                        DEVICE,
                        "{\"sensor\": \"co2\", \"value\": 812, \"unit\": \"ppm\", \"ts\": \"2024-05-01T12:00:00Z\"}",
                        List.of(good("co2", 812, "ppm", T0))),
                arguments(
                        "value object with the sensor named by the topic",
                        WITH_SENSOR,
                        "{\"value\": 812, \"unit\": \"ppm\"}",
                        List.of(good("co2", 812, "ppm", NOW))),
                arguments(
                        "bare number with the sensor named by the topic",
                        WITH_SENSOR,
                        " 812.5\n",
                        List.of(good("co2", 812.5, null, NOW))),
                arguments(
                        "array of single readings, each with its time",
                        DEVICE,
                        "[{\"sensor\": \"co2\", \"value\": 800, \"ts\": 1714564800000},"
                                + " {\"sensor\": \"co2\", \"value\": 810, \"ts\": 1714564801000}]",
                        List.of(good("co2", 800, null, T0), good("co2", 810, null, T0.plusSeconds(1)))),
                arguments(
                        "array of multi-metric objects",
                        DEVICE,
                        "[{\"ts\": 1714564800, \"feed_consumed_kg\": 12.5}, {\"ts\": 1714564860, \"water_consumed_l\": 30}]",
                        List.of(
                                good("feed_consumed_kg", 12.5, null, T0),
                                good("water_consumed_l", 30, null, T0.plusSeconds(60)))),
                arguments(
                        "device id from a payload field, per array element",
                        BY_FIELD,
                        "[{\"deviceId\": \"ph-1\", \"deaths\": 2}, {\"deviceId\": 7, \"deaths\": 0}]",
                        List.of(
                                new Expected("ph-1", "deaths", 2, null, NOW, Quality.GOOD),
                                new Expected("7", "deaths", 0, null, NOW, Quality.GOOD))),
                arguments(
                        "device keys are ignored when the topic names the device",
                        DEVICE,
                        "{\"device\": \"other\", \"deviceId\": \"x\", \"eggs_produced\": 4100}",
                        List.of(good("eggs_produced", 4100, null, NOW))),
                arguments(
                        "timestamp a minute ahead of the receive time (a fast device clock)",
                        DEVICE,
                        "{\"ts\": \"2024-05-01T12:01:30Z\", \"co2\": 800}",
                        List.of(good("co2", 800, null, NOW.plusSeconds(60)))),
                arguments(
                        "big integers become doubles",
                        DEVICE,
                        "{\"counter\": 123456789012345678901234567890}",
                        List.of(good("counter", 1.2345678901234568E29, null, NOW))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validPayloads")
    void shouldDecodeValidPayloads(String name, DecodeContext context, String json, List<Expected> expected) {
        DecodeResult result = decoder.decode(json.getBytes(StandardCharsets.UTF_8), context);

        assertThat(result).isInstanceOf(DecodeResult.Decoded.class);
        List<Reading> readings = ((DecodeResult.Decoded) result).readings();
        assertThat(readings.stream().map(Expected::of).collect(Collectors.toList()))
                .isEqualTo(expected);
        assertThat(readings).allSatisfy(r -> {
            assertThat(r.getIngestTime()).isEqualTo(NOW);
            assertThat(r.getSource()).isEqualTo(Source.MQTT);
        });
    }

    static Stream<Arguments> invalidPayloads() {
        return Stream.of(
                arguments("empty payload", DEVICE, "", "empty payload"),
                arguments("only whitespace", DEVICE, "   ", "empty payload"),
                arguments("truncated object", DEVICE, "{\"co2\": 8", "malformed JSON at line 1"),
                arguments("not JSON", DEVICE, "temperature=21", "malformed JSON"),
                arguments("trailing garbage", DEVICE, "{\"co2\": 800} x", "malformed JSON"),
                arguments("duplicate metric", DEVICE, "{\"co2\": 800, \"co2\": 801}", "malformed JSON"),
                arguments(
                        "string where a number belongs",
                        DEVICE,
                        "{\"air_temperature\": \"hot\"}",
                        "metric 'air_temperature': expected a number, got string \"hot\""),
                arguments(
                        "numeric string",
                        DEVICE,
                        "{\"co2\": \"800\"}",
                        "metric 'co2': expected a number, got string \"800\""),
                arguments("null metric", DEVICE, "{\"co2\": null}", "metric 'co2' is null"),
                arguments("NaN", DEVICE, "{\"co2\": NaN}", "metric 'co2' is NaN"),
                arguments("infinity", DEVICE, "{\"co2\": -Infinity}", "metric 'co2' is infinite"),
                arguments("out of double range", DEVICE, "{\"co2\": 1e400}", "metric 'co2' is infinite"),
                arguments("nested array", DEVICE, "{\"co2\": [1, 2]}", "metric 'co2': expected a number, got array"),
                arguments(
                        "metric object without value",
                        DEVICE,
                        "{\"co2\": {\"unit\": \"ppm\"}}",
                        "metric 'co2' is an object without 'value'"),
                arguments("no metrics at all", DEVICE, "{\"ts\": 1714564800000}", "object has no metrics"),
                arguments("empty object", DEVICE, "{}", "object has no metrics"),
                arguments("empty array", DEVICE, "[]", "empty array"),
                arguments("array of numbers", DEVICE, "[1, 2]", "element [0]: expected an object, got number"),
                arguments(
                        "bad element names its index",
                        DEVICE,
                        "[{\"co2\": 1}, {\"co2\": \"x\"}]",
                        "element [1]: metric 'co2': expected a number"),
                arguments("bare string", DEVICE, "\"hello\"", "expected an object, an array or a number, got string"),
                arguments("bare number without a topic sensor", DEVICE, "21.5", "a bare value needs the sensor name"),
                arguments("value without any sensor", DEVICE, "{\"value\": 21.5}", "payload has 'value' but no sensor"),
                arguments(
                        "single reading without value",
                        DEVICE,
                        "{\"sensor\": \"co2\"}",
                        "reading of sensor 'co2' has no 'value'"),
                arguments(
                        "single reading with wrong value type",
                        DEVICE,
                        "{\"sensor\": \"co2\", \"value\": \"high\"}",
                        "metric 'co2': expected a number, got string \"high\""),
                arguments(
                        "unknown quality",
                        DEVICE,
                        "{\"co2\": 800, \"quality\": \"meh\"}",
                        "'quality' is \"meh\", not one of GOOD, UNCERTAIN, BAD"),
                arguments(
                        "timestamp of the wrong type",
                        DEVICE,
                        "{\"ts\": true, \"co2\": 1}",
                        "timestamp 'ts' must be a number or an ISO-8601 string, got boolean"),
                arguments(
                        "unparseable timestamp",
                        DEVICE,
                        "{\"ts\": \"yesterday\", \"co2\": 1}",
                        "timestamp 'ts' is neither epoch time nor ISO-8601"),
                arguments(
                        "timestamp without offset",
                        DEVICE,
                        "{\"ts\": \"2024-05-01T12:00:00\", \"co2\": 1}",
                        "timestamp 'ts' has no UTC offset"),
                arguments("clock never set", DEVICE, "{\"ts\": 12, \"co2\": 1}", "timestamp 'ts' is before 2000-01-01"),
                arguments(
                        "clock far ahead, ISO-8601",
                        DEVICE,
                        "{\"ts\": \"2100-01-01T00:00:00Z\", \"co2\": 1}",
                        "timestamp 'ts' is in the future: 2100-01-01T00:00:00Z is more than 300 s after the message was "
                                + "received (2024-05-01T12:00:30Z)"),
                arguments(
                        "clock far ahead, epoch milliseconds",
                        DEVICE,
                        "{\"ts\": 4102444800000, \"co2\": 1}",
                        "timestamp 'ts' is in the future"),
                arguments(
                        "metric timestamp far ahead",
                        DEVICE,
                        "{\"ts\": 1714564800000, \"co2\": {\"value\": 1, \"ts\": 4102444800}}",
                        "timestamp 'ts' is in the future"),
                arguments(
                        "two timestamps",
                        DEVICE,
                        "{\"ts\": 1714564800000, \"time\": 1714564800000, \"co2\": 1}",
                        "two timestamps"),
                arguments(
                        "units not an object",
                        DEVICE,
                        "{\"co2\": 1, \"units\": \"ppm\"}",
                        "'units' must be an object by metric, got string"),
                arguments("missing device field", BY_FIELD, "{\"co2\": 800}", "device id field 'deviceId' is missing"),
                arguments(
                        "device field of the wrong type",
                        BY_FIELD,
                        "{\"deviceId\": {\"a\": 1}, \"co2\": 800}",
                        "device id field 'deviceId' must be a string, got object"),
                arguments(
                        "empty device field",
                        BY_FIELD,
                        "{\"deviceId\": \" \", \"co2\": 800}",
                        "device id field 'deviceId' is empty"),
                arguments(
                        "attributes with an object",
                        DEVICE,
                        "{\"co2\": 1, \"attributes\": {\"a\": {}}}",
                        "attribute 'a' must be a string, number or boolean"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPayloads")
    void shouldFailWithPreciseReason(String name, DecodeContext context, String json, String reason) {
        DecodeResult result = decoder.decode(json.getBytes(StandardCharsets.UTF_8), context);

        assertThat(result).isInstanceOf(DecodeResult.Failed.class);
        assertThat(((DecodeResult.Failed) result).reason()).contains(reason);
    }

    @Test
    void shouldFillRouteValuesAndMergeAttributesWithRouteWinning() {
        String json =
                "{\"site\": \"payload-site\", \"room\": \"payload-room\", \"attributes\": {\"segment.site\": \"x\","
                        + " \"firmware\": 3}, \"co2\": 800}";

        DecodeResult result = decoder.decode(json.getBytes(StandardCharsets.UTF_8), DEVICE);

        Reading reading = ((DecodeResult.Decoded) result).readings().get(0);
        assertThat(reading.getSite()).isEqualTo("site-a");
        assertThat(reading.getRoom()).isEqualTo("room-1");
        assertThat(reading.getAttributes())
                .containsEntry("segment.site", "site-a")
                .containsEntry("firmware", "3");
        assertThat(reading.getRawValue()).isNull();
    }

    @Test
    void shouldTakeSiteAndRoomFromPayloadWhenTopicHasNone() {
        DecodeContext noPlace = DecodeContext.forDevice("d", NOW);

        DecodeResult result = decoder.decode(
                "{\"site\": \"s\", \"room\": \"r\", \"co2\": 1}".getBytes(StandardCharsets.UTF_8), noPlace);

        Reading reading = ((DecodeResult.Decoded) result).readings().get(0);
        assertThat(reading.getSite()).isEqualTo("s");
        assertThat(reading.getRoom()).isEqualTo("r");
    }

    private List<Reading> readings(String json, DecodeContext context) {
        return ((DecodeResult.Decoded) decoder.decode(json.getBytes(StandardCharsets.UTF_8), context)).readings();
    }

    @Test
    void shouldGiveReadingsWithoutTimestampOfOneSeriesReceivedInTheSameMillisecondDistinctEventTimes() {
        Reading first = readings("{\"co2\": 800}", DEVICE).get(0);
        Reading second = readings("{\"co2\": 801}", DEVICE).get(0);
        List<Reading> third = readings("{\"co2\": 802, \"air_temperature\": 21.5}", DEVICE);
        List<Reading> array =
                readings("[{\"sensor\": \"rh\", \"value\": 60}, {\"sensor\": \"rh\", \"value\": 61}]", DEVICE);

        assertThat(List.of(first, second, third.get(0)))
                .extracting(Reading::getEventTime)
                .containsExactly(NOW, NOW.plusMillis(1), NOW.plusMillis(2));
        assertThat(third.get(1).getEventTime())
                .as("another series keeps the receive time")
                .isEqualTo(NOW);
        assertThat(array).extracting(Reading::getEventTime).containsExactly(NOW, NOW.plusMillis(1));
        assertThat(List.of(first, second, third.get(0), array.get(1)))
                .extracting(Reading::getIngestTime)
                .containsOnly(NOW);
    }

    @Test
    void shouldKeepTheTimestampsDevicesSendEvenWhenTheyRepeat() {
        String json = "{\"ts\": 1714564800000, \"co2\": 800}";

        assertThat(List.of(readings(json, DEVICE).get(0), readings(json, DEVICE).get(0)))
                .extracting(Reading::getEventTime)
                .containsOnly(T0);
    }

    @Test
    void shouldAcceptEventTimesUpToTheConfiguredToleranceAheadAndNoFurther() {
        DecodeContext strict = DEVICE.withMaxFuture(java.time.Duration.ofSeconds(10));
        String atLimit = "{\"ts\": \"2024-05-01T12:00:40Z\", \"co2\": 1}";
        String past = "{\"ts\": \"2024-05-01T12:00:40.001Z\", \"co2\": 1}";

        assertThat(decoder.decode(atLimit.getBytes(StandardCharsets.UTF_8), strict))
                .isInstanceOf(DecodeResult.Decoded.class);
        assertThat(decoder.decode(past.getBytes(StandardCharsets.UTF_8), strict))
                .isEqualTo(DecodeResult.failed(
                        "timestamp 'ts' is in the future: 2024-05-01T12:00:40.001Z is more than 10 s after the message was "
                                + "received (2024-05-01T12:00:30Z): device clock wrong?"));
        // A year-old reading (a device emptying its buffer) is fine whatever the tolerance.
        assertThat(decoder.decode(
                        "{\"ts\": \"2023-05-01T12:00:00Z\", \"co2\": 1}".getBytes(StandardCharsets.UTF_8), strict))
                .isInstanceOf(DecodeResult.Decoded.class);
    }

    @Test
    void shouldNotThrowOnBinaryGarbage() {
        byte[] garbage = {(byte) 0xff, 0x00, (byte) 0xfe, 0x7b, 0x22};

        assertThat(decoder.decode(garbage, DEVICE)).isInstanceOf(DecodeResult.Failed.class);
    }
}
