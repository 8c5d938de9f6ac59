package io.fieldline.app.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A watched read that outlasts its deadline is cut (the blocked channel read ends, the connection is closed), and
 * the thread leaves the watch without an interrupt; a watch closed in time never interrupts.
 */
class ConnectionWatchdogTest {

    @Test
    void shouldCutABlockedReadPastItsDeadlineAndLeaveTheThreadClean() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ConnectionWatchdog watchdog =
                        new ConnectionWatchdog(Duration.ofMillis(200), Duration.ofSeconds(5), meters);
                ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
                SocketChannel client = SocketChannel.open(server.getLocalAddress());
                SocketChannel accepted = server.accept()) {
            long start = System.nanoTime();
            ConnectionWatchdog.Watch watch = watchdog.watch(ConnectionWatchdog.Phase.READ);

            // The client sends nothing: without the watchdog this read would block for ever.
            assertThatThrownBy(() -> accepted.read(ByteBuffer.allocate(16)))
                    .isInstanceOf(ClosedByInterruptException.class);
            long tookMs = (System.nanoTime() - start) / 1_000_000;

            assertThat(watch.expired()).isTrue();
            assertThat(accepted.isOpen()).as("the connection is closed").isFalse();
            watch.close();
            assertThat(Thread.currentThread().isInterrupted())
                    .as("the interrupt does not reach the thread's next task")
                    .isFalse();
            assertThat(tookMs).isBetween(150L, 2_000L);
            assertThat(meters.counter(ConnectionWatchdog.METER_DROPPED, "reason", "request_timeout")
                            .count())
                    .isEqualTo(1.0);
            assertThat(client.read(ByteBuffer.allocate(1)))
                    .as("the client sees the end")
                    .isEqualTo(-1);
        }
    }

    @Test
    void shouldNeverInterruptAThreadWhoseWatchEndedInTime() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ConnectionWatchdog watchdog =
                new ConnectionWatchdog(Duration.ofMillis(100), Duration.ofMillis(100), meters)) {
            ConnectionWatchdog.Watch watch = watchdog.watch(ConnectionWatchdog.Phase.WRITE);
            watch.close();

            Thread.sleep(300); // a few ticks past the deadline

            assertThat(Thread.interrupted()).isFalse();
            assertThat(watch.expired()).isFalse();
            assertThat(meters.counter(ConnectionWatchdog.METER_DROPPED, "reason", "response_timeout")
                            .count())
                    .isZero();
        }
    }

    @Test
    void shouldSayWhenEndingAWatchWhetherItExpiredAndNeverExpireItAfter() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ConnectionWatchdog watchdog =
                new ConnectionWatchdog(Duration.ofMillis(100), Duration.ofMillis(100), meters)) {
            // Expired while the thread was not blocked on a channel: only the interrupt flag was set.
            ConnectionWatchdog.Watch late = watchdog.watch(ConnectionWatchdog.Phase.READ);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!late.expired() && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
            assertThat(late.end()).as("the expiry is reported by end() itself").isTrue();
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
            assertThat(late.end()).as("idempotent").isTrue();

            ConnectionWatchdog.Watch inTime = watchdog.watch(ConnectionWatchdog.Phase.READ);
            assertThat(inTime.end()).isFalse();
            Thread.sleep(300);
            assertThat(inTime.expired()).as("an ended watch never expires").isFalse();
            assertThat(Thread.interrupted()).isFalse();
        }
    }
}
