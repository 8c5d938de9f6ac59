package io.fieldline.bridge.mqtt;

import io.fieldline.bridge.ingress.IngressPublisher;
import io.fieldline.bridge.ingress.Origin;
import io.fieldline.bridge.mqtt.decode.DecodeContext;
import io.fieldline.bridge.mqtt.decode.DecodeResult;
import io.fieldline.bridge.mqtt.decode.JsonReadingDecoder;
import io.fieldline.bridge.mqtt.decode.SparkplugDecoder;
import io.fieldline.bridge.mqtt.decode.SparkplugDecoding;
import io.fieldline.bridge.mqtt.decode.SparkplugSessions;
import io.fieldline.bridge.mqtt.decode.SparkplugStateChange;
import io.fieldline.bridge.mqtt.decode.SparkplugTopic;
import io.fieldline.bridge.mqtt.internal.ConnectionOptionsFactory;
import io.fieldline.bridge.mqtt.internal.InFlightWindow;
import io.fieldline.bridge.mqtt.internal.SparkplugRebirthRequests;
import io.fieldline.bridge.mqtt.internal.WorkerHandoff;
import io.fieldline.bridge.mqtt.internal.WorkerShards;
import io.fieldline.bridge.mqtt.route.Route;
import io.fieldline.bridge.mqtt.route.RouteMatch;
import io.fieldline.bridge.mqtt.route.Router;
import io.fieldline.bridge.mqtt.route.UnroutableMessageException;
import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.core.retry.RetryPolicy;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serializer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bridges MQTT v5 telemetry into Kafka: subscribes (through a shared-subscription group, so
 * several instances split the stream), routes and decodes each message into {@link Reading}s,
 * writes them keyed by device id, and acknowledges the MQTT message only once Kafka has
 * acknowledged every record made from it. Messages that cannot be routed or decoded go to
 * {@code deadletter.mqtt} with the reason, and are acknowledged once that dead letter is in Kafka.
 *
 * <h2>Threads</h2>
 * Paho's callback thread only registers each message in the {@link InFlightWindow} and hands it
 * to the bounded queue of one of {@code mqtt.workers} worker threads, chosen by topic
 * ({@link WorkerShards}). A worker routes, decodes and hands the message's readings to the
 * {@link IngressPublisher} as one batch; each topic's messages, and each Sparkplug edge node's, go
 * through one worker in arrival order, which per-device order in Kafka and Sparkplug alias tables
 * need. Kafka's I/O thread completes messages; the window sends the PUBACKs, in arrival order.
 *
 * <h2>Back-pressure</h2>
 * The broker sends at most {@code mqtt.receive.maximum} unacknowledged QoS 1 messages; since
 * acknowledgements wait for Kafka, a slow or unreachable Kafka stops the flow at the broker,
 * where the messages wait in the persistent session.
 *
 * <h2>Failures</h2>
 * The publisher's one failure policy: bad input, and records Kafka refuses for themselves (too
 * large), are dead-lettered and counted, and the bridge goes on. Transient Kafka errors are retried
 * in place by the idempotent producer for {@code mqtt.kafka.delivery.timeout.ms}, which keeps each
 * device's order; when it gives up, the bridge stops without acknowledging anything more (the
 * broker keeps those messages, and redelivers them in order) and completes {@link #failure()}
 * exceptionally. Nothing is ever sent again later, behind newer records of the same device.
 */
public final class MqttBridge implements AutoCloseable {

    /** Stage name of this bridge's dead letters ({@code deadletter.mqtt}). */
    public static final String STAGE = "mqtt";

    // Meters, every one tagged client.id (docs/metrics.md).
    /** Counter: MQTT messages received. */
    public static final String METER_MESSAGES_RECEIVED = "fieldline.mqtt.messages.received";
    /** Counter: MQTT messages the broker flagged as redeliveries (DUP). */
    public static final String METER_MESSAGES_REDELIVERED = "fieldline.mqtt.messages.redelivered";
    /** Function counter: MQTT messages acknowledged to the broker after Kafka took them. */
    public static final String METER_MESSAGES_ACKNOWLEDGED = "fieldline.mqtt.messages.acknowledged";
    /** Function counter: MQTT messages given up before a worker took them. */
    public static final String METER_MESSAGES_ABANDONED = "fieldline.mqtt.messages.abandoned";
    /** Counter: Sparkplug NBIRTH/DBIRTH messages decoded. */
    public static final String METER_SPARKPLUG_BIRTHS = "fieldline.mqtt.sparkplug.births";
    /** Counter: Sparkplug NDEATH/DDEATH messages decoded. */
    public static final String METER_SPARKPLUG_DEATHS = "fieldline.mqtt.sparkplug.deaths";
    /** Counter: payload metrics deliberately not turned into readings. */
    public static final String METER_METRICS_SKIPPED = "fieldline.mqtt.metrics.skipped";
    /** Timer: from handing a message's records to the producer to the acknowledgement of the last. */
    public static final String METER_KAFKA_SEND = "fieldline.mqtt.kafka.send";
    /** Gauge: MQTT messages received and not yet acknowledged. */
    public static final String METER_IN_FLIGHT = "fieldline.mqtt.inflight";
    /** Gauge: 1 while the in-flight window is full. */
    public static final String METER_BACKPRESSURE = "fieldline.mqtt.backpressure";
    /** Gauge: the receive maximum the bridge asked for. */
    public static final String METER_RECEIVE_MAXIMUM = "fieldline.mqtt.receive.maximum";
    /** Gauge: 1 while connected to the MQTT broker. */
    public static final String METER_CONNECTED = "fieldline.mqtt.connected";
    /** Counter, tagged {@code route}: readings Kafka acknowledged. */
    public static final String METER_READINGS_WRITTEN = "fieldline.mqtt.readings.written";
    /** Counter, tagged {@code route} and {@code reason}: MQTT messages written to the dead-letter topic. */
    public static final String METER_DEAD_LETTERS = "fieldline.mqtt.deadletters";
    /** Dead-letter {@code reason}: no route matches the MQTT topic, or the route cannot name the device. */
    public static final String REASON_UNROUTABLE = "unroutable";
    /** Dead-letter {@code reason}: the payload cannot be decoded into readings. */
    public static final String REASON_UNDECODABLE = "undecodable";

    private static final Logger LOG = LoggerFactory.getLogger(MqttBridge.class);
    private static final int QOS0_HANDOFF_SLACK = 256;

    /** Lifecycle of a bridge. */
    public enum State {
        NEW,
        STARTING,
        RUNNING,
        CLOSING,
        CLOSED,
        FAILED
    }

    private final MqttBridgeConfig config;
    private final TopicNames topicNames;
    private final Serializer<Reading> serializer;
    private final MeterRegistry registry;
    private final Router router;
    private final String clientId;
    private final JsonReadingDecoder jsonDecoder = new JsonReadingDecoder();
    private final SparkplugDecoder sparkplugDecoder = new SparkplugDecoder();
    private final Worker[] workers;
    private final InFlightWindow window;
    private final SparkplugRebirthRequests rebirthRequests;
    private final BackPressure backPressure;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    /** {@link System#nanoTime()} after which a clean stop no longer drains the worker queues. */
    private volatile long drainDeadline;

    private final AtomicInteger awaitingKafka = new AtomicInteger();
    private final CompletableFuture<Void> failure = new CompletableFuture<>();
    // Workers register per-route meters as routes first carry messages.
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private final Map<String, Counter> readingCounters = new ConcurrentHashMap<>();
    // By route and reason.
    private final Map<String, Counter> deadLetterCounters = new ConcurrentHashMap<>();
    private final Counter received;
    private final Counter redelivered;
    private final Counter births;
    private final Counter deaths;
    private final Counter skippedMetrics;
    private final Timer sendLatency;
    private final Tags tags;

    private volatile MqttAsyncClient client;
    private volatile boolean connected;
    private volatile IngressPublisher publisher;

    /**
     * A bridge that serializes readings with the given serializer (Confluent wire-format Avro in
     * production, see {@link #withSchemaRegistry}).
     *
     * @param config     the {@code mqtt.*} settings
     * @param topicNames topic names (the readings topic of routes that name none, and the dead-letter topic)
     * @param serializer value serializer of {@link Reading}
     * @param registry   where the bridge's meters are registered
     */
    public MqttBridge(
            MqttBridgeConfig config, TopicNames topicNames, Serializer<Reading> serializer, MeterRegistry registry) {
        this.config = Objects.requireNonNull(config, "config");
        this.topicNames = Objects.requireNonNull(topicNames, "topicNames");
        this.serializer = Objects.requireNonNull(serializer, "serializer");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.router = new Router(config.routes());
        this.clientId = config.clientId();
        int receiveMaximum = config.getInt(MqttBridgeConfig.RECEIVE_MAXIMUM);
        this.workers = new Worker[config.getInt(MqttBridgeConfig.WORKERS)];
        for (int i = 0; i < workers.length; i++) {
            // Each queue can hold the whole window: one busy topic may have all of it.
            workers[i] = new Worker(i, new ArrayBlockingQueue<>(receiveMaximum + QOS0_HANDOFF_SLACK));
        }
        this.window = new InFlightWindow(
                (id, qos) -> client.messageArrivedComplete(id, qos),
                () -> connected && client != null && client.isConnected());
        this.rebirthRequests = new SparkplugRebirthRequests(config, () -> client);
        this.backPressure = new BackPressure(config.clientId(), receiveMaximum, window::size);
        this.tags = Tags.of("client.id", clientId);
        this.received = counter(METER_MESSAGES_RECEIVED, "MQTT messages received");
        this.redelivered = counter(
                METER_MESSAGES_REDELIVERED,
                "MQTT messages the broker flagged as redeliveries (DUP): possible duplicates in Kafka");
        this.births = counter(METER_SPARKPLUG_BIRTHS, "Sparkplug NBIRTH/DBIRTH messages decoded");
        this.deaths = counter(METER_SPARKPLUG_DEATHS, "Sparkplug NDEATH/DDEATH messages decoded");
        this.skippedMetrics = counter(
                METER_METRICS_SKIPPED,
                "Payload metrics deliberately not turned into readings (non-numeric Sparkplug metrics and the like)");
        this.sendLatency = register(Timer.builder(METER_KAFKA_SEND)
                .tags(tags)
                .description(
                        "Time from handing a message's records to the Kafka producer to the acknowledgement of the "
                                + "last of them")
                .register(registry));
        register(Gauge.builder(METER_IN_FLIGHT, window, InFlightWindow::size)
                .tags(tags)
                .description("MQTT messages received and not yet acknowledged")
                .register(registry));
        register(FunctionCounter.builder(METER_MESSAGES_ACKNOWLEDGED, window, InFlightWindow::acknowledged)
                .tags(tags)
                .description("MQTT messages acknowledged to the broker after Kafka took them")
                .register(registry));
        register(FunctionCounter.builder(METER_MESSAGES_ABANDONED, window, InFlightWindow::abandoned)
                .tags(tags)
                .description("MQTT messages given up before a worker took them (the callback thread was "
                        + "interrupted): never acknowledged, redelivered by the broker")
                .register(registry));
        register(Gauge.builder(METER_BACKPRESSURE, backPressure, b -> b.saturated() ? 1 : 0)
                .tags(tags)
                .description("1 while the in-flight window is full (the broker holds further messages back: the "
                        + "bridge, or Kafka behind it, is the bottleneck)")
                .register(registry));
        register(Gauge.builder(METER_RECEIVE_MAXIMUM, () -> receiveMaximum)
                .tags(tags)
                .description("The receive maximum the bridge asked for: the in-flight window's size")
                .register(registry));
        register(Gauge.builder(METER_CONNECTED, this, b -> b.connected ? 1 : 0)
                .tags(tags)
                .description("1 while connected to the MQTT broker")
                .register(registry));
    }

    /**
     * A bridge writing Confluent wire-format Avro readings, registering the schema with the given registry.
     *
     * @see #MqttBridge(MqttBridgeConfig, TopicNames, Serializer, MeterRegistry)
     */
    public static MqttBridge withSchemaRegistry(
            MqttBridgeConfig config,
            TopicNames topicNames,
            SchemaRegistryClient schemaRegistry,
            MeterRegistry registry) {
        return new MqttBridge(
                config,
                topicNames,
                AvroSerdes.specific(Reading.class, schemaRegistry, false).serializer(),
                registry);
    }

    private Counter counter(String name, String description) {
        return register(
                Counter.builder(name).tags(tags).description(description).register(registry));
    }

    private <M extends Meter> M register(M meter) {
        meters.add(meter);
        return meter;
    }

    /**
     * Connects, subscribes and starts bridging. Retries the first connection with the reconnect
     * backoff for {@code mqtt.start.timeout.ms}; later connection losses are healed automatically.
     *
     * @throws MqttBridgeException when the broker cannot be reached in time or refuses a subscription
     */
    public void start() {
        if (!state.compareAndSet(State.NEW, State.STARTING)) {
            throw new IllegalStateException("bridge " + clientId + " is " + state.get() + ", not NEW");
        }
        try {
            IngressPublisher started = new IngressPublisher(config.ingressSettings(), topicNames, serializer, registry);
            publisher = started;
            started.failure().whenComplete((ignored, cause) -> {
                if (cause != null) {
                    fail(new MqttBridgeException(
                            "Kafka did not take the bridge's records: " + cause.getMessage(), cause));
                }
            });
            MqttConnectionOptions options = ConnectionOptionsFactory.create(config);
            client = new MqttAsyncClient(options.getServerURIs()[0], clientId, new MemoryPersistence());
            client.setManualAcks(true);
            client.setCallback(new Callback());
            for (Worker worker : workers) {
                worker.start();
            }
            connectFirstTime(options);
            // After connecting (MQTT is the bridge's first dependency to report on), before subscribing: a fresh
            // deployment, whose topics may be seconds old, has no session that delivers before the subscription.
            awaitTopics();
            subscribe(true);
            state.set(State.RUNNING);
            LOG.info(
                    "MQTT bridge {} running: {} route(s) {}, subscribed to {}, receive maximum {}, {} worker(s)",
                    clientId,
                    router.routes().size(),
                    router.routes().stream().map(Route::name).collect(Collectors.toList()),
                    subscriptionFilters(),
                    config.getInt(MqttBridgeConfig.RECEIVE_MAXIMUM),
                    workers.length);
        } catch (MqttException | RuntimeException e) {
            state.set(State.FAILED);
            shutdown(false, Duration.ZERO);
            throw e instanceof MqttBridgeException bridge
                    ? bridge
                    : new MqttBridgeException("MQTT bridge " + clientId + " failed to start: " + e.getMessage(), e);
        }
    }

    /**
     * The topics the bridge writes must be served before its first send: an idempotent producer sending at once to
     * a partition its leader has not opened yet can lose its first batch ({@link TopicReadiness}). Bounded by
     * {@code mqtt.start.timeout.ms}; a topic that does not exist fails the start naming it.
     */
    private void awaitTopics() {
        Set<String> topics = new LinkedHashSet<>();
        topics.add(topicNames.readings());
        topics.add(topicNames.deadLetters(STAGE));
        for (Route route : router.routes()) {
            if (route.kafkaTopic() != null) {
                topics.add(route.kafkaTopic());
            }
        }
        try {
            TopicReadiness.awaitWritable(
                    config.kafka(),
                    "mqtt bridge " + clientId,
                    topics,
                    Duration.ofMillis(config.getLong(MqttBridgeConfig.START_TIMEOUT_MS)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MqttBridgeException("interrupted while checking the Kafka topics " + topics, e);
        }
    }

    private void connectFirstTime(MqttConnectionOptions options) throws MqttException {
        Duration startTimeout = Duration.ofMillis(config.getLong(MqttBridgeConfig.START_TIMEOUT_MS));
        RetryPolicy policy = RetryPolicy.exponential(
                Duration.ofSeconds(config.getInt(MqttBridgeConfig.RECONNECT_MIN_SECONDS)),
                Duration.ofSeconds(config.getInt(MqttBridgeConfig.RECONNECT_MAX_SECONDS)),
                startTimeout);
        RetryPolicy.Backoff backoff = policy.start();
        long timeoutMs = TimeUnit.SECONDS.toMillis(config.getInt(MqttBridgeConfig.CONNECT_TIMEOUT_SECONDS)) + 1000;
        while (true) {
            try {
                IMqttToken token = client.connect(options);
                token.waitForCompletion(timeoutMs);
                connected = true;
                LOG.info(
                        "MQTT bridge {} connected to {} (session present: {})",
                        clientId,
                        client.getCurrentServerURI(),
                        token.getSessionPresent());
                return;
            } catch (MqttException e) {
                // Paho reports an interrupted wait as an MqttException and clears the flag: a stop requested
                // while the bridge is still connecting (SIGTERM during the start) ends the start here.
                if (e.getCause() instanceof InterruptedException
                        || Thread.currentThread().isInterrupted()) {
                    Thread.currentThread().interrupt();
                    throw new MqttBridgeException(
                            "MQTT bridge " + clientId + ": start interrupted while connecting", e);
                }
                Duration pause = backoff.next()
                        .orElseThrow(() -> new MqttBridgeException(
                                "MQTT bridge " + clientId
                                        + " could not connect to "
                                        + io.fieldline.core.net.Redaction.redact(String.valueOf(config.serverUris()))
                                        + " within "
                                        + startTimeout.toMillis()
                                        + " ms (" + MqttBridgeConfig.START_TIMEOUT_MS + "): " + e.getMessage(),
                                e));
                // Never sleep past the start timeout: the last attempt comes at the deadline.
                long pauseMs = Math.max(
                        0,
                        Math.min(
                                pause.toMillis(),
                                startTimeout.minus(backoff.elapsed()).toMillis()));
                LOG.warn(
                        "MQTT bridge {} could not connect to {} ({}); retrying in {} ms",
                        clientId,
                        io.fieldline.core.net.Redaction.redact(String.valueOf(config.serverUris())),
                        io.fieldline.core.net.Redaction.redact(e.getMessage()),
                        pauseMs);
                sleep(pauseMs);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MqttBridgeException("interrupted while waiting to reconnect", e);
        }
    }

    /** The MQTT filters the bridge subscribes to, shared prefix included. */
    public List<String> subscriptionFilters() {
        List<String> explicit = config.explicitSubscriptions();
        if (explicit.isEmpty()) {
            return router.subscriptionFilters(config.sharedGroup());
        }
        return explicit.stream()
                .map(f -> Router.subscriptionFilter(f, config.sharedGroup()))
                .collect(Collectors.toList());
    }

    private void subscribe(boolean wait) throws MqttException {
        int qos = config.getInt(MqttBridgeConfig.SUBSCRIPTION_QOS);
        List<String> filters = subscriptionFilters();
        MqttSubscription[] subscriptions = filters.stream()
                .map(filter -> {
                    MqttSubscription subscription = new MqttSubscription(filter, qos);
                    // Send retained messages only for a new subscription, not again on every reconnect.
                    subscription.setRetainHandling(1);
                    return subscription;
                })
                .toArray(MqttSubscription[]::new);
        // No per-subscription listener: Paho 1.2.5 never calls them for $share filters; the
        // client-wide callback receives everything.
        IMqttToken token = client.subscribe(
                subscriptions,
                null,
                wait
                        ? null
                        : new MqttActionListener() {
                            @Override
                            public void onSuccess(IMqttToken done) {
                                checkGranted(done, filters);
                            }

                            @Override
                            public void onFailure(IMqttToken done, Throwable exception) {
                                LOG.error(
                                        "MQTT bridge {} could not subscribe again to {}: {}",
                                        clientId,
                                        filters,
                                        exception.toString());
                            }
                        },
                new MqttProperties());
        if (wait) {
            token.waitForCompletion(TimeUnit.SECONDS.toMillis(config.getInt(MqttBridgeConfig.CONNECT_TIMEOUT_SECONDS)));
            String refused = checkGranted(token, filters);
            if (refused != null) {
                throw new MqttBridgeException("MQTT bridge " + clientId + ": broker refused " + refused);
            }
        }
    }

    private String checkGranted(IMqttToken token, List<String> filters) {
        int[] codes = token.getReasonCodes();
        List<String> refused = new ArrayList<>();
        for (int i = 0; codes != null && i < codes.length && i < filters.size(); i++) {
            if (codes[i] >= 0x80) {
                refused.add(filters.get(i) + " (reason code 0x" + Integer.toHexString(codes[i]) + ")");
            }
        }
        if (refused.isEmpty()) {
            return null;
        }
        LOG.error("MQTT bridge {}: broker refused subscriptions {}", clientId, refused);
        return refused.toString();
    }

    /** One message handed from Paho's callback thread to a worker. */
    private record Inbound(String topic, MqttMessage message, InFlightWindow.Ticket ticket, Instant receivedAt) {}

    private final class Callback implements MqttCallback {

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            received.increment();
            if (message.isDuplicate()) {
                redelivered.increment();
            }
            InFlightWindow.Ticket ticket = window.register(message.getId(), message.getQos());
            backPressure.check(System.nanoTime());
            Inbound inbound = new Inbound(topic, message, ticket, Instant.now());
            BlockingQueue<Inbound> queue = workers[WorkerShards.of(topic, workers.length)].queue;
            // Blocks only when a worker is behind by more than the receive maximum, which the broker
            // does not allow for QoS 1; QoS 0 floods are slowed down at TCP level. A message that is
            // not queued (interrupted, stopping) gives up its place in the window.
            if (!WorkerHandoff.handOff(window, ticket, inbound, queue, MqttBridge.this::isStopping) && !isStopping()) {
                LOG.warn(
                        "MQTT bridge {}: message {} on {} was not handed to a worker (callback thread interrupted); "
                                + "left unacknowledged for the broker to redeliver",
                        clientId,
                        message.getId(),
                        topic);
            }
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            connected = false;
            window.connectionLost();
            if (!isStopping()) {
                LOG.warn(
                        "MQTT bridge {} lost its connection ({}); {} message(s) in flight will be redelivered, "
                                + "reconnecting",
                        clientId,
                        response,
                        window.size());
            }
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            connected = true;
            if (reconnect) {
                LOG.info("MQTT bridge {} reconnected to {}", clientId, serverUri);
                try {
                    // The session normally kept the subscriptions; subscribe anyway in case it expired.
                    subscribe(false);
                } catch (MqttException e) {
                    LOG.error("MQTT bridge {} could not subscribe after reconnecting: {}", clientId, e.toString());
                }
            }
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            LOG.warn("MQTT bridge {}: {}", clientId, exception.toString());
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            // The bridge publishes nothing.
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            // No enhanced authentication.
        }
    }

    private boolean isStopping() {
        State current = state.get();
        return current == State.CLOSING || current == State.CLOSED || current == State.FAILED;
    }

    /**
     * One worker thread, its queue, and the Sparkplug births of the edge nodes it handles (all of
     * a node's messages come to the same worker, so its births need no sharing).
     */
    private final class Worker implements Runnable {
        private final int index;
        private final BlockingQueue<Inbound> queue;
        private final SparkplugSessions sparkplugSessions = new SparkplugSessions();
        private Thread thread;

        Worker(int index, BlockingQueue<Inbound> queue) {
            this.index = index;
            this.queue = queue;
        }

        void start() {
            thread = new Thread(this, "fieldline-mqtt-worker-" + index + "-" + clientId);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            while (!Thread.currentThread().isInterrupted()) {
                State current = state.get();
                if (current == State.CLOSED || current == State.FAILED) {
                    return;
                }
                // A clean stop drains what was already received (new messages are no longer handed
                // over), so a retiring instance leaves nothing unacknowledged in its session that
                // the other members of its share group would wait an hour for.
                boolean draining = current == State.CLOSING;
                if (draining && System.nanoTime() - drainDeadline > 0) {
                    return;
                }
                Inbound inbound;
                try {
                    inbound = draining ? queue.poll() : queue.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (inbound == null) {
                    if (draining) {
                        return;
                    }
                    continue;
                }
                try {
                    process(inbound, sparkplugSessions);
                } catch (RuntimeException e) {
                    // A bug, not bad input: do not lose the message, stop loudly.
                    fail(new MqttBridgeException("unexpected error processing MQTT message on " + inbound.topic(), e));
                    return;
                }
            }
        }
    }

    private void process(Inbound inbound, SparkplugSessions sparkplugSessions) {
        String topic = inbound.topic();
        byte[] payload = inbound.message().getPayload();
        RouteMatch match = router.match(topic).orElse(null);
        if (match == null) {
            deadLetter(
                    inbound,
                    null,
                    REASON_UNROUTABLE,
                    "no route matches topic " + topic + " (routes: "
                            + router.routes().stream()
                                    .map(r -> r.name() + "=" + r.pattern())
                                    .collect(Collectors.joining(", "))
                            + ")");
            return;
        }
        Route route = match.route();
        DecodeContext context;
        try {
            context = match.context(inbound.receivedAt());
        } catch (UnroutableMessageException e) {
            deadLetter(inbound, route, REASON_UNROUTABLE, e.getMessage());
            return;
        }
        DecodeResult result = switch (route.format()) {
            case JSON -> jsonDecoder.decode(payload, context);
            case SPARKPLUG_B -> decodeSparkplug(topic, payload, context, sparkplugSessions);
        };
        if (result instanceof DecodeResult.Failed failed) {
            deadLetter(inbound, route, REASON_UNDECODABLE, failed.reason());
            return;
        }
        DecodeResult.Decoded decoded = (DecodeResult.Decoded) result;
        if (decoded.skippedMetrics() > 0) {
            skippedMetrics.increment(decoded.skippedMetrics());
        }
        List<Reading> readings = decoded.readings();
        if (readings.isEmpty()) {
            window.complete(inbound.ticket());
            return;
        }
        String kafkaTopic = route.kafkaTopic() != null ? route.kafkaTopic() : topicNames.readings();
        IngressPublisher.Batch batch = publisher.batch(origin(inbound, route));
        for (Reading reading : readings) {
            batch.reading(kafkaTopic, reading);
        }
        track(inbound, route, batch.seal());
    }

    private DecodeResult decodeSparkplug(
            String topic, byte[] payload, DecodeContext context, SparkplugSessions sparkplugSessions) {
        SparkplugDecoding decoding = sparkplugDecoder.decode(
                topic,
                payload,
                SparkplugTopic.parse(topic).map(sparkplugSessions::birthFor).orElse(null),
                context);
        SparkplugStateChange change = decoding.change();
        sparkplugSessions.apply(change);
        rebirthRequests.afterDecode(topic, sparkplugSessions);
        switch (change.kind()) {
            case STORE -> births.increment();
            case FORGET_NODE, FORGET_DEVICE -> {
                deaths.increment();
                LOG.info(
                        "Sparkplug {} {} is offline (death certificate on {})",
                        change.kind() == SparkplugStateChange.Kind.FORGET_NODE ? "edge node" : "device",
                        change.key(),
                        topic);
            }
            default -> {}
        }
        return decoding.result();
    }

    private List<Header> headers(Inbound inbound, String route) {
        MqttMessage message = inbound.message();
        MqttProperties properties = message.getProperties();
        List<Map.Entry<String, String>> userProperties = new ArrayList<>();
        String contentType = null;
        if (properties != null) {
            for (UserProperty property : properties.getUserProperties()) {
                userProperties.add(Map.entry(property.getKey(), property.getValue()));
            }
            contentType = properties.getContentType();
        }
        return MqttHeaders.of(
                inbound.topic(),
                message.getQos(),
                message.isRetained(),
                message.isDuplicate(),
                route,
                clientId,
                contentType,
                userProperties,
                config.getInt(MqttBridgeConfig.USER_PROPERTIES_MAX_BYTES));
    }

    private void deadLetter(Inbound inbound, Route route, String reasonTag, String reason) {
        LOG.debug("Dead-lettering MQTT message on {}: {}", inbound.topic(), reason);
        track(
                inbound,
                route,
                publisher
                        .batch(origin(inbound, route))
                        .deadLetter(reasonTag, reason, null)
                        .seal());
    }

    /** The message as the publisher sees it: its dead letter is keyed by the MQTT topic and carries its payload. */
    private Origin origin(Inbound inbound, Route route) {
        return Origin.message(
                inbound.topic(),
                inbound.topic().getBytes(StandardCharsets.UTF_8),
                inbound.message().getPayload(),
                headers(inbound, route == null ? null : route.name()));
    }

    /** Acknowledges the message once Kafka has every record made from it, or its dead letter. */
    private void track(Inbound inbound, Route route, CompletableFuture<IngressPublisher.Outcome> sent) {
        long start = System.nanoTime();
        awaitingKafka.incrementAndGet();
        sent.whenComplete((outcome, failed) -> {
            awaitingKafka.decrementAndGet();
            if (failed != null) {
                // The publisher failed: the bridge stops (see start()); the broker keeps the message.
                return;
            }
            // Once per message, not per record: the timer is the costliest thing on Kafka's I/O thread.
            sendLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            String routeTag = route == null ? "none" : route.name();
            if (outcome.records() > 0) {
                readingCounters
                        .computeIfAbsent(
                                routeTag,
                                name -> register(Counter.builder(METER_READINGS_WRITTEN)
                                        .tags(tags.and("route", name))
                                        .description("Readings Kafka acknowledged")
                                        .register(registry)))
                        .increment(outcome.records());
            }
            if (outcome.deadLettered()) {
                // reason: the bridge's (unroutable, undecodable) or the publisher's (too_large, serialization, ...)
                String reason = outcome.deadLetter();
                deadLetterCounters
                        .computeIfAbsent(
                                routeTag + '\u0000' + reason,
                                key -> register(Counter.builder(METER_DEAD_LETTERS)
                                        .tags(tags.and("route", routeTag, "reason", reason))
                                        .description(
                                                "MQTT messages written to the dead-letter topic, by route and reason")
                                        .register(registry)))
                        .increment();
            }
            window.complete(inbound.ticket());
        });
    }

    private void fail(Throwable cause) {
        if (!state.compareAndSet(State.RUNNING, State.FAILED) && !state.compareAndSet(State.CLOSING, State.FAILED)) {
            return;
        }
        LOG.error(
                "MQTT bridge {} is stopping: {}. Messages not acknowledged stay with the broker for redelivery.",
                clientId,
                cause.getMessage(),
                cause);
        window.freeze();
        // Not on the caller's thread: it may be the producer's I/O thread, which cannot close the producer.
        Thread stopper = new Thread(
                () -> {
                    shutdown(false, Duration.ZERO);
                    failure.completeExceptionally(cause);
                },
                "fieldline-mqtt-stop-" + clientId);
        stopper.setDaemon(true);
        stopper.start();
    }

    /**
     * Completes exceptionally when the bridge stopped by itself (Kafka unreachable beyond the
     * producer's delivery timeout, schema registry down); completes normally on {@link #close()}.
     */
    public CompletableFuture<Void> failure() {
        return failure;
    }

    /** The current lifecycle state. */
    public State state() {
        return state.get();
    }

    /** Whether the MQTT connection is up. */
    public boolean isConnected() {
        return connected;
    }

    /** Messages received and not yet acknowledged. */
    public int inFlight() {
        return window.size();
    }

    /** What the bridge did so far. */
    public Stats stats() {
        return new Stats(
                state.get(),
                connected,
                (long) received.count(),
                window.acknowledged(),
                (long) redelivered.count(),
                (long) readingCounters.values().stream()
                        .mapToDouble(Counter::count)
                        .sum(),
                (long) deadLetterCounters.values().stream()
                        .mapToDouble(Counter::count)
                        .sum(),
                window.size());
    }

    /**
     * Counters of one bridge.
     *
     * @param state        lifecycle state
     * @param connected    whether the MQTT connection is up
     * @param received     MQTT messages received
     * @param acknowledged MQTT messages acknowledged to the broker
     * @param redelivered  messages the broker flagged as redeliveries
     * @param readings     readings Kafka acknowledged
     * @param deadLetters  dead letters Kafka acknowledged
     * @param inFlight     messages received and not yet acknowledged
     */
    public record Stats(
            State state,
            boolean connected,
            long received,
            long acknowledged,
            long redelivered,
            long readings,
            long deadLetters,
            int inFlight) {}

    /**
     * Stops cleanly: stops taking messages, waits up to {@code mqtt.shutdown.timeout.ms} for Kafka
     * to acknowledge what is in flight and acknowledges those messages, then disconnects. The
     * session stays with the broker; what was not acknowledged is redelivered on restart.
     */
    @Override
    public void close() {
        State current = state.get();
        if (current == State.NEW) {
            state.set(State.CLOSED);
            removeMeters();
            failure.complete(null);
            return;
        }
        Duration timeout = Duration.ofMillis(config.getLong(MqttBridgeConfig.SHUTDOWN_TIMEOUT_MS));
        // Set before the state changes: the workers read it as soon as they see CLOSING.
        drainDeadline = System.nanoTime() + timeout.toNanos() / 2;
        if (current != State.RUNNING || !state.compareAndSet(State.RUNNING, State.CLOSING)) {
            return;
        }
        shutdown(true, timeout);
        state.set(State.CLOSED);
        failure.complete(null);
        LOG.info("MQTT bridge {} stopped: {}", clientId, stats());
    }

    /**
     * Simulates the death of the process, for tests: from now on nothing is acknowledged to the
     * broker, nothing more is sent to Kafka, and the TCP connection is dropped without a
     * DISCONNECT packet, so the broker keeps the session and redelivers what was not acknowledged.
     *
     * @return messages received and never acknowledged
     */
    int crash() {
        state.set(State.FAILED);
        window.freeze();
        int unacknowledged = window.size();
        shutdown(false, Duration.ZERO);
        failure.complete(null);
        return unacknowledged;
    }

    private void shutdown(boolean clean, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Worker worker : workers) {
            Thread thread = worker.thread;
            if (thread != null && thread != Thread.currentThread() && !clean) {
                thread.interrupt();
            }
        }
        for (Worker worker : workers) {
            Thread thread = worker.thread;
            if (thread != null && thread != Thread.currentThread()) {
                // A clean stop lets each worker finish the message in hand (it polls the state).
                joinQuietly(
                        thread,
                        clean ? Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) + 1000 : 5000);
            }
        }
        if (clean && publisher != null) {
            // Give Kafka the records already sent, so their messages can still be acknowledged.
            // Not producer.flush(): it has no timeout and would wait out an unreachable Kafka.
            while (awaitingKafka.get() > 0 && System.nanoTime() < deadline) {
                sleepQuietly(10);
            }
            if (awaitingKafka.get() > 0) {
                LOG.warn(
                        "MQTT bridge {}: {} message(s) still waiting for Kafka at shutdown; the broker will redeliver them",
                        clientId,
                        awaitingKafka.get());
            }
        }
        window.freeze();
        MqttAsyncClient mqtt = client;
        if (mqtt != null) {
            try {
                if (clean && mqtt.isConnected()) {
                    // Quiesce lets the PUBACKs already queued leave before DISCONNECT.
                    mqtt.disconnect(Math.max(1000, timeout.toMillis())).waitForCompletion(timeout.toMillis() + 2000);
                } else {
                    mqtt.disconnectForcibly(0, 1, false);
                }
            } catch (MqttException e) {
                LOG.debug("MQTT bridge {} disconnect: {}", clientId, e.toString());
            }
            connected = false;
            try {
                mqtt.close(true);
            } catch (MqttException e) {
                LOG.debug("MQTT bridge {} close: {}", clientId, e.toString());
            }
        }
        if (publisher != null) {
            publisher.close(clean ? timeout : Duration.ZERO);
        }
        removeMeters();
    }

    private void removeMeters() {
        for (Meter meter : meters) {
            registry.remove(meter);
        }
    }

    private static void joinQuietly(Thread thread, long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "MqttBridge[" + clientId + ", " + state.get() + "]";
    }
}
