package io.fieldline.sink;

import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.core.retry.RetryPolicy;
import io.fieldline.schemas.TopicNames;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidList;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Configuration of the PostgreSQL and Redis sinks: every key starts with {@code sink.}.
 *
 * <p>The sinks reach Kafka through the shared {@code kafka.*} block ({@link KafkaClientConfig}: bootstrap
 * servers, TLS, SASL, {@code kafka.consumer.*} for the consumers and {@code kafka.producer.*} for the
 * dead-letter producer). Invalid values fail at construction with a {@link ConfigException} naming the
 * key; the {@code kafka.*} keys when a sink first builds its clients (the migrations need none).
 */
public final class SinkConfig extends AbstractConfig {

    public static final String GROUP_ID_PREFIX = "sink.group.id.prefix";

    public static final String TOPIC_MEASUREMENTS = "sink.topic.measurements";
    public static final String TOPIC_AGGREGATES_1M = "sink.topic.aggregates.1m";
    public static final String TOPIC_AGGREGATES_1H = "sink.topic.aggregates.1h";
    public static final String TOPIC_ALERTS = "sink.topic.alerts";
    public static final String TOPIC_ANOMALIES = "sink.topic.anomalies";
    public static final String TOPIC_KPIS = "sink.topic.kpis";
    public static final String TOPIC_DEADLETTER = "sink.topic.deadletter";
    public static final String TOPIC_LATE_READINGS = "sink.topic.late.readings";

    public static final String BATCH_SIZE = "sink.batch.size";
    public static final String BATCH_LINGER_MS = "sink.batch.linger.ms";
    public static final String RETRY_BACKOFF_INITIAL_MS = "sink.retry.backoff.initial.ms";
    public static final String RETRY_BACKOFF_MAX_MS = "sink.retry.backoff.max.ms";
    public static final String RETRY_GIVE_UP_MS = "sink.retry.give.up.ms";
    public static final String WRITE_TIMEOUT_MS = "sink.write.timeout.ms";

    public static final String POSTGRES_ENABLED = "sink.postgres.enabled";
    public static final String POSTGRES_STREAMS = "sink.postgres.streams";
    public static final String POSTGRES_URL = "sink.postgres.url";
    public static final String POSTGRES_USER = "sink.postgres.user";
    public static final String POSTGRES_PASSWORD = "sink.postgres.password";
    public static final String POSTGRES_SCHEMA = "sink.postgres.schema";
    public static final String POSTGRES_POOL_SIZE = "sink.postgres.pool.size";
    public static final String POSTGRES_CONNECT_TIMEOUT_MS = "sink.postgres.connect.timeout.ms";
    public static final String POSTGRES_STATEMENT_TIMEOUT_MS = "sink.postgres.statement.timeout.ms";
    public static final String POSTGRES_SOCKET_TIMEOUT_MS = "sink.postgres.socket.timeout.ms";
    public static final String POSTGRES_MIGRATE = "sink.postgres.migrate";
    public static final String POSTGRES_WRITE_MODE = "sink.postgres.write.mode";
    public static final String POSTGRES_SERIES_REFRESH_MS = "sink.postgres.series.refresh.ms";
    public static final String POSTGRES_ANOMALIES_FLAGGED_ONLY = "sink.postgres.anomalies.flagged.only";
    public static final String POSTGRES_TIMESCALE = "sink.postgres.timescale";
    public static final String POSTGRES_PARTITION_INTERVAL_HOURS = "sink.postgres.partition.interval.hours";
    public static final String POSTGRES_PARTITION_ROLLUP_INTERVAL_HOURS =
            "sink.postgres.partition.rollup.interval.hours";
    public static final String POSTGRES_PARTITION_AHEAD = "sink.postgres.partition.ahead";
    public static final String POSTGRES_PARTITION_MAINTENANCE_INTERVAL_MS =
            "sink.postgres.partition.maintenance.interval.ms";
    public static final String POSTGRES_RETENTION_MEASUREMENT_DAYS = "sink.postgres.retention.measurement.days";
    public static final String POSTGRES_RETENTION_AGGREGATE_1M_DAYS = "sink.postgres.retention.aggregate.1m.days";
    public static final String POSTGRES_RETENTION_AGGREGATE_1H_DAYS = "sink.postgres.retention.aggregate.1h.days";
    public static final String POSTGRES_RETENTION_ANOMALY_DAYS = "sink.postgres.retention.anomaly.days";
    public static final String POSTGRES_RETENTION_ALERT_DAYS = "sink.postgres.retention.alert.days";
    public static final String POSTGRES_RETENTION_KPI_DAYS = "sink.postgres.retention.kpi.days";
    public static final String POSTGRES_RETENTION_AGGREGATE_1D_DAYS = "sink.postgres.retention.aggregate.1d.days";
    public static final String POSTGRES_DAY_ZONE = "sink.postgres.day.zone";
    public static final String POSTGRES_COMPRESSION_AFTER_DAYS = "sink.postgres.compression.after.days";

