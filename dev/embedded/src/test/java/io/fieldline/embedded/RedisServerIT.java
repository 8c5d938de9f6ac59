package io.fieldline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** A dedicated server (never the shared one) because this test stops and restarts it. */
class RedisServerIT {

    @Test
    void shouldComeBackOnTheSamePortAfterStopAndStart() {
        try (RedisServer server = new RedisServer()) {
            server.start();
            String url = server.url();
            RedisClient client = RedisClient.create(url);
            try {
                try (StatefulRedisConnection<String, String> connection = client.connect()) {
                    assertThat(connection.sync().set("k", "v")).isEqualTo("OK");
                }
                server.stop();
                assertThatThrownBy(() -> client.connect().close()).isInstanceOf(RedisConnectionException.class);

                server.start();
                assertThat(server.url()).isEqualTo(url);
                try (StatefulRedisConnection<String, String> connection = client.connect()) {
                    assertThat(connection.sync().ping()).isEqualTo("PONG");
                    // No persistence: a restarted Redis starts empty.
                    assertThat(connection.sync().get("k")).isNull();
                }
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    /** Ctrl-C in a terminal signals the JVM's process group: Redis must not be in it (OwnSession). */
    @Test
    void shouldRunOutsideTheProcessGroupAndSessionOfThisJvm() throws IOException {
        Assumptions.assumeTrue(OwnSession.available(), "no /usr/bin/setsid");
        try (RedisServer server = new RedisServer()) {
            server.start();
            RedisClient client = RedisClient.create(server.url());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                String info = connection.sync().info("server");
                long pid = info.lines()
                        .filter(line -> line.startsWith("process_id:"))
                        .mapToLong(line -> Long.parseLong(
                                line.substring("process_id:".length()).trim()))
                        .findFirst()
                        .orElseThrow();
                String[] redis = stat(Path.of("/proc", Long.toString(pid), "stat"));
                String[] jvm = stat(Path.of("/proc", "self", "stat"));
                // Fields after the command name: state, ppid, pgrp, session.
                assertThat(redis[2]).as("Redis' process group").isNotEqualTo(jvm[2]);
                assertThat(redis[3]).as("Redis' session").isNotEqualTo(jvm[3]);
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    private static String[] stat(Path file) throws IOException {
        String line = Files.readString(file);
        return line.substring(line.lastIndexOf(')') + 2).split(" ");
    }
}
