package io.fieldline.bridge.mqtt;

import static io.fieldline.bridge.mqtt.BridgeItSupport.bridgeSettings;
import static io.fieldline.bridge.mqtt.BridgeItSupport.numbers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.simulator.MqttPublisher;
import io.fieldline.testing.TestNames;
import io.fieldline.testing.TopicTail;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@ExtendWith(EmbeddedStackExtension.class)
class MqttBridgeCrashRecoveryIT {

    private static final Logger LOG = LoggerFactory.getLogger(MqttBridgeCrashRecoveryIT.class);
    private static final int MESSAGES = 3000;
    private static final int RECEIVE_MAXIMUM = 200;

    @Test
    void shouldDeliverEveryMessageAfterAnAbruptStopAndARestartWithTheSameClientId(EmbeddedStack stack)
            throws Exception {
        String bootstrap = stack.kafka().bootstrapServers();
        String root = TestNames.unique("crash");
        TopicNames names = BridgeItSupport.topics(bootstrap, root, 3);
        Map<String, Object> settings = bridgeSettings(stack, bootstrap, root, root, root + "-bridge");
        settings.put(MqttBridgeConfig.RECEIVE_MAXIMUM, String.valueOf(RECEIVE_MAXIMUM));
        MqttBridgeConfig config = new MqttBridgeConfig(settings);
        HttpSchemaRegistryClient registry =
                new HttpSchemaRegistryClient(stack.schemaRegistry().url());

        // A first run creates the persistent session and its shared subscription; with the bridge
        // away, the broker queues the whole stream for it, so the restarted bridge works through a
        // backlog with its receive window full, and the crash catches messages in flight.
        MqttBridge setup = MqttBridge.withSchemaRegistry(config, names, registry, new SimpleMeterRegistry());
        setup.start();
        setup.close();
        MqttBridge second = null;
        try (MqttPublisher publisher = MqttPublisher.connect(stack.mqtt().url(), root + "-pub");
                TopicTail<String, Reading> probe =
                        TopicTail.avro(bootstrap, stack.schemaRegistry().url(), names.readings(), Reading.class)) {
            BridgeItSupport.publishNumbered(publisher, root, 0, MESSAGES);

            MqttBridge first = MqttBridge.withSchemaRegistry(config, names, registry, new SimpleMeterRegistry());
            first.start();
            // Crash mid-stream, at an instant when messages are in flight (received, not acknowledged).
            await().atMost(Duration.ofSeconds(20))
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(1))
                    .until(() -> first.stats().readings() >= MESSAGES / 3 && first.inFlight() > 0);
            long acknowledgedBeforeCrash = first.stats().acknowledged();
            int unacknowledged = first.crash();
            LOG.info(
                    "Crashed the first bridge after {} acknowledged message(s), {} received and not acknowledged",
                    acknowledgedBeforeCrash,
                    unacknowledged);
            assertThat(unacknowledged)
                    .as("messages caught in flight by the crash")
                    .isPositive();
            assertThat(acknowledgedBeforeCrash).isLessThan(MESSAGES);

            second = MqttBridge.withSchemaRegistry(config, names, registry, new SimpleMeterRegistry());
            second.start();

            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> numbers(probe.values()).size() == MESSAGES);
            MqttBridge restarted = second;
            await().atMost(Duration.ofSeconds(10)).until(() -> restarted.inFlight() == 0);

            List<Reading> readings = probe.values();
            assertThat(numbers(readings))
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(0, MESSAGES).boxed().toList());
            // A multiset of message numbers: each message must be there, and a message is there twice
            // only if the broker redelivered it, which QoS 1 allows for the messages the broker had
            // sent and not seen acknowledged: at most the receive maximum, the session's in-flight window.
            Map<Integer, Long> copies = readings.stream()
                    .filter(r -> r.getSensor().equals("seq"))
                    .collect(Collectors.groupingBy(r -> (int) r.getValue(), Collectors.counting()));
            long duplicates =
                    copies.values().stream().mapToLong(count -> count - 1).sum();
            LOG.info(
                    "All {} messages reached Kafka after the crash; {} duplicate(s); the restarted bridge received {} "
                            + "message(s), {} flagged as redelivered",
                    MESSAGES,
                    duplicates,
                    second.stats().received(),
                    second.stats().redelivered());
            assertThat(duplicates)
                    .as("duplicates after the crash, bounded by the in-flight window")
                    .isLessThanOrEqualTo(RECEIVE_MAXIMUM);
            // Everything not acknowledged before the crash came again, in-flight messages included
            // (HiveMQ puts shared-subscription messages back in the group queue, without the DUP flag).
            assertThat(second.stats().received())
                    .as("messages the restarted bridge received")
                    .isGreaterThanOrEqualTo(MESSAGES - acknowledgedBeforeCrash);
        } finally {
            if (second != null) {
                second.close();
            }
        }
    }
}
