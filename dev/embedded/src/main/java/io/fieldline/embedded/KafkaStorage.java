package io.fieldline.embedded;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Formats a KRaft node's log directory before its first start, with Kafka's own {@link Formatter} (what
 * {@code kafka-storage.sh format} runs) at the latest production {@code metadata.version}. The quorum is static
 * ({@code controller.quorum.voters}), so no initial controllers are written.
 */
final class KafkaStorage {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaStorage.class);

    private KafkaStorage() {}

    /**
     * Formats {@code logDir} unless it already holds {@code meta.properties} (a restart keeps its data).
     *
     * @param logDir             the node's only log directory, also its metadata log directory
     * @param nodeId             the node's {@code node.id}
     * @param clusterId          the cluster id, the same on every node of a cluster
     * @param controllerListener the name of the controller listener
     */
    static void formatIfNeeded(Path logDir, int nodeId, String clusterId, String controllerListener) {
        formatIfNeeded(logDir, nodeId, clusterId, controllerListener, List.of());
    }

    /**
     * As {@link #formatIfNeeded(Path, int, String, String)}, with SCRAM credentials written into the bootstrap
     * metadata (what {@code kafka-storage.sh format --add-scram} does), so SASL/SCRAM users, the broker's own
     * inter-broker user among them, exist before the first start.
     *
     * @param scramArguments one per user, {@code SCRAM-SHA-512=[name=alice,password=secret]}
     */
    static void formatIfNeeded(
            Path logDir, int nodeId, String clusterId, String controllerListener, List<String> scramArguments) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(printStream)
                    .setNodeId(nodeId)
                    .setClusterId(clusterId)
                    .setDirectories(List.of(logDir.toString()))
                    .setMetadataLogDirectory(logDir.toString())
                    .setControllerListenerName(controllerListener)
                    .setScramArguments(scramArguments)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot format Kafka storage in " + logDir, e);
        }
        LOG.debug(
                "Formatted Kafka storage {} of node {} with cluster id {}: {}",
                logDir,
                nodeId,
                clusterId,
                output.toString(StandardCharsets.UTF_8).trim());
    }
}
