package io.fieldline.bridge.mqtt.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.bridge.mqtt.decode.DecodeContext;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {

    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    private static Route route(
            String name, String pattern, String device, Map<String, ValueTemplate> attributes, boolean shared) {
        TopicPattern parsed = TopicPattern.parse(pattern);
        return new Route(
                name,
                parsed,
                PayloadFormat.JSON,
                null,
                ValueTemplate.parse(device),
                null,
                parsed.names().contains("site") ? ValueTemplate.parse("{site}") : null,
                parsed.names().contains("room") ? ValueTemplate.parse("{room}") : null,
                parsed.names().contains("sensor") ? ValueTemplate.parse("{sensor}") : null,
                attributes,
                true,
                shared);
    }

    private final Route telemetry = route(
            "telemetry",
            "sites/{site}/rooms/{room}/devices/{device}/telemetry",
            "{device}",
            Map.of("plant", ValueTemplate.parse("north")),
            true);
    private final Route values = route(
            "values", "sites/{site}/rooms/{room}/devices/{device}/sensors/{sensor}", "{site}-{device}", Map.of(), true);
    private final Route catchAll = route("catch-all", "sites/{site}/#", "{site}", Map.of(), false);
    private final Router router = new Router(List.of(telemetry, values, catchAll));

    @Test
    void shouldPickTheFirstMatchingRouteInOrder() {
        assertThat(router.match("sites/s/rooms/r/devices/d/telemetry"))
                .get()
                .extracting(RouteMatch::route)
                .isEqualTo(telemetry);
        assertThat(router.match("sites/s/rooms/r/devices/d/sensors/co2"))
                .get()
                .extracting(RouteMatch::route)
                .isEqualTo(values);
        assertThat(router.match("sites/s/other"))
                .get()
                .extracting(RouteMatch::route)
                .isEqualTo(catchAll);
        assertThat(router.match("farms/x")).isEmpty();
    }

    @Test
    void shouldBuildTheDecodeContextFromSegmentsAndTemplates() throws Exception {
        DecodeContext context = router.match("sites/s1/rooms/r2/devices/d3/sensors/co2")
                .orElseThrow()
                .context(NOW);

        assertThat(context.deviceId()).isEqualTo("s1-d3");
        assertThat(context.sensor()).isEqualTo("co2");
        assertThat(context.site()).isEqualTo("s1");
        assertThat(context.room()).isEqualTo("r2");
        assertThat(context.attributes()).containsEntry("site", "s1").containsEntry("sensor", "co2");
        assertThat(context.ingestTime()).isEqualTo(NOW);
    }

    @Test
    void shouldAddConfiguredAttributesOnTopOfSegments() throws Exception {
        DecodeContext context = router.match("sites/s1/rooms/r2/devices/d3/telemetry")
                .orElseThrow()
                .context(NOW);

        assertThat(context.attributes())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("site", "s1", "room", "r2", "device", "d3", "plant", "north"));
    }

    @Test
    void shouldRefuseAMessageWhoseDeviceIdRendersEmpty() {
        RouteMatch match = router.match("sites//x").orElseThrow();

        assertThatThrownBy(() -> match.context(NOW))
                .isInstanceOf(UnroutableMessageException.class)
                .hasMessageContaining("device id template '{site}' is empty for topic sites//x");
    }

    @Test
    void shouldSubscribeSharedRoutesThroughTheGroupAndOthersPlainly() {
        assertThat(router.subscriptionFilters("fl"))
                .containsExactly(
                        "$share/fl/sites/+/rooms/+/devices/+/telemetry",
                        "$share/fl/sites/+/rooms/+/devices/+/sensors/+",
                        "sites/+/#");
        assertThat(router.subscriptionFilters(null)).startsWith("sites/+/rooms/+/devices/+/telemetry");
    }

    @Test
    void shouldRejectTemplatesNamingSegmentsThePatternLacks() {
        assertThatThrownBy(() -> route("bad", "a/{x}", "{y}", Map.of(), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("refers to {y}");
    }
}
