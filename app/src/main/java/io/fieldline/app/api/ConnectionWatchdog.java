package io.fieldline.app.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Bounds how long a thread of the API may spend reading a request from a client, or writing an answer to one.
 *
 * <p>The JDK's HTTP server reads the request line and headers, and the handler the body, with blocking reads on the
 * connection's {@link java.nio.channels.SocketChannel}, without any time limit of its own (its
 * {@code sun.net.httpserver.maxReqTime} is off by default, process-wide, and fixed when the JDK first loads the
 * server, which the embedded Schema Registry or the ops endpoint may do first). A client that sends a few bytes and
 * stalls would hold the thread for ever. A socket channel is an interruptible channel: interrupting a thread blocked
 * on it closes the connection and ends the read or the write with an exception. So each read or write is
 * {@linkplain #watch watched}, and a watch still open past its deadline gets its thread interrupted. A watch only
 * ever interrupts its own thread while it is open, and {@link Watch#close()} clears an interrupt it delivered, so
 * the thread leaves clean for its next task.
 */
final class ConnectionWatchdog implements AutoCloseable {

    /** Connections the API closed unanswered, by {@code reason}. */
    static final String METER_DROPPED = "fieldline.api.connections.dropped";

    static final String REASON_REQUEST_TIMEOUT = "request_timeout";
    static final String REASON_RESPONSE_TIMEOUT = "response_timeout";
    static final String REASON_NO_READING_THREAD = "no_reading_thread";

    /** What a watched thread is doing. */
    enum Phase {
        READ,
        WRITE,
        /**
         * Discarding what is left of a refused request's body after its answer was sent: a short wait (at most
         * {@value #DRAIN_MILLIS} ms, the tick's granularity aside), not counted as a dropped connection.
         */
        DRAIN
    }

    static final long DRAIN_MILLIS = 250;

    /** One watched read or write, closed by the thread it watches. */
    final class Watch implements AutoCloseable {
        private final Thread thread = Thread.currentThread();
        private final Phase phase;
        private final long deadline;
        private boolean open = true;
        private boolean expired;

        private Watch(Phase phase, long deadline) {
            this.phase = phase;
            this.deadline = deadline;
        }

        /** Whether the deadline passed while the watch was open (the connection has been closed). */
        synchronized boolean expired() {
            return expired;
        }

        /** Ends the watch; must be called by the watched thread. Idempotent. */
        @Override
        public void close() {
            end();
        }

        /**
         * Ends the watch like {@link #close()} and says, atomically with ending it, whether its deadline passed while
         * it was open: once this returns, the watch can no longer expire, so a caller that gets false knows its thread
         * was never interrupted by it. Must be called by the watched thread. Idempotent.
         */
        synchronized boolean end() {
            if (open) {
                open = false;
                watches.remove(this);
                if (expired) {
                    // The interrupt closed the connection; it must not reach the thread's next task.
                    Thread.interrupted();
                }
            }
            return expired;
        }

        private synchronized void expireIfDue(long now) {
            if (open && !expired && now - deadline >= 0) {
                expired = true;
                if (phase == Phase.READ) {
                    readsCut.increment();
                } else if (phase == Phase.WRITE) {
                    writesCut.increment();
                }
                thread.interrupt();
            }
        }
    }

    private final long readNanos;
    private final long writeNanos;
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker;
    private final Counter readsCut;
    private final Counter writesCut;

    ConnectionWatchdog(Duration read, Duration write, MeterRegistry meters) {
        this.readsCut = dropped(meters, REASON_REQUEST_TIMEOUT);
        this.writesCut = dropped(meters, REASON_RESPONSE_TIMEOUT);
        this.readNanos = read.toNanos();
        this.writeNanos = write.toNanos();
        long tick = Math.max(10, Math.min(250, Math.min(read.toMillis(), write.toMillis()) / 10));
        this.ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fieldline-api-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        ticker.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** Starts watching the current thread's read or write. */
    Watch watch(Phase phase) {
        long nanos = switch (phase) {
            case READ -> readNanos;
            case WRITE -> writeNanos;
            case DRAIN -> Math.min(readNanos, TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS));
        };
        Watch watch = new Watch(phase, System.nanoTime() + nanos);
        watches.add(watch);
        return watch;
    }

    /** The counter of connections closed unanswered for {@code reason}. */
    static Counter dropped(MeterRegistry meters, String reason) {
        return Counter.builder(METER_DROPPED)
                .description("Connections the API closed unanswered: a request not sent in time, an answer not taken "
                        + "in time, or no reading thread free")
                .tag("reason", reason)
                .register(meters);
    }

    private void tick() {
        long now = System.nanoTime();
        for (Watch watch : watches) {
            watch.expireIfDue(now);
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
