package io.fieldline.bridge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.schemas.TopicNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

/**
 * A bridge whose broker never answers gives up at {@code mqtt.start.timeout.ms}, having retried
 * with backoff, and says which key bounds the wait. The broker address is a real loopback port
 * that nothing listens on (connections are refused); no Kafka is contacted before MQTT connects.
 */
class MqttBridgeStartTimeoutTest {

    @Test
    void shouldGiveUpAtTheStartTimeoutNamingTheKey() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, Object> props = new HashMap<>();
        props.put(MqttBridgeConfig.SERVER_URIS, "tcp://127.0.0.1:" + port);
        props.put(MqttBridgeConfig.CLIENT_ID, "start-timeout");
        props.put(KafkaClientConfig.BOOTSTRAP_SERVERS, "127.0.0.1:" + port);
        props.put(MqttBridgeConfig.ROUTES, "it");
        props.put("mqtt.route.it.filter", "t/{device}");
        props.put(MqttBridgeConfig.RECONNECT_MIN_SECONDS, "1");
        props.put(MqttBridgeConfig.RECONNECT_MAX_SECONDS, "1");
        props.put(MqttBridgeConfig.START_TIMEOUT_MS, "2500");
        Serializer<io.fieldline.schemas.avro.Reading> unused = (topic, reading) -> new byte[0];
        long begin = System.nanoTime();
        try (MqttBridge bridge =
                new MqttBridge(new MqttBridgeConfig(props), new TopicNames("t."), unused, new SimpleMeterRegistry())) {
            assertThatThrownBy(bridge::start)
                    .isInstanceOf(MqttBridgeException.class)
                    .hasMessageContaining("could not connect")
                    .hasMessageContaining(MqttBridgeConfig.START_TIMEOUT_MS);
            long millis = (System.nanoTime() - begin) / 1_000_000;
            assertThat(millis)
                    .as("gave up after the timeout, not before, and not long after")
                    .isBetween(2_400L, 8_000L);
            assertThat(bridge.stats().state()).hasToString("FAILED");
        }
    }
}
