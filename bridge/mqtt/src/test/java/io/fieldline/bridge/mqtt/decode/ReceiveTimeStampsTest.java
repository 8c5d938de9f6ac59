package io.fieldline.bridge.mqtt.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ReceiveTimeStampsTest {

    private static final Instant NOW = Instant.parse("2024-05-01T12:00:30.123456Z");

    private final ReceiveTimeStamps stamps = new ReceiveTimeStamps();

    @Test
    void shouldTruncateToMillisecondsAndFollowTheClockWhenItMovesOn() {
        assertThat(stamps.stamp("d", "co2", NOW)).isEqualTo(Instant.parse("2024-05-01T12:00:30.123Z"));
        assertThat(stamps.stamp("d", "co2", NOW.plusMillis(5))).isEqualTo(Instant.parse("2024-05-01T12:00:30.128Z"));
    }

    @Test
    void shouldNeverGoBackwardsForASeriesWhenTheClockDoes() {
        Instant first = stamps.stamp("d", "co2", NOW);

        assertThat(stamps.stamp("d", "co2", NOW.minusSeconds(1))).isEqualTo(first.plusMillis(1));
    }

    @Test
    void shouldGiveEveryStampOfOneSeriesFromManyThreadsItsOwnMillisecond() throws InterruptedException {
        Set<Instant> seen = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < 5000; i++) {
                    seen.add(stamps.stamp("d", "co2", NOW));
                }
            });
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(seen).hasSize(20_000);
    }

    @Test
    void shouldForgetSeriesSilentLongerThanTheHorizon() {
        for (int i = 0; i < 1000; i++) {
            stamps.stamp("old-" + i, "co2", NOW);
        }
        Instant later = NOW.plusMillis(ReceiveTimeStamps.HORIZON_MS + 1);
        for (int i = 0; i < 4096; i++) {
            stamps.stamp("new", "co2", later);
        }

        assertThat(stamps.size()).isEqualTo(1);
    }
}
