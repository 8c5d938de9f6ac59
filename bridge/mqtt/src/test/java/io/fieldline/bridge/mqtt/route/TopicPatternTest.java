package io.fieldline.bridge.mqtt.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class TopicPatternTest {

    private static final String TELEMETRY = "sites/{site}/rooms/{room}/devices/{device}/telemetry";
    private static final String SPARKPLUG = "spBv1.0/{group}/{type}/{edge}/{device#}";

    static Stream<Arguments> matches() {
        return Stream.of(
                arguments(
                        TELEMETRY,
                        "sites/s1/rooms/r2/devices/d3/telemetry",
                        Optional.of(Map.of("site", "s1", "room", "r2", "device", "d3"))),
                arguments(TELEMETRY, "sites/s1/rooms/r2/devices/d3/status", Optional.empty()),
                arguments(TELEMETRY, "sites/s1/rooms/r2/devices/d3/telemetry/extra", Optional.empty()),
                arguments(TELEMETRY, "sites/s1/rooms/r2/devices/telemetry", Optional.empty()),
                arguments(
                        TELEMETRY,
                        "sites/s1/rooms//devices/d3/telemetry",
                        Optional.of(Map.of("site", "s1", "room", "", "device", "d3"))),
                arguments(
                        SPARKPLUG,
                        "spBv1.0/farm/DDATA/edge-1/pump-3",
                        Optional.of(Map.of("group", "farm", "type", "DDATA", "edge", "edge-1", "device", "pump-3"))),
                arguments(
                        SPARKPLUG,
                        "spBv1.0/farm/NDATA/edge-1",
                        Optional.of(Map.of("group", "farm", "type", "NDATA", "edge", "edge-1"))),
                arguments(
                        SPARKPLUG,
                        "spBv1.0/farm/DDATA/edge-1/a/b",
                        Optional.of(Map.of("group", "farm", "type", "DDATA", "edge", "edge-1", "device", "a/b"))),
                arguments(SPARKPLUG, "spBv1.0/STATE/host", Optional.empty()),
                arguments("sensors/+/{sensor}", "sensors/x/co2", Optional.of(Map.of("sensor", "co2"))),
                arguments("a/#", "a", Optional.of(Map.of())),
                arguments("a/#", "a/b/c", Optional.of(Map.of())),
                arguments("#", "$SYS/broker/uptime", Optional.empty()),
                arguments("{x}/status", "$SYS/status", Optional.empty()),
                arguments("$SYS/{what}", "$SYS/uptime", Optional.of(Map.of("what", "uptime"))),
                arguments("a/b", "a/b", Optional.of(Map.of())),
                arguments("a/b", "a/B", Optional.empty()));
    }

    @ParameterizedTest(name = "{0} vs {1}")
    @MethodSource("matches")
    void shouldMatchTopicsLikeMqttAndCaptureNamedSegments(
            String pattern, String topic, Optional<Map<String, String>> expected) {
        assertThat(TopicPattern.parse(pattern).match(topic)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "sites/{site}/rooms/{room}/devices/{device}/telemetry, sites/+/rooms/+/devices/+/telemetry",
        "spBv1.0/{group}/{type}/{edge}/{device#}, spBv1.0/+/+/+/#",
        "a/+/#, a/+/#",
        "plain/topic, plain/topic"
    })
    void shouldDeriveTheMqttSubscriptionFilter(String pattern, String filter) {
        assertThat(TopicPattern.parse(pattern).mqttFilter()).isEqualTo(filter);
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "''|topic pattern is empty",
                "a/#/b|must be the last level",
                "a/{rest#}/b|must be the last level",
                "a/dev{id}|mixes text with a wildcard",
                "a/x+|mixes text with a wildcard",
                "a/{1x}|bad segment name '1x'",
                "a/{}|bad segment name ''",
                "{a}/{a}|used twice",
                "$share/g/a/b|shared-subscription prefix"
            })
    void shouldRejectMalformedPatterns(String pattern, String reason) {
        assertThatThrownBy(() -> TopicPattern.parse(pattern))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }
}
