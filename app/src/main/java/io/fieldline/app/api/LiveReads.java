package io.fieldline.app.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fieldline.sink.RedisKeys;
import io.fieldline.sink.SinkConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live values the Redis sink keeps (docs/storage.md, "Redis keys"): each device's latest values, each room's
 * KPIs, the active alerts. Every read is bounded by {@code api.redis.timeout.ms}; one that fails marks Redis
 * unavailable for {@code api.redis.retry.ms}, during which reads answer empty at once and the caller reads
 * PostgreSQL instead. {@link #degraded()} says whether the last attempt failed.
 */
final class LiveReads implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveReads.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SinkConfig sink;
    private final RedisKeys keys;
    private final Duration timeout;
    private final Duration retry;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    /** System.nanoTime() until which Redis is not tried; nanoTime has an arbitrary origin, so it starts at now. */
    private volatile long unavailableUntil = System.nanoTime();

    private volatile boolean lastFailed;
    private volatile String lastError = "";
    private final java.util.concurrent.atomic.AtomicBoolean probing = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.ExecutorService prober =
            java.util.concurrent.Executors.newSingleThreadExecutor(runnable -> {
                Thread thread = new Thread(runnable, "fieldline-api-redis-probe");
                thread.setDaemon(true);
                return thread;
            });

    LiveReads(SinkConfig sink, Duration timeout, Duration retry) {
        this.sink = sink;
        this.keys = sink.redisKeys();
        this.timeout = timeout;
        this.retry = retry;
    }

    /** Whether the last attempt to read Redis failed (reads go to PostgreSQL). */
    boolean degraded() {
        return lastFailed;
    }

    String lastError() {
        return lastError;
    }

    /**
     * While degraded and once the retry pause has passed, pings Redis in the background (at most one ping at a time),
     * so that the API reports UP again when Redis is back even if no request reads it. Returns at once.
     */
    void probeIfDue() {
        if (!lastFailed || System.nanoTime() - unavailableUntil < 0 || !probing.compareAndSet(false, true)) {
            return;
        }
        try {
            prober.execute(() -> {
                try {
                    attempt(RedisCommands::ping);
                } finally {
                    probing.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            probing.set(false);
        }
    }

    /** The device's latest value per sensor, or empty when Redis cannot answer. */
    Optional<List<Map<String, Object>>> deviceLatest(String deviceId) {
        return attempt(redis -> latestOf(redis, deviceId));
    }

    /** The latest values of every device of a room, or empty when Redis cannot answer. */
    Optional<List<Map<String, Object>>> roomLatest(String room) {
        return attempt(redis -> {
            List<Map<String, Object>> all = new ArrayList<>();
            for (String device : new TreeSet<>(redis.smembers(keys.roomDevices(room)))) {
                all.addAll(latestOf(redis, device));
            }
            return all;
        });
    }

    private List<Map<String, Object>> latestOf(RedisCommands<String, String> redis, String deviceId) {
        List<Map<String, Object>> items = new ArrayList<>();
        new TreeMap<>(redis.hgetall(keys.deviceLatest(deviceId))).forEach((sensor, json) -> {
            JsonNode value = parse(json);
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("deviceId", deviceId);
            item.put("sensor", sensor);
            item.put("time", instant(value.get("time")));
            item.put("value", number(value.get("value")));
            item.put("unit", text(value.get("unit")));
            item.put("quality", text(value.get("quality")));
            items.add(item);
        });
        return items;
    }

    /** The newest window of each KPI of a room, or empty when Redis cannot answer. */
    Optional<List<Map<String, Object>>> roomKpis(String room) {
        return attempt(redis -> {
            List<Map<String, Object>> items = new ArrayList<>();
            new TreeMap<>(redis.hgetall(keys.roomKpis(room))).forEach((name, json) -> {
                JsonNode value = parse(json);
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("name", name);
                item.put("value", number(value.get("value")));
                item.put("unit", text(value.get("unit")));
                item.put("windowStart", instant(value.get("windowStart")));
                item.put("windowEnd", instant(value.get("windowEnd")));
                items.add(item);
            });
            return items;
        });
    }

    /**
     * The active alerts, of a facility or a room when given, newest transition first; filtered further by the
     * given fields (JSON name to value). Empty when Redis cannot answer.
     */
    Optional<List<Map<String, Object>>> activeAlerts(String facility, String room, Map<String, String> fields) {
        return attempt(redis -> {
            Set<String> ids = room != null
                    ? redis.smembers(keys.roomAlertsActive(room))
                    : facility != null
                            ? redis.smembers(keys.siteAlertsActive(facility))
                            : redis.smembers(keys.alertsActive());
            List<Map<String, Object>> items = new ArrayList<>();
            if (ids.isEmpty()) {
                return items;
            }
            for (KeyValue<String, String> entry : redis.hmget(keys.alertDetails(), ids.toArray(String[]::new))) {
                if (!entry.hasValue()) {
                    continue;
                }
                JsonNode a = parse(entry.getValue());
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("alertId", text(a.get("alertId")));
                item.put("ruleId", text(a.get("ruleId")));
                item.put("kind", text(a.get("kind")));
                item.put("state", text(a.get("state")));
                item.put("severity", text(a.get("severity")));
                item.put("deviceId", text(a.get("deviceId")));
                item.put("sensor", text(a.get("sensor")));
                item.put("facilityId", text(a.get("site")));
                item.put("roomId", text(a.get("room")));
                item.put("direction", text(a.get("direction")));
                item.put("value", number(a.get("value")));
                item.put("threshold", number(a.get("threshold")));
                item.put("clearThreshold", number(a.get("clearThreshold")));
                item.put("since", instant(a.get("since")));
                item.put("time", instant(a.get("time")));
                item.put("message", text(a.get("message")));
                boolean keep = fields.entrySet().stream()
                        .allMatch(f -> f.getValue() == null || f.getValue().equals(item.get(f.getKey())));
                if (keep) {
                    items.add(item);
                }
            }
            items.sort(NEWEST_FIRST);
            return items;
        });
    }

    /**
     * Active alerts newest first by their time (as an instant, not as text: {@code Instant.toString} drops a zero
     * fraction, so the texts do not sort in time order), then by alert id; one without a time last.
     */
    static final Comparator<Map<String, Object>> NEWEST_FIRST = Comparator.comparingLong(
                    (Map<String, Object> item) -> item.get("time") == null
                            ? Long.MIN_VALUE
                            : Instant.parse(item.get("time").toString()).toEpochMilli())
            .reversed()
            .thenComparing(item -> String.valueOf(item.get("alertId")));

    private <T> Optional<T> attempt(Function<RedisCommands<String, String>, T> read) {
        if (System.nanoTime() - unavailableUntil < 0) {
            return Optional.empty();
        }
        try {
            T result = read.apply(connection().sync());
            if (lastFailed) {
                LOG.info("Redis answers again: live values are read from it");
            }
            lastFailed = false;
            return Optional.of(result);
        } catch (RuntimeException e) {
            if (!lastFailed) {
                LOG.warn(
                        "Redis did not answer ({}); live values are read from PostgreSQL for at least {} ms",
                        e.toString(),
                        retry.toMillis());
            }
            lastFailed = true;
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            unavailableUntil = System.nanoTime() + retry.toNanos();
            dropConnection();
            return Optional.empty();
        }
    }

    private synchronized StatefulRedisConnection<String, String> connection() {
        if (connection == null) {
            if (client == null) {
                RedisURI uri = sink.redisUri();
                uri.setTimeout(timeout);
                client = RedisClient.create(uri);
                ClientOptions.Builder options = ClientOptions.builder()
                        .socketOptions(
                                SocketOptions.builder().connectTimeout(timeout).build())
                        // A read while disconnected fails at once and goes to PostgreSQL, instead of waiting.
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
                sink.redisSslOptions().ifPresent(options::sslOptions);
                client.setOptions(options.build());
            }
            connection = client.connect();
            connection.setTimeout(timeout);
        }
        return connection;
    }

    private synchronized void dropConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (RuntimeException e) {
                LOG.debug("Closing the Redis connection failed", e);
            }
            connection = null;
        }
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("unreadable value in Redis: " + e.getOriginalMessage(), e);
        }
    }

    private static String instant(JsonNode millis) {
        return millis == null || !millis.isNumber()
                ? null
                : Instant.ofEpochMilli(millis.asLong()).toString();
    }

    private static Object number(JsonNode value) {
        return value == null || !value.isNumber() ? null : value.numberValue();
    }

    private static String text(JsonNode value) {
        return value == null || value.isNull() ? null : value.asText();
    }

    @Override
    public void close() {
        prober.shutdownNow();
        synchronized (this) {
            closeClient();
        }
    }

    private void closeClient() {
        dropConnection();
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
