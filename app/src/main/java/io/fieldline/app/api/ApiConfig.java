package io.fieldline.app.api;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Settings of the HTTP API component ({@code fieldline run api}): where it listens, how much a request may carry,
 * page sizes, idempotency, the ingest producer and how it falls back from Redis to PostgreSQL. The database is the
 * one of {@code sink.postgres.*}, Redis the one of {@code sink.redis.*}, Kafka the shared {@code kafka.*} block.
 */
public final class ApiConfig extends AbstractConfig {

    public static final String PORT = "api.port";
    public static final String BIND_ADDRESS = "api.bind.address";
    public static final String THREADS = "api.threads";
    public static final String READ_THREADS = "api.read.threads";
    public static final String QUEUE_SIZE = "api.queue.size";
    public static final String REQUEST_TIMEOUT_MS = "api.request.timeout.ms";
    public static final String RESPONSE_TIMEOUT_MS = "api.response.timeout.ms";
    public static final String STOP_DRAIN_MS = "api.stop.drain.ms";
    public static final String MAX_BODY_BYTES = "api.max.body.bytes";
    public static final String MAX_READINGS = "api.max.readings";
    public static final String PAGE_DEFAULT = "api.page.default.limit";
    public static final String PAGE_MAX = "api.page.max.limit";
    public static final String IDEMPOTENCY_TTL_MS = "api.idempotency.ttl.ms";
    public static final String REDIS_TIMEOUT_MS = "api.redis.timeout.ms";
    public static final String REDIS_RETRY_MS = "api.redis.retry.ms";
    public static final String KAFKA_LINGER_MS = "api.kafka.linger.ms";
    public static final String KAFKA_DELIVERY_TIMEOUT_MS = "api.kafka.delivery.timeout.ms";
    public static final String DB_POOL_SIZE = "api.postgres.pool.size";
    public static final String STATEMENT_TIMEOUT_MS = "api.postgres.statement.timeout.ms";

