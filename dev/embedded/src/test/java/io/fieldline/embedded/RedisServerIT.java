package io.fieldline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
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
}