    public static final String REDIS_ENABLED = "sink.redis.enabled";
    public static final String REDIS_STREAMS = "sink.redis.streams";
    public static final String REDIS_URL = "sink.redis.url";
    /** Redis ACL user (Redis 6+), instead of user-info in the URL. */
    public static final String REDIS_USER = "sink.redis.user";
    /** Password of the Redis user (or of the default user), instead of user-info in the URL. */
    public static final String REDIS_PASSWORD = "sink.redis.password";
    /** Trust store with the CA of the Redis server's certificate, for {@code rediss://}. */
    public static final String REDIS_SSL_TRUSTSTORE_LOCATION = "sink.redis.ssl.truststore.location";

    public static final String REDIS_SSL_TRUSTSTORE_PASSWORD = "sink.redis.ssl.truststore.password";
    public static final String REDIS_KEY_PREFIX = "sink.redis.key.prefix";
    public static final String REDIS_LATEST_TTL_MS = "sink.redis.latest.ttl.ms";
    public static final String REDIS_KPI_TTL_MS = "sink.redis.kpi.ttl.ms";
    public static final String REDIS_ANOMALY_TTL_MS = "sink.redis.anomaly.ttl.ms";
    public static final String REDIS_COMMAND_TIMEOUT_MS = "sink.redis.command.timeout.ms";

    /** How the PostgreSQL sink makes a batch idempotent. */
    public enum WriteMode {
        /** Binary COPY into a session-local staging table, then INSERT ... SELECT ... ON CONFLICT. */
        STAGING,
        /**
         * Binary COPY straight into the table under a savepoint; only when that hits a duplicate key
         * (a replay) roll back to the savepoint and take the staging path. Tables whose later values win
         * (aggregates, KPIs) always take the staging path.
         */
        DIRECT_FIRST;

