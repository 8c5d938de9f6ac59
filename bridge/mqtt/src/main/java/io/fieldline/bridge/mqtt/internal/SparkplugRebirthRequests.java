package io.fieldline.bridge.mqtt.internal;

import io.fieldline.bridge.mqtt.MqttBridgeConfig;
import io.fieldline.bridge.mqtt.decode.SparkplugMessageType;
import io.fieldline.bridge.mqtt.decode.SparkplugSessions;
import io.fieldline.bridge.mqtt.decode.SparkplugTopic;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Sparkplug B edge nodes to send their births again. The bridge keeps alias tables in memory only, so
 * after a restart (or a missed birth) a node's DATA cannot be decoded until the node rebirths; as a Sparkplug
 * host application may, the bridge then publishes the Rebirth command, an NCMD on
 * {@code spBv1.0/<group>/NCMD/<edge node>} whose metric {@value #REBIRTH_METRIC} is {@code true} (QoS 0, not
 * retained). It asks when NDATA or DDATA arrives from a node, or a device, with no birth on record, at most
 * once per node per {@code mqtt.sparkplug.rebirth.interval.ms} (a node answers with NBIRTH and every DBIRTH);
 * 0 never asks. A request that cannot be published (the bridge is not connected) is tried again with the
 * node's next DATA. Thread-safe.
 */
public final class SparkplugRebirthRequests {

    /** The metric of the Rebirth command (Sparkplug B, edge node control). */
    public static final String REBIRTH_METRIC = "Node Control/Rebirth";

    private static final Logger LOG = LoggerFactory.getLogger(SparkplugRebirthRequests.class);

    /** Where a request goes: publishes one MQTT message. */
    @FunctionalInterface
    interface Publisher {
        void publish(String topic, byte[] payload) throws MqttException;
    }

    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final LongSupplier epochMillis;
    private final Publisher publisher;
    private final Map<String, Long> lastRequest = new ConcurrentHashMap<>();

    /**
     * @param config the bridge settings ({@value MqttBridgeConfig#SPARKPLUG_REBIRTH_INTERVAL_MS})
     * @param client the bridge's MQTT client once it has one, else null
     */
    public SparkplugRebirthRequests(MqttBridgeConfig config, Supplier<MqttAsyncClient> client) {
        this(
                TimeUnit.MILLISECONDS.toNanos(config.getLong(MqttBridgeConfig.SPARKPLUG_REBIRTH_INTERVAL_MS)),
                System::nanoTime,
                System::currentTimeMillis,
                (topic, payload) -> {
                    MqttAsyncClient mqtt = client.get();
                    if (mqtt == null || !mqtt.isConnected()) {
                        throw new MqttException(MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED);
                    }
                    mqtt.publish(topic, payload, 0, false);
                });
    }

    SparkplugRebirthRequests(long intervalNanos, LongSupplier nanoTime, LongSupplier epochMillis, Publisher publisher) {
        this.intervalNanos = intervalNanos;
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.epochMillis = Objects.requireNonNull(epochMillis, "epochMillis");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    /**
     * Called once a Sparkplug message was decoded and its change applied to {@code sessions}: asks the sender
     * to rebirth when it is DATA from a node or device whose birth is not on record.
     *
     * @param topic    the MQTT topic of the message
     * @param sessions the births on record of the worker that decoded it
     */
    public void afterDecode(String topic, SparkplugSessions sessions) {
        if (intervalNanos <= 0) {
            return;
        }
        SparkplugTopic parsed = SparkplugTopic.parse(topic).orElse(null);
        if (parsed == null
                || (parsed.type() != SparkplugMessageType.NDATA && parsed.type() != SparkplugMessageType.DDATA)) {
            return;
        }
        if (sessions.birth(parsed.nodeKey()) != null && sessions.birth(parsed.entityKey()) != null) {
            return;
        }
        String node = parsed.nodeKey();
        long now = nanoTime.getAsLong();
        Long last = lastRequest.get(node);
        if (last != null && now - last < intervalNanos) {
            return;
        }
        String command = SparkplugTopic.NAMESPACE + "/" + parsed.group() + "/" + SparkplugMessageType.NCMD + "/"
                + parsed.edgeNode();
        try {
            publisher.publish(command, rebirthPayload(epochMillis.getAsLong()));
        } catch (MqttException e) {
            LOG.warn(
                    "Cannot ask Sparkplug edge node {} to rebirth on {} ({}); asking again with its next DATA",
                    node,
                    command,
                    e.toString());
            return;
        }
        lastRequest.put(node, now);
        LOG.info(
                "Asked Sparkplug edge node {} to rebirth ({} from {} with no birth on record)",
                node,
                parsed.type(),
                parsed.entityKey());
    }

    /** The Rebirth command: the payload timestamp and {@value #REBIRTH_METRIC} = true. */
    static byte[] rebirthPayload(long epochMillis) {
        return Payload.newBuilder()
                .setTimestamp(epochMillis)
                .addMetrics(Metric.newBuilder()
                        .setName(REBIRTH_METRIC)
                        .setTimestamp(epochMillis)
                        .setDatatype(DataType.Boolean_VALUE)
                        .setBooleanValue(true))
                .build()
                .toByteArray();
    }
}
