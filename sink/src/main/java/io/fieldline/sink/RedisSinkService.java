package io.fieldline.sink;

import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AnomalyScore;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.sink.internal.redis.RedisConnector;
import io.fieldline.sink.internal.redis.RedisPlans;
import io.fieldline.sink.internal.redis.RedisStreamWriter;
import io.fieldline.sink.internal.worker.DeadLetterPublisher;
import io.fieldline.sink.internal.worker.KafkaClients;
import io.fieldline.sink.internal.worker.SinkDecoders;
import io.fieldline.sink.internal.worker.SinkMetrics;
import io.fieldline.sink.internal.worker.SinkWorker;
import io.fieldline.sink.internal.worker.WorkerGroup;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis sink: live state for dashboards (latest value per series, live KPIs per room, active alerts,
 * anomaly flags), in its own consumer groups so that a Redis outage never holds back PostgreSQL. While
 * Redis is down its workers pause and retry; when it returns they catch up from their committed offsets.
 * Key patterns and expiries: {@link RedisKeys}, docs/storage.md.
 */
public final class RedisSinkService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSinkService.class);
    /** Name of this sink in metrics tags, consumer group ids and summaries. */
    public static final String SINK = "redis";
    /** Most keys a summary scans; beyond, the counts are partial. */
    private static final int SUMMARY_SCAN_LIMIT = 200_000;

    private final SinkConfig config;
    private final SchemaRegistryClient registry;
    private final MeterRegistry meters;
    private final Clock clock;
    private final WorkerGroup workers = new WorkerGroup();
    private final List<RedisConnector> connectors = new ArrayList<>();
    private RedisClient client;
    private KafkaProducer<byte[], byte[]> deadLetterProducer;
    private boolean started;
    private boolean closed;

    public RedisSinkService(SinkConfig config, SchemaRegistryClient registry, MeterRegistry meters) {
        this(config, registry, meters, Clock.systemUTC());
    }

    /** @param clock decides which anomaly flags have expired already */
    public RedisSinkService(SinkConfig config, SchemaRegistryClient registry, MeterRegistry meters, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.meters = Objects.requireNonNull(meters, "meters");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Starts the workers; Redis need not be up (they connect when it is). */
    public synchronized void start() {
        if (started) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("closed");
        }
        started = true;
        Duration timeout = Duration.ofMillis(config.getLong(SinkConfig.REDIS_COMMAND_TIMEOUT_MS));
        client = RedisClient.create(config.redisUri());
        ClientOptions.Builder options = ClientOptions.builder();
        config.redisSslOptions().ifPresent(options::sslOptions);
        client.setOptions(options.autoReconnect(true)
                // fail a batch at once while disconnected rather than queue it: the worker backs off and retries
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        if (!config.getBoolean(SinkConfig.REDIS_ENABLED)) {
            LOG.info("Redis sink disabled");
            return;
        }
        deadLetterProducer = KafkaClients.deadLetterProducer(config, SINK);
        DeadLetterPublisher deadLetters = new DeadLetterPublisher(
                deadLetterProducer, config.getString(SinkConfig.TOPIC_DEADLETTER), clock, Duration.ofSeconds(30));
        RedisKeys keys = config.redisKeys();
        for (SinkStream stream : config.redisStreams()) {
            SinkMetrics metrics = new SinkMetrics(meters, SINK, stream.configName());
            RedisConnector connector = new RedisConnector(client, timeout);
            connectors.add(connector);
            String name = SINK + "-" + stream.configName();
            SinkWorker<?> worker = switch (stream) {
                case MEASUREMENTS ->
                    worker(
                            name,
                            stream,
                            SinkDecoders.avro(Reading.class, registry),
                            new RedisStreamWriter<>(connector, RedisPlans.latest(keys), metrics),
                            deadLetters,
                            metrics);
                case KPIS ->
                    worker(
                            name,
                            stream,
                            SinkDecoders.avro(Kpi.class, registry),
                            new RedisStreamWriter<>(connector, RedisPlans.kpis(keys), metrics),
                            deadLetters,
                            metrics);
                case ALERTS ->
                    worker(
                            name,
                            stream,
                            SinkDecoders.avro(Alert.class, registry),
                            new RedisStreamWriter<>(connector, RedisPlans.alerts(keys), metrics),
                            deadLetters,
                            metrics);
                case ANOMALIES ->
                    worker(
                            name,
                            stream,
                            SinkDecoders.avro(AnomalyScore.class, registry),
                            new RedisStreamWriter<>(connector, RedisPlans.anomalies(keys, clock), metrics),
                            deadLetters,
                            metrics);
                case AGGREGATES -> throw new IllegalStateException("the Redis sink keeps no aggregates");
            };
            workers.add(stream, worker, metrics);
        }
        workers.start();
        LOG.info("Redis sink started: streams {}, key prefix {}", config.redisStreams(), keys.prefix());
    }

    private <V> SinkWorker<V> worker(
            String name,
            SinkStream stream,
            SinkWorker.Decoder<V> decoder,
            RedisStreamWriter<V> writer,
            DeadLetterPublisher deadLetters,
            SinkMetrics metrics) {
        return new SinkWorker<>(
                name,
                KafkaClients.consumer(config, SINK, stream),
                config.topics(stream),
                decoder,
                writer,
                deadLetters,
                config.batchSize(),
                config.batchLinger(),
                config.retryPolicy(),
                config.writeTimeout(),
                metrics);
    }

    /** State of each stream's worker. */
    public Map<SinkStream, WorkerState> workerStates() {
        return workers.states();
    }

    /**
     * Entries written since start per kind, and the keys Redis holds per kind (scanned, up to 200,000 keys),
     * plus the number of active alerts and flagged series.
     */
    public SinkSummary summary() {
        RedisClient c;
        synchronized (this) {
            if (!started) {
                throw new IllegalStateException("not started");
            }
            c = client;
        }
        Map<String, Long> stored = new TreeMap<>();
        RedisKeys keys = config.redisKeys();
        try (StatefulRedisConnection<String, String> connection = c.connect()) {
            RedisCommands<String, String> redis = connection.sync();
            ScanCursor cursor = ScanCursor.INITIAL;
            ScanArgs args = ScanArgs.Builder.matches(keys.prefix() + ":*").limit(1000);
            int seen = 0;
            do {
                KeyScanCursor<String> page = redis.scan(cursor, args);
                for (String key : page.getKeys()) {
                    stored.merge(kind(keys.prefix(), key), 1L, Long::sum);
                }
                seen += page.getKeys().size();
                cursor = page;
            } while (!cursor.isFinished() && seen < SUMMARY_SCAN_LIMIT);
            stored.put("active alerts", redis.scard(keys.alertsActive()));
            stored.put("flagged series", redis.zcard(keys.anomaliesFlagged()));
        } catch (RuntimeException e) {
            LOG.warn("Cannot count Redis keys for the summary: {}", e.getMessage());
        }
        return new SinkSummary(
                SINK,
                workers.written(),
                stored,
                workers.recordsConsumed(),
                workers.deadLetters(),
                workers.retries(),
                workers.states());
    }

    /** The key pattern a key belongs to, with variable segments as {braces}. */
    static String kind(String prefix, String key) {
        String rest = key.substring(prefix.length() + 1);
        if (rest.startsWith("device:") && rest.endsWith(":latest")) {
            return "device:{id}:latest";
        }
        if (rest.startsWith("device:") && rest.contains(":anomaly:")) {
            return "device:{id}:anomaly:{sensor}";
        }
        if (rest.startsWith("room:") && rest.endsWith(":kpis")) {
            return "room:{room}:kpis";
        }
        if (rest.startsWith("room:") && rest.endsWith(":alerts:active")) {
            return "room:{room}:alerts:active";
        }
        if (rest.startsWith("room:") && rest.endsWith(":devices")) {
            return "room:{room}:devices";
        }
        if (rest.startsWith("site:")) {
            return "site:{site}:" + rest.substring(rest.indexOf(':', "site:".length()) + 1);
        }
        return rest;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        workers.close(Duration.ofSeconds(30));
        connectors.forEach(RedisConnector::close);
        if (deadLetterProducer != null) {
            deadLetterProducer.close(Duration.ofSeconds(5));
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        LOG.info("Redis sink stopped");
    }
}