        static WriteMode parse(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    /** Whether migrations use TimescaleDB. */
    public enum TimescaleMode {
        /** Use TimescaleDB when the server offers the extension and it can be created; plain partitioning otherwise. */
        AUTO,
        /** Fail the migration when TimescaleDB cannot be used. */
        REQUIRE,
        /** Always use plain PostgreSQL range partitioning. */
        DISABLE;

        static TimescaleMode parse(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    private static final ConfigDef CONFIG_DEF = buildConfigDef();

    private KafkaClientConfig kafka;

    public SinkConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals, false);
        if (getLong(RETRY_BACKOFF_MAX_MS) < getLong(RETRY_BACKOFF_INITIAL_MS)) {
            throw new ConfigException(
                    RETRY_BACKOFF_MAX_MS,
                    getLong(RETRY_BACKOFF_MAX_MS),
                    "must be at least " + RETRY_BACKOFF_INITIAL_MS);
        }
        long statementTimeout = getLong(POSTGRES_STATEMENT_TIMEOUT_MS);
        long socketTimeout = getLong(POSTGRES_SOCKET_TIMEOUT_MS);
        if (socketTimeout > 0 && (statementTimeout == 0 || socketTimeout <= statementTimeout)) {
            throw new ConfigException(
                    POSTGRES_SOCKET_TIMEOUT_MS,
                    socketTimeout,
                    "must be longer than "
                            + POSTGRES_STATEMENT_TIMEOUT_MS + " (a slow statement should be cancelled by the server, "
                            + "not cut off on the wire), which must then be set");
        }
        for (String name : getList(POSTGRES_STREAMS)) {
            SinkStream.parse(name);
        }
        for (String name : getList(REDIS_STREAMS)) {
            if (SinkStream.parse(name) == SinkStream.AGGREGATES) {
                throw new ConfigException(
                        REDIS_STREAMS,
                        getList(REDIS_STREAMS),
                        "the Redis sink keeps no aggregates; choose from measurements, alerts, anomalies, kpis");
            }
        }
    }

    /** The definitions, for validation and for the generated configuration reference. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG_DEF);
    }

    /**
     * Topic overrides for a deployment whose topics carry a prefix: merge these into the originals
     * so that every {@code sink.topic.*} follows {@link TopicNames}.
     */
    public static Map<String, String> topicsFrom(TopicNames names) {
        Map<String, String> topics = new HashMap<>();
        topics.put(TOPIC_MEASUREMENTS, names.enrichedReadings());
        topics.put(TOPIC_AGGREGATES_1M, names.aggregates1m());
        topics.put(TOPIC_AGGREGATES_1H, names.aggregates1h());
        topics.put(TOPIC_ALERTS, names.alerts());
        topics.put(TOPIC_ANOMALIES, names.anomalies());
        topics.put(TOPIC_KPIS, names.kpis());
        topics.put(TOPIC_DEADLETTER, names.deadLetters("sink"));
        topics.put(TOPIC_LATE_READINGS, names.lateReadings());
        return topics;
    }

    private static ConfigDef buildConfigDef() {
        TopicNames defaults = TopicNames.defaults();
        String streams = "measurements, aggregates, alerts, anomalies, kpis";
        return new ConfigDef()
                .define(
                        GROUP_ID_PREFIX,
                        Type.STRING,
                        "fieldline-sink",
                        new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM,
                        "Consumer group ids are <prefix>-postgres-<stream> and <prefix>-redis-<stream>: one group per sink and "
                                + "stream, so a slow or failed store never holds back another.")
                .define(
                        TOPIC_MEASUREMENTS,
                        Type.STRING,
                        defaults.enrichedReadings(),
                        new ConfigDef.NonEmptyString(),
                        Importance.HIGH,
                        "Topic of Reading records written to the measurement table and the latest-value "
                                + "hashes: the enriched readings, or the raw readings topic to store values before enrichment.")
                .define(
                        TOPIC_AGGREGATES_1M,
                        Type.STRING,
                        defaults.aggregates1m(),
                        new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM,
                        "Topic of one-minute Aggregate records (table aggregate_1m).")
                .define(
                        TOPIC_AGGREGATES_1H,
                        Type.STRING,
                        defaults.aggregates1h(),
                        new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM,
                        "Topic of one-hour Aggregate records (table aggregate_1h).")
                .define(
                        TOPIC_ALERTS,
                        Type.STRING,
                        defaults.alerts(),
                        new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM,
                        "Topic of Alert transitions.")
                .define(
                        TOPIC_ANOMALIES,
                        Type.STRING,
                        defaults.anomalies(),
                        new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM,
                        "Topic of AnomalyScore records.")
                .define(
                        TOPIC_KPIS,
                        Type.STRING,
                        defaults.kpis(),
                        new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM,
                        "Topic of Kpi records.")
                .define(
                        TOPIC_DEADLETTER,
                        Type.STRING,
                        defaults.deadLetters("sink"),
                        new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM,
                        "Dead-letter topic for records that can never be written (undecodable, or rejected "
                                + "by a constraint); the original bytes with the reason in headers.")
                .define(
                        TOPIC_LATE_READINGS,
                        Type.STRING,
                        defaults.lateReadings(),
                        Importance.LOW,
                        "Topic of the readings that reached the aggregates after their window had closed (the readings "
                                + "application sends them there, and to the enriched topic). The aggregates stream reads it "
                                + "too and revises the stored one-minute, one-hour and daily aggregates that cover them; "
                                + "the measurements stream stores them. Empty: stored aggregates are never revised.")
                .define(
                        BATCH_SIZE,
                        Type.INT,
                        5000,
                        Range.between(1, 1_000_000),
                        Importance.MEDIUM,
                        "Largest number of records written in one database transaction or Redis pipeline.")
                // 50 ms rather than 200: below a batch's worth of records a second (sink.batch.size) the linger is
                // added to every row's and Redis value's latency; measured (docs/benchmarks.md, Whole pipeline) at
                // 2,000 readings/s, publish -> row p50 665 -> 398 ms with no measurable CPU cost.
                .define(
                        BATCH_LINGER_MS,
                        Type.LONG,
                        50L,
                        Range.between(0, 60_000),
                        Importance.MEDIUM,
                        "Longest time a record waits for its batch to fill before the batch is written anyway.")
                .define(
                        RETRY_BACKOFF_INITIAL_MS,
                        Type.LONG,
                        100L,
                        Range.between(1, 600_000),
                        Importance.LOW,
                        "First pause after a transient write failure (store down); doubles per attempt.")
                .define(
                        RETRY_BACKOFF_MAX_MS,
                        Type.LONG,
                        10_000L,
                        Range.between(1, 600_000),
                        Importance.LOW,
                        "Longest pause between write attempts.")
                .define(
                        RETRY_GIVE_UP_MS,
                        Type.LONG,
                        0L,
                        Range.atLeast(0),
                        Importance.LOW,
                        "Stop the worker (failed state, offsets left uncommitted) after failing this long; 0 retries for ever, "
                                + "which is what keeps an outage from losing data or needing an operator.")
                .define(
                        WRITE_TIMEOUT_MS,
                        Type.LONG,
                        120_000L,
                        Range.between(100, 3_600_000),
                        Importance.LOW,
                        "Longest a worker waits for one write of a batch before it counts the attempt as failed and "
                                + "retries it with the retry policy. A backstop: the stores' own timeouts "
                                + "(sink.postgres.socket.timeout.ms, sink.redis.command.timeout.ms) normally end a hung write "
                                + "first. While it waits, the worker keeps polling with its partitions paused, so it stays "
                                + "in its consumer group however long a write takes.")
                .define(POSTGRES_ENABLED, Type.BOOLEAN, true, Importance.HIGH, "Run the PostgreSQL sink.")
                .define(
                        POSTGRES_STREAMS,
                        Type.LIST,
                        streams,
                        ValidList.in(names(SinkStream.values())),
                        Importance.MEDIUM,
                        "Streams the PostgreSQL sink writes, each with its own consumer group.")
                .define(
                        POSTGRES_URL,
                        Type.STRING,
                        "jdbc:postgresql://localhost:5432/fieldline",
                        new ConfigDef.NonEmptyString(),
                        Importance.HIGH,
                        "JDBC URL of the PostgreSQL or TimescaleDB database.")
                .define(POSTGRES_USER, Type.STRING, "fieldline", Importance.HIGH, "Database user.")
                .define(POSTGRES_PASSWORD, Type.PASSWORD, "", Importance.HIGH, "Database password.")
                .define(
                        POSTGRES_SCHEMA,
                        Type.STRING,
                        "public",
                        new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM,
                        "Schema that holds the Fieldline tables; created by the migrations when missing.")
                .define(
                        POSTGRES_POOL_SIZE,
                        Type.INT,
                        8,
                        Range.between(1, 256),
                        Importance.LOW,
                        "Size of the HikariCP pool: one connection per stream in flight plus maintenance and queries.")
                .define(
                        POSTGRES_CONNECT_TIMEOUT_MS,
                        Type.LONG,
                        5_000L,
                        Range.between(1_000, 600_000),
                        Importance.LOW,
                        "Longest wait for a connection: establishing one (JDBC connectTimeout and loginTimeout, in "
                                + "whole seconds, rounded up) and taking one from the pool. Short, so that a write "
                                + "attempt during an outage fails fast and the worker backs off.")
                .define(
                        POSTGRES_STATEMENT_TIMEOUT_MS,
                        Type.LONG,
                        30_000L,
                        Range.atLeast(0),
                        Importance.LOW,
                        "statement_timeout of the sink's write transactions: the server cancels a statement that runs "
                                + "longer (a lock wait, an overloaded server) and the batch is retried. 0 disables it. "
                                + "Migrations and partition maintenance are not bound by it.")
                .define(
                        POSTGRES_SOCKET_TIMEOUT_MS,
                        Type.LONG,
                        60_000L,
                        Range.atLeast(0),
                        Importance.LOW,
                        "Network timeout of the sink's write transactions (JDBC setNetworkTimeout): when the server "
                                + "sends nothing for this long (hung, frozen, a silent network partition) the connection "
                                + "is dropped and the batch retried. Longer than sink.postgres.statement.timeout.ms; "
                                + "0 disables it.")
                .define(
                        POSTGRES_MIGRATE,
                        Type.BOOLEAN,
                        true,
                        Importance.MEDIUM,
                        "Apply the Flyway migrations and storage policies when the PostgreSQL sink starts.")
                .define(
                        POSTGRES_WRITE_MODE,
                        Type.STRING,
                        "direct-first",
                        ValidString.in("staging", "direct-first"),
                        Importance.LOW,
                        "staging: binary COPY into a staging table, then INSERT ... ON CONFLICT. direct-first: binary COPY "
                                + "straight into the table under a savepoint, falling back to the staging path only when the batch "
                                + "holds a row already stored (a replay). Both are idempotent.")
                .define(
                        POSTGRES_SERIES_REFRESH_MS,
                        Type.LONG,
                        60_000L,
                        Range.atLeast(0),
                        Importance.LOW,
                        "How far a series' newest reading must have moved before the sink records it in series.last_seen, "
                                + "the starting point of the latest_value view's search. Larger is cheaper; the view stays "
                                + "exact either way. 0 records every batch's newest reading.")
                .define(
                        POSTGRES_ANOMALIES_FLAGGED_ONLY,
                        Type.BOOLEAN,
                        true,
                        Importance.MEDIUM,
                        "Store only flagged anomaly scores (the topic carries one score per reading).")
                .define(
                        POSTGRES_TIMESCALE,
                        Type.STRING,
                        "auto",
                        ValidString.in("auto", "require", "disable"),
                        Importance.MEDIUM,
                        "auto: hypertables when the server offers the timescaledb extension, native range partitioning "
                                + "otherwise. require: fail without TimescaleDB. disable: always native partitioning. "
                                + "Decided once, by the migration that creates the tables.")
                .define(
                        POSTGRES_PARTITION_INTERVAL_HOURS,
                        Type.INT,
                        24,
                        Range.between(1, 24 * 366),
                        Importance.LOW,
                        "Partition (or chunk) width of the per-reading tables measurement and anomaly.")
                .define(
                        POSTGRES_PARTITION_ROLLUP_INTERVAL_HOURS,
                        Type.INT,
                        24 * 7,
                        Range.between(1, 24 * 366),
                        Importance.LOW,
                        "Partition (or chunk) width of aggregate_1m, aggregate_1h, alert and kpi.")
                .define(
                        POSTGRES_PARTITION_AHEAD,
                        Type.INT,
                        3,
                        Range.between(0, 1000),
                        Importance.LOW,
                        "Plain PostgreSQL: how many future partitions to keep created beyond the current one.")
                .define(
                        POSTGRES_PARTITION_MAINTENANCE_INTERVAL_MS,
                        Type.LONG,
                        3_600_000L,
                        Range.atLeast(1000),
                        Importance.LOW,
                        "Plain PostgreSQL: how often partition maintenance runs (it also runs at start).")
                .define(
                        POSTGRES_RETENTION_MEASUREMENT_DAYS,
                        Type.INT,
                        365,
                        Range.atLeast(0),
                        Importance.MEDIUM,
                        "Drop measurement data older than this many days; 0 keeps it for ever.")
                .define(
                        POSTGRES_RETENTION_AGGREGATE_1M_DAYS,
                        Type.INT,
                        365,
                        Range.atLeast(0),
                        Importance.LOW,
                        "Drop one-minute aggregates older than this many days; 0 keeps them for ever.")
                .define(
                        POSTGRES_RETENTION_AGGREGATE_1H_DAYS,
                        Type.INT,
                        0,
                        Range.atLeast(0),
                        Importance.LOW,
                        "Drop one-hour aggregates older than this many days; 0 keeps them for ever.")
                .define(
                        POSTGRES_RETENTION_ANOMALY_DAYS,
                        Type.INT,
                        365,
                        Range.atLeast(0),
                        Importance.LOW,
                        "Drop anomalies older than this many days; 0 keeps them for ever.")
                .define(
                        POSTGRES_RETENTION_ALERT_DAYS,
                        Type.INT,
                        0,
                        Range.atLeast(0),
                        Importance.LOW,
                        "Drop alert history older than this many days; 0 keeps it for ever.")
                .define(
                        POSTGRES_RETENTION_KPI_DAYS,
                        Type.INT,
                        0,
                        Range.atLeast(0),
                        Importance.LOW,
                        "Drop KPIs older than this many days; 0 keeps them for ever.")
                .define(
                        POSTGRES_RETENTION_AGGREGATE_1D_DAYS,
                        Type.INT,
                        0,
                        Range.atLeast(0),
                        Importance.LOW,
                        "Drop daily aggregates older than this many days; 0 keeps them for ever.")
                .define(
                        POSTGRES_DAY_ZONE,
                        Type.STRING,
                        "UTC",
                        new ZoneValidator(),
                        Importance.LOW,
                        "Time zone whose calendar days the daily aggregates (aggregate_1d) cover: set it to the KPI "
                                + "application's streams.kpi.day.zone so that room_daily lines daily totals up with the "
                                + "daily KPIs. An IANA zone id (Europe/Amsterdam) or UTC.")
                .define(
                        POSTGRES_COMPRESSION_AFTER_DAYS,
                        Type.INT,
                        90,
                        Range.atLeast(0),
                        Importance.LOW,
                        "TimescaleDB: compress chunks of measurement, anomaly and aggregate_1m (segmented by device and "
                                + "sensor) once older than this many days; 0 disables compression.")
                .define(REDIS_ENABLED, Type.BOOLEAN, true, Importance.HIGH, "Run the Redis sink.")
                .define(
                        REDIS_STREAMS,
                        Type.LIST,
                        "measurements, alerts, anomalies, kpis",
                        ValidList.in(names(SinkStream.values())),
                        Importance.MEDIUM,
                        "Streams the Redis sink keeps live state for, each with its own consumer group.")
                .define(
                        REDIS_URL,
                        Type.STRING,
                        "redis://localhost:6379",
                        new ConfigDef.NonEmptyString(),
                        Importance.HIGH,
                        "Redis URI: redis://, or rediss:// for TLS; host, port and database (redis://host:6379/0). "
                                + "User and password may be in it (redis://user:password@host), but "
                                + "sink.redis.user and sink.redis.password keep them out of the URL; never printed.")
                .define(
                        REDIS_USER,
                        Type.STRING,
                        null,
                        Importance.MEDIUM,
                        "Redis ACL user (Redis 6 and later); null logs in as the default user when a password is set.")
                .define(
                        REDIS_PASSWORD,
                        Type.PASSWORD,
                        null,
                        Importance.HIGH,
                        "Password of sink.redis.user (or of the default user); null sends none. Not together with a "
                                + "password in sink.redis.url.")
                .define(
                        REDIS_SSL_TRUSTSTORE_LOCATION,
                        Type.STRING,
                        null,
                        Importance.MEDIUM,
                        "Trust store (PKCS12 or JKS) with the CA of the Redis server's certificate, for rediss:// "
                                + "URLs; null trusts the JVM's default CAs.")
                .define(
                        REDIS_SSL_TRUSTSTORE_PASSWORD,
                        Type.PASSWORD,
                        null,
                        Importance.MEDIUM,
                        "Password of sink.redis.ssl.truststore.location.")
                .define(
                        REDIS_KEY_PREFIX,
                        Type.STRING,
                        "fieldline",
                        new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM,
                        "First segment of every key the Redis sink writes.")
                .define(
                        REDIS_LATEST_TTL_MS,
                        Type.LONG,
                        Duration.ofDays(7).toMillis(),
                        Range.atLeast(0),
                        Importance.LOW,
                        "Expiry of a device's latest-value hash, renewed on every write: a device silent this long drops out. "
                                + "0 never expires.")
                .define(
                        REDIS_KPI_TTL_MS,
                        Type.LONG,
                        Duration.ofHours(25).toMillis(),
                        Range.atLeast(0),
                        Importance.LOW,
                        "Expiry of a room's live KPI hash, renewed on every write; longer than a day so daily KPIs "
                                + "(FCR, mortality) survive until the next one. 0 never expires.")
                .define(
                        REDIS_ANOMALY_TTL_MS,
                        Type.LONG,
                        Duration.ofMinutes(15).toMillis(),
                        Range.atLeast(1),
                        Importance.LOW,
                        "How long an anomaly flag stays after the flagged reading's event time.")
                .define(
                        REDIS_COMMAND_TIMEOUT_MS,
                        Type.LONG,
                        5000L,
                        Range.atLeast(1),
                        Importance.LOW,
                        "How long the Redis sink waits for a pipeline's replies before counting the attempt as failed.");
    }

    /** An IANA time-zone id that both Java and PostgreSQL know (region ids, or UTC). */
    private static final class ZoneValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String text = value == null ? "" : value.toString().trim();
            java.time.ZoneId zone;
            try {
                zone = java.time.ZoneId.of(text);
            } catch (java.time.DateTimeException e) {
                throw new ConfigException(name, value, "not a time-zone id (Europe/Amsterdam, UTC)");
            }
            // PostgreSQL reads bare and UTC-prefixed offsets with the POSIX sign, the opposite of Java's:
            // refuse them rather than shift every day.
            if (zone instanceof java.time.ZoneOffset || text.matches("(?i)(UTC|GMT|UT)[+-].*")) {
                throw new ConfigException(name, value, "use a zone id (Europe/Amsterdam, Etc/GMT-2), not an offset");
            }
        }

