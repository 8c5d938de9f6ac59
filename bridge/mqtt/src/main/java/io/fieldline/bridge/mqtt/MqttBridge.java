package io.fieldline.bridge.mqtt;

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
import io.fieldline.bridge.mqtt.internal.WorkerShards;
import io.fieldline.bridge.mqtt.route.Route;
import io.fieldline.bridge.mqtt.route.RouteMatch;
import io.fieldline.bridge.mqtt.route.Router;
import io.fieldline.bridge.mqtt.route.UnroutableMessageException;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.deadletter.DeadLetterRecords;
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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
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
 * ({@link WorkerShards}). A worker routes, decodes and sends; each topic's messages, and each
 * Sparkplug edge node's, go through one worker in arrival order, which per-device order in Kafka
 * and Sparkplug alias tables need. Kafka's I/O thread completes messages; the window sends the
 * PUBACKs, in arrival order. Failed sends are retried from a scheduler thread.
 *
 * <h2>Back-pressure</h2>
 * The broker sends at most {@code mqtt.receive.maximum} unacknowledged QoS 1 messages; since
 * acknowledgements wait for Kafka, a slow or unreachable Kafka stops the flow at the broker,
 * where the messages wait in the persistent session.
 *
 * <h2>Failures</h2>
 * Bad input is dead-lettered and counted; the bridge never stops for it. A record Kafka fails to
 * take is sent again with exponential backoff, {@code mqtt.kafka.send.retries} times; then the
 * bridge stops without acknowledging anything more (the broker keeps those messages) and
 * completes {@link #failure()} exceptionally.
 */
public final class MqttBridge implements AutoCloseable {

    /** Stage name of this bridge's dead letters ({@code deadletter.mqtt}). */
    public static final String STAGE = "mqtt";

    private static final Logger LOG = LoggerFactory.getLogger(MqttBridge.class);
    private static final int QOS0_HANDOFF_SLACK = 256;
    private static final int DEAD_LETTER_PAYLOAD_LIMIT = 64 * 1024;

    /** Lifecycle of a bridge. */
    public enum State { NEW, STARTING, RUNNING, CLOSING, CLOSED, FAILED }

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
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final AtomicInteger awaitingKafka = new AtomicInteger();
    private final CompletableFuture<Void> failure = new CompletableFuture<>();
    // Workers register per-route meters as routes first carry messages.
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private final Map<String, Counter> readingCounters = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetterCounters = new ConcurrentHashMap<>();
    private final Counter received;
    private final Counter redelivered;
    private final Counter sendRetries;
    private final Counter births;
    private final Counter deaths;
    private final Counter skippedMetrics;
    private final Timer sendLatency;
    private final Tags tags;

    private volatile MqttAsyncClient client;
    private volatile boolean connected;
    private volatile Producer<byte[], byte[]> producer;
    private ScheduledExecutorService retries;

    /**
     * A bridge that serializes readings with the given serializer (Confluent wire-format Avro in
     * production, see {@link #withSchemaRegistry}).
     *
     * @param config     the {@code mqtt.*} settings
     * @param topicNames topic names (the readings topic of routes that name none, and the dead-letter topic)
     * @param serializer value serializer of {@link Reading}
     * @param registry   where the bridge's meters are registered
     */
    public MqttBridge(MqttBridgeConfig config, TopicNames topicNames, Serializer<Reading> serializer,
            MeterRegistry registry) {
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
        this.window = new InFlightWindow((id, qos) -> client.messageArrivedComplete(id, qos),
                () -> connected && client != null && client.isConnected());
        this.rebirthRequests = new SparkplugRebirthRequests(config, () -> client);
        this.tags = Tags.of("client.id", clientId);
        this.received = counter("fieldline.mqtt.messages.received", "MQTT messages received");
        this.redelivered = counter("fieldline.mqtt.messages.redelivered",
                "MQTT messages the broker flagged as redeliveries (DUP): possible duplicates in Kafka");
        this.sendRetries = counter("fieldline.mqtt.kafka.send.retries", "Kafka records sent again after a failure");
        this.births = counter("fieldline.mqtt.sparkplug.births", "Sparkplug NBIRTH/DBIRTH messages decoded");
        this.deaths = counter("fieldline.mqtt.sparkplug.deaths", "Sparkplug NDEATH/DDEATH messages decoded");
        this.skippedMetrics = counter("fieldline.mqtt.metrics.skipped",
                "Payload metrics deliberately not turned into readings (non-numeric Sparkplug metrics and the like)");
        this.sendLatency = register(Timer.builder("fieldline.mqtt.kafka.send").tags(tags)
                .description("Time from handing a message's records to the Kafka producer to the acknowledgement of the "
                        + "last of them")
                .register(registry));
        register(Gauge.builder("fieldline.mqtt.inflight", window, InFlightWindow::size).tags(tags)
                .description("MQTT messages received and not yet acknowledged").register(registry));
        register(FunctionCounter.builder("fieldline.mqtt.messages.acknowledged", window, InFlightWindow::acknowledged)
                .tags(tags).description("MQTT messages acknowledged to the broker after Kafka took them").register(registry));
        register(Gauge.builder("fieldline.mqtt.connected", this, b -> b.connected ? 1 : 0).tags(tags)
                .description("1 while connected to the MQTT broker").register(registry));
    }

    /**
     * A bridge writing Confluent wire-format Avro readings, registering the schema with the given registry.
     *
     * @see #MqttBridge(MqttBridgeConfig, TopicNames, Serializer, MeterRegistry)
     */
    public static MqttBridge withSchemaRegistry(MqttBridgeConfig config, TopicNames topicNames,
            SchemaRegistryClient schemaRegistry, MeterRegistry registry) {
        return new MqttBridge(config, topicNames, AvroSerdes.specific(Reading.class, schemaRegistry, false).serializer(),
                registry);
    }

    private Counter counter(String name, String description) {
        return register(Counter.builder(name).tags(tags).description(description).register(registry));
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
            producer = new KafkaProducer<>(config.producerProperties());
            retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "fieldline-mqtt-retry-" + clientId);
                thread.setDaemon(true);
                return thread;
            });
            MqttConnectionOptions options = ConnectionOptionsFactory.create(config);
            client = new MqttAsyncClient(options.getServerURIs()[0], clientId, new MemoryPersistence());
            client.setManualAcks(true);
            client.setCallback(new Callback());
            for (Worker worker : workers) {
                worker.start();
            }
            connectFirstTime(options);
            subscribe(true);
            state.set(State.RUNNING);
            LOG.info("MQTT bridge {} running: {} route(s) {}, subscribed to {}, receive maximum {}, {} worker(s)",
                    clientId, router.routes().size(), router.routes().stream().map(Route::name).collect(Collectors.toList()),
                    subscriptionFilters(), config.getInt(MqttBridgeConfig.RECEIVE_MAXIMUM), workers.length);
        } catch (MqttException | RuntimeException e) {
            state.set(State.FAILED);
            shutdown(false, Duration.ZERO);
            throw e instanceof MqttBridgeException bridge ? bridge
                    : new MqttBridgeException("MQTT bridge " + clientId + " failed to start: " + e.getMessage(), e);
        }
    }

    private void connectFirstTime(MqttConnectionOptions options) throws MqttException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.getLong(MqttBridgeConfig.START_TIMEOUT_MS));
        long backoffMs = TimeUnit.SECONDS.toMillis(config.getInt(MqttBridgeConfig.RECONNECT_MIN_SECONDS));
        long maxBackoffMs = TimeUnit.SECONDS.toMillis(config.getInt(MqttBridgeConfig.RECONNECT_MAX_SECONDS));
        long timeoutMs = TimeUnit.SECONDS.toMillis(config.getInt(MqttBridgeConfig.CONNECT_TIMEOUT_SECONDS)) + 1000;
        while (true) {
            try {
                IMqttToken token = client.connect(options);
                token.waitForCompletion(timeoutMs);
                connected = true;
                LOG.info("MQTT bridge {} connected to {} (session present: {})", clientId, client.getCurrentServerURI(),
                        token.getSessionPresent());
                return;
            } catch (MqttException e) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new MqttBridgeException("MQTT bridge " + clientId + " could not connect to "
                            + config.serverUris() + ": " + e.getMessage(), e);
                }
                LOG.warn("MQTT bridge {} could not connect to {} ({}); retrying in {} ms", clientId, config.serverUris(),
                        e.getMessage(), backoffMs);
                sleep(Math.min(backoffMs, TimeUnit.NANOSECONDS.toMillis(left)));
                backoffMs = Math.min(maxBackoffMs, backoffMs * 2);
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
        return explicit.stream().map(f -> Router.subscriptionFilter(f, config.sharedGroup())).collect(Collectors.toList());
    }

    private void subscribe(boolean wait) throws MqttException {
        int qos = config.getInt(MqttBridgeConfig.SUBSCRIPTION_QOS);
        List<String> filters = subscriptionFilters();
        MqttSubscription[] subscriptions = filters.stream().map(filter -> {
            MqttSubscription subscription = new MqttSubscription(filter, qos);
            // Send retained messages only for a new subscription, not again on every reconnect.
            subscription.setRetainHandling(1);
            return subscription;
        }).toArray(MqttSubscription[]::new);
        // No per-subscription listener: Paho 1.2.5 never calls them for $share filters; the
        // client-wide callback receives everything.
        IMqttToken token = client.subscribe(subscriptions, null, wait ? null : new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken done) {
                checkGranted(done, filters);
            }

            @Override
            public void onFailure(IMqttToken done, Throwable exception) {
                LOG.error("MQTT bridge {} could not subscribe again to {}: {}", clientId, filters, exception.toString());
            }
        }, new MqttProperties());
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
    private record Inbound(String topic, MqttMessage message, InFlightWindow.Ticket ticket, Instant receivedAt) {
    }

    /** Tracks the records of one message still waiting for Kafka. */
    private final class Delivery {
        private final Inbound inbound;
        private final AtomicInteger pending;
        private final long start = System.nanoTime();

        Delivery(Inbound inbound, int records) {
            this.inbound = inbound;
            this.pending = new AtomicInteger(records);
        }

        void recordDone() {
            if (pending.decrementAndGet() == 0) {
                // Once per message, not per record: the timer is the costliest thing on Kafka's I/O thread.
                sendLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                awaitingKafka.decrementAndGet();
                window.complete(inbound.ticket());
            }
        }
    }

    private final class Callback implements MqttCallback {

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            received.increment();
            if (message.isDuplicate()) {
                redelivered.increment();
            }
            InFlightWindow.Ticket ticket = window.register(message.getId(), message.getQos());
            Inbound inbound = new Inbound(topic, message, ticket, Instant.now());
            BlockingQueue<Inbound> queue = workers[WorkerShards.of(topic, workers.length)].queue;
            try {
                // Blocks only when a worker is behind by more than the receive maximum, which
                // the broker does not allow for QoS 1; QoS 0 floods are slowed down at TCP level.
                while (!queue.offer(inbound, 100, TimeUnit.MILLISECONDS)) {
                    if (isStopping()) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            connected = false;
            window.connectionLost();
            if (!isStopping()) {
                LOG.warn("MQTT bridge {} lost its connection ({}); {} message(s) in flight will be redelivered, "
                        + "reconnecting", clientId, response, window.size());
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
            while (!Thread.currentThread().isInterrupted() && !isStopping()) {
                Inbound inbound;
                try {
                    inbound = queue.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (inbound == null) {
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
            deadLetter(inbound, null, "no route matches topic " + topic + " (routes: "
                    + router.routes().stream().map(r -> r.name() + "=" + r.pattern()).collect(Collectors.joining(", "))
                    + ")");
            return;
        }
        Route route = match.route();
        DecodeContext context;
        try {
            context = match.context(inbound.receivedAt());
        } catch (UnroutableMessageException e) {
            deadLetter(inbound, route, e.getMessage());
            return;
        }
        DecodeResult result = switch (route.format()) {
            case JSON -> jsonDecoder.decode(payload, context);
            case SPARKPLUG_B -> decodeSparkplug(topic, payload, context, sparkplugSessions);
        };
        if (result instanceof DecodeResult.Failed failed) {
            deadLetter(inbound, route, failed.reason());
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
        // One headers object for all the message's records: they carry the same headers, nothing
        // adds to them (the serializer writes the schema id into the value), and the producer only
        // marks them read-only.
        RecordHeaders recordHeaders = new RecordHeaders(headers(inbound, route.name()));
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(readings.size());
        for (Reading reading : readings) {
            byte[] value = serialize(kafkaTopic, recordHeaders, reading);
            if (value == null) {
                return;
            }
            records.add(new ProducerRecord<>(kafkaTopic, null, reading.getEventTime().toEpochMilli(),
                    reading.getDeviceId().getBytes(StandardCharsets.UTF_8), value, recordHeaders));
        }
        Delivery delivery = new Delivery(inbound, records.size());
        awaitingKafka.incrementAndGet();
        Counter written = readingCounters.computeIfAbsent(route.name(), name -> register(Counter.builder(
                "fieldline.mqtt.readings.written").tags(tags.and("route", name))
                .description("Readings Kafka acknowledged").register(registry)));
        for (ProducerRecord<byte[], byte[]> record : records) {
            send(record, delivery, written, route, 0);
        }
    }

    private DecodeResult decodeSparkplug(String topic, byte[] payload, DecodeContext context,
            SparkplugSessions sparkplugSessions) {
        SparkplugDecoding decoding = sparkplugDecoder.decode(topic, payload,
                SparkplugTopic.parse(topic).map(sparkplugSessions::birthFor).orElse(null), context);
        SparkplugStateChange change = decoding.change();
        sparkplugSessions.apply(change);
        rebirthRequests.afterDecode(topic, sparkplugSessions);
        switch (change.kind()) {
            case STORE -> births.increment();
            case FORGET_NODE, FORGET_DEVICE -> {
                deaths.increment();
                LOG.info("Sparkplug {} {} is offline (death certificate on {})",
                        change.kind() == SparkplugStateChange.Kind.FORGET_NODE ? "edge node" : "device", change.key(), topic);
            }
            default -> {
            }
        }
        return decoding.result();
    }

    /** The serialized reading, or null when the bridge failed trying (the message is then left unacknowledged). */
    private byte[] serialize(String topic, RecordHeaders headers, Reading reading) {
        int maxRetries = config.getInt(MqttBridgeConfig.KAFKA_SEND_RETRIES);
        for (int attempt = 0; ; attempt++) {
            try {
                return serializer.serialize(topic, headers, reading);
            } catch (RuntimeException e) {
                // Readings come out of the decoders valid for the schema, so what fails here is the
                // schema registry (registration, lookup): transient, and it blocks the whole stream.
                if (attempt >= maxRetries || isStopping()) {
                    fail(new MqttBridgeException("cannot serialize readings for " + topic + " after " + (attempt + 1)
                            + " attempt(s): " + e.getMessage(), e));
                    return null;
                }
                long delay = backoff(attempt);
                LOG.warn("MQTT bridge {} cannot serialize a reading for {} ({}); retrying in {} ms", clientId, topic,
                        e.toString(), delay);
                sendRetries.increment();
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }
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
        return MqttHeaders.of(inbound.topic(), message.getQos(), message.isRetained(), message.isDuplicate(), route,
                clientId, contentType, userProperties);
    }

    private void deadLetter(Inbound inbound, Route route, String reason) {
        LOG.debug("Dead-lettering MQTT message on {}: {}", inbound.topic(), reason);
        byte[] payload = inbound.message().getPayload();
        ProducerRecord<byte[], byte[]> record = deadLetterRecord(inbound, route, reason, payload);
        String routeTag = route == null ? "none" : route.name();
        Counter counter = deadLetterCounters.computeIfAbsent(routeTag, name -> register(Counter.builder(
                "fieldline.mqtt.deadletters").tags(tags.and("route", name))
                .description("MQTT messages written to the dead-letter topic").register(registry)));
        Delivery delivery = new Delivery(inbound, 1);
        awaitingKafka.incrementAndGet();
        send(record, delivery, counter, route, 0);
    }

    private ProducerRecord<byte[], byte[]> deadLetterRecord(Inbound inbound, Route route, String reason, byte[] payload) {
        RecordHeaders headers = new RecordHeaders(headers(inbound, route == null ? null : route.name()));
        return DeadLetterRecords.builder(topicNames, STAGE)
                .key(inbound.topic().getBytes(StandardCharsets.UTF_8))
                .value(payload)
                .headers(headers)
                .reason(reason, null)
                .source(inbound.topic())
                .build();
    }

    private void send(ProducerRecord<byte[], byte[]> record, Delivery delivery, Counter written, Route route, int attempt) {
        if (isStopping() && state.get() != State.CLOSING) {
            return;
        }
        try {
            producer.send(record, (metadata, exception) -> onSent(record, delivery, written, route, attempt, exception));
        } catch (KafkaException e) {
            onSent(record, delivery, written, route, attempt, e);
        } catch (RuntimeException e) {
            // IllegalStateException from a producer closed under us: the bridge is going down.
            if (!isStopping()) {
                fail(new MqttBridgeException("Kafka producer refused a record: " + e.getMessage(), e));
            }
        }
    }

    private void onSent(ProducerRecord<byte[], byte[]> record, Delivery delivery, Counter written, Route route,
            int attempt, Exception exception) {
        if (exception == null) {
            written.increment();
            delivery.recordDone();
            return;
        }
        State current = state.get();
        if (current == State.FAILED || current == State.CLOSED) {
            return;
        }
        boolean deadLetter = record.topic().equals(topicNames.deadLetters(STAGE));
        if (exception instanceof RecordTooLargeException) {
            if (deadLetter) {
                if (record.value() != null && record.value().length > DEAD_LETTER_PAYLOAD_LIMIT) {
                    // Keep the evidence that fits: the start of the payload and a header saying so.
                    byte[] cut = java.util.Arrays.copyOf(record.value(), DEAD_LETTER_PAYLOAD_LIMIT);
                    RecordHeaders headers = new RecordHeaders(record.headers().toArray());
                    headers.add(MqttHeaders.header("fieldline.mqtt.payload.truncated", Integer.toString(record.value().length)));
                    send(new ProducerRecord<>(record.topic(), null, null, record.key(), cut, headers), delivery, written,
                            route, attempt + 1);
                    return;
                }
            } else {
                // A reading too large for the topic: the message as a whole is bad input.
                deadLetterAfterFailedReading(delivery, route, "reading too large for Kafka topic " + record.topic()
                        + ": " + exception.getMessage());
                return;
            }
        }
        int maxRetries = config.getInt(MqttBridgeConfig.KAFKA_SEND_RETRIES);
        if (exception instanceof RetriableException && attempt < maxRetries && !retries.isShutdown()) {
            long delay = backoff(attempt);
            sendRetries.increment();
            LOG.warn("MQTT bridge {}: Kafka did not take a record for {} ({}); sending it again in {} ms (retry {} of {})",
                    clientId, record.topic(), exception.toString(), delay, attempt + 1, maxRetries);
            try {
                retries.schedule(() -> send(record, delivery, written, route, attempt + 1), delay, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("retry not scheduled: bridge stopping");
            }
            return;
        }
        fail(new MqttBridgeException("Kafka did not take a record for " + record.topic() + " after " + (attempt + 1)
                + " attempt(s): " + exception.getMessage(), exception));
    }

    private void deadLetterAfterFailedReading(Delivery delivery, Route route, String reason) {
        // The other records of the message may be in Kafka already; the dead letter completes it.
        Inbound inbound = delivery.inbound;
        ProducerRecord<byte[], byte[]> record = deadLetterRecord(inbound, route, reason, inbound.message().getPayload());
        Counter counter = deadLetterCounters.computeIfAbsent(route == null ? "none" : route.name(), name -> register(
                Counter.builder("fieldline.mqtt.deadletters").tags(tags.and("route", name))
                        .description("MQTT messages written to the dead-letter topic").register(registry)));
        send(record, delivery, counter, route, 0);
    }

    private long backoff(int attempt) {
        long base = config.getLong(MqttBridgeConfig.KAFKA_RETRY_BACKOFF_MS);
        long max = config.getLong(MqttBridgeConfig.KAFKA_RETRY_BACKOFF_MAX_MS);
        long delay = Math.min(max, base << Math.min(attempt, 20));
        return delay <= 1 ? delay : delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    }

    private void fail(Throwable cause) {
        if (!state.compareAndSet(State.RUNNING, State.FAILED) && !state.compareAndSet(State.CLOSING, State.FAILED)) {
            return;
        }
        LOG.error("MQTT bridge {} is stopping: {}. Messages not acknowledged stay with the broker for redelivery.",
                clientId, cause.getMessage(), cause);
        window.freeze();
        // Not on the caller's thread: it may be the producer's I/O thread, which cannot close the producer.
        Thread stopper = new Thread(() -> {
            shutdown(false, Duration.ZERO);
            failure.completeExceptionally(cause);
        }, "fieldline-mqtt-stop-" + clientId);
        stopper.setDaemon(true);
        stopper.start();
    }

    /**
     * Completes exceptionally when the bridge stopped by itself (Kafka unreachable beyond the
     * retries, schema registry down); completes normally on {@link #close()}.
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
        return new Stats(state.get(), connected, (long) received.count(), window.acknowledged(), (long) redelivered.count(),
                (long) readingCounters.values().stream().mapToDouble(Counter::count).sum(),
                (long) deadLetterCounters.values().stream().mapToDouble(Counter::count).sum(), window.size());
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
    public record Stats(State state, boolean connected, long received, long acknowledged, long redelivered, long readings,
            long deadLetters, int inFlight) {
    }

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
        if (current != State.RUNNING || !state.compareAndSet(State.RUNNING, State.CLOSING)) {
            return;
        }
        Duration timeout = Duration.ofMillis(config.getLong(MqttBridgeConfig.SHUTDOWN_TIMEOUT_MS));
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
                joinQuietly(thread, clean ? Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) + 1000
                        : 5000);
            }
        }
        if (clean && producer != null) {
            // Give Kafka the records already sent, so their messages can still be acknowledged.
            // Not producer.flush(): it has no timeout and would wait out an unreachable Kafka.
            while (awaitingKafka.get() > 0 && System.nanoTime() < deadline) {
                sleepQuietly(10);
            }
            if (awaitingKafka.get() > 0) {
                LOG.warn("MQTT bridge {}: {} message(s) still waiting for Kafka at shutdown; the broker will redeliver them",
                        clientId, awaitingKafka.get());
            }
        }
        window.freeze();
        if (retries != null) {
            retries.shutdownNow();
        }
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
        if (producer != null) {
            producer.close(clean ? timeout : Duration.ZERO);
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
