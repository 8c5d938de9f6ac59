package io.fieldline.topologies.alert;

/**
 * The time of one task's input, against which silence is judged: the newest ingest time the task has
 * seen on its partition, never ahead of the wall clock.
 *
 * <p>A series is silent when the input has moved on without it, not when the wall clock has: while the
 * input lags (a backlog, a restart, a rebalance, batches that become visible once per commit), its
 * time lags with it, so devices that kept publishing are never judged silent. A partition that
 * receives nothing at all cannot tell a caught-up input whose devices all stopped from an input that
 * is stuck upstream; once nothing has arrived for {@code idleGraceMs} of wall clock it is taken as
 * caught up, and its time follows the wall clock from there, still behind it by the grace.
 */
final class InputClock {

    private final long idleGraceMs;
    private long newest = Long.MIN_VALUE;
    private long lastInputWallClock;

    InputClock(long idleGraceMs, long wallClock) {
        this.idleGraceMs = idleGraceMs;
        this.lastInputWallClock = wallClock;
    }

    /** A record that entered Fieldline at {@code ingestTime} arrived; returns the input time after it. */
    long onRecord(long ingestTime, long wallClock) {
        newest = Math.max(newest, Math.min(ingestTime, wallClock));
        lastInputWallClock = wallClock;
        return newest;
    }

    /** Whether any input time is known (a record arrived, or the stored series told one). */
    boolean isKnown() {
        return newest != Long.MIN_VALUE;
    }

    /** Raises the input time to one already reached before a restart (the newest series heard of). */
    void restore(long time) {
        newest = Math.max(newest, time);
    }

    /** The input time at {@code wallClock}: the newest ingest time, advancing with the wall clock when idle. */
    long now(long wallClock) {
        long idle = wallClock - lastInputWallClock - idleGraceMs;
        return idle > 0 ? newest + idle : newest;
    }
}
