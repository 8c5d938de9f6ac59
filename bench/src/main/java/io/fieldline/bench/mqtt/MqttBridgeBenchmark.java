package io.fieldline.bench.mqtt;

import io.fieldline.bridge.mqtt.MqttBridge;
import io.fieldline.bridge.mqtt.MqttBridgeConfig;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.core.net.ClientSocketFactory;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.simulator.DeviceModel;
import io.fieldline.simulator.FleetModel;
import io.fieldline.simulator.MqttPublisher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serializer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the bridge's throughput (QoS 1 messages per second acknowledged into Kafka) against the
 * rate at which a plain Paho subscriber receives the same load from the same broker, in the same
 * run.
 *
 * <p>Method: both consumers subscribe with persistent sessions to the same topic filter (each in
 * its own shared-subscription group by default, as the bridge runs), so every one of the
 * {@code messages} QoS 1 messages (simulator JSON, five to ten metrics each) reaches both. In
 * {@link Mode#LIVE} both are connected while the publishers send; in {@link Mode#BACKLOG} the
 * messages wait in their sessions and each consumer in turn drains its backlog alone. The plain
 * subscriber acknowledges each message as it arrives (Paho's automatic acknowledgement); the
 * bridge acknowledges after Kafka acknowledged every reading of the message, and its clock stops
 * when the last message is acknowledged. A warm-up round runs first and is not counted. The
 * payloads are built before the clock starts. The result also says where the measured round's CPU
 * time went, by component ({@link Result#cpuReport()}).
 */
public final class MqttBridgeBenchmark {

    private static final Logger LOG = LoggerFactory.getLogger(MqttBridgeBenchmark.class);

    /**
     * What to run against.
     *
     * @param mqttUrl          broker URI
     * @param bootstrapServers Kafka bootstrap servers
     * @param messages         messages in the measured round
     * @param publishers       publisher connections filling the backlog
     * @param devices          simulated devices the messages are spread over
     * @param partitions       partitions of the benchmark's readings topic
     * @param shared           whether both consumers use shared subscriptions (each in its own group, as the
     *                         bridge does by default) or plain ones
     * @param mode             live stream or backlog drain
     * @param bridgeSettings   extra {@code mqtt.*} settings for the bridge (for example linger, receive maximum)
     */
    public record Settings(
            String mqttUrl,
            String bootstrapServers,
            int messages,
            int warmupMessages,
            int publishers,
            int devices,
            int partitions,
            boolean shared,
            Mode mode,
            Map<String, Object> bridgeSettings) {

        public Settings {
            Objects.requireNonNull(mqttUrl, "mqttUrl");
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            Objects.requireNonNull(mode, "mode");
            bridgeSettings = Map.copyOf(bridgeSettings);
            if (messages < 1 || publishers < 1 || devices < 1 || partitions < 1) {
                throw new IllegalArgumentException("messages, publishers, devices and partitions must be positive");
            }
            if (warmupMessages < 0) {
                throw new IllegalArgumentException("warm-up messages must not be negative");
            }
        }

        /**
         * 100 000 messages after a warm-up round of 100 000, 4 publishers, 100 devices, 6 partitions,
         * shared subscriptions, default bridge settings.
         */
        public static Settings defaults(String mqttUrl, String bootstrapServers) {
            return new Settings(mqttUrl, bootstrapServers, 100_000, 100_000, 4, 100, 6, true, Mode.LIVE, Map.of());
        }
    }

    /** How the load reaches the consumers. */
    public enum Mode {
        /**
         * Both consumers are connected while the publishers send as fast as the broker takes the
         * messages; each consumer's clock runs from the first publish to its last message.
         */
        LIVE,
        /**
         * The publishers fill both consumers' sessions while they are away; then each reconnects,
         * alone, and drains its backlog against the clock.
         */
        BACKLOG
    }

    /**
     * The outcome.
     *
     * @param messages          messages in the measured round
     * @param readings          readings the bridge wrote for them
     * @param subscriberRate    messages per second the plain subscriber received
     * @param bridgeRate        messages per second the bridge acknowledged into Kafka
     * @param subscriberTime    how long the plain subscriber took
     * @param bridgeTime        how long the bridge took
     * @param kafkaSendMillis   mean time from handing a message's records to the producer to the last acknowledgement
     * @param cpuNanos          CPU time of the round by component (threads grouped by name), largest first;
     *                          empty when the JVM does not measure thread CPU time
     */
    public record Result(
            int messages,
            long readings,
            double subscriberRate,
            double bridgeRate,
            Duration subscriberTime,
            Duration bridgeTime,
            double kafkaSendMillis,
            Map<String, Long> cpuNanos) {

        public Result {
            cpuNanos = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(cpuNanos));
        }

        /** Where the round's CPU time went, one line per component. */
        public String cpuReport() {
            return "CPU time of the measured round, by component:" + CpuAccount.format(cpuNanos, messages);
        }

        /** Bridge rate over plain-subscriber rate; the target is at least 0.9. */
        public double ratio() {
            return bridgeRate / subscriberRate;
        }

        @Override
        public String toString() {
            return String.format(
                    java.util.Locale.ROOT,
                    "%d QoS 1 messages: plain Paho subscriber %.0f msg/s (%d ms), bridge into Kafka %.0f msg/s (%d ms, "
                            + "%d readings, %.0f readings/s, Kafka acknowledgement %.1f ms mean per message), ratio %.2f",
                    messages,
                    subscriberRate,
                    subscriberTime.toMillis(),
                    bridgeRate,
                    bridgeTime.toMillis(),
                    readings,
                    readings / Math.max(1e-9, bridgeTime.toNanos() / 1e9),
                    kafkaSendMillis,
                    ratio());
        }
    }

    private final Settings settings;
    private final Serializer<Reading> serializer;

    /**
     * @param settings   what to run against
     * @param serializer the bridge's reading serializer (Confluent wire-format Avro in a real comparison)
     */
    public MqttBridgeBenchmark(Settings settings, Serializer<Reading> serializer) {
        this.settings = settings;
        this.serializer = serializer;
    }

    /** Runs the warm-up and the measured round. */
    public Result run() throws Exception {
        if (settings.warmupMessages() > 0) {
            // The bridge, the broker and Kafka share one JVM: without a warm-up the measured round
            // pays for JIT compilation, unevenly between the two consumers.
            Result warmUp = round(settings.warmupMessages());
            LOG.info("Warm-up: {}", warmUp);
        }
        Result result = round(settings.messages());
        LOG.info("Measured: {}", result);
        LOG.info("{}", result.cpuReport());
        return result;
    }

    private Result round(int messages) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String root = "bench-" + id;
        String filter = root + "/sites/+/rooms/+/devices/+/telemetry";
        TopicNames names = new TopicNames(root + ".");
        createTopics(names);

        String subscriberId = root + "-subscriber";
        String subscriberFilter = settings.shared() ? "$share/" + root + "-plain/" + filter : filter;

        Map<String, Object> props = new HashMap<>();
        props.put(MqttBridgeConfig.SERVER_URIS, settings.mqttUrl());
        props.put(MqttBridgeConfig.CLIENT_ID, root + "-bridge");
        props.put(MqttBridgeConfig.SHARED_GROUP, settings.shared() ? root + "-bridge" : "");
        props.put(KafkaClientConfig.BOOTSTRAP_SERVERS, settings.bootstrapServers());
        props.put(MqttBridgeConfig.ROUTES, "bench");
        props.put("mqtt.route.bench.filter", root + "/sites/{site}/rooms/{room}/devices/{device}/telemetry");
        props.putAll(settings.bridgeSettings());
        MqttBridgeConfig config = new MqttBridgeConfig(props);
        // The plain subscriber gets the same window as the bridge.
        int receiveMaximum = config.getInt(MqttBridgeConfig.RECEIVE_MAXIMUM);
        disconnect(connectSubscriber(subscriberId, subscriberFilter, receiveMaximum, null));
        MqttBridge setup = new MqttBridge(config, names, serializer, new SimpleMeterRegistry());
        setup.start();
        setup.close();

        AtomicLong received = new AtomicLong();
        CountDownLatch all = new CountDownLatch(1);
        Runnable count = () -> {
            if (received.incrementAndGet() == messages) {
                all.countDown();
            }
        };
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        MqttBridge bridge = new MqttBridge(config, names, serializer, meters);
        CpuAccount cpu = new CpuAccount(name -> component(name, root));
        Map<String, Long> cpuNanos;
        long subscriberNanos;
        double sendMillis;
        long bridgeNanos;
        long readings;
        try {
            Load load = load(root, messages);
            if (settings.mode() == Mode.LIVE) {
                MqttAsyncClient subscriber = connectSubscriber(subscriberId, subscriberFilter, receiveMaximum, count);
                bridge.start();
                cpu.start();
                long start = System.nanoTime();
                publish(load);
                awaitAll(all, received, messages);
                subscriberNanos = System.nanoTime() - start;
                awaitBridge(bridge, messages, start);
                bridgeNanos = System.nanoTime() - start;
                cpuNanos = cpu.stop();
                disconnect(subscriber);
            } else {
                publish(load);
                cpu.start();
                long start = System.nanoTime();
                MqttAsyncClient subscriber = connectSubscriber(subscriberId, subscriberFilter, receiveMaximum, count);
                awaitAll(all, received, messages);
                subscriberNanos = System.nanoTime() - start;
                disconnect(subscriber);
                start = System.nanoTime();
                bridge.start();
                awaitBridge(bridge, messages, start);
                bridgeNanos = System.nanoTime() - start;
                cpuNanos = cpu.stop();
            }
            readings = bridge.stats().readings();
            sendMillis = meters.get("fieldline.mqtt.kafka.send").timer().mean(TimeUnit.MILLISECONDS);
        } finally {
            bridge.close();
        }
        return new Result(
                messages,
                readings,
                messages / (subscriberNanos / 1e9),
                messages / (bridgeNanos / 1e9),
                Duration.ofNanos(subscriberNanos),
                Duration.ofNanos(bridgeNanos),
                sendMillis,
                cpuNanos);
    }

    /** Paho names its threads "MQTT Rec: <client id>", "MQTT Snd: ...", "MQTT Call: ...", "MQTT Ping: ...". */
    private static String pahoThread(String threadName) {
        if (threadName.startsWith("MQTT Rec")) {
            return "Paho receiver";
        }
        if (threadName.startsWith("MQTT Snd")) {
            return "Paho sender";
        }
        if (threadName.startsWith("MQTT Call")) {
            return "Paho callback";
        }
        return "Paho other";
    }

    /** The component a thread belongs to, from its name (Paho and the bridge name threads after the client id). */
    private static String component(String threadName, String root) {
        if (threadName.contains(root + "-bridge")) {
            if (threadName.startsWith("MQTT ")) {
                return "bridge: " + pahoThread(threadName);
            }
            if (threadName.startsWith("kafka-producer")) {
                return "bridge: Kafka producer I/O thread";
            }
            return threadName.startsWith("fieldline-mqtt-worker") ? "bridge: workers" : "bridge: other";
        }
        if (threadName.contains(root + "-subscriber")) {
            return "plain subscriber: " + pahoThread(threadName);
        }
        if (threadName.contains(root + "-subscriber")) {
            return "plain subscriber (Paho)";
        }
        if (threadName.toLowerCase(java.util.Locale.ROOT).contains("hivemq")) {
            return "MQTT broker (HiveMQ CE)";
        }
        return "Kafka broker, Schema Registry, benchmark";
    }

    private static void awaitAll(CountDownLatch all, AtomicLong received, int messages) throws InterruptedException {
        if (!all.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("plain subscriber received " + received.get() + " of " + messages);
        }
    }

    private static void awaitBridge(MqttBridge bridge, int messages, long start) throws InterruptedException {
        long deadline = start + TimeUnit.MINUTES.toNanos(10);
        while (bridge.stats().acknowledged() < messages) {
            if (System.nanoTime() > deadline || bridge.state() == MqttBridge.State.FAILED) {
                throw new IllegalStateException("bridge acknowledged "
                        + bridge.stats().acknowledged() + " of " + messages + ": " + bridge.stats());
            }
            Thread.sleep(1);
        }
    }

    private void createTopics(TopicNames names) throws Exception {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers()))) {
            admin.createTopics(List.of(
                            new NewTopic(names.readings(), settings.partitions(), (short) 1),
                            new NewTopic(names.deadLetters(MqttBridge.STAGE), 1, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            TopicReadiness.awaitWritable(
                    admin, List.of(names.readings(), names.deadLetters(MqttBridge.STAGE)), Duration.ofSeconds(60));
        }
    }

    /** The messages of one round, built before any clock starts. */
    private record Load(String root, List<String> topics, List<byte[]> payloads) {}

    private Load load(String root, int messages) {
        FleetModel fleet = new FleetModel(settings.devices(), 7, 0);
        List<DeviceModel> devices = fleet.devices();
        Instant start = Instant.now();
        List<String> topics = new ArrayList<>(messages);
        List<byte[]> payloads = new ArrayList<>(messages);
        for (int k = 0; k < messages; k++) {
            DeviceModel device = devices.get(k % devices.size());
            topics.add(FleetModel.topic(root + "/", device));
            // Event times in the recent past, one millisecond apart (not in the future: Kafka warns).
            payloads.add(FleetModel.json(device.sample(start.minusMillis(messages - k))));
        }
        return new Load(root, topics, payloads);
    }

    private void publish(Load load) throws Exception {
        String root = load.root();
        List<String> topics = load.topics();
        List<byte[]> payloads = load.payloads();
        int messages = topics.size();
        ExecutorService pool = Executors.newFixedThreadPool(settings.publishers());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int p = 0; p < settings.publishers(); p++) {
                int publisherIndex = p;
                done.add(pool.submit(() -> {
                    try (MqttPublisher publisher =
                            MqttPublisher.connect(settings.mqttUrl(), root + "-pub-" + publisherIndex)) {
                        for (int k = publisherIndex; k < messages; k += settings.publishers()) {
                            publisher.publish(topics.get(k), payloads.get(k), 1);
                        }
                        if (!publisher.flush(5, TimeUnit.MINUTES)) {
                            throw new IllegalStateException("broker did not acknowledge every publish");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private MqttAsyncClient connectSubscriber(String clientId, String filter, int receiveMaximum, Runnable onMessage)
            throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(settings.mqttUrl(), clientId, new MemoryPersistence());
        client.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) {
                if (onMessage != null) {
                    onMessage.run();
                }
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
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(false);
        options.setSessionExpiryInterval(600L);
        options.setReceiveMaximum(receiveMaximum);
        // Same socket settings as the bridge, so the comparison is of the bridge's work, not of Nagle's algorithm or
        // of unbuffered socket reads.
        options.setSocketFactory(ClientSocketFactory.plain(true));
        client.connect(options).waitForCompletion(15_000);
        client.subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)}, null, null, new MqttProperties())
                .waitForCompletion(15_000);
        return client;
    }

    private static void disconnect(MqttAsyncClient client) throws MqttException {
        client.disconnect(5000).waitForCompletion(10_000);
        client.close();
    }
}