    private static final ConfigDef DEF = new ConfigDef()
            .define(
                    PORT,
                    Type.INT,
                    8080,
                    Range.between(0, 65535),
                    Importance.HIGH,
                    "Port of the HTTP API (/api/v1/..., /openapi.json); 0 picks a free port (logged). fieldline up "
                            + "picks a free port unless this is set, and writes the URL to endpoints.env as API_URL.")
            .define(
                    BIND_ADDRESS,
                    Type.STRING,
                    "0.0.0.0",
                    new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "Address the HTTP API listens on. fieldline up uses 127.0.0.1 unless this is set.")
            .define(
                    THREADS,
                    Type.INT,
                    8,
                    Range.between(1, 256),
                    Importance.LOW,
                    "Threads handling requests once they are read (token check, database reads, publishing to "
                            + "Kafka); a POST waiting for Kafka's acknowledgement holds none. With api.queue.size "
                            + "requests waiting for them, a further request is answered 503 with Retry-After.")
            .define(
                    READ_THREADS,
                    Type.INT,
                    32,
                    Range.between(1, 1_024),
                    Importance.LOW,
                    "Threads reading requests off the connections (request line, headers, body) before a request "
                            + "thread handles them, each for at most api.request.timeout.ms. When all are reading "
                            + "and api.queue.size connections wait for one, a further connection is closed "
                            + "unanswered.")
            .define(
                    QUEUE_SIZE,
                    Type.INT,
                    64,
                    Range.between(0, 10_000),
                    Importance.LOW,
                    "Requests that may wait for a request thread (api.threads) once read; beyond, a request is "
                            + "answered 503 (problem type overloaded) with Retry-After, and the api component reports "
                            + "DEGRADED for 10 s. Also how many connections may wait for a reading thread "
                            + "(api.read.threads).")
            .define(
                    REQUEST_TIMEOUT_MS,
                    Type.LONG,
                    10_000L,
                    Range.between(100, 600_000),
                    Importance.LOW,
                    "Longest a client may take to send a whole request (request line, headers and body) once "
                            + "its first byte arrived; a slower connection is closed unanswered, so that stalled or "
                            + "slow clients cannot hold the threads that read requests.")
            .define(
                    RESPONSE_TIMEOUT_MS,
                    Type.LONG,
                    10_000L,
                    Range.between(100, 600_000),
                    Importance.LOW,
                    "Longest writing an answer to a client may take (a client that does not read it holds a "
                            + "thread meanwhile); past it the connection is closed. Waiting for Kafka's "
                            + "acknowledgement is not writing: that is bounded by api.kafka.delivery.timeout.ms.")
            .define(
                    STOP_DRAIN_MS,
                    Type.LONG,
                    10_000L,
                    Range.between(0, 600_000),
                    Importance.LOW,
                    "On stop, how long the API waits for requests in progress (POSTs waiting for Kafka's "
                            + "acknowledgement) to be answered after it stopped accepting connections. A POST still "
                            + "unanswered then is cut, and its idempotency claim is kept until it lapses, since Kafka "
                            + "may still take its readings. Keep it below shutdown.timeout.ms.")
            .define(
                    MAX_BODY_BYTES,
                    Type.INT,
                    1_048_576,
                    Range.between(1_024, 64 * 1_048_576),
                    Importance.MEDIUM,
                    "Largest request body accepted; a larger one is refused with 413 before it is read whole.")
            .define(
                    MAX_READINGS,
                    Type.INT,
                    1_000,
                    Range.between(1, 100_000),
                    Importance.MEDIUM,
                    "Most readings one POST /api/v1/measurements may carry; more is refused with 413.")
            .define(
                    PAGE_DEFAULT,
                    Type.INT,
                    100,
                    Range.between(1, 100_000),
                    Importance.LOW,
                    "Items of a list when the request gives no limit parameter.")
            .define(
                    PAGE_MAX,
                    Type.INT,
                    1_000,
                    Range.between(1, 100_000),
                    Importance.MEDIUM,
                    "Largest limit parameter a list accepts; a larger one is refused with 400.")
            .define(
                    IDEMPOTENCY_TTL_MS,
                    Type.LONG,
                    86_400_000L,
                    Range.atLeast(1_000),
                    Importance.LOW,
                    "How long the response to a POST with an Idempotency-Key is kept (in PostgreSQL, so any API "
                            + "instance answers a retry with it); a retry after that is processed again.")
            .define(
                    REDIS_TIMEOUT_MS,
                    Type.LONG,
                    500L,
                    Range.atLeast(10),
                    Importance.LOW,
                    "How long a read of the live values, KPIs or active alerts waits for Redis before it is answered "
                            + "from PostgreSQL instead.")
            .define(
                    REDIS_RETRY_MS,
                    Type.LONG,
                    5_000L,
                    Range.atLeast(0),
                    Importance.LOW,
                    "After Redis failed a read, how long reads go to PostgreSQL without trying Redis (the API is "
                            + "DEGRADED meanwhile).")
            .define(
                    KAFKA_LINGER_MS,
                    Type.INT,
                    5,
                    Range.between(0, 10_000),
                    Importance.LOW,
                    "Producer linger.ms of the ingest publisher (sets linger.ms for the API; a kafka.producer."
                            + "linger.ms beside it is refused).")
            .define(
                    KAFKA_DELIVERY_TIMEOUT_MS,
                    Type.INT,
                    30_000,
                    Range.atLeast(1_000),
                    Importance.MEDIUM,
                    "How long the ingest publisher's producer retries a reading before it gives up; a POST waits "
                            + "for Kafka's acknowledgement at most this long (plus a few seconds) before it answers "
                            + "503.")
            .define(
                    DB_POOL_SIZE,
                    Type.INT,
                    4,
                    Range.between(1, 200),
                    Importance.LOW,
                    "PostgreSQL connections of the API (queries, tokens, idempotency keys).")
            .define(
                    STATEMENT_TIMEOUT_MS,
                    Type.LONG,
                    10_000L,
                    Range.atLeast(100),
                    Importance.LOW,
                    "statement_timeout of the API's queries: a slower one is cancelled and answered with 503.");

    public ApiConfig(Map<?, ?> originals) {
        super(DEF, originals, false);
    }

    public static ConfigDef configDef() {
        return DEF;
    }

    Duration duration(String key) {
        return Duration.ofMillis(getLong(key));
    }
}
