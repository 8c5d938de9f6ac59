package io.fieldline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fieldline up --brokers 3} killed with SIGKILL runs no shutdown hook: its three Kafka node JVMs must still go
 * away with it, or they keep six ports, three heaps and their data until someone finds them.
 */
class KafkaClusterDiesWithItsParentIT {

    @Test
    void shouldStopEveryNodeJvmWhenTheJvmThatStartedThemIsKilled(@TempDir Path base) throws Exception {
        Process jvm = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        ClusterUntilKilledMain.class.getName(),
                        base.resolve("cluster").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .start();
        List<Long> nodes = new ArrayList<>();
        try {
            nodes.addAll(awaitReady(jvm));
            assertThat(nodes)
                    .hasSize(3)
                    .allSatisfy(
                            pid -> assertThat(alive(pid)).as("node pid %d", pid).isTrue());

            jvm.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(jvm.waitFor(10, TimeUnit.SECONDS)).isTrue();

            // SIGTERM from the watchdog: a clean stop takes a few seconds, SIGKILL follows after ten.
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(nodes.stream().map(KafkaClusterDiesWithItsParentIT::alive))
                            .as("node JVMs %s alive", nodes)
                            .containsOnly(false));
        } finally {
            jvm.destroyForcibly();
            // Whatever the outcome, leave no node behind.
            nodes.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    private static List<Long> awaitReady(Process jvm) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY ")) {
                // Keep draining the pipe, so the JVM never blocks on a full one.
                Thread drain = new Thread(
                        () -> {
                            try {
                                while (out.readLine() != null) {
                                    // discard
                                }
                            } catch (java.io.IOException e) {
                                // the JVM is gone
                            }
                        },
                        "drain-" + jvm.pid());
                drain.setDaemon(true);
                drain.start();
                return Arrays.stream(line.substring("READY ".length()).trim().split(","))
                        .map(Long::parseLong)
                        .toList();
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("cluster did not start; output:\n" + seen);
    }

    /** Running: a zombie (dead, waiting for its new parent to reap it) is not. Linux. */
    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
