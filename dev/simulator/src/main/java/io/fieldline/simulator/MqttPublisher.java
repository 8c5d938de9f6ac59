package io.fieldline.simulator;

import io.fieldline.core.net.ClientSocketFactory;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fast MQTT v5 publisher for the simulator, the benchmark and the tests: asynchronous
 * publishes, with as many QoS 1/2 messages in flight as the broker's receive maximum allows
 * (Paho refuses more instead of waiting, so this class waits). Thread-safe.
 */
public final class MqttPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MqttPublisher.class);
    private static final int DEFAULT_MAX_IN_FLIGHT = 1000;

    private final MqttAsyncClient client;
    private final Semaphore inFlight;
    private final int permits;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private MqttPublisher(MqttAsyncClient client, int permits) {
        this.client = client;
        this.permits = permits;
        this.inFlight = new Semaphore(permits);
    }

    /**
     * Connects a publisher (clean start, no session kept).
     *
     * @param serverUri   broker URI, {@code tcp://host:port}
     * @param clientId    MQTT client id
     * @param maxInFlight upper bound of unacknowledged messages; the broker's receive maximum may lower it
     */
    public static MqttPublisher connect(String serverUri, String clientId, int maxInFlight) throws MqttException {
        return connect(serverUri, clientId, maxInFlight, null, null);
    }

    /**
     * Connects a publisher that logs in (clean start, no session kept).
     *
     * @param serverUri   broker URI, {@code tcp://host:port}
     * @param clientId    MQTT client id
     * @param maxInFlight upper bound of unacknowledged messages; the broker's receive maximum may lower it
     * @param username    user name, or null for none
     * @param password    password, or null for none; never logged
     */
    public static MqttPublisher connect(
            String serverUri, String clientId, int maxInFlight, String username, String password) throws MqttException {
        return beginConnect(serverUri, clientId, maxInFlight, username, password)
                .await();
    }

    /**
     * Sends the CONNECT of a publisher (clean start, no session kept) without waiting for the broker's answer, so
     * that many devices can log in at once (a broker verifying each password takes a while per connection).
     *
     * @see #connect(String, String, int, String, String)
     */
    public static Connecting beginConnect(
            String serverUri, String clientId, int maxInFlight, String username, String password) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(serverUri, clientId, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        if (username != null) {
            options.setUserName(username);
        }
        if (password != null) {
            options.setPassword(password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        options.setCleanStart(true);
        options.setAutomaticReconnect(true);
        options.setAutomaticReconnectDelay(1, 10);
        if (serverUri.startsWith("tcp://")) {
            options.setSocketFactory(ClientSocketFactory.plain(true));
        }
        try {
            return new Connecting(client, client.connect(options), maxInFlight);
        } catch (MqttException | RuntimeException e) {
            closeQuietly(client);
            throw e;
        }
    }

    /** A connection whose CONNECT was sent: {@link #await()} it, or {@link #close()} it to give up. */
    public static final class Connecting implements AutoCloseable {
        private final MqttAsyncClient client;
        private final IMqttToken token;
        private final int maxInFlight;
        private boolean done;

        private Connecting(MqttAsyncClient client, IMqttToken token, int maxInFlight) {
            this.client = client;
            this.token = token;
            this.maxInFlight = maxInFlight;
        }

        /**
         * Waits (up to 15 s) for the broker's CONNACK.
         *
         * @return the connected publisher, which the caller now owns
         * @throws MqttException if the broker refused or did not answer in time; the client is then closed (an
         *     unanswered CONNECT cut first)
         */
        public MqttPublisher await() throws MqttException {
            try {
                token.waitForCompletion(15_000);
            } catch (MqttException | RuntimeException e) {
                close();
                throw e;
            }
            Integer serverMaximum = token.getResponseProperties() == null
                    ? null
                    : token.getResponseProperties().getReceiveMaximum();
            int permits = Math.max(1, Math.min(maxInFlight, serverMaximum == null ? 65_535 : serverMaximum));
            done = true;
            return new MqttPublisher(client, permits);
        }

        /**
         * Closes the client unless {@link #await()} handed it over. A CONNECT still unanswered is cut first: Paho
         * refuses to close a client while it connects, and that client would otherwise connect a moment later and
         * stay connected, reconnecting by itself.
         */
        @Override
        public void close() {
            if (done) {
                return;
            }
            done = true;
            if (!token.isComplete()) {
                try {
                    client.disconnectForcibly(0, 1000, false);
                } catch (MqttException e) {
                    LOG.debug("disconnect while connecting: {}", e.toString());
                }
            }
            closeQuietly(client);
        }
    }

    private static void closeQuietly(MqttAsyncClient client) {
        try {
            if (client.isConnected()) {
                client.disconnect(2000).waitForCompletion(5000);
            }
        } catch (MqttException e) {
            LOG.debug("disconnect: {}", e.toString());
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            LOG.debug("close: {}", e.toString());
        }
    }

    /** Connects with up to {@value #DEFAULT_MAX_IN_FLIGHT} messages in flight. */
    public static MqttPublisher connect(String serverUri, String clientId) throws MqttException {
        return connect(serverUri, clientId, DEFAULT_MAX_IN_FLIGHT);
    }

    /** Publishes without user properties; see {@link #publish(String, byte[], int, boolean, List)}. */
    public void publish(String topic, byte[] payload, int qos) throws MqttException, InterruptedException {
        publish(topic, payload, qos, false, List.of());
    }

    /**
     * Publishes one message, waiting while the in-flight window is full.
     *
     * @param userProperties MQTT 5 user properties, in order
     */
    public void publish(
            String topic, byte[] payload, int qos, boolean retained, List<Map.Entry<String, String>> userProperties)
            throws MqttException, InterruptedException {
        Objects.requireNonNull(topic, "topic");
        MqttProperties properties = new MqttProperties();
        if (!userProperties.isEmpty()) {
            properties.setUserProperties(userProperties.stream()
                    .map(e -> new UserProperty(e.getKey(), e.getValue()))
                    .collect(java.util.stream.Collectors.toList()));
        }
        MqttMessage message = new MqttMessage(payload, qos, retained, properties);
        if (qos == 0) {
            client.publish(topic, message);
            published.incrementAndGet();
            return;
        }
        inFlight.acquire();
        try {
            client.publish(topic, message, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    published.incrementAndGet();
                    inFlight.release();
                }

                @Override
                public void onFailure(IMqttToken token, Throwable exception) {
                    failed.incrementAndGet();
                    inFlight.release();
                    LOG.warn("Publish to {} failed: {}", topic, exception.toString());
                }
            });
        } catch (MqttException | RuntimeException e) {
            inFlight.release();
            throw e;
        }
    }

    /** Waits until every message published so far is acknowledged by the broker (or failed). */
    public boolean flush(long timeout, TimeUnit unit) throws InterruptedException {
        if (!inFlight.tryAcquire(permits, timeout, unit)) {
            return false;
        }
        inFlight.release(permits);
        return true;
    }

    /** Messages the broker acknowledged (QoS 1/2) or that were handed to the network (QoS 0). */
    public long published() {
        return published.get();
    }

    /** Messages whose publish failed. */
    public long failed() {
        return failed.get();
    }

    /** Whether the connection is up. */
    public boolean isConnected() {
        return client.isConnected();
    }

    @Override
    public void close() {
        closeQuietly(client);
    }
}
