package io.fieldline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.core.retry.RetryPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RedisServerTest {

    private static final RetryPolicy FAST = new RetryPolicy(
            Duration.ofMillis(1),
            Duration.ofMillis(1),
            1.0,
            0.0,
            RedisServer.TEXT_FILE_BUSY_RETRY.maxAttempts(),
            Duration.ZERO);

    private static IOException busy() {
        return new IOException("Cannot run program \"/tmp/redis-server-7\": error=26, Text file busy");
    }

    @Test
    void shouldStartAgainWhileTheBinaryIsBusy() {
        AtomicInteger calls = new AtomicInteger();

        String started = RedisServer.startRetryingWhileTextFileBusy(
                () -> {
                    if (calls.incrementAndGet() < 3) {
                        throw busy();
                    }
                    return "started";
                },
                FAST,
                "Redis on port 1");

        assertThat(started).isEqualTo("started");
        assertThat(calls).hasValue(3);
    }

    @Test
    void shouldGiveUpAfterFiveAttempts() {
        AtomicInteger calls = new AtomicInteger();

        assertThatThrownBy(() -> RedisServer.startRetryingWhileTextFileBusy(
                        () -> {
                            calls.incrementAndGet();
                            throw busy();
                        },
                        FAST,
                        "Redis on port 1"))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("Redis on port 1 failed to start")
                .cause()
                .hasMessageContaining("Text file busy");
        assertThat(calls).hasValue(5);
    }

    @Test
    void shouldFailAtOnceForAnotherFailure() {
        AtomicInteger calls = new AtomicInteger();

        assertThatThrownBy(() -> RedisServer.startRetryingWhileTextFileBusy(
                        () -> {
                            calls.incrementAndGet();
                            throw new IOException("Permission denied");
                        },
                        FAST,
                        "Redis on port 1"))
                .isInstanceOf(UncheckedIOException.class);
        assertThat(calls).hasValue(1);
    }
}
