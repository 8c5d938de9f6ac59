package io.fieldline.bridge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.bridge.mqtt.decode.SparkplugDecoder;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedStackExtension.class)
class MqttBridgeDeadLetterIT {

    @Test
    void shouldDeadLetterEachBadMessageWithItsReasonAndStillDeliverTheGoodOnesAroundThem(EmbeddedStack stack)
            throws Exception {
        String bootstrap = stack.kafka().bootstrapServers();
        String root = TestNames.unique("dlq");
        String group = "g" + root.replace("-", "");
        TopicNames names = BridgeItSupport.topics(bootstrap, root, 1);
        Map<String, Object> settings =
                new HashMap<>(BridgeItSupport.bridgeSettings(stack, bootstrap, root, root, root + "-bridge"));
        BridgeItSupport.addSparkplugRoute(settings, group);
        // Broader than the routes, so that a message no route takes is seen, and dead-lettered.
        settings.put(MqttBridgeConfig.SUBSCRIPTIONS, root + "/#,spBv1.0/" + group + "/#");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        String telemetry = root + "/sites/s1/rooms/r1/devices/d1/telemetry";
        String nbirth = "spBv1.0/" + group + "/NBIRTH/edge-1";
        String ndata = "spBv1.0/" + group + "/NDATA/edge-1";
        byte[] birth = Payload.newBuilder()
                .setTimestamp(TestTimes.BASE_MILLIS)
                .setSeq(0)
                .addMetrics(Metric.newBuilder()
                        .setName("bdSeq")
                        .setDatatype(DataType.Int64_VALUE)
                        .setLongValue(0))
                .addMetrics(Metric.newBuilder()
                        .setName("co2")
                        .setAlias(1)
                        .setDatatype(DataType.Double_VALUE)
                        .setDoubleValue(800))
                .build()
                .toByteArray();
        byte[] data = Payload.newBuilder()
                .setTimestamp((TestTimes.BASE_MILLIS + 1000))
                .setSeq(1)
                .addMetrics(Metric.newBuilder().setAlias(1).setDoubleValue(812.5))
                .addMetrics(Metric.newBuilder()
                        .setName("fan")
                        .setDatatype(DataType.Boolean_VALUE)
                        .setBooleanValue(true))
                .build()
                .toByteArray();
        byte[] truncated = Arrays.copyOf(data, data.length - 4);

        try (MqttBridge bridge = MqttBridge.withSchemaRegistry(
                        new MqttBridgeConfig(settings),
                        names,
                        new HttpSchemaRegistryClient(stack.schemaRegistry().url()),
                        meters);
                MqttPublisher publisher = MqttPublisher.connect(stack.mqtt().url(), root + "-pub");
                TopicTail<String, Reading> readings =
                        TopicTail.avro(bootstrap, stack.schemaRegistry().url(), names.readings(), Reading.class);
                TopicTail<String, byte[]> deadLetters = TopicTail.of(bootstrap, names.deadLetters(MqttBridge.STAGE))) {
            bridge.start();
            publisher.publish(telemetry, json("{\"co2\": 801}"), 1, false, List.of(Map.entry("batch", "7")));
            publisher.publish(telemetry, json("{\"co2\": 8"), 1, false, List.of(Map.entry("firmware", "2.1")));
            publisher.publish(telemetry, json("{\"co2\": \"high\"}"), 1);
            publisher.publish(telemetry, json("{\"ts\": \"2100-01-01T00:00:00Z\", \"co2\": 999}"), 1);
            publisher.publish(root + "/sites/s1/unknown/place", json("{\"co2\": 1}"), 1);
            publisher.publish(nbirth, birth, 1);
            publisher.publish(ndata, truncated, 1);
            publisher.publish(ndata, data, 1);
            publisher.publish(telemetry, json("{\"co2\": 802}"), 1);
            assertThat(publisher.flush(10, TimeUnit.SECONDS)).isTrue();

            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> deadLetters.records().size() >= 5
                            && readings.values().size() >= 6);
            await().atMost(Duration.ofSeconds(10)).until(() -> bridge.inFlight() == 0);

            List<ConsumerRecord<String, byte[]>> dead = deadLetters.records();
            assertThat(dead).hasSize(5);
            Map<String, ConsumerRecord<String, byte[]>> byReason =
                    dead.stream().collect(Collectors.toMap(r -> TopicTail.header(r, DeadLetterHeaders.REASON), r -> r));
            assertThat(byReason.keySet())
                    .anySatisfy(r -> assertThat(r).startsWith("malformed JSON at line 1"))
                    .anySatisfy(r -> assertThat(r).isEqualTo("metric 'co2': expected a number, got string \"high\""))
                    .anySatisfy(
                            r -> assertThat(r).startsWith("no route matches topic " + root + "/sites/s1/unknown/place"))
                    .anySatisfy(r -> assertThat(r).startsWith("invalid Sparkplug B protobuf in NDATA"))
                    .anySatisfy(r -> assertThat(r)
                            .startsWith("timestamp 'ts' is in the future: 2100-01-01T00:00:00Z is "
                                    + "more than 300 s after the message was received"));
            for (ConsumerRecord<String, byte[]> record : dead) {
                assertThat(TopicTail.header(record, DeadLetterHeaders.STAGE)).isEqualTo("mqtt");
                assertThat(TopicTail.header(record, DeadLetterHeaders.SOURCE_TOPIC))
                        .isEqualTo(TopicTail.header(record, MqttHeaders.TOPIC));
                assertThat(TopicTail.header(record, MqttHeaders.QOS)).isEqualTo("1");
                assertThat(TopicTail.header(record, DeadLetterHeaders.TIMESTAMP))
                        .isNotNull();
            }
            ConsumerRecord<String, byte[]> malformed = dead.stream()
                    .filter(r -> TopicTail.header(r, DeadLetterHeaders.REASON).startsWith("malformed"))
                    .findFirst()
                    .orElseThrow();
            assertThat(new String(malformed.value(), StandardCharsets.UTF_8)).isEqualTo("{\"co2\": 8");
            assertThat(TopicTail.header(malformed, MqttHeaders.USER_PROPERTY_PREFIX + "firmware"))
                    .isEqualTo("2.1");
            assertThat(TopicTail.header(malformed, MqttHeaders.TOPIC)).isEqualTo(telemetry);
            ConsumerRecord<String, byte[]> cut = dead.stream()
                    .filter(r -> TopicTail.header(r, DeadLetterHeaders.REASON).startsWith("invalid Sparkplug"))
                    .findFirst()
                    .orElseThrow();
            assertThat(cut.value()).isEqualTo(truncated);

            List<Reading> good = readings.values();
            Map<String, List<Double>> values = good.stream()
                    .collect(Collectors.groupingBy(
                            r -> r.getDeviceId() + ":" + r.getSensor(),
                            Collectors.mapping(Reading::getValue, Collectors.toList())));
            assertThat(values)
                    .containsEntry("d1:co2", List.of(801.0, 802.0))
                    .containsEntry("edge-1:co2", List.of(800.0, 812.5))
                    .containsEntry("edge-1:fan", List.of(1.0))
                    .containsEntry("edge-1:" + SparkplugDecoder.ONLINE_SENSOR, List.of(1.0));
            // The readings topic has several partitions: d1's first record, not the topic's.
            ConsumerRecord<String, Reading> first = readings.records().stream()
                    .filter(r -> "d1".equals(r.key()))
                    .findFirst()
                    .orElseThrow();
            assertThat(TopicTail.header(first, MqttHeaders.TOPIC)).isEqualTo(telemetry);
            assertThat(TopicTail.header(first, MqttHeaders.QOS)).isEqualTo("1");
            assertThat(TopicTail.header(first, MqttHeaders.RETAIN)).isEqualTo("false");
            assertThat(TopicTail.header(first, MqttHeaders.ROUTE)).isEqualTo("it");
            assertThat(TopicTail.header(first, MqttHeaders.USER_PROPERTY_PREFIX + "batch"))
                    .isEqualTo("7");
            assertThat(meters.get(MqttBridge.METER_DEAD_LETTERS).counters().stream()
                            .mapToDouble(c -> c.count())
                            .sum())
                    .isEqualTo(5.0);
            assertThat(
                            meters
                                    .get(MqttBridge.METER_DEAD_LETTERS)
                                    .tag("reason", MqttBridge.REASON_UNDECODABLE)
                                    .counters()
                                    .stream()
                                    .mapToDouble(c -> c.count())
                                    .sum())
                    .isEqualTo(4.0);
            assertThat(meters.get(MqttBridge.METER_DEAD_LETTERS)
                            .tag("reason", MqttBridge.REASON_UNROUTABLE)
                            .tag("route", "none")
                            .counter()
                            .count())
                    .isEqualTo(1.0);
            assertThat(bridge.stats().acknowledged()).isEqualTo(9);
        }
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
