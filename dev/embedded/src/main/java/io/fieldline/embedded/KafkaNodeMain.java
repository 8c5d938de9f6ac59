package io.fieldline.embedded;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka node (KRaft, broker and controller) in a JVM of its own, until SIGTERM: the process {@link KafkaCluster}
 * starts for each of its nodes.
 *
 * <p>Arguments: the node's {@code server.properties} and the cluster id. On the first start the node formats its
 * log directory (the first of {@code log.dirs}) with that cluster id; a directory already formatted is kept, so a
 * restarted node comes back with its data. SIGTERM runs a clean shutdown (a broker's controlled shutdown: the
 * controller moves its partitions' leadership first) and the process exits 0; a node that fails to start exits 1.
 */
public final class KafkaNodeMain {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaNodeMain.class);

    private KafkaNodeMain() {}

    /** @param args the node's {@code server.properties} and the cluster id */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: KafkaNodeMain SERVER_PROPERTIES CLUSTER_ID");
            System.exit(2);
        }
        try {
            run(Path.of(args[0]), args[1]);
        } catch (RuntimeException | IOException e) {
            LOG.error("Kafka node failed to start from {}", args[0], e);
            // Also on stderr, the node's log file, should no logging binding be on the class path.
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(Path serverProperties, String clusterId) throws IOException {
        long begin = System.nanoTime();
        Map<String, String> settings = load(serverProperties);
        KafkaConfig config = new KafkaConfig(settings, false);
        int nodeId = Integer.parseInt(required(settings, "node.id"));
        String logDir = required(settings, "log.dirs").split(",")[0].trim();
        KafkaStorage.formatIfNeeded(
                Path.of(logDir),
                nodeId,
                clusterId,
                required(settings, "controller.listener.names").split(",")[0].trim());
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            long stopping = System.nanoTime();
                            server.shutdown();
                            server.awaitShutdown();
                            LOG.info(
                                    "Kafka node {} stopped in {} ms",
                                    nodeId,
                                    (System.nanoTime() - stopping) / 1_000_000);
                        },
                        "kafka-node-shutdown"));
        server.startup();
        LOG.info(
                "Kafka node {} started in {} ms (pid {}, listeners {}, data {})",
                nodeId,
                (System.nanoTime() - begin) / 1_000_000,
                ProcessHandle.current().pid(),
                settings.get("listeners"),
                logDir);
        server.awaitShutdown();
    }

    private static String required(Map<String, String> settings, String key) {
        String value = settings.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("Missing " + key + " in the node's server.properties");
        }
        return value;
    }

    private static Map<String, String> load(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> settings = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> settings.put(name, properties.getProperty(name)));
        return settings;
    }
}