        @Override
        public String toString() {
            return "an IANA time-zone id";
        }
    }

    private static String[] names(SinkStream[] streams) {
        String[] names = new String[streams.length];
        for (int i = 0; i < streams.length; i++) {
            names[i] = streams[i].configName();
        }
        return names;
    }

    /**
     * The shared Kafka client settings ({@code kafka.*}), read on first use: the migrations take this
     * configuration too and need no Kafka.
     *
     * @throws ConfigException naming the key of a missing or invalid {@code kafka.*} setting
     */
    public synchronized KafkaClientConfig kafka() {
        if (kafka == null) {
            kafka = new KafkaClientConfig(originals());
        }
        return kafka;
    }

    /**
     * Properties of the consumer of one sink ({@code postgres} or {@code redis}) and stream: the shared
     * block and {@code kafka.consumer.*}. Defaults suit the sink (earliest, one poll up to a batch);
     * what correctness needs is enforced: the group id, manual commits (offsets follow the database),
     * read_committed (the topologies write transactionally) and byte-array deserializers.
     *
     * @throws ConfigException naming the key of a setting that contradicts them
     */
    public Map<String, Object> consumerProperties(String sink, SinkStream stream) {
        return kafka().consumerProperties(ClientRules.of("the " + sink + " sink")
                .enforce(ConsumerConfig.GROUP_ID_CONFIG, groupId(sink, stream))
                .enforce(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .enforce(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .enforce(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class)
                .enforce(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class)
                .byDefault(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
                .byDefault(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, batchSize())
                .byDefault(ConsumerConfig.CLIENT_ID_CONFIG, groupId(sink, stream)));
    }

    /**
     * Properties of the dead-letter producer of one sink: the shared block and {@code kafka.producer.*},
     * with acks from all in-sync replicas, idempotence and byte-array serializers enforced.
     *
     * @throws ConfigException naming the key of a setting that contradicts them
     */
    public Map<String, Object> producerProperties(String sink) {
        return kafka().producerProperties(ClientRules.of("the " + sink + " sink's dead-letter producer")
                .enforce(ProducerConfig.ACKS_CONFIG, "all")
                .enforce(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .enforce(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)
                .enforce(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)
                .byDefault(ProducerConfig.LINGER_MS_CONFIG, 5)
                .byDefault(ProducerConfig.CLIENT_ID_CONFIG, getString(GROUP_ID_PREFIX) + "-" + sink + "-deadletters"));
    }

    /** Consumer group of one sink ({@code postgres} or {@code redis}) and stream. */
    public String groupId(String sink, SinkStream stream) {
        return getString(GROUP_ID_PREFIX) + "-" + sink + "-" + stream.configName();
    }

    /** Source topics of a stream. */
    public List<String> topics(SinkStream stream) {
        return switch (stream) {
            case MEASUREMENTS -> List.of(getString(TOPIC_MEASUREMENTS));
            case AGGREGATES ->
                lateReadingsTopic().isEmpty()
                        ? List.of(getString(TOPIC_AGGREGATES_1M), getString(TOPIC_AGGREGATES_1H))
                        : List.of(getString(TOPIC_AGGREGATES_1M), getString(TOPIC_AGGREGATES_1H), lateReadingsTopic());
            case ALERTS -> List.of(getString(TOPIC_ALERTS));
            case ANOMALIES -> List.of(getString(TOPIC_ANOMALIES));
            case KPIS -> List.of(getString(TOPIC_KPIS));
        };
    }

    /** The late-readings topic the aggregates stream revises stored aggregates from; empty when disabled. */
    public String lateReadingsTopic() {
        return getString(TOPIC_LATE_READINGS).trim();
    }

    /** The zone whose calendar days aggregate_1d covers. */
    public java.time.ZoneId dayZone() {
        return java.time.ZoneId.of(getString(POSTGRES_DAY_ZONE));
    }

    public Set<SinkStream> postgresStreams() {
        return streams(POSTGRES_STREAMS);
    }

    public Set<SinkStream> redisStreams() {
        return streams(REDIS_STREAMS);
    }

    private Set<SinkStream> streams(String key) {
        Set<SinkStream> set = EnumSet.noneOf(SinkStream.class);
        for (String name : getList(key)) {
            set.add(SinkStream.parse(name));
        }
        return set;
    }

    public int batchSize() {
        return getInt(BATCH_SIZE);
    }

    public Duration batchLinger() {
        return Duration.ofMillis(getLong(BATCH_LINGER_MS));
    }

    /**
     * How a worker retries a batch the store did not take: Fieldline's one {@link RetryPolicy}, doubling from
     * {@value #RETRY_BACKOFF_INITIAL_MS} up to {@value #RETRY_BACKOFF_MAX_MS}, bounded by time only
     * ({@value #RETRY_GIVE_UP_MS}, 0 for never). Without jitter: each worker has a group of its own, and a
     * pause shorter than the configured one could keep a dead pooled connection from being validated (HikariCP
     * checks a connection only after it has been idle 500 ms).
     */
    public RetryPolicy retryPolicy() {
        return RetryPolicy.exponential(
                        Duration.ofMillis(getLong(RETRY_BACKOFF_INITIAL_MS)),
                        Duration.ofMillis(getLong(RETRY_BACKOFF_MAX_MS)),
                        Duration.ofMillis(getLong(RETRY_GIVE_UP_MS)))
                .withJitter(0.0);
    }

    /** Longest wait for one write attempt of a batch. */
    public Duration writeTimeout() {
        return Duration.ofMillis(getLong(WRITE_TIMEOUT_MS));
    }

    /** Timeouts of the PostgreSQL sink's write transactions ({@link Duration#ZERO}: none). */
    public PostgresTimeouts postgresTimeouts() {
        return new PostgresTimeouts(
                Duration.ofMillis(getLong(POSTGRES_CONNECT_TIMEOUT_MS)),
                Duration.ofMillis(getLong(POSTGRES_STATEMENT_TIMEOUT_MS)),
                Duration.ofMillis(getLong(POSTGRES_SOCKET_TIMEOUT_MS)));
    }

    /** How long the PostgreSQL sink waits for a connection, a statement and a reply on the wire. */
    public record PostgresTimeouts(Duration connect, Duration statement, Duration socket) {}

    public WriteMode writeMode() {
        return WriteMode.parse(getString(POSTGRES_WRITE_MODE));
    }

    public TimescaleMode timescaleMode() {
        return TimescaleMode.parse(getString(POSTGRES_TIMESCALE));
    }

    public String schema() {
        return getString(POSTGRES_SCHEMA);
    }

    /** Storage layout settings the migrations, policies and partition maintenance need. */
    public StorageOptions storageOptions() {
        return new StorageOptions(
                schema(),
                timescaleMode(),
                Duration.ofHours(getInt(POSTGRES_PARTITION_INTERVAL_HOURS)),
                Duration.ofHours(getInt(POSTGRES_PARTITION_ROLLUP_INTERVAL_HOURS)),
                getInt(POSTGRES_PARTITION_AHEAD),
                days(POSTGRES_COMPRESSION_AFTER_DAYS),
                Map.of(
                        TimeSeriesTable.MEASUREMENT, days(POSTGRES_RETENTION_MEASUREMENT_DAYS),
                        TimeSeriesTable.AGGREGATE_1M, days(POSTGRES_RETENTION_AGGREGATE_1M_DAYS),
                        TimeSeriesTable.AGGREGATE_1H, days(POSTGRES_RETENTION_AGGREGATE_1H_DAYS),
                        TimeSeriesTable.ANOMALY, days(POSTGRES_RETENTION_ANOMALY_DAYS),
                        TimeSeriesTable.ALERT, days(POSTGRES_RETENTION_ALERT_DAYS),
                        TimeSeriesTable.KPI, days(POSTGRES_RETENTION_KPI_DAYS),
                        TimeSeriesTable.AGGREGATE_1D, days(POSTGRES_RETENTION_AGGREGATE_1D_DAYS)));
    }

    private Duration days(String key) {
        return Duration.ofDays(getInt(key));
    }

    /** Settings of the Redis sink's key layout and expiries. */
    public RedisKeys redisKeys() {
        return new RedisKeys(
                getString(REDIS_KEY_PREFIX),
                Duration.ofMillis(getLong(REDIS_LATEST_TTL_MS)),
                Duration.ofMillis(getLong(REDIS_KPI_TTL_MS)),
                Duration.ofMillis(getLong(REDIS_ANOMALY_TTL_MS)));
    }

    /**
     * The Redis URI of {@value #REDIS_URL} with {@value #REDIS_USER} and {@value #REDIS_PASSWORD} applied.
     *
     * @throws ConfigException naming the key when the URL is not a Redis URI, or holds a password as well
     */
    public io.lettuce.core.RedisURI redisUri() {
        String url = getString(REDIS_URL);
        io.lettuce.core.RedisURI uri;
        try {
            uri = io.lettuce.core.RedisURI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    REDIS_URL,
                    io.fieldline.core.net.Redaction.redact(url),
                    "not a Redis URI: " + io.fieldline.core.net.Redaction.redact(String.valueOf(e.getMessage())));
        }
        org.apache.kafka.common.config.types.Password password = getPassword(REDIS_PASSWORD);
        if (password != null) {
            if (uri.getCredentialsProvider() != null
                    && uri.getCredentialsProvider()
                            .resolveCredentials()
                            .blockOptional()
                            .map(c -> c.hasPassword())
                            .orElse(false)) {
                throw new ConfigException(
                        REDIS_PASSWORD,
                        password,
                        "the password is also in " + REDIS_URL + ": set it in one place only");
            }
            String user = getString(REDIS_USER);
            if (user != null) {
                uri.setCredentialsProvider(new io.lettuce.core.StaticCredentialsProvider(
                        user, password.value().toCharArray()));
            } else {
                uri.setCredentialsProvider(new io.lettuce.core.StaticCredentialsProvider(
                        null, password.value().toCharArray()));
            }
        } else if (getString(REDIS_USER) != null) {
            throw new ConfigException(REDIS_USER, getString(REDIS_USER), "needs " + REDIS_PASSWORD);
        }
        return uri;
    }

    /** TLS options for a {@code rediss://} URL with {@value #REDIS_SSL_TRUSTSTORE_LOCATION}, if set. */
    public java.util.Optional<io.lettuce.core.SslOptions> redisSslOptions() {
        String location = getString(REDIS_SSL_TRUSTSTORE_LOCATION);
        if (location == null) {
            return java.util.Optional.empty();
        }
        java.io.File file = new java.io.File(location);
        if (!file.isFile()) {
            throw new ConfigException(REDIS_SSL_TRUSTSTORE_LOCATION, location, "no such file");
        }
        org.apache.kafka.common.config.types.Password password = getPassword(REDIS_SSL_TRUSTSTORE_PASSWORD);
        return java.util.Optional.of(io.lettuce.core.SslOptions.builder()
                .jdkSslProvider()
                .truststore(file, password == null ? null : password.value())
                .build());
    }
}
