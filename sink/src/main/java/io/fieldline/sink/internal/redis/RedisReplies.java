package io.fieldline.sink.internal.redis;

import io.fieldline.sink.internal.worker.SinkWriteException;
import io.lettuce.core.RedisCommandExecutionException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Waits for a pipeline's replies and sorts failures into transient (Redis) and permanent (data). */
final class RedisReplies {

    /**
     * Error replies that the record causes, whatever state the server is in: a key (named after the record)
     * holding another type, an argument Redis refuses, a Lua runtime error in one of the sink's scripts (they
     * are deterministic in their arguments and the key's contents). Everything else, including codes this
     * list does not know (MISCONF, NOPERM, OOM, a future one), is about the server and transient.
     */
    private static final List<String> RECORD_ERRORS = List.of(
            "WRONGTYPE",
            "ERR value is not",
            "ERR invalid expire time",
            "ERR string exceeds maximum allowed size",
            "ERR user_script:",
            "user_script:");
    /** Redis 6 wraps what fails inside a script; Redis 7 keeps the inner error's code and appends the script. */
    private static final Pattern SCRIPT_WRAPPER = Pattern.compile(
            "^ERR Error running script \\(call to f_[0-9a-f]+\\): @user_script:\\d+: (.*)$", Pattern.DOTALL);

    private RedisReplies() {}

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
            throw new SinkWriteException.Transient(
                    "Redis failed: " + e.getCause().getMessage(), e.getCause());
        }
        return java.util.Arrays.asList(replies);
    }

    /**
     * Like {@link #await}, but an error reply that blames the record ({@link #RECORD_ERRORS}) is permanent,
     * so the batch gets split and the offending record dead-lettered. Any other error reply is transient.
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

    /** Whether an error reply is about the server rather than the record: everything not in {@link #RECORD_ERRORS}. */
    static boolean isTransient(RedisCommandExecutionException error) {
        String message = String.valueOf(error.getMessage());
        Matcher wrapped = SCRIPT_WRAPPER.matcher(message);
        if (wrapped.matches()) {
            message = wrapped.group(1);
        }
        String reply = message;
        return RECORD_ERRORS.stream().noneMatch(reply::startsWith);
    }

    static boolean isNoScript(Throwable error) {
        return error instanceof RedisCommandExecutionException
                && String.valueOf(error.getMessage()).startsWith("NOSCRIPT");
    }
}
