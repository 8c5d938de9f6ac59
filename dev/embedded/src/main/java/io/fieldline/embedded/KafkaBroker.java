package io.fieldline.embedded;

import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.tls.LocalTls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Apache Kafka cluster in this JVM: one KRaft process that is both broker and controller.
 *
 * <p>On first start the log directory is formatted with a random cluster id (Kafka's own {@code Formatter}, what
 * {@code kafka-storage.sh format} runs), then {@link KafkaRaftServer} is started directly: unlike
 * {@code kafka.Kafka.main} it never exits the JVM. The settings suit one node: internal topics with
 * replication factor 1, no initial rebalance delay, small segments, transactions enabled (Kafka Streams
 * {@code exactly_once_v2} works), automatic topic creation disabled because the application creates its
 * topics.
 *
 * <p>{@link #stop()} and {@link #start()} reuse the same ports and log directory, so topic data survives.
 *
 * <p>{@link #saslSsl(Map)} makes a broker whose only client listener is SASL_SSL: SCRAM-SHA-512 users written at
 * format time (as {@code kafka-storage.sh format --add-scram} does), TLS with a CA, server and client certificate
 * generated at construction ({@link LocalTls}), client certificates required (mutual TLS), and a controller
 * listener that is TLS with client certificates too. {@link #clientConfig()} then carries the whole
 * {@code kafka.*} block a client needs.
 */
public final class KafkaBroker extends LocalServer implements KafkaEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
    private static final int NODE_ID = 1;
    private static final String PLAINTEXT_LISTENER = "PLAINTEXT";
    private static final String SASL_SSL_LISTENER = "SASL_SSL";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** The one SASL mechanism of a SASL_SSL broker. */
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
    /** The broker's own user on its SASL_SSL listener (inter-broker connections). */
    static final String INTER_BROKER_USER = "fieldline-broker";

    private static final Pattern SCRAM_VALUE = Pattern.compile("[A-Za-z0-9._~!@#$%^&*()+-]+");

    private final int brokerPort;
    private final int controllerPort;
    private final Map<String, String> overrides;
    /** SCRAM users (name to password), the inter-broker user first; empty for a plaintext broker. */
    private final Map<String, String> scramUsers;

    private final LocalTls tls;
    private KafkaRaftServer server;

    /** A broker on free loopback ports with its data in a new temporary directory, deleted on close. */
    public KafkaBroker() {
        this(DataDirectory.createTemp("kafka"), Map.of());
    }

    /**
     * A broker on free loopback ports with its data in a new temporary directory, deleted on close.
     *
     * @param overrides broker settings that replace or extend the defaults of {@link #brokerConfig()}
     */
    public KafkaBroker(Map<String, String> overrides) {
        this(DataDirectory.createTemp("kafka"), overrides);
    }

    /**
     * A broker on free loopback ports.
     *
     * @param dataDir   its own directory (created if missing), deleted on {@link #close()}
     * @param overrides broker settings that replace or extend the defaults of {@link #brokerConfig()}
     */
    public KafkaBroker(Path dataDir, Map<String, String> overrides) {
        this(dataDir, overrides, Map.of());
    }

    private KafkaBroker(Path dataDir, Map<String, String> overrides, Map<String, String> users) {
        super(dataDir);
        this.brokerPort = LoopbackPort.pick();
        this.controllerPort = LoopbackPort.pick();
        this.overrides = Map.copyOf(overrides);
        if (users.isEmpty()) {
            this.scramUsers = Map.of();
            this.tls = null;
        } else {
            Map<String, String> all = new LinkedHashMap<>();
            all.put(INTER_BROKER_USER, LocalTls.randomSecret());
            users.forEach((user, password) -> {
                if (!SCRAM_VALUE.matcher(user).matches()
                        || !SCRAM_VALUE.matcher(password).matches()) {
                    throw new IllegalArgumentException("SCRAM user names and passwords of the embedded broker are "
                            + "letters, digits and ._~!@#$%^&*()+- only; got user '" + user + "'");
                }
                if (all.put(user, password) != null) {
                    throw new IllegalArgumentException(user + " is the broker's own user");
                }
            });
            this.scramUsers = Map.copyOf(all);
            this.tls = LocalTls.generate(this.dataDir.resolve("tls"), "fieldline-client");
        }
    }

    /**
     * A broker whose only client listener is SASL_SSL with SCRAM-SHA-512, on free loopback ports, its data and
     * TLS material in a new temporary directory deleted on close. Clients must present the generated client
     * certificate too ({@code ssl.client.auth=required}).
     *
     * @param users SCRAM users, name to password; at least one. {@link #clientConfig()} logs in as the first.
     */
    public static KafkaBroker saslSsl(Map<String, String> users) {
        if (users.isEmpty()) {
            throw new IllegalArgumentException("a SASL_SSL broker needs at least one SCRAM user");
        }
        return new KafkaBroker(DataDirectory.createTemp("kafka-sasl-ssl"), Map.of(), new LinkedHashMap<>(users));
    }

    /** Whether clients reach this broker over SASL_SSL (see {@link #saslSsl(Map)}) rather than plaintext. */
    public boolean isSaslSsl() {
        return tls != null;
    }

    /** @return the generated TLS material of a SASL_SSL broker */
    public LocalTls tls() {
        if (tls == null) {
            throw new IllegalStateException("a plaintext broker has no TLS material");
        }
        return tls;
    }

    /**
     * The client block of a plaintext broker: its bootstrap servers. Of a SASL_SSL broker: SASL_SSL, SCRAM-SHA-512
     * as the first user given to {@link #saslSsl(Map)}, the generated trust store and client key store.
     */
    @Override
    public KafkaClientConfig clientConfig() {
        if (tls == null) {
            return KafkaClientConfig.forBootstrapServers(bootstrapServers());
        }
        String user = scramUsers.keySet().stream()
                .filter(name -> !name.equals(INTER_BROKER_USER))
                .findFirst()
                .orElseThrow();
        return new KafkaClientConfig(clientSettings(user, scramUsers.get(user)));
    }

    /**
     * The {@code kafka.*} keys a client of this SASL_SSL broker sets to log in as {@code user} with
     * {@code password} (any, so tests can try a wrong one).
     */
    public Map<String, String> clientSettings(String user, String password) {
        LocalTls material = tls();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(KafkaClientConfig.BOOTSTRAP_SERVERS, bootstrapServers());
        settings.put(KafkaClientConfig.SECURITY_PROTOCOL, "SASL_SSL");
        settings.put(KafkaClientConfig.SASL_MECHANISM, SCRAM_MECHANISM);
        settings.put(KafkaClientConfig.SASL_JAAS_CONFIG, scramJaas(user, password));
        settings.put(
                KafkaClientConfig.SSL_TRUSTSTORE_LOCATION, material.truststore().toString());
        settings.put(KafkaClientConfig.SSL_TRUSTSTORE_PASSWORD, material.password());
        settings.put(KafkaClientConfig.SSL_TRUSTSTORE_TYPE, LocalTls.STORE_TYPE);
        settings.put(
                KafkaClientConfig.SSL_KEYSTORE_LOCATION,
                material.clientKeystore().toString());
        settings.put(KafkaClientConfig.SSL_KEYSTORE_PASSWORD, material.password());
        settings.put(KafkaClientConfig.SSL_KEYSTORE_TYPE, LocalTls.STORE_TYPE);
        settings.put(KafkaClientConfig.SSL_KEY_PASSWORD, material.password());
        return settings;
    }

    private static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    @Override
    public String name() {
        return "kafka";
    }

    /** @return the bootstrap servers clients use, {@code 127.0.0.1:port} */
    @Override
    public String bootstrapServers() {
        return LoopbackPort.HOST + ":" + brokerPort;
    }

    @Override
    public String url() {
        return bootstrapServers();
    }

    /** @return the port of the controller (KRaft quorum) listener */
    public int controllerPort() {
        return controllerPort;
    }

    /** @return the directory holding the broker's log and metadata */
    public Path dataDir() {
        return dataDir;
    }

    /** @return the full broker configuration this instance starts with */
    public Map<String, String> brokerConfig() {
        Map<String, String> props = new HashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@" + LoopbackPort.HOST + ":" + controllerPort);
        String brokerListener = tls == null ? PLAINTEXT_LISTENER : SASL_SSL_LISTENER;
        props.put(
                "listeners",
                brokerListener + "://" + LoopbackPort.HOST + ":" + brokerPort + "," + CONTROLLER_LISTENER + "://"
                        + LoopbackPort.HOST + ":" + controllerPort);
        props.put("advertised.listeners", brokerListener + "://" + LoopbackPort.HOST + ":" + brokerPort);
        props.put(
                "listener.security.protocol.map",
                tls == null
                        ? PLAINTEXT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT"
                        : SASL_SSL_LISTENER + ":SASL_SSL," + CONTROLLER_LISTENER + ":SSL");
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", brokerListener);
        if (tls != null) {
            props.putAll(saslSslConfig());
        }
        props.put("log.dirs", logDir().toString());

        // One node: every internal topic must live with a single replica.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "5");
        props.put("offsets.topic.segment.bytes", Integer.toString(4 * 1024 * 1024));
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "5");
        props.put("transaction.state.log.segment.bytes", Integer.toString(4 * 1024 * 1024));
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("share.coordinator.state.topic.num.partitions", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        props.put("num.partitions", "1");

        props.putAll(KafkaNodeSettings.lightweight());
        props.putAll(overrides);
        return props;
    }

    private Map<String, String> saslSslConfig() {
        Map<String, String> props = new HashMap<>();
        props.put("sasl.enabled.mechanisms", SCRAM_MECHANISM);
        props.put("sasl.mechanism.inter.broker.protocol", SCRAM_MECHANISM);
        props.put(
                "listener.name." + SASL_SSL_LISTENER.toLowerCase(java.util.Locale.ROOT) + "."
                        + SCRAM_MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config",
                scramJaas(INTER_BROKER_USER, scramUsers.get(INTER_BROKER_USER)));
        // Both listeners: the node's own certificate serves TLS and, towards itself, is its client certificate.
        props.put("ssl.keystore.location", tls.serverKeystore().toString());
        props.put("ssl.keystore.password", tls.password());
        props.put("ssl.key.password", tls.password());
        props.put("ssl.keystore.type", LocalTls.STORE_TYPE);
        props.put("ssl.truststore.location", tls.truststore().toString());
        props.put("ssl.truststore.password", tls.password());
        props.put("ssl.truststore.type", LocalTls.STORE_TYPE);
        props.put("ssl.client.auth", "required");
        // Kafka applies the unprefixed setting to SSL listeners only; SASL_SSL needs it per listener (KIP-684).
        props.put(
                "listener.name." + SASL_SSL_LISTENER.toLowerCase(java.util.Locale.ROOT) + ".ssl.client.auth",
                "required");
        return props;
    }

    private List<String> scramArguments() {
        List<String> arguments = new ArrayList<>();
        scramUsers.forEach(
                (user, password) -> arguments.add(SCRAM_MECHANISM + "=[name=" + user + ",password=" + password + "]"));
        return arguments;
    }

    @Override
    public synchronized void start() {
        ensureOpen("Kafka broker");
        if (server != null) {
            return;
        }
        long begin = System.nanoTime();
        KafkaConfig config = new KafkaConfig(brokerConfig(), false);
        KafkaStorage.formatIfNeeded(
                logDir(), NODE_ID, Uuid.randomUuid().toString(), CONTROLLER_LISTENER, scramArguments());
        KafkaRaftServer raftServer = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            raftServer.startup();
        } catch (RuntimeException e) {
            shutdownQuietly(raftServer);
            throw new IllegalStateException("Kafka broker failed to start on " + bootstrapServers(), e);
        }
        server = raftServer;
        LOG.info(
                "Kafka broker listening on {} {} (controller 127.0.0.1:{}, data {}) in {} ms",
                tls == null ? PLAINTEXT_LISTENER : SASL_SSL_LISTENER + " " + SCRAM_MECHANISM,
                bootstrapServers(),
                controllerPort,
                dataDir,
                (System.nanoTime() - begin) / 1_000_000);
    }

    private Path logDir() {
        return dataDir.resolve("log");
    }

    @Override
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        KafkaRaftServer stopping = server;
        server = null;
        long begin = System.nanoTime();
        stopping.shutdown();
        stopping.awaitShutdown();
        LOG.info("Kafka broker on {} stopped in {} ms", bootstrapServers(), (System.nanoTime() - begin) / 1_000_000);
    }

    private static void shutdownQuietly(KafkaRaftServer raftServer) {
        try {
            raftServer.shutdown();
            raftServer.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Kafka broker did not shut down cleanly after a failed start", e);
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return server != null;
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + bootstrapServers() + "]";
    }
}
