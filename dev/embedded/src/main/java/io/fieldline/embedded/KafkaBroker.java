package io.fieldline.embedded;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
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
 */
public final class KafkaBroker extends LocalServer implements KafkaEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final int brokerPort;
    private final int controllerPort;
    private final Map<String, String> overrides;
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
        super(dataDir);
        this.brokerPort = LoopbackPort.pick();
        this.controllerPort = LoopbackPort.pick();
        this.overrides = Map.copyOf(overrides);
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
        props.put(
                "listeners",
                BROKER_LISTENER + "://" + LoopbackPort.HOST + ":" + brokerPort + "," + CONTROLLER_LISTENER + "://"
                        + LoopbackPort.HOST + ":" + controllerPort);
        props.put("advertised.listeners", BROKER_LISTENER + "://" + LoopbackPort.HOST + ":" + brokerPort);
        props.put(
                "listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", BROKER_LISTENER);
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

    @Override
    public synchronized void start() {
        ensureOpen("Kafka broker");
        if (server != null) {
            return;
        }
        long begin = System.nanoTime();
        KafkaConfig config = new KafkaConfig(brokerConfig(), false);
        KafkaStorage.formatIfNeeded(logDir(), NODE_ID, Uuid.randomUuid().toString(), CONTROLLER_LISTENER);
        KafkaRaftServer raftServer = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            raftServer.startup();
        } catch (RuntimeException e) {
            shutdownQuietly(raftServer);
            throw new IllegalStateException("Kafka broker failed to start on " + bootstrapServers(), e);
        }
        server = raftServer;
        LOG.info(
                "Kafka broker listening on {} (controller 127.0.0.1:{}, data {}) in {} ms",
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
