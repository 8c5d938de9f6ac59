package io.fieldline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fieldline up} killed with SIGKILL runs no shutdown hook: its PostgreSQL and Redis child processes must
 * still go away with it, or they keep their ports and data directories until someone finds them.
 */
class ChildServersDieWithTheirParentIT {

    @Test
    void shouldStopPostgresAndRedisWhenTheirJvmIsKilled(@TempDir Path base) throws Exception {
        Process jvm = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        ServersUntilKilledMain.class.getName(),
                        base.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .start();
        long postgresPid = -1;
        long redisPid = -1;
        try {
            String redisUrl = awaitReady(jvm);
            postgresPid = Long.parseLong(
                    Files.readAllLines(base.resolve("pg").resolve("pgdata").resolve("postmaster.pid"))
                            .get(0)
                            .trim());
            redisPid = redisPid(redisUrl);
            assertThat(alive(postgresPid))
                    .as("postgres %d running", postgresPid)
                    .isTrue();
            assertThat(alive(redisPid)).as("redis-server %d running", redisPid).isTrue();

            jvm.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(jvm.waitFor(10, TimeUnit.SECONDS)).isTrue();

            long postgres = postgresPid;
            long redis = redisPid;
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(List.of(alive(postgres), alive(redis)))
                            .as("postgres %d and redis-server %d alive", postgres, redis)
                            .containsOnly(false));
        } finally {
            jvm.destroyForcibly();
            // Whatever the outcome, leave no server behind.
            for (long pid : new long[] {postgresPid, redisPid}) {
                if (pid > 0) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    private static String awaitReady(Process jvm) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY ")) {
                // Keep draining the pipe, so the child never blocks on a full one.
                Thread drain = new Thread(
                        () -> {
                            try {
                                while (out.readLine() != null) {
                                    // discard
                                }
                            } catch (java.io.IOException e) {
                                // the child is gone
                            }
                        },
                        "drain-" + jvm.pid());
                drain.setDaemon(true);
                drain.start();
                return line.substring("READY ".length()).trim();
            }
            seen.append(line).append(File.separatorChar == '/' ? "\n" : "\r\n");
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        throw new AssertionError("servers did not start; output:\n" + seen);
    }

    private static long redisPid(String url) {
        RedisClient client = RedisClient.create(url);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            for (String line : connection.sync().info("server").split("\r?\n")) {
                if (line.startsWith("process_id:")) {
                    return Long.parseLong(line.substring("process_id:".length()).trim());
                }
            }
            throw new AssertionError("no process_id in INFO server");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
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
