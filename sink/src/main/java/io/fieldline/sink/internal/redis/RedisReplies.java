package io.fieldline.sink.internal.redis;

import io.fieldline.sink.internal.worker.SinkWriteException;
import io.lettuce.core.RedisCommandExecutionException;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for a pipeline's replies and sorts failures into transient (Redis) and permanent (data). */
final class RedisReplies {

    /** Error replies that say Redis cannot serve now, not that the command is wrong. */
    private static final List<String> TRANSIENT_ERRORS = List.of("NOSCRIPT", "LOADING", "BUSY", "OOM", "TRYAGAIN",
            "CLUSTERDOWN", "MASTERDOWN", "READONLY", "NOREPLICAS");

    private RedisReplies() {
    }

    /**
     * Waits for every reply.
     *
     * @return the replies, in order
     */
    static List<Object> await(List<? extends Future<?>> futures, Duration timeout) throws SinkWriteException.Transient {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object[] replies = new Object[futures.size()];
        try {
            for (int i = 0; i < futures.size(); i++) {
                replies[i] = futures.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkWriteException.Transient("interrupted while waiting for Redis", e);
        } catch (TimeoutException e) {
            throw new SinkWriteException.Transient("Redis did not reply within " + timeout, e);
        } catch (ExecutionException e) {
            throw new SinkWriteException.Transient("Redis failed: " + e.getCause().getMessage(), e.getCause());
        }
        return java.util.Arrays.asList(replies);
    }

    /**
     * Like {@link #await}, but an error reply that blames the command (WRONGTYPE, a script error) is
     * permanent, so the batch gets split and the offending record dead-lettered.
     */
    static List<Object> awaitClassified(List<? extends Future<?>> futures, Duration timeout) throws SinkWriteException {
        try {
            return await(futures, timeout);
        } catch (SinkWriteException.Transient e) {
            if (e.getCause() instanceof RedisCommandExecutionException error && !isTransient(error)) {
                throw new SinkWriteException.Permanent("Redis rejected a command: " + error.getMessage(), error);
            }
            throw e;
        }
    }

    static boolean isTransient(RedisCommandExecutionException error) {
        String message = String.valueOf(error.getMessage()).toUpperCase(Locale.ROOT);
        return TRANSIENT_ERRORS.stream().anyMatch(message::startsWith);
    }

    static boolean isNoScript(Throwable error) {
        return error instanceof RedisCommandExecutionException
                && String.valueOf(error.getMessage()).startsWith("NOSCRIPT");
    }
}
