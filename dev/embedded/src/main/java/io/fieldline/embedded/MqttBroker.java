package io.fieldline.embedded;

import com.hivemq.configuration.service.InternalConfigurations;
import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real MQTT 3.1.1 and 5 broker in this JVM: HiveMQ Community Edition embedded
 * ({@code com.hivemq:hivemq-community-edition-embedded}).
 *
 * <p>It writes a {@code config.xml} into its directory with one TCP listener on 127.0.0.1, file
 * persistence (HiveMQ CE's own default) unless {@link Persistence#IN_MEMORY} is asked for, no usage statistics, and limits suited to a telemetry bridge: a deep per-client queue
 * ({@value #MAX_QUEUED_MESSAGES} messages) so a QoS 1 backlog for a slow or reconnecting subscriber is kept rather
 * than dropped, and a server receive maximum of {@value #SERVER_RECEIVE_MAXIMUM} so a publisher may have that
 * many QoS 1 messages in flight. HiveMQ logs through SLF4J (logback in the app and the tests); it does not
 * reconfigure logging. With in-memory persistence, sessions and retained messages do not survive a
 * {@link #stop()}; with file persistence they do (until {@link #close()} deletes the directory).
 */
public final class MqttBroker extends LocalServer implements MqttEndpoint {

    /** Messages queued per client session before new ones are discarded. */
    public static final long MAX_QUEUED_MESSAGES = 1_000_000;
    /** QoS 1 and 2 PUBLISH packets a client may have unacknowledged towards the broker. */
    public static final int SERVER_RECEIVE_MAXIMUM = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(MqttBroker.class);
    private static final long TIMEOUT_SECONDS = 60;
    /**
     * HiveMQ waits this long for in-flight persistence work on shutdown, twice (2 s each by default). With
     * in-memory persistence nothing outlives the broker anyway, so a short wait makes stop 4 s faster.
     */
    private static final int PERSISTENCE_SHUTDOWN_GRACE_MILLIS = 100;
    /** HiveMQ's own grace period, kept with file persistence so that a stop finishes its writes. */
    private static final int FILE_PERSISTENCE_SHUTDOWN_GRACE_MILLIS = 2000;

    /** Where the broker keeps sessions, queued messages and retained messages. */
    public enum Persistence {
        /**
         * In memory: the fastest, gone on stop. HiveMQ CE 2025.5's in-memory queue walks a shared
         * subscription group's whole backlog on every acknowledgement (see docs/mqtt.md).
         */
        IN_MEMORY("in-memory"),
        /** On disk (Xodus), HiveMQ CE's own default: kept across stop and start, slower. */
        FILE("file");

        private final String configName;

        Persistence(String configName) {
            this.configName = configName;
        }

        /** The value of HiveMQ's {@code <persistence><mode>}, and of {@code embedded.mqtt.persistence}. */
        public String configName() {
            return configName;
        }

        /** The mode named {@code in-memory} or {@code file}. */
        public static Persistence fromConfigName(String name) {
            for (Persistence mode : values()) {
                if (mode.configName.equals(name)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("unknown MQTT broker persistence '" + name + "' (in-memory or file)");
        }
    }

    /**
     * A TLS listener: the server key and certificate chain in a PKCS12 key store.
     *
     * @param keystore the key store file
     * @param password the store's and the key's password
     */
    public record Tls(Path keystore, String password) {
        public Tls {
            Objects.requireNonNull(keystore, "keystore");
            Objects.requireNonNull(password, "password");
        }

        /** Never shows the password. */
        @Override
        public String toString() {
            return "Tls[" + keystore + "]";
        }
    }

    private final int port;
    private final Persistence persistence;
    private final MqttAccessControl accessControl;
    private final Tls tls;
    private final int tlsPort;
    private EmbeddedHiveMQ hivemq;

    /** A broker on a free loopback port with its folders in a new temporary directory, deleted on close. */
    public MqttBroker() {
        this(DataDirectory.createTemp("mqtt"));
    }

    /**
     * A broker on a free loopback port.
     *
     * @param dataDir its own directory (created if missing) for the config, data and extensions folders,
     *                deleted on {@link #close()}
     */
    public MqttBroker(Path dataDir) {
        this(dataDir, Persistence.FILE);
    }

    /**
     * A broker on a free loopback port.
     *
     * @param dataDir     its own directory (created if missing) for the config, data and extensions folders,
     *                    deleted on {@link #close()}
     * @param persistence where sessions and queued messages are kept
     */
    public MqttBroker(Path dataDir, Persistence persistence) {
        this(dataDir, persistence, null, null);
    }

    /**
     * A broker on free loopback ports, with authentication and a TLS listener when given.
     *
     * @param dataDir       its own directory (created if missing) for the config, data and extensions folders,
     *                      deleted on {@link #close()}
     * @param persistence   where sessions and queued messages are kept
     * @param accessControl who may connect and what they may publish and subscribe to; null: anyone, anything
     * @param tls           a TLS listener besides the TCP one; null: none
     */
    public MqttBroker(Path dataDir, Persistence persistence, MqttAccessControl accessControl, Tls tls) {
        super(dataDir);
        this.port = LoopbackPort.pick();
        this.persistence = Objects.requireNonNull(persistence, "persistence");
        this.accessControl = accessControl;
        this.tls = tls;
        this.tlsPort = tls == null ? -1 : LoopbackPort.pick();
    }

    /** @return who may connect and do what, when this broker checks it */
    public Optional<MqttAccessControl> accessControl() {
        return Optional.ofNullable(accessControl);
    }

    /** @return {@code ssl://127.0.0.1:port} of the TLS listener, when there is one */
    public Optional<String> tlsUrl() {
        return tls == null ? Optional.empty() : Optional.of("ssl://" + LoopbackPort.HOST + ":" + tlsPort);
    }

    /** @return where this broker keeps sessions and queued messages */
    public Persistence persistence() {
        return persistence;
    }

    @Override
    public String name() {
        return "mqtt";
    }

    /** @return the port of the TCP listener */
    public int port() {
        return port;
    }

    /** @return {@code tcp://127.0.0.1:port} */
    @Override
    public String url() {
        return "tcp://" + LoopbackPort.HOST + ":" + port;
    }

    /** @return the HiveMQ {@code config.xml} this broker runs with */
    public String configXml() {
        return """
                <?xml version="1.0"?>
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>%s</bind-address>
                        </tcp-listener>
                %s    </listeners>
                    <mqtt>
                        <queued-messages>
                            <max-queue-size>%d</max-queue-size>
                            <strategy>discard</strategy>
                        </queued-messages>
                        <receive-maximum>
                            <server-receive-maximum>%d</server-receive-maximum>
                        </receive-maximum>
                    </mqtt>
                    <persistence>
                        <mode>%s</mode>
                    </persistence>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                </hivemq>
                """.formatted(
                        port,
                        LoopbackPort.HOST,
                        tlsListenerXml(),
                        MAX_QUEUED_MESSAGES,
                        SERVER_RECEIVE_MAXIMUM,
                        persistence.configName());
    }

    private String tlsListenerXml() {
        if (tls == null) {
            return "";
        }
        String path = xml(tls.keystore().toAbsolutePath().toString());
        String password = xml(tls.password());
        return """
                        <tls-tcp-listener>
                            <port>%d</port>
                            <bind-address>%s</bind-address>
                            <tls>
                                <keystore>
                                    <path>%s</path>
                                    <password>%s</password>
                                    <private-key-password>%s</private-key-password>
                                </keystore>
                                <protocols>
                                    <protocol>TLSv1.3</protocol>
                                    <protocol>TLSv1.2</protocol>
                                </protocols>
                            </tls>
                        </tls-tcp-listener>
                """.formatted(tlsPort, LoopbackPort.HOST, path, password, password);
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /**
     * The most unacknowledged QoS 1 messages the broker sends any one client; within it, the client's
     * receive maximum decides. A bound all the same: HiveMQ takes that many packet ids per poll.
     */
    private static final int MAX_INFLIGHT_WINDOW = 10_000;

    @Override
    public synchronized void start() {
        ensureOpen("MQTT broker");
        if (hivemq != null) {
            return;
        }
        long begin = System.nanoTime();
        Path configDir = DataDirectory.create(dataDir.resolve("conf"));
        try {
            // With a TLS listener it holds the key store's password: readable by its owner only.
            Path configFile = configDir.resolve("config.xml");
            Files.deleteIfExists(configFile);
            Files.createFile(
                    configFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(configFile, configXml(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the HiveMQ configuration in " + configDir, e);
        }
        // A JVM-wide HiveMQ setting, read when the broker is built; every broker of this class wants the same.
        InternalConfigurations.PERSISTENCE_SHUTDOWN_GRACE_PERIOD_MSEC.set(
                persistence == Persistence.IN_MEMORY
                        ? PERSISTENCE_SHUTDOWN_GRACE_MILLIS
                        : FILE_PERSISTENCE_SHUTDOWN_GRACE_MILLIS);
        // HiveMQ CE sends a subscriber at most 50 unacknowledged messages, whatever receive maximum the
        // client asks for. A bridge that acknowledges only after Kafka did (a few ms per batch) is then
        // bound by that window, not by its own speed; let the client's receive maximum decide instead
        // (Mosquitto's max_inflight_messages is the same knob).
        InternalConfigurations.MAX_INFLIGHT_WINDOW_SIZE_MESSAGES = MAX_INFLIGHT_WINDOW;
        var builder = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(configDir)
                .withDataFolder(DataDirectory.create(dataDir.resolve("data")))
                .withExtensionsFolder(DataDirectory.create(dataDir.resolve("extensions")))
                .withoutLoggingBootstrap();
        if (accessControl != null) {
            accessControl.start();
            builder.withEmbeddedExtension(accessControl.extension());
        }
        EmbeddedHiveMQ starting = builder.build();
        try {
            starting.start().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(starting);
            throw new IllegalStateException("Interrupted while starting the MQTT broker", e);
        } catch (ExecutionException | TimeoutException e) {
            closeQuietly(starting);
            throw new IllegalStateException("MQTT broker failed to start on " + url(), e);
        }
        hivemq = starting;
        LOG.info(
                "MQTT broker (HiveMQ CE, {} persistence, {}) listening on {}{} in {} ms",
                persistence.configName(),
                accessControl == null ? "anonymous clients allowed" : "devices and service users authenticated",
                url(),
                tlsUrl().map(url -> " and " + url).orElse(""),
                (System.nanoTime() - begin) / 1_000_000);
    }

    /**
     * PUBLISH packets the broker received from clients, sent to subscribers and dropped, since it
     * started: the difference is what it holds queued for subscribers that have not taken it yet
     * (exact while every publish has one subscriber, as in {@code fieldline up}). Zeros while stopped.
     */
    public synchronized PublishCounts publishCounts() {
        if (hivemq == null) {
            return new PublishCounts(0, 0, 0);
        }
        var metrics = hivemq.getMetricRegistry();
        // A PUBLISH the access control refused was received and goes nowhere: counted as dropped.
        long denied = accessControl == null ? 0 : accessControl.counts().publishesDenied();
        return new PublishCounts(
                count(metrics, "com.hivemq.messages.incoming.publish.count"),
                count(metrics, "com.hivemq.messages.outgoing.publish.count"),
                count(metrics, "com.hivemq.messages.dropped.count") + denied);
    }

    private static long count(com.codahale.metrics.MetricRegistry metrics, String name) {
        com.codahale.metrics.Counter counter = metrics.getCounters().get(name);
        return counter == null ? 0 : counter.getCount();
    }

    /**
     * Counts of PUBLISH packets through the broker.
     *
     * @param incoming received from publishers
     * @param outgoing sent to subscribers (redeliveries included)
     * @param dropped  discarded (full queues, expired, no matching subscriber for QoS 0 and the like, refused by the
     *                 access control)
     */
    public record PublishCounts(long incoming, long outgoing, long dropped) {

        /** Messages taken in and neither sent on nor dropped: the broker's backlog, never negative. */
        public long backlog() {
            return Math.max(0, incoming - outgoing - dropped);
        }
    }

    @Override
    public synchronized void stop() {
        if (hivemq == null) {
            return;
        }
        EmbeddedHiveMQ stopping = hivemq;
        hivemq = null;
        try {
            // close() stops the broker and releases its threads; a fresh instance is built on the next start.
            stopping.close();
            if (accessControl != null) {
                accessControl.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while stopping the MQTT broker", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("MQTT broker on " + url() + " did not stop cleanly", e);
        }
        LOG.info("MQTT broker on {} stopped", url());
    }

    private static void closeQuietly(EmbeddedHiveMQ instance) {
        try {
            instance.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException e) {
            LOG.warn("MQTT broker did not close cleanly after a failed start", e);
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return hivemq != null;
    }

    @Override
    public String toString() {
        return "MqttBroker[" + url() + "]";
    }
}
