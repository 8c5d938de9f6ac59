package io.fieldline.connectors.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.core.retry.RetryExhaustedException;
import io.fieldline.core.retry.RetryPolicy;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.SQLException;
import java.time.Duration;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

class JdbcDevicePlacementLookupTest {

    @Test
    void shouldRetryAnUnreachableDatabaseThenFailLoudly() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        RetryPolicy fast = new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(20), 1.0, 0.0, 3, Duration.ZERO);
        long start = System.nanoTime();
        try (JdbcDevicePlacementLookup lookup = new JdbcDevicePlacementLookup(
                "jdbc:postgresql://127.0.0.1:" + closedPort + "/fieldline?connectTimeout=2",
                "fieldline",
                "secret",
                "metadata",
                fast)) {
            assertThatThrownBy(() -> lookup.place("veg-a", null))
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining("room veg-a")
                    .hasMessageContaining("after 3 attempts")
                    .cause()
                    .isInstanceOf(RetryExhaustedException.class)
                    .satisfies(e ->
                            assertThat(((RetryExhaustedException) e).attempts()).isEqualTo(3))
                    .cause()
                    .isInstanceOf(SQLException.class);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("two pauses between three attempts")
                .isGreaterThanOrEqualTo(Duration.ofMillis(40));
    }

    @Test
    void shouldUseTheOneRetryPolicyBoundedByAttempts() {
        assertThat(JdbcDevicePlacementLookup.RETRY.maxAttempts()).isEqualTo(4);
        assertThat(JdbcDevicePlacementLookup.RETRY.backoff(1)).isEqualTo(Duration.ofMillis(250));
        assertThat(JdbcDevicePlacementLookup.RETRY.backoff(3)).isEqualTo(Duration.ofSeconds(1));
    }
}
