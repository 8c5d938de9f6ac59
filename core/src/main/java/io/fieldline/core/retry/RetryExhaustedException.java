package io.fieldline.core.retry;

import java.time.Duration;

/** A {@link RetryPolicy} gave up; the cause is the last failure. */
public final class RetryExhaustedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int attempts;

    public RetryExhaustedException(String what, int attempts, Duration elapsed, Throwable lastFailure) {
        super(
                what + " failed " + attempts + " time(s) over " + elapsed.toMillis() + " ms, giving up: " + lastFailure,
                lastFailure);
        this.attempts = attempts;
    }

    /** Attempts made, the first included. */
    public int attempts() {
        return attempts;
    }
}
