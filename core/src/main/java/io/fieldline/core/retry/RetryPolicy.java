package io.fieldline.core.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * The one retry policy of Fieldline: exponential backoff with jitter, bounded by a number of
 * attempts and by the time spent failing. Every retry loop in the code base uses it, so that
 * "retry a transient failure, then fail loudly" means the same thing everywhere.
 *
 * <p>Two ways to use it:
 * <ul>
 *   <li>{@link #call(String, Attempt, Predicate)} runs an operation until it succeeds, fails with an
 *       error that is not retriable, or the policy gives up; then it throws {@link RetryExhaustedException}
 *       with the last failure as its cause.</li>
 *   <li>{@link #start()} hands out a {@link Backoff} for loops that are not shaped like one call
 *       (a reconnect loop, a worker that keeps its batch between attempts).</li>
 * </ul>
 *
 * <p>Interrupts are never swallowed: a sleep that is interrupted restores the thread's interrupt
 * flag and throws {@link InterruptedException}.
 *
 * @param initialBackoff pause before the first retry
 * @param maxBackoff     cap of the pause; the exponential growth stops there
 * @param multiplier     growth factor of the pause from one retry to the next (at least 1)
 * @param jitter         fraction of each pause that is randomised, 0 (none) to 1 (full jitter):
 *                       a pause {@code p} becomes a uniform draw in {@code [p * (1 - jitter), p]},
 *                       so that many clients failing together do not retry together
 * @param maxAttempts    attempts in all, the first included; 0 for no bound
 * @param giveUpAfter    time failing after which no further attempt is made; zero for no bound
 */
public record RetryPolicy(
        Duration initialBackoff,
        Duration maxBackoff,
        double multiplier,
        double jitter,
        int maxAttempts,
        Duration giveUpAfter) {

    /** One attempt of an operation that may fail. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run() throws Exception;
    }

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(giveUpAfter, "giveUpAfter");
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("backoff must satisfy 0 <= initial <= max, got initial " + initialBackoff
                    + " and max " + maxBackoff);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier must be at least 1, got " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("jitter must be within [0, 1], got " + jitter);
        }
        if (maxAttempts < 0) {
            throw new IllegalArgumentException("maxAttempts must be 0 (no bound) or positive, got " + maxAttempts);
        }
        if (giveUpAfter.isNegative()) {
            throw new IllegalArgumentException("giveUpAfter must not be negative, got " + giveUpAfter);
        }
    }

    /**
     * Doubling backoff with 20 % jitter, bounded by time only.
     *
     * @param initialBackoff pause before the first retry
     * @param maxBackoff     cap of the pause
     * @param giveUpAfter    time failing after which the policy gives up; zero for never
     */
    public static RetryPolicy exponential(Duration initialBackoff, Duration maxBackoff, Duration giveUpAfter) {
        return new RetryPolicy(initialBackoff, maxBackoff, 2.0, 0.2, 0, giveUpAfter);
    }

    /** This policy with a bound on the number of attempts (the first included); 0 for none. */
    public RetryPolicy withMaxAttempts(int attempts) {
        return new RetryPolicy(initialBackoff, maxBackoff, multiplier, jitter, attempts, giveUpAfter);
    }

    /** This policy with another jitter fraction. */
    public RetryPolicy withJitter(double fraction) {
        return new RetryPolicy(initialBackoff, maxBackoff, multiplier, fraction, maxAttempts, giveUpAfter);
    }

    /**
     * The pause before retry number {@code retry} (1 = the first retry) before jitter: the initial
     * backoff times the multiplier to the power {@code retry - 1}, capped at the maximum.
     */
    public Duration backoff(int retry) {
        double millis = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(retry - 1, 0));
        long capped = millis >= maxBackoff.toMillis() || Double.isNaN(millis) ? maxBackoff.toMillis() : (long) millis;
        return Duration.ofMillis(capped);
    }

    /** Whether an operation that has failed {@code attempts} times over {@code failingFor} gets no further attempt. */
    public boolean givesUp(int attempts, Duration failingFor) {
        return (maxAttempts > 0 && attempts >= maxAttempts)
                || (!giveUpAfter.isZero() && failingFor.compareTo(giveUpAfter) >= 0);
    }

    /** A new backoff sequence, for a loop that starts failing now. */
    public Backoff start() {
        return new Backoff(this, System.nanoTime());
    }

    /**
     * Runs {@code attempt} until it succeeds, throws something {@code retriable} rejects, or the policy
     * gives up.
     *
     * @param what      what is being tried, for the exception's message (never a secret)
     * @param attempt   the operation
     * @param retriable which failures are worth another attempt; the others are rethrown at once
     * @return the operation's result
     * @throws RetryExhaustedException when the policy gave up; its cause is the last failure
     * @throws InterruptedException    when interrupted while waiting (the interrupt flag is set again)
     * @throws Exception               a failure {@code retriable} rejected, unchanged
     */
    public <T> T call(String what, Attempt<T> attempt, Predicate<? super Exception> retriable) throws Exception {
        Backoff backoff = start();
        while (true) {
            try {
                return attempt.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw e;
            } catch (Exception e) {
                if (!retriable.test(e)) {
                    throw e;
                }
                if (!backoff.retry(e)) {
                    throw new RetryExhaustedException(what, backoff.attempts(), backoff.elapsed(), e);
                }
            }
        }
    }

    /** Pause before retry {@code retry}, with jitter drawn now. */
    Duration jittered(int retry) {
        long millis = backoff(retry).toMillis();
        if (jitter == 0.0 || millis == 0) {
            return Duration.ofMillis(millis);
        }
        long floor = (long) (millis * (1.0 - jitter));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(floor, millis + 1));
    }

    /**
     * The state of one sequence of failures: how many attempts failed, since when, and the next
     * pause. Not thread-safe: one per loop.
     */
    public static final class Backoff {
        private final RetryPolicy policy;
        private final long startedNanos;
        private int failures;

        private Backoff(RetryPolicy policy, long startedNanos) {
            this.policy = policy;
            this.startedNanos = startedNanos;
        }

        /**
         * Records a failed attempt and, unless the policy gives up, sleeps the next pause.
         *
         * @param failure the failure, kept for nothing but the caller's logging
         * @return true to try again, false when the policy gives up (nothing was slept)
         * @throws InterruptedException when interrupted while sleeping; the interrupt flag is set again
         */
        public boolean retry(Exception failure) throws InterruptedException {
            Objects.requireNonNull(failure, "failure");
            failures++;
            if (policy.givesUp(failures, elapsed())) {
                return false;
            }
            sleep(policy.jittered(failures));
            return true;
        }

        /**
         * Records a failed attempt and returns the pause to wait before the next one, for callers that
         * wait in their own way (a poll loop that keeps serving a group while it waits).
         *
         * @return the pause, or empty when the policy gives up
         */
        public java.util.Optional<Duration> next() {
            failures++;
            if (policy.givesUp(failures, elapsed())) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(policy.jittered(failures));
        }

        /** Failed attempts so far. */
        public int attempts() {
            return failures;
        }

        /** Time since this sequence started. */
        public Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - startedNanos);
        }

        private static void sleep(Duration pause) throws InterruptedException {
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw e;
            }
        }
    }
}
