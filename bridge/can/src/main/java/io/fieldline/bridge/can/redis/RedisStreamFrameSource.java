package io.fieldline.bridge.can.redis;

import io.fieldline.bridge.can.CanFramePublisher;
import io.fieldline.can.CanFrame;
import io.fieldline.core.retry.RetryExhaustedException;
import io.fieldline.core.retry.RetryPolicy;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.ClaimedMessages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads raw CAN frames from a Redis stream with a consumer group and publishes them through a
 * {@link CanFramePublisher}; entry layout in {@link RedisFrameFields}.
 *
 * <p>At least once: an entry is acknowledged ({@code XACK}) only after Kafka acknowledged every record made from
 * it (its readings, or its dead letter). On start the group is created if missing ({@code MKSTREAM}, from the
 * beginning of the stream); then this consumer's own pending entries (delivered before a crash, never
 * acknowledged) are read again, and entries other consumers left pending longer than the claim idle time are
 * taken over with {@code XAUTOCLAIM} (Redis 6.2+), also periodically while running. An entry that is not a frame
 * is dead-lettered and acknowledged, so it cannot block the stream.
 *
 * <p>Redis failures are retried as the settings' {@link RetryPolicy} says (by default {@link #RETRY}: ten
 * retries in a row), then the source fails loudly: {@link #failure()} holds a {@link RetryExhaustedException}
 * with the last Redis failure as its cause, and the loop stops. A successful read starts the count afresh.
 */
public final class RedisStreamFrameSource implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisStreamFrameSource.class);
    private static final long KAFKA_ACK_TIMEOUT_SECONDS = 120;

    /** Eleven attempts in a row (ten retries), pauses doubling from 400 ms up to 30 s: about two minutes in all. */
    public static final RetryPolicy RETRY = RetryPolicy.exponential(
                    Duration.ofMillis(400), Duration.ofSeconds(30), Duration.ZERO)
            .withMaxAttempts(11);

    /**
     * Where to read.
     *
     * @param url         redis://host:port
     * @param stream      stream key
     * @param group       consumer group
     * @param consumer    consumer name, stable across restarts
     * @param batchSize   entries per read
     * @param blockMs     how long a read waits for new entries
     * @param claimIdleMs idle time after which other consumers' pending entries are claimed
     * @param retry       how Redis failures in a row are retried before giving up
     */
    public record Settings(
            String url,
            String stream,
            String group,
            String consumer,
            int batchSize,
            long blockMs,
            long claimIdleMs,
            RetryPolicy retry) {
        public Settings {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(stream, "stream");
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(consumer, "consumer");
            Objects.requireNonNull(retry, "retry");
        }
    }

    private final Settings settings;
    private final CanFramePublisher publisher;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final Thread thread;
    private final AtomicLong entries = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong claimed = new AtomicLong();
    private volatile boolean closed;
    private volatile Exception failure;

    private RedisStreamFrameSource(Settings settings, CanFramePublisher publisher) {
        this.settings = settings;
        this.publisher = publisher;
        this.client = RedisClient.create(settings.url());
        this.connection = client.connect();
        this.thread = new Thread(this::run, "can-redis-" + settings.stream());
        this.thread.setDaemon(true);
    }

    /** Connects, creates the group if needed and starts reading on a thread of its own. */
    public static RedisStreamFrameSource start(Settings settings, CanFramePublisher publisher) {
        RedisStreamFrameSource s = new RedisStreamFrameSource(settings, Objects.requireNonNull(publisher, "publisher"));
        try {
            s.createGroup();
        } catch (RuntimeException e) {
            s.closeConnection();
            throw e;
        }
        s.thread.start();
        return s;
    }

    private void createGroup() {
        try {
            connection
                    .sync()
                    .xgroupCreate(
                            XReadArgs.StreamOffset.from(settings.stream(), "0"),
                            settings.group(),
                            XGroupCreateArgs.Builder.mkstream());
            LOG.info("Created consumer group {} on Redis stream {}", settings.group(), settings.stream());
        } catch (RedisBusyException e) {
            LOG.debug("Consumer group {} exists", settings.group());
        } catch (RedisCommandExecutionException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) {
                throw e;
            }
        }
    }

    private void run() {
        RedisCommands<String, String> redis = connection.sync();
        Consumer<String> me = Consumer.from(settings.group(), settings.consumer());
        RetryPolicy.Backoff failing = null; // the failures in a row, if any
        boolean ownPendingDone = false;
        long nextClaim = 0;
        while (!closed) {
            try {
                if (!ownPendingDone) {
                    // "0": entries delivered to this consumer earlier and never acknowledged.
                    List<StreamMessage<String, String>> pending = read(
                            redis,
                            me,
                            XReadArgs.Builder.count(settings.batchSize()),
                            XReadArgs.StreamOffset.from(settings.stream(), "0"));
                    if (pending.isEmpty()) {
                        ownPendingDone = true;
                    } else {
                        LOG.info("Re-reading {} pending entries of consumer {}", pending.size(), settings.consumer());
                        process(redis, pending);
                    }
                    continue;
                }
                if (System.currentTimeMillis() >= nextClaim) {
                    claimStale(redis, me);
                    nextClaim = System.currentTimeMillis() + Math.max(1000, settings.claimIdleMs() / 2);
                }
                List<StreamMessage<String, String>> batch = read(
                        redis,
                        me,
                        XReadArgs.Builder.count(settings.batchSize()).block(settings.blockMs()),
                        XReadArgs.StreamOffset.lastConsumed(settings.stream()));
                process(redis, batch);
                failing = null;
            } catch (RedisException e) {
                if (closed) {
                    return;
                }
                if (failing == null) {
                    failing = settings.retry().start();
                }
                LOG.warn("Redis stream {} read failed ({} in a row)", settings.stream(), failing.attempts() + 1, e);
                try {
                    if (!failing.retry(e)) {
                        failure = new RetryExhaustedException(
                                "reading Redis stream " + settings.stream(), failing.attempts(), failing.elapsed(), e);
                        LOG.error(
                                "Redis stream {} failed {} times in a row; the CAN Redis input stops",
                                settings.stream(),
                                failing.attempts(),
                                e);
                        return;
                    }
                } catch (InterruptedException ie) {
                    return; // the policy has set the interrupt flag again
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                failure = e;
                LOG.error(
                        "Publishing frames of Redis stream {} to Kafka failed; the CAN Redis input stops "
                                + "(unacknowledged entries stay pending)",
                        settings.stream(),
                        e);
                return;
            }
        }
    }

    @SuppressWarnings("unchecked") // Lettuce takes the offsets as generic varargs; exactly one is passed
    private static List<StreamMessage<String, String>> read(
            RedisCommands<String, String> redis,
            Consumer<String> me,
            XReadArgs args,
            XReadArgs.StreamOffset<String> offset) {
        return redis.xreadgroup(me, args, offset);
    }

    private void claimStale(RedisCommands<String, String> redis, Consumer<String> me)
            throws InterruptedException, ExecutionException, TimeoutException {
        String start = "0-0";
        do {
            ClaimedMessages<String, String> c = redis.xautoclaim(
                    settings.stream(),
                    XAutoClaimArgs.Builder.xautoclaim(me, Duration.ofMillis(settings.claimIdleMs()), start)
                            .count(settings.batchSize()));
            if (!c.getMessages().isEmpty()) {
                claimed.addAndGet(c.getMessages().size());
                LOG.info(
                        "Claimed {} entries of Redis stream {} idle for over {} ms",
                        c.getMessages().size(),
                        settings.stream(),
                        settings.claimIdleMs());
                process(redis, c.getMessages());
            }
            start = c.getId();
        } while (!closed && start != null && !start.equals("0-0"));
    }

    private void process(RedisCommands<String, String> redis, List<StreamMessage<String, String>> batch)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (batch.isEmpty()) {
            return;
        }
        List<CompletableFuture<Void>> sent = new ArrayList<>(batch.size());
        String[] ids = new String[batch.size()];
        String source = "redis:" + settings.stream();
        for (int i = 0; i < batch.size(); i++) {
            StreamMessage<String, String> m = batch.get(i);
            ids[i] = m.getId();
            long n = entries.incrementAndGet();
            if (m.getBody() == null) {
                // Deleted (XDEL) while pending: nothing to publish, only to acknowledge.
                sent.add(CompletableFuture.completedFuture(null));
                continue;
            }
            CanFrame frame;
            try {
                frame = RedisFrameFields.parse(m.getBody());
            } catch (IllegalArgumentException e) {
                sent.add(publisher.publishMalformed(
                        m.getBody().toString(), source, n, "entry " + m.getId() + ": " + e.getMessage()));
                continue;
            }
            sent.add(publisher.publish(frame, source, n));
        }
        // Kafka first, then XACK: a crash in between re-delivers the entries (at least once).
        CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0]))
                .get(KAFKA_ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        acked.addAndGet(redis.xack(settings.stream(), settings.group(), ids));
    }

    /** Entries read so far (including re-read and claimed ones). */
    public long entries() {
        return entries.get();
    }

    /** Entries acknowledged so far. */
    public long acknowledged() {
        return acked.get();
    }

    /** Entries taken over from other consumers. */
    public long claimed() {
        return claimed.get();
    }

    /** Why the source stopped by itself, or null while it runs (or after a normal close). */
    public Exception failure() {
        return failure;
    }

    /** Whether the reading thread is still running. */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Stops reading (waits up to the block time plus a margin) and disconnects. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(settings.blockMs() + 5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }

    private void closeConnection() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
