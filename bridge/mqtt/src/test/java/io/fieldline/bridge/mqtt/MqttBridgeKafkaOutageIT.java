package io.fieldline.bridge.mqtt;

import static io.fieldline.bridge.mqtt.BridgeItSupport.bridgeSettings;
import static io.fieldline.bridge.mqtt.BridgeItSupport.numbers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.KafkaBroker;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.simulator.MqttPublisher;
import io.fieldline.testing.TestNames;
import io.fieldline.testing.TopicTail;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@ExtendWith(EmbeddedStackExtension.class)
class MqttBridgeKafkaOutageIT {

    private static final Logger LOG = LoggerFactory.getLogger(MqttBridgeKafkaOutageIT.class);
    private static final int BEFORE = 20;
    private static final int DURING = 300;
    private static final int RECEIVE_MAXIMUM = 40;

    @Test
    void shouldAcknowledgeNothingWhileKafkaIsDownAndLoseNothingOnceItIsBack(EmbeddedStack stack) throws Exception {
        try (KafkaBroker kafka = new KafkaBroker()) {
            kafka.start();
            String bootstrap = kafka.bootstrapServers();
            String root = TestNames.unique("outage");
            TopicNames names = BridgeItSupport.topics(bootstrap, root, 2);
            Map<String, Object> settings = bridgeSettings(stack, bootstrap, root, root, root + "-bridge");
            settings.put(MqttBridgeConfig.RECEIVE_MAXIMUM, Integer.toString(RECEIVE_MAXIMUM));
            // The producer keeps the records through the outage; the bridge's own retries are the second line.
            settings.put(MqttBridgeConfig.KAFKA_DELIVERY_TIMEOUT_MS, "60000");
            settings.put("kafka.producer.reconnect.backoff.max.ms", "500");
            SimpleMeterRegistry meters = new SimpleMeterRegistry();

            try (MqttBridge bridge = MqttBridge.withSchemaRegistry(
                            new MqttBridgeConfig(settings),
                            names,
                            new HttpSchemaRegistryClient(stack.schemaRegistry().url()),
                            meters);
                    MqttPublisher publisher = MqttPublisher.connect(stack.mqtt().url(), root + "-pub")) {
                bridge.start();
                BridgeItSupport.publishNumbered(publisher, root, 0, BEFORE);
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> bridge.stats().acknowledged() == BEFORE);

                kafka.stop();
                BridgeItSupport.publishNumbered(publisher, root, BEFORE, BEFORE + DURING);

                // Nothing is acknowledged, so the broker stops sending: at most the receive maximum (HiveMQ CE
                // stops sooner: it sends its next batch only once the previous one is acknowledged) waits in
                // the bridge, the rest waits at the broker.
                await().atMost(Duration.ofSeconds(10)).until(() -> bridge.inFlight() > 0);
                await().during(Duration.ofSeconds(3))
                        .atMost(Duration.ofSeconds(5))
                        .until(() -> bridge.stats().acknowledged() == BEFORE && bridge.inFlight() <= RECEIVE_MAXIMUM);
                double inFlightGauge =
                        meters.get("fieldline.mqtt.inflight").gauge().value();
                assertThat(inFlightGauge).isEqualTo(bridge.inFlight()).isPositive();
                assertThat(bridge.stats().received())
                        .isEqualTo(BEFORE + (long) inFlightGauge)
                        .isLessThan(BEFORE + DURING);
                LOG.info("Kafka down: {}", bridge.stats());

                kafka.start();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> bridge.stats().acknowledged() >= BEFORE + DURING);
                await().atMost(Duration.ofSeconds(5)).until(() -> bridge.inFlight() == 0);
                LOG.info("Kafka back: {}", bridge.stats());
            }
            try (TopicTail<String, Reading> probe =
                    TopicTail.avro(bootstrap, stack.schemaRegistry().url(), names.readings(), Reading.class)) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> numbers(probe.values()).size() == BEFORE + DURING);
                assertThat(numbers(probe.values()))
                        .containsExactlyInAnyOrderElementsOf(
                                IntStream.range(0, BEFORE + DURING).boxed().toList());
            }
        }
    }
}
