package io.fieldline.bridge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

class MqttHeadersTest {

    @Test
    void shouldCarryTopicQosFlagsRouteAndEveryUserProperty() {
        List<Header> headers = MqttHeaders.of(
                "sites/a/rooms/b/devices/c/telemetry",
                1,
                true,
                false,
                "telemetry",
                "bridge-1",
                "application/json",
                List.of(Map.entry("fw", "1.2"), Map.entry("tag", "x"), Map.entry("tag", "y")));

        assertThat(headers)
                .extracting(h -> h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8))
                .containsExactly(
                        "fieldline.mqtt.topic=sites/a/rooms/b/devices/c/telemetry",
                        "fieldline.mqtt.qos=1",
                        "fieldline.mqtt.retain=true",
                        "fieldline.mqtt.dup=false",
                        "fieldline.mqtt.route=telemetry",
                        "fieldline.mqtt.bridge=bridge-1",
                        "fieldline.mqtt.content.type=application/json",
                        "fieldline.mqtt.user.fw=1.2",
                        "fieldline.mqtt.user.tag=x",
                        "fieldline.mqtt.user.tag=y");
    }

    @Test
    void shouldOmitRouteAndContentTypeWhenUnknown() {
        List<Header> headers = MqttHeaders.of("t", 0, false, true, null, "b", null, List.of());

        assertThat(headers)
                .extracting(Header::key)
                .doesNotContain(MqttHeaders.ROUTE, MqttHeaders.CONTENT_TYPE)
                .contains(MqttHeaders.DUPLICATE);
    }

    @Test
    void shouldCapUserPropertiesAndSayHowManyWereDropped() {
        // About 1 MB of user properties: copied whole onto every record, they made it too large for Kafka.
        List<Map.Entry<String, String>> properties = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            properties.add(Map.entry("p" + i, "x".repeat(1000)));
        }

        List<Header> headers = MqttHeaders.of("t", 1, false, false, "r", "b", null, properties);

        long userBytes = headers.stream()
                .filter(h -> h.key().startsWith(MqttHeaders.USER_PROPERTY_PREFIX))
                .mapToLong(h -> h.key().length() - MqttHeaders.USER_PROPERTY_PREFIX.length() + h.value().length)
                .sum();
        assertThat(userBytes).isPositive().isLessThanOrEqualTo(MqttHeaders.DEFAULT_USER_PROPERTIES_MAX_BYTES);
        long kept = headers.stream()
                .filter(h -> h.key().startsWith(MqttHeaders.USER_PROPERTY_PREFIX))
                .count();
        assertThat(headers)
                .filteredOn(h -> h.key().equals(MqttHeaders.USER_PROPERTIES_DROPPED))
                .singleElement()
                .satisfies(h -> assertThat(new String(h.value(), StandardCharsets.UTF_8))
                        .isEqualTo(Long.toString(1000 - kept)));
        // The first properties are the ones kept, in order.
        assertThat(headers)
                .extracting(Header::key)
                .contains(MqttHeaders.USER_PROPERTY_PREFIX + "p0", MqttHeaders.USER_PROPERTY_PREFIX + "p1");
    }

    @Test
    void shouldKeepEveryUserPropertyWithinTheCapAndSayNothingDropped() {
        List<Header> headers = MqttHeaders.of(
                "t", 1, false, false, "r", "b", null, List.of(Map.entry("a", "1"), Map.entry("b", "22")), 4);

        assertThat(headers)
                .extracting(Header::key)
                .contains(MqttHeaders.USER_PROPERTY_PREFIX + "a")
                .doesNotContain(MqttHeaders.USER_PROPERTY_PREFIX + "b")
                .contains(MqttHeaders.USER_PROPERTIES_DROPPED);
        assertThat(MqttHeaders.of("t", 1, false, false, "r", "b", null, List.of(Map.entry("a", "1")), 4))
                .extracting(Header::key)
                .doesNotContain(MqttHeaders.USER_PROPERTIES_DROPPED);
    }
}
