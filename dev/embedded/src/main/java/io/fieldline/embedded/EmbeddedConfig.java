package io.fieldline.embedded;

import io.fieldline.core.kafka.KafkaClientConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Which servers the {@link EmbeddedStack} starts and which external ones it points at instead.
 *
 * <p>Every endpoint key left empty means "start the embedded server"; a value means "use this external
 * server", which the stack neither starts nor stops, so a run against external servers takes the same code
 * path as the default single-process run.
 *
 * <p>Kafka has no {@code embedded.*} key: the shared {@link KafkaClientConfig#BOOTSTRAP_SERVERS} names an
 * external cluster (reached with the rest of the {@code kafka.*} block: TLS, SASL), and when it is not set
 * the stack starts a single-node KRaft broker in this process, or with {@value #KAFKA_BROKERS}{@code =3} a cluster of
 * three ({@link KafkaCluster}).
 */
public final class EmbeddedConfig extends AbstractConfig {

    public static final String SCHEMA_REGISTRY_URL = "embedded.schema.registry.url";
    public static final String SCHEMA_REGISTRY_TOPIC = "embedded.schema.registry.topic";
    public static final String JDBC_URL = "embedded.jdbc.url";
    public static final String JDBC_USER = "embedded.jdbc.user";
    public static final String JDBC_PASSWORD = "embedded.jdbc.password";
    public static final String REDIS_URL = "embedded.redis.url";
    public static final String MQTT_URL = "embedded.mqtt.url";
    public static final String DATA_DIR = "embedded.data.dir";
    public static final String MQTT_PERSISTENCE = "embedded.mqtt.persistence";
    public static final String MQTT_AUTH = "embedded.mqtt.auth";
    public static final String KAFKA_BROKERS = "embedded.kafka.brokers";
    public static final String KAFKA_JAVA_OPTIONS = "embedded.kafka.java.options";
    public static final String POSTGRES_TIMESCALE = "embedded.postgres.timescale";
    public static final String POSTGRES_BIN_DIR = "embedded.postgres.bin.dir";

    private static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(
                    KAFKA_BROKERS,
                    Type.INT,
                    1,
                    ConfigDef.LambdaValidator.with(EmbeddedConfig::validateKafkaBrokers, () -> "1 or 3"),
                    Importance.MEDIUM,
                    "Brokers of the embedded Kafka: 1 (one broker and controller in this process) or 3 (three "
                            + "KRaft nodes, each broker and controller in a JVM of its own; topics default to "
                            + "replication factor 3 and min.insync.replicas 2). Not with "
                            + KafkaClientConfig.BOOTSTRAP_SERVERS + ".")
            .define(
                    KAFKA_JAVA_OPTIONS,
                    Type.STRING,
                    "",
                    ConfigDef.LambdaValidator.with(
                            EmbeddedConfig::validateJavaOptions, () -> "JVM options separated by spaces"),
                    Importance.LOW,
                    "JVM options for each node JVM of the three-node cluster (" + KAFKA_BROKERS + "=3), separated "
                            + "by spaces, after the nodes' own -Xmx384m -XX:+UseSerialGC. For example "
                            + "-XX:TieredStopAtLevel=1 trades the nodes' peak speed for less compiler CPU in runs of "
                            + "a few minutes (the fault tests: 12 % less CPU). Empty: none. Only with "
                            + KAFKA_BROKERS + "=3.")
            .define(
                    SCHEMA_REGISTRY_URL,
                    Type.STRING,
                    "",
                    new UrlPrefix("http://", "https://"),
                    Importance.HIGH,
                    "Base URL of an external Confluent-compatible Schema Registry. Empty: start the embedded registry, "
                            + "which stores its schemas in a compacted topic of the Kafka cluster in use.")
            .define(
                    SCHEMA_REGISTRY_TOPIC,
                    Type.STRING,
                    "_schemas",
                    new ConfigDef.NonEmptyString(),
                    Importance.LOW,
                    "Compacted topic where the embedded Schema Registry keeps schemas, versions and compatibility settings.")
            .define(
                    JDBC_URL,
                    Type.STRING,
                    "",
                    new UrlPrefix("jdbc:postgresql:"),
                    Importance.HIGH,
                    "JDBC URL of an external PostgreSQL database. Empty: start a PostgreSQL server (wal_level=logical) "
                            + "as a child process with a database named 'fieldline'.")
            .define(
                    JDBC_USER,
                    Type.STRING,
                    "postgres",
                    new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "User for the external PostgreSQL database; ignored when PostgreSQL is embedded.")
            .define(
                    JDBC_PASSWORD,
                    Type.PASSWORD,
                    "",
                    Importance.MEDIUM,
                    "Password for the external PostgreSQL database; ignored when PostgreSQL is embedded.")
            .define(
                    POSTGRES_TIMESCALE,
                    Type.BOOLEAN,
                    false,
                    Importance.MEDIUM,
                    "Start PostgreSQL with TimescaleDB (shared_preload_libraries=timescaledb, wal_level=logical): a "
                            + "throwaway cluster of the PostgreSQL installed on this machine (embedded.postgres.bin.dir, "
                            + "else the newest /usr/lib/postgresql/<major>/bin) instead of zonky's PostgreSQL 17, which "
                            + "cannot load TimescaleDB. Fails at start, saying how to install it, when TimescaleDB is "
                            + "not installed (as root: ../shared/tools/timescaledb/install.sh). Not with "
                            + JDBC_URL + ".")
            .define(
                    POSTGRES_BIN_DIR,
                    Type.STRING,
                    "",
                    Importance.LOW,
                    "bin directory of an installed PostgreSQL (initdb, pg_ctl, postgres) to run the embedded "
                            + "server from instead of zonky's binaries; with " + POSTGRES_TIMESCALE + " it must have "
                            + "TimescaleDB. Empty: zonky's PostgreSQL 17, or for TimescaleDB the newest "
                            + "/usr/lib/postgresql/<major>/bin.")
            .define(
                    REDIS_URL,
                    Type.STRING,
                    "",
                    new UrlPrefix("redis://", "rediss://"),
                    Importance.HIGH,
                    "URI of an external Redis server. Empty: start a Redis server as a child process.")
            .define(
                    MQTT_URL,
                    Type.STRING,
                    "",
                    new UrlPrefix("tcp://", "ssl://", "ws://", "wss://"),
                    Importance.HIGH,
                    "URI of an external MQTT broker. Empty: start a HiveMQ CE broker in this process.")
            .define(
                    MQTT_PERSISTENCE,
                    Type.STRING,
                    MqttBroker.Persistence.FILE.configName(),
                    ConfigDef.ValidString.in(
                            MqttBroker.Persistence.IN_MEMORY.configName(), MqttBroker.Persistence.FILE.configName()),
                    Importance.LOW,
                    "Where the embedded HiveMQ CE broker keeps sessions and queued messages: file (the default, "
                            + "HiveMQ CE's own: kept across a broker restart, and a backlog drains at full speed) or "
                            + "in-memory (faster while nothing queues, but its shared-subscription queues slow down in "
                            + "proportion to their backlog, so an overload collapses delivery; see docs/mqtt.md).")
            .define(
                    MQTT_AUTH,
                    Type.BOOLEAN,
                    true,
                    Importance.HIGH,
                    "Whether fieldline up's embedded MQTT broker authenticates clients: devices with their own "
                            + "password from the device_credential table (each may publish only on its own "
                            + "topics), the bridge as a service user (mqtt.username, mqtt.password; generated "
                            + "when unset), anonymous clients refused. false: anyone may connect and publish "
                            + "anything (docs/security.md).")
            .define(
                    DATA_DIR,
                    Type.STRING,
                    "",
                    Importance.MEDIUM,
                    "Directory under which the embedded servers keep their data (one child per server, deleted on "
                            + "shutdown). Empty: new temporary directories.");

    /**
     * @param originals the settings; unknown keys are ignored
     * @throws ConfigException naming the key of an invalid value
     */
    public EmbeddedConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals);
        Object bootstrap = originals().get(KafkaClientConfig.BOOTSTRAP_SERVERS);
        if (getInt(KAFKA_BROKERS) != 1
                && bootstrap != null
                && !bootstrap.toString().isBlank()) {
            throw new ConfigException(
                    KAFKA_BROKERS,
                    getInt(KAFKA_BROKERS),
                    "starts a Kafka cluster, but " + KafkaClientConfig.BOOTSTRAP_SERVERS + " names an external one");
        }
        if (getInt(KAFKA_BROKERS) == 1 && !kafkaJavaOptions().isEmpty()) {
            throw new ConfigException(
                    KAFKA_JAVA_OPTIONS,
                    getString(KAFKA_JAVA_OPTIONS),
                    "is for the node JVMs of a three-node cluster, but " + KAFKA_BROKERS
                            + " is 1 (the single broker runs in this JVM)");
        }
        boolean external = !getString(JDBC_URL).isBlank();
        if (external && getBoolean(POSTGRES_TIMESCALE)) {
            throw new ConfigException(
                    POSTGRES_TIMESCALE,
                    true,
                    "starts a PostgreSQL server, but " + JDBC_URL + " names an external one; install TimescaleDB "
                            + "there instead (the sink uses it when present, see sink.postgres.timescale)");
        }
        if (external && !getString(POSTGRES_BIN_DIR).isBlank()) {
            throw new ConfigException(
                    POSTGRES_BIN_DIR,
                    getString(POSTGRES_BIN_DIR),
                    "starts a PostgreSQL server, but " + JDBC_URL + " names an external one");
        }
    }

    /**
     * @return the external Kafka cluster's client settings when {@link KafkaClientConfig#BOOTSTRAP_SERVERS} is
     *         set, empty to start a broker here
     * @throws ConfigException naming the key of an invalid {@code kafka.*} setting
     */
    public Optional<KafkaClientConfig> externalKafka() {
        Object bootstrap = originals().get(KafkaClientConfig.BOOTSTRAP_SERVERS);
        if (bootstrap == null || bootstrap.toString().isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new KafkaClientConfig(originals()));
    }

    /** @return the options of {@value #KAFKA_JAVA_OPTIONS}, one per element */
    public List<String> kafkaJavaOptions() {
        return splitOptions(getString(KAFKA_JAVA_OPTIONS));
    }

    private static List<String> splitOptions(String value) {
        String trimmed = value == null ? "" : value.trim();
        return trimmed.isEmpty() ? List.of() : List.of(trimmed.split("\\s+"));
    }

    private static void validateJavaOptions(String name, Object value) {
        for (String option : splitOptions((String) value)) {
            if (!option.startsWith("-")) {
                throw new ConfigException(name, value, "'" + option + "' is not a JVM option (no leading '-')");
            }
        }
    }

    private static void validateKafkaBrokers(String name, Object value) {
        if (!(value instanceof Integer brokers) || (brokers != 1 && brokers != KafkaCluster.SIZE)) {
            throw new ConfigException(name, value, "must be 1 or " + KafkaCluster.SIZE);
        }
    }

    /** @return the definitions of every {@code embedded.*} key */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG_DEF);
    }

    /** Accepts the empty string (embedded) or a value starting with one of the given prefixes. */
    private static final class UrlPrefix implements ConfigDef.Validator {
        private final String[] prefixes;

        UrlPrefix(String... prefixes) {
            this.prefixes = prefixes.clone();
        }

        @Override
        public void ensureValid(String name, Object value) {
            String text = value == null ? "" : value.toString().trim();
            if (text.isEmpty() || prefixes.length == 0) {
                return;
            }
            for (String prefix : prefixes) {
                if (text.startsWith(prefix)) {
                    return;
                }
            }
            throw new ConfigException(name, value, "must be empty or start with one of " + String.join(", ", prefixes));
        }

        @Override
        public String toString() {
            return prefixes.length == 0
                    ? "empty, or a value"
                    : "empty, or starts with " + String.join(" or ", prefixes);
        }
    }
}
