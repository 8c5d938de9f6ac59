package io.fieldline.bridge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.simulator.MqttPublisher;
import io.fieldline.testing.TestNames;
import io.fieldline.testing.TopicTail;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sparkplug alias tables live in the bridge's memory: after a restart the bridge must ask each edge node that
 * sends DATA for a rebirth, or its aliased DATA is dead-lettered until the node happens to rebirth.
 */
@ExtendWith(EmbeddedStackExtension.class)
class MqttBridgeSparkplugRebirthIT {

    @Test
    void shouldAskAnEdgeNodeUnknownSinceTheRestartToRebirthOnceAndDecodeItsDataAfterTheBirth(EmbeddedStack stack)
            throws Exception {
        String bootstrap = stack.kafka().bootstrapServers();
        String root = TestNames.unique("rebirth");
        String group = "g" + root.replace("-", "");
        TopicNames names = BridgeItSupport.topics(bootstrap, root, 1);
        Map<String, Object> settings =
                new HashMap<>(BridgeItSupport.bridgeSettings(stack, bootstrap, root, root, root + "-bridge"));
        BridgeItSupport.addSparkplugRoute(settings, group);
        settings.put("mqtt.sparkplug.rebirth.interval.ms", "60000");
        String nbirth = "spBv1.0/" + group + "/NBIRTH/edge-1";
        String ndata = "spBv1.0/" + group + "/NDATA/edge-1";
        String ncmd = "spBv1.0/" + group + "/NCMD/edge-1";
        List<Payload> commands = new CopyOnWriteArrayList<>();
        List<String> commandTopics = new CopyOnWriteArrayList<>();

        MqttClient edgeNode = new MqttClient(stack.mqtt().url(), root + "-edge", new MemoryPersistence());
        try (MqttPublisher publisher = MqttPublisher.connect(stack.mqtt().url(), root + "-pub");
                TopicTail<String, Reading> readings =
                        TopicTail.avro(bootstrap, stack.schemaRegistry().url(), names.readings(), Reading.class);
                TopicTail<String, byte[]> deadLetters = TopicTail.of(bootstrap, names.deadLetters(MqttBridge.STAGE))) {
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            edgeNode.setCallback(new MqttCallback() {
                @Override
                public void messageArrived(String topic, MqttMessage message) throws Exception {
                    commandTopics.add(topic);
                    commands.add(Payload.parseFrom(message.getPayload()));
                }

                @Override
                public void disconnected(MqttDisconnectResponse response) {}

                @Override
                public void mqttErrorOccurred(MqttException exception) {}

                @Override
                public void deliveryComplete(IMqttToken token) {}

                @Override
                public void connectComplete(boolean reconnect, String serverUri) {}

                @Override
                public void authPacketArrived(int reasonCode, MqttProperties properties) {}
            });
            edgeNode.connect(options);
            edgeNode.subscribe(new MqttSubscription[] {new MqttSubscription("spBv1.0/" + group + "/NCMD/+", 1)});

            // The first bridge sees the birth; it is then restarted and has forgotten the alias table.
            try (MqttBridge first = bridge(settings, names, stack)) {
                first.start();
                publisher.publish(nbirth, birth(), 1);
                publisher.publish(ndata, data(1, 21.0), 1);
                assertThat(publisher.flush(10, TimeUnit.SECONDS)).isTrue();
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> readings.values().stream()
                                .anyMatch(r -> r.getSensor().equals("temperature") && r.getValue() == 21.0));
            }
            assertThat(commands)
                    .as("no rebirth asked while the birth was on record")
                    .isEmpty();

            try (MqttBridge restarted = bridge(settings, names, stack)) {
                restarted.start();
                publisher.publish(ndata, data(2, 22.0), 1);
                publisher.publish(ndata, data(3, 23.0), 1);
                publisher.publish(ndata, data(4, 24.0), 1);
                assertThat(publisher.flush(10, TimeUnit.SECONDS)).isTrue();

                await().atMost(Duration.ofSeconds(20))
                        .until(() ->
                                !commands.isEmpty() && deadLetters.records().size() >= 3);
                // Rate-limited per node: three DATA messages, one request.
                Thread.sleep(1000);
                assertThat(commands).hasSize(1);
                assertThat(commandTopics).containsExactly(ncmd);
                Payload command = commands.get(0);
                assertThat(command.getMetricsList()).singleElement().satisfies(metric -> {
                    assertThat(metric.getName()).isEqualTo("Node Control/Rebirth");
                    assertThat(metric.getDatatype()).isEqualTo(DataType.Boolean_VALUE);
                    assertThat(metric.getBooleanValue()).isTrue();
                });
                assertThat(command.hasTimestamp()).isTrue();
                assertThat(deadLetters.records())
                        .allSatisfy(record -> assertThat(TopicTail.header(record, DeadLetterHeaders.REASON))
                                .contains("unknown alias 1"));

                // The node answers with a birth: its DATA decodes again.
                publisher.publish(nbirth, birth(), 1);
                publisher.publish(ndata, data(5, 25.0), 1);
                assertThat(publisher.flush(10, TimeUnit.SECONDS)).isTrue();
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> readings.values().stream()
                                .anyMatch(r -> r.getSensor().equals("temperature") && r.getValue() == 25.0));
                assertThat(readings.values()).extracting(Reading::getValue).doesNotContain(22.0, 23.0, 24.0);
            }
        } finally {
            if (edgeNode.isConnected()) {
                edgeNode.disconnect();
            }
            edgeNode.close();
        }
    }

    private static MqttBridge bridge(Map<String, Object> settings, TopicNames names, EmbeddedStack stack) {
        return MqttBridge.withSchemaRegistry(
                new MqttBridgeConfig(settings),
                names,
                new HttpSchemaRegistryClient(stack.schemaRegistry().url()),
                new SimpleMeterRegistry());
    }

    private static byte[] birth() {
        return Payload.newBuilder()
                .setTimestamp(System.currentTimeMillis())
                .setSeq(0)
                .addMetrics(Metric.newBuilder()
                        .setName("bdSeq")
                        .setDatatype(DataType.Int64_VALUE)
                        .setLongValue(0))
                .addMetrics(Metric.newBuilder()
                        .setName("Node Control/Rebirth")
                        .setDatatype(DataType.Boolean_VALUE)
                        .setBooleanValue(false))
                .addMetrics(Metric.newBuilder()
                        .setName("temperature")
                        .setAlias(1)
                        .setDatatype(DataType.Double_VALUE)
                        .setDoubleValue(20.0))
                .build()
                .toByteArray();
    }

    private static byte[] data(int seq, double temperature) {
        return Payload.newBuilder()
                .setTimestamp(System.currentTimeMillis())
                .setSeq(seq)
                .addMetrics(Metric.newBuilder().setAlias(1).setDoubleValue(temperature))
                .build()
                .toByteArray();
    }
}
