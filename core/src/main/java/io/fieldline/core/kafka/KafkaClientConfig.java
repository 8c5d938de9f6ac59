package io.fieldline.core.kafka;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * How every Fieldline component reaches Kafka, keys {@code kafka.*}: the bootstrap servers and the
 * security settings (TLS, SASL) that all clients share, and pass-through families for what differs
 * by client type:
 *
 * <ul>
 *   <li>{@code kafka.producer.<property>}: every plain producer (bridges, dead letters, CDC, the
 *       embedded registry's store);</li>
 *   <li>{@code kafka.consumer.<property>}: every plain consumer (sinks, {@code tail}, the registry's store);</li>
 *   <li>{@code kafka.admin.<property>}: every admin client (topic creation, offsets);</li>
 *   <li>{@code kafka.streams.<property>}: the Kafka Streams applications, where Streams' own
 *       {@code producer.}, {@code consumer.} and {@code admin.} prefixes reach its clients;</li>
 *   <li>{@code kafka.sasl.<property>} and {@code kafka.ssl.<property>} not defined here
 *       ({@code sasl.oauthbearer.*}, {@code ssl.enabled.protocols}, ...): every client, as
 *       {@code sasl.<property>} and {@code ssl.<property>}.</li>
 * </ul>
 *
 * <p>Each component builds its clients' properties with {@link #producerProperties},
 * {@link #consumerProperties}, {@link #adminProperties} or {@link #streamsProperties} and the
 * {@link ClientRules} it needs. Invalid settings fail with a {@link ConfigException} naming the key:
 * at construction an unknown {@code kafka.*} key, a pass-through of a shared setting
 * ({@code kafka.producer.security.protocol} beside {@code kafka.security.protocol}) or a value the
 * client's own definition rejects; when a component builds its properties (at its start) a
 * pass-through that contradicts what the component enforces or duplicates one of its own keys.
 *
 * <p>Secrets (JAAS configuration, key and trust store passwords, and every pass-through Kafka types
 * as a password) are held as {@link Password}, in the property maps too, so they print as
 * {@code [hidden]}; {@link #toString()} shows none.
 */
public final class KafkaClientConfig extends AbstractConfig {

    public static final String PREFIX = "kafka.";
    public static final String BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
    public static final String SECURITY_PROTOCOL = "kafka.security.protocol";
    public static final String SASL_MECHANISM = "kafka.sasl.mechanism";
    public static final String SASL_JAAS_CONFIG = "kafka.sasl.jaas.config";
    public static final String SSL_TRUSTSTORE_LOCATION = "kafka.ssl.truststore.location";
    public static final String SSL_TRUSTSTORE_PASSWORD = "kafka.ssl.truststore.password";
    public static final String SSL_TRUSTSTORE_TYPE = "kafka.ssl.truststore.type";
    public static final String SSL_KEYSTORE_LOCATION = "kafka.ssl.keystore.location";
    public static final String SSL_KEYSTORE_PASSWORD = "kafka.ssl.keystore.password";
    public static final String SSL_KEYSTORE_TYPE = "kafka.ssl.keystore.type";
    public static final String SSL_KEY_PASSWORD = "kafka.ssl.key.password";
    public static final String SSL_ENDPOINT_IDENTIFICATION_ALGORITHM = "kafka.ssl.endpoint.identification.algorithm";

    /** Further SASL settings, passed to every client as {@code sasl.<property>}. */
    public static final String SASL_PREFIX = "kafka.sasl.";
    /** Further TLS settings, passed to every client as {@code ssl.<property>}. */
    public static final String SSL_PREFIX = "kafka.ssl.";
    /** Settings of every plain producer, passed through with the prefix removed. */
    public static final String PRODUCER_PREFIX = "kafka.producer.";
    /** Settings of every plain consumer, passed through with the prefix removed. */
    public static final String CONSUMER_PREFIX = "kafka.consumer.";
    /** Settings of every admin client, passed through with the prefix removed. */
    public static final String ADMIN_PREFIX = "kafka.admin.";
    /** Settings of the Kafka Streams applications, passed through with the prefix removed. */
    public static final String STREAMS_PREFIX = "kafka.streams.";

    /** The families of keys whose names are the user's: {@code kafka.<family>.<property>}. */
    public static final List<String> DYNAMIC_PREFIXES =
            List.of(SASL_PREFIX, SSL_PREFIX, PRODUCER_PREFIX, CONSUMER_PREFIX, ADMIN_PREFIX, STREAMS_PREFIX);

    /** Streams' prefixes of its clients' settings, stripped to find which client property a key sets. */
    private static final List<String> STREAMS_CLIENT_PREFIXES =
            List.of("main.consumer.", "restore.consumer.", "global.consumer.", "consumer.", "producer.", "admin.");

    /** The client types and the definitions their pass-through values are checked against. */
    private enum Client {
        PRODUCER(PRODUCER_PREFIX, ProducerConfig.configDef()),
        CONSUMER(CONSUMER_PREFIX, ConsumerConfig.configDef()),
        ADMIN(ADMIN_PREFIX, AdminClientConfig.configDef()),
        // Streams' own definition lives in kafka-streams; Streams checks the values itself.
        STREAMS(STREAMS_PREFIX, null);

        final String prefix;
        final ConfigDef definition;

        Client(String prefix, ConfigDef definition) {
            this.prefix = prefix;
            this.definition = definition;
        }
    }

    private static final ConfigDef DEF = new ConfigDef()
            .define(
                    BOOTSTRAP_SERVERS,
                    Type.LIST,
                    ConfigDef.NO_DEFAULT_VALUE,
                    ConfigDef.LambdaValidator.with(
                            KafkaClientConfig::validateBootstrapServers, () -> "non-empty list of host:port"),
                    Importance.HIGH,
                    "Kafka brokers every client connects to first (host:port, comma-separated). The one Kafka "
                            + "address of a deployment: bridges, Streams, sinks, CDC, the embedded Schema Registry "
                            + "and the admin clients all use it. fieldline up starts an embedded broker when it is not set.")
            .define(
                    SECURITY_PROTOCOL,
                    Type.STRING,
                    "PLAINTEXT",
                    ConfigDef.CaseInsensitiveValidString.in("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"),
                    Importance.HIGH,
                    "Protocol of every Kafka client: PLAINTEXT, SSL (TLS), SASL_PLAINTEXT or SASL_SSL (SASL over TLS).")
            .define(
                    SASL_MECHANISM,
                    Type.STRING,
                    null,
                    Importance.HIGH,
                    "SASL mechanism, e.g. PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER; null leaves the "
                            + "client's default. Used with SASL_PLAINTEXT and SASL_SSL.")
            .define(
                    SASL_JAAS_CONFIG,
                    Type.PASSWORD,
                    null,
                    Importance.HIGH,
                    "JAAS login module and options for SASL, e.g. org.apache.kafka.common.security.scram."
                            + "ScramLoginModule required username=\"...\" password=\"...\"; never logged.")
            .define(
                    SSL_TRUSTSTORE_LOCATION,
                    Type.STRING,
                    null,
                    ConfigDef.LambdaValidator.with(KafkaClientConfig::validateFile, () -> "an existing file"),
                    Importance.HIGH,
                    "Trust store with the CA certificates that sign the brokers' certificates; null trusts the "
                            + "JVM's default CAs.")
            .define(SSL_TRUSTSTORE_PASSWORD, Type.PASSWORD, null, Importance.HIGH, "Trust store password.")
            .define(
                    SSL_TRUSTSTORE_TYPE,
                    Type.STRING,
                    null,
                    Importance.MEDIUM,
                    "Trust store type (JKS, PKCS12 or PEM); null leaves the client's default.")
            .define(
                    SSL_KEYSTORE_LOCATION,
                    Type.STRING,
                    null,
                    ConfigDef.LambdaValidator.with(KafkaClientConfig::validateFile, () -> "an existing file"),
                    Importance.HIGH,
                    "Key store with the client certificate, for brokers that authenticate clients by TLS "
                            + "(mutual TLS); null for none.")
            .define(SSL_KEYSTORE_PASSWORD, Type.PASSWORD, null, Importance.HIGH, "Key store password.")
            .define(
                    SSL_KEYSTORE_TYPE,
                    Type.STRING,
                    null,
                    Importance.MEDIUM,
                    "Key store type (JKS, PKCS12 or PEM); null leaves the client's default.")
            .define(
                    SSL_KEY_PASSWORD,
                    Type.PASSWORD,
                    null,
                    Importance.HIGH,
                    "Password of the private key in the key store, when it differs from the store's.")
            .define(
                    SSL_ENDPOINT_IDENTIFICATION_ALGORITHM,
                    Type.STRING,
                    null,
                    Importance.MEDIUM,
                    "How the broker certificate is checked against the host connected to: https checks the "
                            + "host name, an empty value turns the check off; null leaves the client's default.");

    /** Pass-through families to their values, by client property, typed (secrets as Password). */
    private final Map<Client, Map<String, Object>> passThrough = new HashMap<>();
    /** kafka.sasl.* and kafka.ssl.* keys not defined above, by client property. */
    private final Map<String, Object> securityPassThrough = new TreeMap<>();

    /**
     * @param originals the configuration; keys outside {@code kafka.*} are ignored
     * @throws ConfigException naming the key of an invalid, unknown or duplicated setting
     */
    public KafkaClientConfig(Map<?, ?> originals) {
        super(DEF, originals, false);
        for (Client client : Client.values()) {
            passThrough.put(client, new TreeMap<>());
        }
        for (Map.Entry<String, Object> entry : new TreeMap<>(originalsWithPrefix(PREFIX, false)).entrySet()) {
            String key = entry.getKey();
            if (!DEF.configKeys().containsKey(key)) {
                readDynamicKey(key, entry.getValue());
            }
        }
    }

    /** A configuration of nothing but the bootstrap servers: for clients of a plaintext broker, such as an embedded one. */
    public static KafkaClientConfig forBootstrapServers(String bootstrapServers) {
        return new KafkaClientConfig(Map.of(BOOTSTRAP_SERVERS, bootstrapServers));
    }

    /** The definitions of the fixed keys, for validation and the generated reference. */
    public static ConfigDef configDef() {
        return new ConfigDef(DEF);
    }

    /** Whether the key belongs to a pass-through family ({@link #DYNAMIC_PREFIXES}) rather than being defined. */
    public static boolean isDynamicKey(String key) {
        return !DEF.configKeys().containsKey(key) && DYNAMIC_PREFIXES.stream().anyMatch(key::startsWith);
    }

    private void readDynamicKey(String key, Object value) {
        for (String prefix : List.of(SASL_PREFIX, SSL_PREFIX)) {
            if (key.startsWith(prefix) && key.length() > prefix.length()) {
                String property = key.substring(PREFIX.length());
                securityPassThrough.put(property, typed(key, property, value, ProducerConfig.configDef()));
                return;
            }
        }
        for (Client client : Client.values()) {
            if (key.startsWith(client.prefix) && key.length() > client.prefix.length()) {
                String property = key.substring(client.prefix.length());
                String shared = sharedKeyFor(client, property);
                if (shared != null) {
                    throw new ConfigException(
                            key,
                            hiddenIfSecret(property, value),
                            "duplicates " + shared + ": every client shares the connection settings, so set " + shared
                                    + " only, not " + key);
                }
                passThrough.get(client).put(property, typed(key, property, value, client.definition));
                return;
            }
        }
        throw new ConfigException(
                key,
                hiddenIfSecret(key.substring(PREFIX.length()), value),
                "unknown Kafka client setting: the kafka.* keys are those of the reference and the families "
                        + String.join("*, ", DYNAMIC_PREFIXES) + "*");
    }

    /** The kafka.* key that owns a client property every client shares, or null if it is not one. */
    private static String sharedKeyFor(Client client, String property) {
        String plain = property;
        if (client == Client.STREAMS) {
            for (String streamsPrefix : STREAMS_CLIENT_PREFIXES) {
                if (plain.startsWith(streamsPrefix)) {
                    plain = plain.substring(streamsPrefix.length());
                    break;
                }
            }
        }
        if (plain.equals("bootstrap.servers")
                || plain.equals("security.protocol")
                || plain.startsWith("sasl.")
                || plain.startsWith("ssl.")) {
            return PREFIX + plain;
        }
        return null;
    }

    /** Checks a pass-through value against the client's own definition; secrets become Password. */
    private static Object typed(String key, String property, Object value, ConfigDef definition) {
        ConfigKey known = definition == null ? null : definition.configKeys().get(property);
        if (known == null) {
            return value;
        }
        Object parsed = ConfigDef.parseType(key, value, known.type);
        if (known.validator != null) {
            known.validator.ensureValid(key, parsed);
        }
        return known.type == Type.PASSWORD ? parsed : value;
    }

    private static Object hiddenIfSecret(String property, Object value) {
        String plain = property;
        for (String streamsPrefix : STREAMS_CLIENT_PREFIXES) {
            if (plain.startsWith(streamsPrefix)) {
                plain = plain.substring(streamsPrefix.length());
                break;
            }
        }
        ConfigKey known = ProducerConfig.configDef().configKeys().get(plain);
        if (value instanceof Password || (known != null && known.type == Type.PASSWORD)) {
            return new Password(String.valueOf(value));
        }
        return value;
    }

    /** The bootstrap servers, comma-separated. */
    public String bootstrapServers() {
        return String.join(",", getList(BOOTSTRAP_SERVERS));
    }

    /**
     * What every client shares: bootstrap servers, security protocol, SASL and TLS settings (only those
     * that are set, so unset ones keep the client's defaults). Secrets are {@link Password} values.
     */
    public Map<String, Object> commonProperties() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrapServers());
        props.put("security.protocol", getString(SECURITY_PROTOCOL).toUpperCase(Locale.ROOT));
        for (String key : DEF.names()) {
            Object value = values().get(key);
            if (value != null && !key.equals(BOOTSTRAP_SERVERS) && !key.equals(SECURITY_PROTOCOL)) {
                props.put(key.substring(PREFIX.length()), value);
            }
        }
        props.putAll(securityPassThrough);
        return props;
    }

    /**
     * {@link #commonProperties()} with every secret as its plain text, for configurations that take
     * only strings (the Debezium engine's). Never log the result.
     */
    public Map<String, String> commonPropertiesAsStrings() {
        Map<String, String> props = new HashMap<>();
        commonProperties()
                .forEach((key, value) ->
                        props.put(key, value instanceof Password password ? password.value() : String.valueOf(value)));
        return props;
    }

    /** Properties of a plain producer: the rules, {@code kafka.producer.*} and the common part. */
    public Map<String, Object> producerProperties(ClientRules rules) {
        return properties(Client.PRODUCER, rules);
    }

    /** Properties of a plain consumer: the rules, {@code kafka.consumer.*} and the common part. */
    public Map<String, Object> consumerProperties(ClientRules rules) {
        return properties(Client.CONSUMER, rules);
    }

    /** Properties of an admin client: the rules, {@code kafka.admin.*} and the common part. */
    public Map<String, Object> adminProperties(ClientRules rules) {
        return properties(Client.ADMIN, rules);
    }

    /** Properties of a Kafka Streams application: the rules, {@code kafka.streams.*} and the common part. */
    public Map<String, Object> streamsProperties(ClientRules rules) {
        return properties(Client.STREAMS, rules);
    }

    private Map<String, Object> properties(Client client, ClientRules rules) {
        Map<String, Object> props = new HashMap<>(rules.defaults());
        rules.fromKeys().forEach((property, fromKey) -> {
            if (!fromKey.setByUser()) {
                props.put(property, fromKey.value());
            }
        });
        for (Map.Entry<String, Object> entry : passThrough.get(client).entrySet()) {
            String property = entry.getKey();
            String key = client.prefix + property;
            Object enforced = rules.enforced().get(property);
            if (enforced != null && !sameValue(enforced, entry.getValue())) {
                throw new ConfigException(
                        key,
                        entry.getValue(),
                        rules.component() + " needs " + property + "=" + text(enforced)
                                + " and it cannot be changed; remove " + key);
            }
            ClientRules.FromKey own = rules.fromKeys().get(property);
            if (own != null && own.setByUser()) {
                throw new ConfigException(
                        key,
                        entry.getValue(),
                        "sets " + property + " of " + rules.component() + ", as " + own.key()
                                + " does: set only one of " + own.key() + " and " + key);
            }
            props.put(property, entry.getValue());
        }
        rules.fromKeys().forEach((property, fromKey) -> {
            if (fromKey.setByUser()) {
                props.put(property, fromKey.value());
            }
        });
        props.putAll(rules.enforced());
        props.putAll(commonProperties());
        return props;
    }

    private static boolean sameValue(Object enforced, Object value) {
        return text(enforced).trim().equalsIgnoreCase(text(value).trim());
    }

    private static String text(Object value) {
        return value instanceof Class<?> type ? type.getName() : String.valueOf(value);
    }

    private static void validateBootstrapServers(String name, Object value) {
        if (!(value instanceof List<?> list)
                || list.isEmpty()
                || list.stream()
                        .anyMatch(item -> item == null || item.toString().isBlank())) {
            throw new ConfigException(name, value, "must list at least one host:port");
        }
    }

    private static void validateFile(String name, Object value) {
        if (value != null && !Files.isRegularFile(Path.of((String) value))) {
            throw new ConfigException(name, value, "no such file");
        }
    }

    /** The kafka.* settings as given, secrets shown as {@code [hidden]}. */
    @Override
    public String toString() {
        Map<String, Object> shown = new TreeMap<>();
        for (String key : DEF.names()) {
            if (originals().containsKey(key)) {
                shown.put(key, values().get(key));
            }
        }
        passThrough.forEach((client, values) -> values.forEach(
                (property, value) -> shown.put(client.prefix + property, hiddenIfSecret(property, value))));
        securityPassThrough.forEach((property, value) -> shown.put(PREFIX + property, value));
        return "KafkaClientConfig" + shown;
    }
}
