package io.fieldline.testing;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Event times for test data. Kafka counts retention from record timestamps, and Fieldline's records
 * carry the reading's event time: a test that writes readings dated years ago sees them deleted at
 * the broker's next retention check, which comes at a moment no test controls. Test data is dated
 * in the recent past instead: this JVM's start, rounded down to the hour, minus one hour.
 */
public final class TestTimes {

    /** A recent instant, fixed for the JVM's life: the start of the previous hour when the class loaded. */
    public static final Instant BASE =
            Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));

    /** {@link #BASE} in epoch milliseconds. */
    public static final long BASE_MILLIS = BASE.toEpochMilli();

    private TestTimes() {}
}
