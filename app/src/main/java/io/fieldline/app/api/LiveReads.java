package io.fieldline.app.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fieldline.sink.RedisKeys;
import io.fieldline.sink.SinkConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live values the Redis sink keeps (docs/storage.md, "Redis keys"): each device's latest values, each room's
 * KPIs, the active alerts. Every read is bounded by {@code api.redis.timeout.ms}; one that fails marks Redis
 * unavailable for {@code api.redis.retry.ms}, during which reads answer empty at once and the caller reads
 * PostgreSQL instead. {@link #degraded()} says whether the last attempt failed.
 *
 * <p>A value Redis holds but that is not what the sink writes (not JSON, a field of the wrong type, a key of the
 * wrong type) is not an outage: it is left out of the answer, logged and counted ({@code
 * fieldline.api.live.unreadable}), and Redis keeps answering the rest.
 */
final class LiveReads implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveReads.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** At most one WARN a minute about unreadable values; the others at DEBUG, all counted. */
    private static final long UNREADABLE_WARN_EVERY_NANOS =
            Duration.ofMinutes(1).toNanos();

    static final String KIND_LATEST = "latest";
    static final String KIND_KPI = "kpi";
    static final String KIND_ALERT = "alert";

    private final SinkConfig sink;
    private final RedisKeys keys;
    private final Duration timeout;
    private final Duration retry;
    private final Map<String, Counter> unreadable = new LinkedHashMap<>();
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    /** System.nanoTime() until which Redis is not tried; nanoTime has an arbitrary origin, so it starts at now. */
    private volatile long unavailableUntil = System.nanoTime();

    private volatile boolean lastFailed;
    private volatile String lastError = "";
    private final java.util.concurrent.atomic.AtomicLong lastUnreadableWarning =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - UNREADABLE_WARN_EVERY_NANOS);
    private final java.util.concurrent.atomic.AtomicBoolean probing = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.ExecutorService prober =
            java.util.concurrent.Executors.newSingleThreadExecutor(runnable -> {
                Thread thread = new Thread(runnable, "fieldline-api-redis-probe");
                thread.setDaemon(true);
                return thread;
            });

    LiveReads(SinkConfig sink, Duration timeout, Duration retry, MeterRegistry meters) {
        this.sink = sink;
        this.keys = sink.redisKeys();
        this.timeout = timeout;
        this.retry = retry;
        for (String kind : List.of(KIND_LATEST, KIND_KPI, KIND_ALERT)) {
            unreadable.put(
                    kind,
                    Counter.builder(ApiServer.METER_UNREADABLE)
                            .description("Values in Redis the API could not read (not the sink's encoding) and left "
                                    + "out of an answer")
                            .tag("kind", kind)
                            .register(meters));
        }
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
                    attempt(redis -> redis.sync().ping());
                } finally {
                    probing.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            probing.set(false);
        }
    }

    /**
     * The latest values of each given device, sensor by sensor, in one pipelined round trip: for each device in the
     * order given, its readable values sorted by sensor, or an empty list when Redis has no readable value of it
     * (no key, a key of the wrong type, nothing but unreadable fields). Empty when Redis cannot answer.
     */
    Optional<Map<String, List<Map<String, Object>>>> latest(List<String> deviceIds) {
        return attempt(redis -> {
            RedisAsyncCommands<String, String> async = redis.async();
            List<RedisFuture<Map<String, String>>> replies = new ArrayList<>(deviceIds.size());
            for (String device : deviceIds) {
                replies.add(async.hgetall(keys.deviceLatest(device)));
            }
            long deadline = deadline();
            Map<String, List<Map<String, Object>>> byDevice = new LinkedHashMap<>();
            for (int i = 0; i < deviceIds.size(); i++) {
                String device = deviceIds.get(i);
                String key = keys.deviceLatest(device);
                Map<String, String> hash = hash(replies.get(i), deadline, key, KIND_LATEST);
                List<Map<String, Object>> items = new ArrayList<>();
                if (hash != null) {
                    sorted(hash).forEach((sensor, json) -> {
                        JsonNode value = readable(json, key, sensor, KIND_LATEST, "time");
                        if (value == null) {
                            return;
                        }
                        Map<String, Object> item = new LinkedHashMap<>();
                        item.put("deviceId", device);
                        item.put("sensor", sensor);
                        item.put("time", instant(value.get("time")));
                        item.put("value", number(value.get("value")));
                        item.put("unit", text(value.get("unit")));
                        item.put("quality", text(value.get("quality")));
                        items.add(item);
                    });
                }
                byDevice.put(device, items);
            }
            return byDevice;
        });
    }

    /** The devices the Redis sink has seen in a room (unsorted). Empty when Redis cannot answer. */
    Optional<Set<String>> roomDevices(String room) {
        return attempt(redis -> members(redis, keys.roomDevices(room), KIND_LATEST));
    }

    /**
     * The newest window of each KPI of a room, sorted by name; an empty list when Redis has no readable KPI of the
     * room. Empty when Redis cannot answer.
     */
    Optional<List<Map<String, Object>>> roomKpis(String room) {
        return attempt(redis -> {
            String key = keys.roomKpis(room);
            Map<String, String> hash = hash(redis.async().hgetall(key), deadline(), key, KIND_KPI);
            List<Map<String, Object>> items = new ArrayList<>();
            if (hash != null) {
                sorted(hash).forEach((name, json) -> {
                    JsonNode value = readable(json, key, name, KIND_KPI, "windowEnd");
                    if (value == null) {
                        return;
                    }
                    Map<String, Object> item = new LinkedHashMap<>();
                    item.put("name", name);
                    item.put("value", number(value.get("value")));
                    item.put("unit", text(value.get("unit")));
                    item.put("windowStart", instant(value.get("windowStart")));
                    item.put("windowEnd", instant(value.get("windowEnd")));
                    items.add(item);
                });
            }
            return items;
        });
    }

    /** The ids of the active alerts, of a room or else a facility when given (unsorted). Empty when Redis cannot answer. */
    Optional<Set<String>> activeAlertIds(String facility, String room) {
        return attempt(redis -> members(
                redis,
                room != null
                        ? keys.roomAlertsActive(room)
                        : facility != null ? keys.siteAlertsActive(facility) : keys.alertsActive(),
                KIND_ALERT));
    }

    /**
     * The details of the given active alerts, in the order given; an id without readable details (cleared since its
     * id was read, or unreadable) is left out. Empty when Redis cannot answer.
     */
    Optional<List<Map<String, Object>>> alertDetails(List<String> ids) {
        return attempt(redis -> {
            List<Map<String, Object>> items = new ArrayList<>();
            if (ids.isEmpty()) {
                return items;
            }
            String key = keys.alertDetails();
            List<KeyValue<String, String>> values;
            try {
                values = await(redis.async().hmget(key, ids.toArray(String[]::new)), deadline());
            } catch (RedisCommandExecutionException e) {
                if (!wrongType(e)) {
                    throw e;
                }
                unreadable(KIND_ALERT, key, null, "a key of another type than hash");
                return items;
            }
            for (KeyValue<String, String> entry : values) {
                if (!entry.hasValue()) {
                    continue;
                }
                JsonNode a = readable(entry.getValue(), key, entry.getKey(), KIND_ALERT, null);
                if (a == null || !a.path("alertId").isTextual()) {
                    if (a != null) {
                        unreadable(KIND_ALERT, key, entry.getKey(), "no alertId");
                    }
                    continue;
                }
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
                items.add(item);
            }
            return items;
        });
    }

    /** A set's members; none when the key holds another type (counted as unreadable, not an outage). */
    private Set<String> members(StatefulRedisConnection<String, String> redis, String key, String kind) {
        try {
            return await(redis.async().smembers(key), deadline());
        } catch (RedisCommandExecutionException e) {
            if (!wrongType(e)) {
                throw e;
            }
            unreadable(kind, key, null, "a key of another type than set");
            return Set.of();
        }
    }

    /** A hash, or null when the key holds another type (counted as unreadable, not an outage). */
    private Map<String, String> hash(RedisFuture<Map<String, String>> reply, long deadline, String key, String kind) {
        try {
            return await(reply, deadline);
        } catch (RedisCommandExecutionException e) {
            if (!wrongType(e)) {
                throw e;
            }
            unreadable(kind, key, null, "a key of another type than hash");
            return null;
        }
    }

    private static Map<String, String> sorted(Map<String, String> hash) {
        Map<String, String> sorted = new TreeMap<>(LiveValues.CODE_POINT_ORDER);
        sorted.putAll(hash);
        return sorted;
    }

    private long deadline() {
        return System.nanoTime() + timeout.toNanos();
    }

    /**
     * A reply by the deadline. A Redis error reply is rethrown as is (the caller decides whether it is about one key);
     * no reply in time is a timeout, which makes Redis unavailable.
     */
    private <T> T await(RedisFuture<T> future, long deadline) {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisException("interrupted while waiting for Redis", e);
        } catch (TimeoutException e) {
            future.cancel(false);
            throw new RedisCommandTimeoutException("Redis did not answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw cause instanceof RuntimeException runtime ? runtime : new RedisException(cause);
        }
    }

    private static boolean wrongType(RedisCommandExecutionException e) {
        return e.getMessage() != null && e.getMessage().startsWith("WRONGTYPE");
    }

    /**
     * The JSON object of one hash field, or null (counted and logged) when it is not what the sink writes: a JSON
     * object whose {@code value}, if present, is a number or null and whose {@code timeField}, when named, is epoch
     * milliseconds.
     */
    private JsonNode readable(String json, String key, String field, String kind, String timeField) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            unreadable(kind, key, field, "not JSON");
            return null;
        }
        if (node == null || !node.isObject()) {
            unreadable(kind, key, field, "not a JSON object");
            return null;
        }
        JsonNode value = node.get("value");
        if (value != null && !value.isNull() && !value.isNumber()) {
            unreadable(kind, key, field, "value is not a number");
            return null;
        }
        if (timeField != null && !node.path(timeField).isIntegralNumber()) {
            unreadable(kind, key, field, timeField + " is not epoch milliseconds");
            return null;
        }
        return node;
    }

    private void unreadable(String kind, String key, String field, String why) {
        unreadable.get(kind).increment();
        long now = System.nanoTime();
        long last = lastUnreadableWarning.get();
        if (now - last >= UNREADABLE_WARN_EVERY_NANOS && lastUnreadableWarning.compareAndSet(last, now)) {
            LOG.warn(
                    "Unreadable value in Redis at {}{} ({}): left out of the answer; further ones this minute at DEBUG",
                    key,
                    field == null ? "" : " field " + field,
                    why);
        } else {
            LOG.debug("Unreadable value in Redis at {}{} ({})", key, field == null ? "" : " field " + field, why);
        }
    }

    private <T> Optional<T> attempt(Function<StatefulRedisConnection<String, String>, T> read) {
        if (System.nanoTime() - unavailableUntil < 0) {
            return Optional.empty();
        }
        try {
            T result = read.apply(connection());
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
