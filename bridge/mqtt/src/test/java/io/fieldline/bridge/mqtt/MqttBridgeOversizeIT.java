package io.fieldline.bridge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.bridge.ingress.IngressPublisher;
import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.simulator.MqttPublisher;
import io.fieldline.testing.TestNames;
import io.fieldline.testing.TestTimes;
import io.fieldline.testing.TopicTail;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Messages too large for Kafka in one way or another: dead-lettered or trimmed, never a stopped bridge. */
@ExtendWith(EmbeddedStackExtension.class)
class MqttBridgeOversizeIT {

    @Test
    void shouldDeadLetterAReadingTooLargeForKafkaWithItsReasonAndKeepBridging(EmbeddedStack stack) throws Exception {
        String bootstrap = stack.kafka().bootstrapServers();
        String root = TestNames.unique("large");
        TopicNames names = new TopicNames(root + ".");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(
                            new NewTopic(names.readings(), 1, (short) 1)
                                    .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "2048")),
                            new NewTopic(names.deadLetters(MqttBridge.STAGE), 1, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            TopicReadiness.awaitWritable(
                    admin, List.of(names.readings(), names.deadLetters(MqttBridge.STAGE)), Duration.ofSeconds(30));
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        String topic = root + "/sites/s1/rooms/r1/devices/d1/telemetry";
        StringBuilder noise = new StringBuilder();
        while (noise.length() < 8000) {
            noise.append(UUID.randomUUID());
        }
        byte[] large = ("{\"ts\": " + TestTimes.BASE_MILLIS + ", \"co2\": 900, \"attributes\": {\"noise\": \"" + noise
                        + "\"}}")
                .getBytes(StandardCharsets.UTF_8);

        try (MqttBridge bridge = MqttBridge.withSchemaRegistry(
                        new MqttBridgeConfig(
                                BridgeItSupport.bridgeSettings(stack, bootstrap, root, root, root + "-bridge")),
                        names,
                        new HttpSchemaRegistryClient(stack.schemaRegistry().url()),
                        meters);
                MqttPublisher publisher = MqttPublisher.connect(stack.mqtt().url(), root + "-pub");
                TopicTail<String, Reading> readings =
                        TopicTail.avro(bootstrap, stack.schemaRegistry().url(), names.readings(), Reading.class);
                TopicTail<String, byte[]> deadLetters = TopicTail.of(bootstrap, names.deadLetters(MqttBridge.STAGE))) {
            bridge.start();
            publisher.publish(topic, large, 1);
            publisher.publish(
                    topic,
                    ("{\"ts\": " + (TestTimes.BASE_MILLIS + 1000) + ", \"co2\": 901}").getBytes(StandardCharsets.UTF_8),
                    1);
            assertThat(publisher.flush(10, TimeUnit.SECONDS)).isTrue();

            await().atMost(Duration.ofSeconds(20)).until(() -> bridge.stats().acknowledged() == 2);
            assertThat(bridge.state()).isEqualTo(MqttBridge.State.RUNNING);
            List<ConsumerRecord<String, byte[]>> dead = deadLetters.awaitCount(1, Duration.ofSeconds(10));
            assertThat(dead).hasSize(1);
            assertThat(TopicTail.header(dead.get(0), DeadLetterHeaders.REASON))
                    .startsWith("record too large for Kafka topic " + names.readings());
            assertThat(TopicTail.header(dead.get(0), DeadLetterHeaders.SOURCE_TOPIC))
                    .isEqualTo(topic);
            assertThat(TopicTail.header(dead.get(0), MqttHeaders.TOPIC)).isEqualTo(topic);
            assertThat(dead.get(0).value()).isEqualTo(large);
            await().atMost(Duration.ofSeconds(10)).until(() -> readings.values().size() == 1);
            assertThat(readings.values()).extracting(Reading::getValue).containsExactly(901.0);
            assertThat(bridge.stats().deadLetters()).isEqualTo(1);
            assertThat(bridge.stats().readings()).isEqualTo(1);
            // Through the shared ingress publisher: its meters, tagged with this edge.
            assertThat(meters.get(IngressPublisher.METER_DEAD_LETTERS)
                            .tag("source", "mqtt")
                            .tag("reason", "too_large")
                            .counter()
                            .count())
                    .isEqualTo(1.0);
            assertThat(meters.get(IngressPublisher.METER_SENT)
                            .tag("source", "mqtt")
                            .counter()
                            .count())
                    .isEqualTo(1.0);
        }
    }

    @Test
    void shouldCapAMegabyteOfUserPropertiesInsteadOfFailingOnEveryRedelivery(EmbeddedStack stack) throws Exception {
        String bootstrap = stack.kafka().bootstrapServers();
        String root = TestNames.unique("props");
        TopicNames names = BridgeItSupport.topics(bootstrap, root, 1);
        String topic = root + "/sites/s1/rooms/r1/devices/d2/telemetry";
        List<Map.Entry<String, String>> properties = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            properties.add(Map.entry("p" + i, "v".repeat(1024)));
        }

        try (MqttBridge bridge = MqttBridge.withSchemaRegistry(
                        new MqttBridgeConfig(
                                BridgeItSupport.bridgeSettings(stack, bootstrap, root, root, root + "-bridge")),
                        names,
                        new HttpSchemaRegistryClient(stack.schemaRegistry().url()),
                        new SimpleMeterRegistry());
                MqttPublisher publisher = MqttPublisher.connect(stack.mqtt().url(), root + "-pub");
                TopicTail<String, byte[]> readings = TopicTail.of(bootstrap, names.readings())) {
            bridge.start();
            publisher.publish(
                    topic, "{\"co2\": 700, \"rh\": 55}".getBytes(StandardCharsets.UTF_8), 1, false, properties);
            publisher.publish(topic, "{\"co2\": 701}".getBytes(StandardCharsets.UTF_8), 1);
            assertThat(publisher.flush(10, TimeUnit.SECONDS)).isTrue();

            await().atMost(Duration.ofSeconds(20)).until(() -> bridge.stats().acknowledged() == 2);
            assertThat(bridge.state()).isEqualTo(MqttBridge.State.RUNNING);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> readings.records().size() == 3);
            ConsumerRecord<String, byte[]> first = readings.records().get(0);
            int kept = 0;
            for (var header : first.headers()) {
                if (header.key().startsWith(MqttHeaders.USER_PROPERTY_PREFIX)) {
                    kept++;
                }
            }
            assertThat(kept).isPositive().isLessThan(1024);
            assertThat(TopicTail.header(first, MqttHeaders.USER_PROPERTIES_DROPPED))
                    .isEqualTo(Integer.toString(1024 - kept));
            assertThat(TopicTail.header(first, MqttHeaders.USER_PROPERTY_PREFIX + "p0"))
                    .isEqualTo("v".repeat(1024));
            assertThat(bridge.stats().deadLetters()).isZero();
        }
    }
}
