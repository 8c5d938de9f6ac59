package io.fieldline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;

/** A dedicated broker (never the shared one) because this test stops and restarts it. */
class MqttBrokerIT {

    @Test
    void shouldConfigureALoopbackListenerFilePersistenceAndDeepQueues() {
        try (MqttBroker broker = new MqttBroker()) {
            assertThat(broker.configXml())
                    .contains("<bind-address>127.0.0.1</bind-address>")
                    .contains("<port>" + broker.port() + "</port>")
                    .contains("<mode>file</mode>")
                    .contains("<max-queue-size>" + MqttBroker.MAX_QUEUED_MESSAGES + "</max-queue-size>")
                    .contains("<server-receive-maximum>" + MqttBroker.SERVER_RECEIVE_MAXIMUM
                            + "</server-receive-maximum>")
                    .contains("<anonymous-usage-statistics>\n        <enabled>false</enabled>");
        }
    }

    /**
     * A stopped broker refuses clients; started again, it accepts them on the same port, and a persistent session
     * finds the messages queued for it before the stop with file persistence only. (One broker restart per
     * persistence mode checks both, each restart costing seconds.)
     */
    @Test
    void shouldAcceptClientsOnTheSamePortAfterStopAndStartKeepingQueuedMessagesWithFilePersistenceOnly()
            throws Exception {
        assertThat(queuedAcrossRestart(MqttBroker.Persistence.FILE)).containsExactly("m0", "m1", "m2");
        assertThat(queuedAcrossRestart(MqttBroker.Persistence.IN_MEMORY)).isEmpty();
    }

    /**
     * Messages queued for an offline persistent session before a broker restart, as received after it; on the way,
     * checks that clients are refused while the broker is stopped and accepted on the same port once it started again.
     */
    private static List<String> queuedAcrossRestart(MqttBroker.Persistence persistence) throws Exception {
        String topic = "it/" + UUID.randomUUID();
        String clientId = "durable-" + UUID.randomUUID();
        List<String> received = new CopyOnWriteArrayList<>();
        try (MqttBroker broker = new MqttBroker(DataDirectory.createTemp("mqtt-it"), persistence)) {
            broker.start();
            String url = broker.url();
            assertThat(broker.configXml()).contains("<mode>" + persistence.configName() + "</mode>");
            MqttClient subscriber = new MqttClient(broker.url(), clientId, new MemoryPersistence());
            subscriber.connect(persistentSession());
            subscriber.subscribe(topic, 1);
            subscriber.disconnect();
            subscriber.close();

            MqttClient publisher = new MqttClient(broker.url(), "pub-" + UUID.randomUUID(), new MemoryPersistence());
            publisher.connect(new MqttConnectionOptions());
            for (int i = 0; i < 3; i++) {
                publisher.publish(topic, new MqttMessage(("m" + i).getBytes(StandardCharsets.UTF_8), 1, false, null));
            }
            publisher.disconnect();
            publisher.close();
            // HiveMQ's counters: three PUBLISHes in, none out (the subscriber is away): a backlog of three.
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> broker.publishCounts().incoming() == 3);
            assertThat(broker.publishCounts().outgoing()).isZero();
            assertThat(broker.publishCounts().backlog()).isEqualTo(3);
            // After the counts: a round trip publishes and delivers one more message.
            assertThat(roundTrip(url)).isEqualTo("first");

            broker.stop();
            assertThat(broker.publishCounts())
                    .as("a stopped broker counts nothing")
                    .isEqualTo(new MqttBroker.PublishCounts(0, 0, 0));
            MqttClient refused = new MqttClient(url, "refused-" + UUID.randomUUID(), new MemoryPersistence());
            MqttConnectionOptions quick = new MqttConnectionOptions();
            quick.setConnectionTimeout(2);
            assertThatThrownBy(() -> refused.connect(quick))
                    .as("a client of the stopped broker")
                    .isInstanceOf(MqttException.class);
            refused.close();
            broker.start();
            assertThat(broker.url()).as("the URL after a restart").isEqualTo(url);

            MqttClient again = new MqttClient(broker.url(), clientId, new MemoryPersistence());
            again.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
                @Override
                public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse response) {}

                @Override
                public void mqttErrorOccurred(MqttException exception) {}

                @Override
                public void messageArrived(String t, MqttMessage message) {
                    received.add(new String(message.getPayload(), StandardCharsets.UTF_8));
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken token) {}

                @Override
                public void connectComplete(boolean reconnect, String serverUri) {}

                @Override
                public void authPacketArrived(
                        int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties properties) {}
            });
            again.connect(persistentSession());
            if (persistence == MqttBroker.Persistence.FILE) {
                await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 3);
            } else {
                Thread.sleep(1000);
            }
            again.disconnect();
            again.close();
            assertThat(roundTrip(url)).as("a new client after the restart").isEqualTo("first");
        }
        return received;
    }

    private static MqttConnectionOptions persistentSession() {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(false);
        options.setSessionExpiryInterval(600L);
        return options;
    }

    private static String roundTrip(String url) throws Exception {
        String topic = "it/" + UUID.randomUUID();
        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient client = new MqttClient(url, "rt-" + UUID.randomUUID(), new MemoryPersistence());
        try {
            client.connect(new MqttConnectionOptions());
            client.subscribe(
                    new org.eclipse.paho.mqttv5.common.MqttSubscription[] {
                        new org.eclipse.paho.mqttv5.common.MqttSubscription(topic, 1)
                    },
                    new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {
                        (t, message) -> received.add(new String(message.getPayload(), StandardCharsets.UTF_8))
                    });
            client.publish(topic, new MqttMessage("first".getBytes(StandardCharsets.UTF_8), 1, false, null));
            await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
            return received.get(0);
        } finally {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        }
    }
}
