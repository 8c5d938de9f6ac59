package io.fieldline.dev.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fieldline.bridge.mqtt.MqttBridge;
import io.fieldline.bridge.mqtt.MqttBridgeConfig;
import io.fieldline.core.device.DevicePasswords;
import io.fieldline.core.device.MosquittoPasswordHash;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.MqttAccessControl;
import io.fieldline.embedded.MqttBroker;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.sink.Migrations;
import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.device.DeviceCredentials;
import io.fieldline.testing.KafkaTopics;
import io.fieldline.testing.TestDatabases;
import io.fieldline.testing.TestNames;
import io.fieldline.testing.TopicTail;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The embedded broker with device authentication (credentials from PostgreSQL's {@code device_credential}) and the
 * topic ACL, in front of the real MQTT bridge and Kafka: who may connect, and that a device publishing in another
 * device's name gets nothing into Kafka.
 */
@ExtendWith(EmbeddedStackExtension.class)
class MqttDeviceSecurityIT {

    /** MQTT 5 reason codes (CONNACK, PUBACK, SUBACK). */
    private static final int CLIENT_IDENTIFIER_NOT_VALID = 0x85;

    private static final int BAD_USER_NAME_OR_PASSWORD = 0x86;
    private static final int NOT_AUTHORIZED = 0x87;

    private static final String BRIDGE_USER = "fieldline-bridge";

    private static DeviceCredentials credentials;
    private static MqttAccessControl accessControl;
    private static MqttBroker broker;
    private static MqttBridge bridge;
    private static TopicTail<String, byte[]> readings;
    private static final Map<String, String> passwords = new HashMap<>();

    @BeforeAll
    static void startBrokerAndBridge(EmbeddedStack stack) throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.create(stack.postgres());
        DataSource db = database.dataSource();
        Map<String, Object> sink = new HashMap<>(database.properties("sink.postgres."));
        Migrations.apply(db, new SinkConfig(sink));
        credentials = new DeviceCredentials(db, "public");
        for (String device : List.of("dev-a", "dev-b", "dev-c")) {
            credentials.addDevice(new DeviceCredentials.NewDevice(device, null, null, "test", null));
            String password = DevicePasswords.generate();
            credentials.issue(device, MosquittoPasswordHash.of(password));
            passwords.put(device, password);
        }
        String bridgePassword = DevicePasswords.generate();
        accessControl = new MqttAccessControl(
                Map.of(BRIDGE_USER, bridgePassword), credentials::activeHashes, Duration.ofMillis(300));
        broker = new MqttBroker(
                java.nio.file.Files.createTempDirectory("mqtt-security-it"),
                MqttBroker.Persistence.IN_MEMORY,
                accessControl,
                null);
        broker.start();

        TopicNames names = new TopicNames(TestNames.unique("mqttsec") + ".");
        KafkaTopics.createMissing(stack.kafka().bootstrapServers(), 1, names.readings(), names.deadLetters("mqtt"));
        Map<String, Object> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", stack.kafka().bootstrapServers());
        config.put(MqttBridgeConfig.SERVER_URIS, broker.url());
        config.put(MqttBridgeConfig.CLIENT_ID, "mqtt-security-it-bridge");
        config.put(MqttBridgeConfig.USERNAME, BRIDGE_USER);
        config.put(MqttBridgeConfig.PASSWORD, bridgePassword);
        bridge = MqttBridge.withSchemaRegistry(
                new MqttBridgeConfig(config),
                names,
                new HttpSchemaRegistryClient(stack.schemaRegistry().url()),
                new SimpleMeterRegistry());
        bridge.start();
        readings = TopicTail.of(stack.kafka().bootstrapServers(), names.readings());
    }

    @AfterAll
    static void stop() {
        if (readings != null) {
            readings.close();
        }
        if (bridge != null) {
            bridge.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldRefuseAnAnonymousClient() {
        assertThatThrownBy(() -> connect("anonymous-it", null, null))
                .isInstanceOf(MqttException.class)
                .extracting(e -> ((MqttException) e).getReasonCode())
                .isEqualTo(NOT_AUTHORIZED);
    }

    @Test
    void shouldRefuseAWrongPasswordAndAnUnknownDevice() {
        assertThatThrownBy(() -> connect("dev-a", "dev-a", passwords.get("dev-b")))
                .isInstanceOf(MqttException.class)
                .extracting(e -> ((MqttException) e).getReasonCode())
                .isEqualTo(BAD_USER_NAME_OR_PASSWORD);
        assertThatThrownBy(() -> connect("dev-z", "dev-z", passwords.get("dev-a")))
                .extracting(e -> ((MqttException) e).getReasonCode())
                .isEqualTo(BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    void shouldRefuseADeviceTakingAnotherClientId() {
        // Another client id would let it take over that client's session, the bridge's included.
        assertThatThrownBy(() -> connect("mqtt-security-it-bridge", "dev-a", passwords.get("dev-a")))
                .extracting(e -> ((MqttException) e).getReasonCode())
                .isEqualTo(CLIENT_IDENTIFIER_NOT_VALID);
        assertThat(bridge.stats().connected()).isTrue();
    }

    @Test
    void shouldDropAndCountAPublishOnAnotherDevicesTopicAndLetNothingOfItReachKafka() throws Exception {
        long deniedBefore = accessControl.counts().publishesDenied();
        MqttAsyncClient forger = connect("dev-a:forger", "dev-a", passwords.get("dev-a"));
        try {
            // HiveMQ CE answers NOT_AUTHORIZED, in the PUBACK or as the reason of a DISCONNECT.
            assertThat(refusal(forger, "sites/s1/rooms/r1/devices/dev-victim/telemetry", "{\"co2\": 9999}"))
                    .isEqualTo(NOT_AUTHORIZED);
        } finally {
            closeQuietly(forger);
        }
        assertThat(accessControl.counts().publishesDenied()).isEqualTo(deniedBefore + 1);

        MqttAsyncClient device = connect("dev-a", "dev-a", passwords.get("dev-a"));
        try {
            assertThat(publish(device, "sites/s1/rooms/r1/devices/dev-a/telemetry", "{\"co2\": 800}")
                            .getReasonCodes())
                    .containsExactly(0);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !readings.records("dev-a").isEmpty());
            // The forged message was published first; the bridge never saw it.
            assertThat(readings.records().stream().map(ConsumerRecord::key)).doesNotContain("dev-victim");
            assertThat(readings.records("dev-a")).hasSize(1);
            assertThat(broker.publishCounts().backlog())
                    .as("a refused publish is no backlog")
                    .isZero();
            long subscriptionsDeniedBefore = accessControl.counts().subscriptionsDenied();
            IMqttToken everything = device.subscribe("#", 1);
            everything.waitForCompletion(10_000);
            assertThat(everything.getReasonCodes())
                    .as("a device subscribing to everything")
                    .containsExactly(NOT_AUTHORIZED);
            assertThat(accessControl.counts().subscriptionsDenied()).isEqualTo(subscriptionsDeniedBefore + 1);
        } finally {
            closeQuietly(device);
        }
    }

    @Test
    void shouldLetAnEdgeNodePublishItsSparkplugDataAndReceiveTheBridgesRebirthRequest() throws Exception {
        List<String> commands = new java.util.concurrent.CopyOnWriteArrayList<>();
        MqttAsyncClient edge = new MqttAsyncClient(broker.url(), "dev-c", new MemoryPersistence());
        edge.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
            @Override
            public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse response) {}

            @Override
            public void mqttErrorOccurred(MqttException exception) {}

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                commands.add(topic);
            }

            @Override
            public void deliveryComplete(IMqttToken token) {}

            @Override
            public void connectComplete(boolean reconnect, String serverUri) {}

            @Override
            public void authPacketArrived(int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) {}
        });
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName("dev-c");
        options.setPassword(passwords.get("dev-c").getBytes(StandardCharsets.UTF_8));
        edge.connect(options).waitForCompletion(10_000);
        try {
            IMqttToken subscribed = edge.subscribe("spBv1.0/+/NCMD/dev-c", 1);
            subscribed.waitForCompletion(10_000);
            assertThat(subscribed.getReasonCodes()).as("its own commands").containsExactly(1);

            // DATA by metric name from a node with no birth on record: readings, and a rebirth request.
            byte[] data = org.eclipse.tahu.protobuf.SparkplugBProto.Payload.newBuilder()
                    .setTimestamp(System.currentTimeMillis())
                    .setSeq(1)
                    .addMetrics(org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric.newBuilder()
                            .setName("temperature")
                            .setDatatype(org.eclipse.tahu.protobuf.SparkplugBProto.DataType.Double_VALUE)
                            .setDoubleValue(21.5))
                    .build()
                    .toByteArray();
            IMqttToken published = edge.publish("spBv1.0/farm/NDATA/dev-c", new MqttMessage(data, 1, false, null));
            published.waitForCompletion(10_000);
            assertThat(published.getReasonCodes()).containsExactly(0);

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !readings.records("dev-c").isEmpty());
            // The bridge's service user may publish the Rebirth command, and the node may receive it.
            await().atMost(Duration.ofSeconds(30)).until(() -> commands.contains("spBv1.0/farm/NCMD/dev-c"));
            assertThat(bridge.stats().connected()).isTrue();
        } finally {
            closeQuietly(edge);
        }
    }

    @Test
    void shouldRefuseARevokedDeviceWithinSecondsAndDisconnectIt() throws Exception {
        MqttAsyncClient device = connect("dev-b", "dev-b", passwords.get("dev-b"));
        try {
            assertThat(publish(device, "sites/s1/rooms/r1/devices/dev-b/telemetry", "{\"co2\": 700}")
                            .getReasonCodes())
                    .containsExactly(0);

            assertThat(credentials.revoke("dev-b")).isTrue();

            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThatThrownBy(
                                    () -> connect("dev-b:again", "dev-b", passwords.get("dev-b"))
                                            .close(true))
                            .extracting(e -> ((MqttException) e).getReasonCode())
                            .isEqualTo(BAD_USER_NAME_OR_PASSWORD));
            // The open connection ends at its next publish.
            try {
                publish(device, "sites/s1/rooms/r1/devices/dev-b/telemetry", "{\"co2\": 701}");
            } catch (MqttException expected) {
                // the broker may close the connection before the PUBACK is awaited
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> !device.isConnected());
        } finally {
            closeQuietly(device);
        }
    }

    /**
     * Disconnects (when the broker left the connection open: a refused publish may be answered in its PUBACK, not by
     * closing the connection) and closes the client; Paho refuses to close a connected client.
     */
    private static void closeQuietly(MqttAsyncClient client) throws MqttException {
        if (client.isConnected()) {
            try {
                client.disconnect().waitForCompletion(5000);
            } catch (MqttException e) {
                client.disconnectForcibly(1000);
            }
        }
        client.close(true);
    }

    private static MqttAsyncClient connect(String clientId, String user, String password) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(broker.url(), clientId, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        if (user != null) {
            options.setUserName(user);
        }
        if (password != null) {
            options.setPassword(password.getBytes(StandardCharsets.UTF_8));
        }
        try {
            client.connect(options).waitForCompletion(10_000);
            return client;
        } catch (MqttException e) {
            client.close(true);
            throw e;
        }
    }

    /** The reason code of a refused QoS 1 publish: from its PUBACK, or from the disconnect that answered it. */
    private static int refusal(MqttAsyncClient client, String topic, String json) {
        try {
            int[] codes = publish(client, topic, json).getReasonCodes();
            return codes == null || codes.length == 0 ? 0 : codes[0];
        } catch (MqttException e) {
            return e.getReasonCode();
        }
    }

    private static IMqttToken publish(MqttAsyncClient client, String topic, String json) throws MqttException {
        IMqttToken token =
                client.publish(topic, new MqttMessage(json.getBytes(StandardCharsets.UTF_8), 1, false, null));
        token.waitForCompletion(10_000);
        return token;
    }
}
