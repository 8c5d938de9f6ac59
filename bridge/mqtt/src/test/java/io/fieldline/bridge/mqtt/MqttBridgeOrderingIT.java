package io.fieldline.bridge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.simulator.MqttPublisher;
import io.fieldline.testing.TestNames;
import io.fieldline.testing.TestTimes;
import io.fieldline.testing.TopicTail;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * With several worker threads, each device's readings still reach Kafka in the order the device
 * published them, and each Sparkplug edge node's DATA is decoded after the BIRTH that defines its
 * aliases.
 */
@ExtendWith(EmbeddedStackExtension.class)
class MqttBridgeOrderingIT {

    private static final int JSON_MESSAGES = 3000;
    private static final int EDGE_NODES = 8;
    private static final int DATA_PER_NODE = 150;

    @Test
    void shouldKeepEachDevicesOrderAndEachEdgeNodesBirthBeforeItsDataAcrossWorkers(EmbeddedStack stack)
            throws Exception {
        String bootstrap = stack.kafka().bootstrapServers();
        String root = TestNames.unique("order");
        String group = "g" + root.replace("-", "");
        TopicNames names = BridgeItSupport.topics(bootstrap, root, 3);
        Map<String, Object> settings = BridgeItSupport.bridgeSettings(stack, bootstrap, root, "", root + "-bridge");
        settings.put(MqttBridgeConfig.WORKERS, "4");
        BridgeItSupport.addSparkplugRoute(settings, group);

        try (MqttBridge bridge = MqttBridge.withSchemaRegistry(
                        new MqttBridgeConfig(settings),
                        names,
                        new HttpSchemaRegistryClient(stack.schemaRegistry().url()),
                        new SimpleMeterRegistry());
                MqttPublisher publisher = MqttPublisher.connect(stack.mqtt().url(), root + "-pub");
                TopicTail<String, Reading> readings =
                        TopicTail.avro(bootstrap, stack.schemaRegistry().url(), names.readings(), Reading.class);
                TopicTail<String, byte[]> deadLetters = TopicTail.of(bootstrap, names.deadLetters(MqttBridge.STAGE))) {
            bridge.start();
            // Sparkplug: every node is born, then the nodes' DATA interleave; a DATA handled before
            // its node's BIRTH would be dead-lettered for an unknown alias.
            for (int node = 0; node < EDGE_NODES; node++) {
                publisher.publish("spBv1.0/" + group + "/NBIRTH/edge-" + node, birth(), 1);
            }
            for (int k = 0; k < DATA_PER_NODE; k++) {
                for (int node = 0; node < EDGE_NODES; node++) {
                    publisher.publish("spBv1.0/" + group + "/NDATA/edge-" + node, data(k), 1);
                }
            }
            assertThat(publisher.flush(30, TimeUnit.SECONDS)).isTrue();
            BridgeItSupport.publishNumbered(publisher, root, 0, JSON_MESSAGES);

            int sparkplugReadings = EDGE_NODES * (DATA_PER_NODE + 2); // each birth: "counter" and the online marker
            // A DATA dead-lettered for want of its BIRTH counts too, so that the test fails on what went wrong.
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() ->
                            readings.values().size() + deadLetters.records().size()
                                    >= JSON_MESSAGES + sparkplugReadings);
            await().atMost(Duration.ofSeconds(10)).until(() -> bridge.inFlight() == 0);

            assertThat(deadLetters.records()).as("dead letters").isEmpty();
            List<Reading> all = readings.values();
            assertThat(BridgeItSupport.numbers(all))
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(0, JSON_MESSAGES).boxed().toList());

            // Kafka keeps a key's records in one partition, in the order the bridge sent them.
            Map<String, List<Double>> byDevice = new LinkedHashMap<>();
            for (Reading reading : all) {
                if (reading.getSensor().equals("seq") || reading.getSensor().equals("counter")) {
                    byDevice.computeIfAbsent(reading.getDeviceId(), d -> new ArrayList<>())
                            .add(reading.getValue());
                }
            }
            assertThat(byDevice).hasSize(10 + EDGE_NODES);
            for (int device = 0; device < 10; device++) {
                int first = device;
                List<Double> expected = IntStream.iterate(first, n -> n < JSON_MESSAGES, n -> n + 10)
                        .mapToObj(n -> (double) n)
                        .toList();
                assertThat(byDevice.get("dev-" + device))
                        .as("readings of dev-%d in Kafka order", device)
                        .containsExactlyElementsOf(expected);
            }
            for (int node = 0; node < EDGE_NODES; node++) {
                List<Double> expected = new ArrayList<>();
                expected.add(-1.0); // the birth's value
                IntStream.range(0, DATA_PER_NODE).forEach(k -> expected.add((double) k));
                assertThat(byDevice.get("edge-" + node))
                        .as("readings of edge-%d in Kafka order", node)
                        .containsExactlyElementsOf(expected);
            }
        }
    }

    private static byte[] birth() {
        return Payload.newBuilder()
                .setTimestamp(TestTimes.BASE_MILLIS)
                .setSeq(0)
                .addMetrics(Metric.newBuilder()
                        .setName("bdSeq")
                        .setDatatype(DataType.Int64_VALUE)
                        .setLongValue(0))
                .addMetrics(Metric.newBuilder()
                        .setName("counter")
                        .setAlias(7)
                        .setDatatype(DataType.Double_VALUE)
                        .setDoubleValue(-1))
                .build()
                .toByteArray();
    }

    private static byte[] data(int k) {
        return Payload.newBuilder()
                .setTimestamp((TestTimes.BASE_MILLIS + 1000) + k)
                .setSeq((k + 1) % 256)
                .addMetrics(Metric.newBuilder().setAlias(7).setDoubleValue(k))
                .build()
                .toByteArray();
    }
}
