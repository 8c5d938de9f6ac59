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
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two bridge instances in one shared-subscription group split one stream.
 *
 * <p>HiveMQ CE hands a shared subscription's queue to whichever member polls it and keeps
 * feeding that member while it keeps up (measured: with two idle members, one takes nearly
 * every message), so which instance gets what is the broker's choice. The test makes the split
 * happen the way it does in operation, when instances come and go: the second instance joins
 * while the first is working through a backlog, the first leaves, and the group carries on with
 * the second, including the messages the first had received but not acknowledged.
 */
@ExtendWith(EmbeddedStackExtension.class)
class MqttBridgeSharedSubscriptionIT {

    private static final Logger LOG = LoggerFactory.getLogger(MqttBridgeSharedSubscriptionIT.class);
    private static final int MESSAGES = 2000;

    @Test
    void shouldSplitOneStreamBetweenTwoInstancesOfAShareGroupAndDeliverAllOfIt(EmbeddedStack stack) throws Exception {
        String bootstrap = stack.kafka().bootstrapServers();
        String root = TestNames.unique("shared");
        TopicNames names = BridgeItSupport.topics(bootstrap, root, 3);
        HttpSchemaRegistryClient registry =
                new HttpSchemaRegistryClient(stack.schemaRegistry().url());
        MqttBridgeConfig configA = new MqttBridgeConfig(bridgeSettings(stack, bootstrap, root, root, root + "-a"));
        MqttBridgeConfig configB = new MqttBridgeConfig(bridgeSettings(stack, bootstrap, root, root, root + "-b"));

        MqttBridge a = MqttBridge.withSchemaRegistry(configA, names, registry, new SimpleMeterRegistry());
        try (MqttBridge b = MqttBridge.withSchemaRegistry(configB, names, registry, new SimpleMeterRegistry());
                MqttPublisher publisher = MqttPublisher.connect(stack.mqtt().url(), root + "-pub");
                TopicTail<String, Reading> probe =
                        TopicTail.avro(bootstrap, stack.schemaRegistry().url(), names.readings(), Reading.class)) {
            a.start();
            assertThat(a.subscriptionFilters()).allMatch(f -> f.startsWith("$share/" + root + "/"));
            BridgeItSupport.publishNumbered(publisher, root, 0, MESSAGES / 2);
            await().atMost(Duration.ofSeconds(20)).until(() -> a.stats().readings() > 0);

            b.start();
            a.close();
            BridgeItSupport.publishNumbered(publisher, root, MESSAGES / 2, MESSAGES);

            List<Integer> all = IntStream.range(0, MESSAGES).boxed().toList();
            // untilAsserted: on a timeout the message lists the numbers still missing.
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(300))
                    .untilAsserted(() -> assertThat(numbers(probe.values()))
                            .as("numbers in Kafka (a: %s, b: %s)", a.stats(), b.stats())
                            .containsAll(all));
            await().atMost(Duration.ofSeconds(10)).until(() -> b.inFlight() == 0);

            LOG.info(
                    "Instance a wrote {} readings, instance b {}; {} records in Kafka for {} messages",
                    a.stats().readings(),
                    b.stats().readings(),
                    probe.values().size(),
                    MESSAGES);
            assertThat(a.stats().readings())
                    .as("readings written by instance a")
                    .isPositive()
                    .isLessThan(MESSAGES);
            assertThat(b.stats().readings())
                    .as("readings written by instance b")
                    .isGreaterThanOrEqualTo(MESSAGES / 2);
            assertThat(a.stats().readings() + b.stats().readings()).isGreaterThanOrEqualTo(MESSAGES);
            assertThat(numbers(probe.values())).containsExactlyInAnyOrderElementsOf(all);
        } finally {
            a.close();
        }
    }
}
