package io.fieldline.core.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private static final RetryPolicy FAST =
            new RetryPolicy(Duration.ofMillis(1), Duration.ofMillis(8), 2.0, 0.0, 0, Duration.ZERO);

    @Test
    void shouldGrowTheBackoffExponentiallyUpToTheCap() {
        assertThat(FAST.backoff(1)).isEqualTo(Duration.ofMillis(1));
        assertThat(FAST.backoff(2)).isEqualTo(Duration.ofMillis(2));
        assertThat(FAST.backoff(4)).isEqualTo(Duration.ofMillis(8));
        assertThat(FAST.backoff(5)).isEqualTo(Duration.ofMillis(8));
        assertThat(FAST.backoff(10_000)).isEqualTo(Duration.ofMillis(8));
    }

    @Test
    void shouldDrawJitteredPausesWithinTheJitterBand() {
        RetryPolicy policy =
                new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(100), 2.0, 0.5, 0, Duration.ZERO);
        for (int i = 0; i < 200; i++) {
            assertThat(policy.jittered(1).toMillis()).isBetween(50L, 100L);
        }
    }

    @Test
    void shouldRetryUntilTheOperationSucceeds() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        String result = FAST.call(
                "flaky",
                () -> {
                    if (calls.incrementAndGet() < 4) {
                        throw new IOException("not yet");
                    }
                    return "done";
                },
                e -> e instanceof IOException);
        assertThat(result).isEqualTo("done");
        assertThat(calls).hasValue(4);
    }

    @Test
    void shouldGiveUpAfterMaxAttemptsWithTheLastFailureAsCause() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> FAST.withMaxAttempts(3)
                        .call(
                                "always failing",
                                () -> {
                                    throw new IOException("failure " + calls.incrementAndGet());
                                },
                                e -> true))
                .isInstanceOf(RetryExhaustedException.class)
                .hasMessageContaining("always failing failed 3 time(s)")
                .cause()
                .hasMessage("failure 3");
        assertThat(calls).hasValue(3);
    }

    @Test
    void shouldGiveUpOnceFailingLongerThanAllowed() {
        RetryPolicy policy =
                new RetryPolicy(Duration.ofMillis(5), Duration.ofMillis(5), 1.0, 0.0, 0, Duration.ofMillis(40));
        AtomicInteger calls = new AtomicInteger();
        long started = System.nanoTime();
        assertThatThrownBy(() -> policy.call(
                        "slow",
                        () -> {
                            calls.incrementAndGet();
                            throw new IOException("down");
                        },
                        e -> true))
                .isInstanceOf(RetryExhaustedException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(40));
        assertThat(calls.get()).isGreaterThan(1);
    }

    @Test
    void shouldRethrowAFailureThatIsNotRetriableAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> FAST.call(
                        "bad input",
                        () -> {
                            calls.incrementAndGet();
                            throw new IllegalArgumentException("permanent");
                        },
                        e -> e instanceof IOException))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void shouldKeepTheInterruptFlagWhenInterruptedWhileWaiting() throws Exception {
        RetryPolicy slow = RetryPolicy.exponential(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ZERO);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                slow.call(
                        "waits",
                        () -> {
                            throw new IOException("down");
                        },
                        e -> true);
            } catch (Exception e) {
                thrown.set(e);
                flag.set(Thread.currentThread().isInterrupted());
            }
        });
        worker.start();
        Thread.sleep(100);
        worker.interrupt();
        worker.join(5_000);
        assertThat(worker.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(flag.get()).isTrue();
    }

    @Test
    void shouldHandOutPausesForLoopsThatWaitTheirOwnWay() {
        RetryPolicy.Backoff backoff = FAST.withMaxAttempts(3).start();
        assertThat(backoff.next()).contains(Duration.ofMillis(1));
        assertThat(backoff.next()).contains(Duration.ofMillis(2));
        assertThat(backoff.next()).isEmpty();
        assertThat(backoff.attempts()).isEqualTo(3);
    }

    @Test
    void shouldRejectAnInconsistentPolicy() {
        assertThatThrownBy(
                        () -> new RetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(1), 2.0, 0.0, 0, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("initial");
        assertThatThrownBy(() -> FAST.withJitter(1.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
