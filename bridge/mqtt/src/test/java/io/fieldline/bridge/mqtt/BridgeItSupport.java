package io.fieldline.bridge.mqtt;

import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.simulator.MqttPublisher;
import io.fieldline.testing.KafkaTopics;
import io.fieldline.testing.TestTimes;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** What the bridge ITs share: isolated names, bridge settings, a numbered message stream. */
final class BridgeItSupport {

    private BridgeItSupport() {}

    /** Topic names under a unique prefix, with the readings and dead-letter topics created. */
    static TopicNames topics(String bootstrapServers, String prefix, int partitions) {
        TopicNames names = new TopicNames(prefix + ".");
        KafkaTopics.createMissing(bootstrapServers, partitions, names.readings(), names.deadLetters(MqttBridge.STAGE));
        return names;
    }

    /** Bridge settings with one JSON route under {@code root}. */
    static Map<String, Object> bridgeSettings(
            EmbeddedStack stack, String bootstrapServers, String root, String group, String clientId) {
        Map<String, Object> props = new HashMap<>();
        props.put(MqttBridgeConfig.SERVER_URIS, stack.mqtt().url());
        props.put(MqttBridgeConfig.CLIENT_ID, clientId);
        props.put(MqttBridgeConfig.SHARED_GROUP, group);
        props.put(KafkaClientConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        props.put(MqttBridgeConfig.ROUTES, "it");
        props.put("mqtt.route.it.filter", root + "/sites/{site}/rooms/{room}/devices/{device}/telemetry");
        props.put(MqttBridgeConfig.RECONNECT_MIN_SECONDS, "1");
        props.put(MqttBridgeConfig.RECONNECT_MAX_SECONDS, "2");
        props.put(MqttBridgeConfig.SHUTDOWN_TIMEOUT_MS, "3000");
        return props;
    }

    /**
     * Adds a Sparkplug B route named {@code plant} for group {@code group} after the JSON route, with
     * device ids {@code <edge node>[/<device>]}.
     */
    static void addSparkplugRoute(Map<String, Object> settings, String group) {
        settings.put(MqttBridgeConfig.ROUTES, "it,plant");
        settings.put("mqtt.route.plant.filter", "spBv1.0/" + group + "/{type}/{edge}/{device#}");
        settings.put("mqtt.route.plant.format", "sparkplug-b");
        settings.put("mqtt.route.plant.device", "{edge}/{device}");
    }

    static String telemetryTopic(String root, int device) {
        return root + "/sites/site-1/rooms/room-" + (device % 3) + "/devices/dev-" + device + "/telemetry";
    }

    /** The JSON of message number {@code n}: one reading of sensor {@code seq} whose value is n. */
    static byte[] numbered(int n) {
        return ("{\"ts\": " + (TestTimes.BASE_MILLIS + n) + ", \"seq\": " + n + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** Publishes messages {@code from} (inclusive) to {@code to} (exclusive) over 10 devices at QoS 1. */
    static void publishNumbered(MqttPublisher publisher, String root, int from, int to) throws Exception {
        for (int n = from; n < to; n++) {
            publisher.publish(telemetryTopic(root, n % 10), numbered(n), 1);
        }
        if (!publisher.flush(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("broker did not acknowledge the published messages");
        }
    }

    /** The distinct message numbers among the readings. */
    static Set<Integer> numbers(List<Reading> readings) {
        return readings.stream()
                .filter(r -> r.getSensor().equals("seq"))
                .map(r -> (int) r.getValue())
                .collect(Collectors.toSet());
    }
}
