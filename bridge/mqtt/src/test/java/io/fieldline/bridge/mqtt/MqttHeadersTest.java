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
        List<Header> headers = MqttHeaders.of("sites/a/rooms/b/devices/c/telemetry", 1, true, false, "telemetry", "bridge-1",
                "application/json", List.of(Map.entry("fw", "1.2"), Map.entry("tag", "x"), Map.entry("tag", "y")));

        assertThat(headers).extracting(h -> h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8)).containsExactly(
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

        assertThat(headers).extracting(Header::key).doesNotContain(MqttHeaders.ROUTE, MqttHeaders.CONTENT_TYPE)
                .contains(MqttHeaders.DUPLICATE);
    }
}
