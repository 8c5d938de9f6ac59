package io.fieldline.connectors.cdc;

import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.schemas.TopicNames;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Settings of the metadata change-data-capture ({@code cdc.*} keys).
 *
 * <p>Kafka is reached through the shared {@code kafka.*} block ({@link KafkaClientConfig}, required here):
 * the change publisher takes {@code kafka.producer.*}, the topic creation {@code kafka.admin.*}, and
 * Debezium's offset store the common part (bootstrap servers, TLS, SASL).
 *
 * <p>Invalid values fail at construction with a {@link ConfigException} naming the key.
 * The reference table in {@code docs/} is generated from {@link #configDef()}.
 */
public final class CdcConfig extends AbstractConfig {

    public static final String JDBC_URL = "cdc.jdbc.url";
    public static final String JDBC_USER = "cdc.jdbc.user";
    public static final String JDBC_PASSWORD = "cdc.jdbc.password";
    public static final String SCHEMA = "cdc.schema";
    public static final String SLOT_NAME = "cdc.slot.name";
    public static final String PUBLICATION_NAME = "cdc.publication.name";
    public static final String ENGINE_NAME = "cdc.engine.name";
    public static final String TOPIC_PREFIX = "cdc.topic.prefix";
    public static final String TOPIC_PARTITIONS = "cdc.topic.partitions";
    public static final String TOPIC_REPLICATION_FACTOR = "cdc.topic.replication.factor";
    public static final String OFFSETS_TOPIC = "cdc.offsets.topic";
    public static final String OFFSETS_FLUSH_INTERVAL_MS = "cdc.offsets.flush.interval.ms";
    public static final String HEARTBEAT_INTERVAL_MS = "cdc.heartbeat.interval.ms";
    public static final String SNAPSHOT_MODE = "cdc.snapshot.mode";
    public static final String STARTUP_TIMEOUT_MS = "cdc.startup.timeout.ms";
    public static final String ERRORS_MAX_RETRIES = "cdc.errors.max.retries";

    /** Snapshot modes of the Debezium PostgreSQL connector that make sense here. */
    public static final List<String> SNAPSHOT_MODES = List.of("initial", "when_needed", "always", "no_data");

    // PostgreSQL identifiers for slots: lower case, digits, underscore, at most 63 bytes.
    private static final Pattern SLOT_PATTERN = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Pattern IDENTIFIER_PATTERN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    // The engine name is Debezium's logical server name, from which it derives the Connect schema
    // names of its change events; Avro names allow no dash or dot there, so neither is accepted.
    private static final Pattern ENGINE_NAME_PATTERN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,199}");

    private static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(
                    JDBC_URL,
                    Type.STRING,
                    ConfigDef.NO_DEFAULT_VALUE,
                    ConfigDef.LambdaValidator.with(CdcConfig::validateJdbcUrl, () -> "starts with jdbc:postgresql:"),
                    Importance.HIGH,
                    "JDBC URL of the PostgreSQL database holding the metadata and alert-rule tables "
                            + "(jdbc:postgresql://host:port/database). Host, port and database are handed to Debezium.")
            .define(
                    JDBC_USER,
                    Type.STRING,
                    ConfigDef.NO_DEFAULT_VALUE,
                    new ConfigDef.NonEmptyString(),
                    Importance.HIGH,
                    "Database user; needs the REPLICATION attribute (or superuser) and ownership of the captured "
                            + "tables for the publication to be created.")
            .define(JDBC_PASSWORD, Type.PASSWORD, "", Importance.HIGH, "Database password.")
            .define(
                    SCHEMA,
                    Type.STRING,
                    "public",
                    pattern(IDENTIFIER_PATTERN),
                    Importance.MEDIUM,
                    "Database schema of the captured tables.")
            .define(
                    SLOT_NAME,
                    Type.STRING,
                    "fieldline_metadata",
                    pattern(SLOT_PATTERN),
                    Importance.HIGH,
                    "Name of the logical replication slot. It survives restarts and keeps the WAL the connector has "
                            + "not confirmed yet: drop it (pg_drop_replication_slot) when decommissioning the connector.")
            .define(
                    PUBLICATION_NAME,
                    Type.STRING,
                    "fieldline_metadata",
                    pattern(IDENTIFIER_PATTERN),
                    Importance.HIGH,
                    "Name of the pgoutput publication; created if missing, limited to the captured tables.")
            .define(
                    ENGINE_NAME,
                    Type.STRING,
                    "fieldline_metadata_cdc",
                    pattern(ENGINE_NAME_PATTERN),
                    Importance.MEDIUM,
                    "Name of the Debezium engine, also its logical server name: the stored offsets are keyed by it, "
                            + "so renaming it starts over with a new snapshot.")
            .define(
                    TOPIC_PREFIX,
                    Type.STRING,
                    "",
                    Importance.MEDIUM,
                    "Prefix of every topic name (see TopicNames); the same as the rest of the pipeline uses.")
            .define(
                    TOPIC_PARTITIONS,
                    Type.INT,
                    1,
                    ConfigDef.Range.atLeast(1),
                    Importance.LOW,
                    "Partitions of the metadata topics when this connector creates them.")
            .define(
                    TOPIC_REPLICATION_FACTOR,
                    Type.SHORT,
                    (short) -1,
                    ConfigDef.LambdaValidator.with(
                            CdcConfig::validateReplicationFactor, () -> "-1 (broker default) or at least 1"),
                    Importance.LOW,
                    "Replication factor of the metadata and offsets topics when this connector "
                            + "creates them; -1 takes the broker's default.")
            .define(
                    OFFSETS_TOPIC,
                    Type.STRING,
                    "cdc.offsets",
                    new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "Compacted topic (after the topic prefix) where the connector's offsets (the last WAL position "
                            + "published) are stored.")
            .define(
                    OFFSETS_FLUSH_INTERVAL_MS,
                    Type.LONG,
                    1_000L,
                    ConfigDef.Range.atLeast(0),
                    Importance.LOW,
                    "How often acknowledged positions are committed to the offsets topic and confirmed to the slot.")
            .define(
                    HEARTBEAT_INTERVAL_MS,
                    Type.INT,
                    10_000,
                    ConfigDef.Range.atLeast(100),
                    Importance.MEDIUM,
                    "Interval of the heartbeats that advance the slot while the captured tables are quiet and other "
                            + "tables write WAL.")
            .define(
                    SNAPSHOT_MODE,
                    Type.STRING,
                    "initial",
                    ConfigDef.ValidString.in(SNAPSHOT_MODES.toArray(String[]::new)),
                    Importance.MEDIUM,
                    "Debezium snapshot mode: 'initial' snapshots the tables once, when no offsets "
                            + "are stored, then streams.")
            .define(
                    STARTUP_TIMEOUT_MS,
                    Type.LONG,
                    60_000L,
                    ConfigDef.Range.atLeast(1),
                    Importance.LOW,
                    "How long start() waits for the engine to reach streaming (or snapshotting) before failing.")
            .define(
                    ERRORS_MAX_RETRIES,
                    Type.INT,
                    20,
                    ConfigDef.Range.atLeast(0),
                    Importance.LOW,
                    "Retries of retriable engine errors (database connection lost), with exponential backoff up to "
                            + "10 s, before the connector stops with the error.");

    private final KafkaClientConfig kafka;

    public CdcConfig(Map<?, ?> props) {
        super(CONFIG_DEF, props, false);
        this.kafka = new KafkaClientConfig(props);
    }

    /** The definitions, for documentation and for the app's environment mapping. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG_DEF);
    }

    public String jdbcUrl() {
        return getString(JDBC_URL);
    }

    public String jdbcUser() {
        return getString(JDBC_USER);
    }

    public String jdbcPassword() {
        return getPassword(JDBC_PASSWORD).value();
    }

    public String schema() {
        return getString(SCHEMA);
    }

    public String slotName() {
        return getString(SLOT_NAME);
    }

    public String publicationName() {
        return getString(PUBLICATION_NAME);
    }

    public String engineName() {
        return getString(ENGINE_NAME);
    }

    /** The shared Kafka client settings ({@code kafka.*}). */
    public KafkaClientConfig kafka() {
        return kafka;
    }

    public TopicNames topicNames() {
        return new TopicNames(getString(TOPIC_PREFIX));
    }

    public int topicPartitions() {
        return getInt(TOPIC_PARTITIONS);
    }

    public short topicReplicationFactor() {
        return getShort(TOPIC_REPLICATION_FACTOR);
    }

    /** The offsets topic, prefixed like every other topic. */
    public String offsetsTopic() {
        return getString(TOPIC_PREFIX) + getString(OFFSETS_TOPIC);
    }

    public Duration offsetsFlushInterval() {
        return Duration.ofMillis(getLong(OFFSETS_FLUSH_INTERVAL_MS));
    }

    public Duration heartbeatInterval() {
        return Duration.ofMillis(getInt(HEARTBEAT_INTERVAL_MS));
    }

    public String snapshotMode() {
        return getString(SNAPSHOT_MODE).toLowerCase(Locale.ROOT);
    }

    public Duration startupTimeout() {
        return Duration.ofMillis(getLong(STARTUP_TIMEOUT_MS));
    }

    public int errorsMaxRetries() {
        return getInt(ERRORS_MAX_RETRIES);
    }

    private static ConfigDef.Validator pattern(Pattern pattern) {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value == null || !pattern.matcher(value.toString()).matches()) {
                    throw new ConfigException(name, value, "must match " + pattern.pattern());
                }
            }

            @Override
            public String toString() {
                return "matches " + pattern.pattern();
            }
        };
    }

    private static void validateJdbcUrl(String name, Object value) {
        if (value == null || !value.toString().startsWith("jdbc:postgresql:")) {
            throw new ConfigException(
                    name, value, "must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database)");
        }
        if (org.postgresql.Driver.parseURL(value.toString(), null) == null) {
            throw new ConfigException(name, value, "is not a valid PostgreSQL JDBC URL");
        }
    }

    private static void validateReplicationFactor(String name, Object value) {
        if (!(value instanceof Short factor) || (factor != -1 && factor < 1)) {
            throw new ConfigException(name, value, "must be -1 (broker default) or at least 1");
        }
    }
}
