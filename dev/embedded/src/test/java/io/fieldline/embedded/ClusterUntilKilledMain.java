package io.fieldline.embedded;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Starts a {@link KafkaCluster}, prints {@code READY <pid>,<pid>,<pid>} (its node JVMs) and waits to be killed: the
 * JVM that {@link KafkaClusterDiesWithItsParentIT} kills with SIGKILL, as a user kills {@code fieldline up}.
 */
public final class ClusterUntilKilledMain {

    private ClusterUntilKilledMain() {}

    /** @param args the cluster's data directory */
    public static void main(String[] args) throws Exception {
        KafkaCluster cluster = new KafkaCluster(Path.of(args[0]), Map.of());
        cluster.start();
        System.out.println("READY "
                + cluster.nodeIds().stream()
                        .map(id -> Long.toString(cluster.pid(id)))
                        .collect(Collectors.joining(",")));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
