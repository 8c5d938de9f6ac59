package io.fieldline.app.imports;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.app.can.ReplayRetention;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The retention check of {@code can replay}, as {@code import csv} words it. */
class ImportRetentionTest {

    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private static final long WEEK = Duration.ofDays(7).toMillis();

    @Test
    void shouldWarnWhenTheFileStartsBeforeTheRetention() {
        assertThat(ReplayRetention.warning(
                        "the file", "Raise it.", "telemetry.readings", WEEK, NOW.minus(Duration.ofDays(30)), NOW))
                .hasValueSatisfying(warning -> assertThat(warning)
                        .startsWith("warning: the file starts at 2026-11-06T12:00:00Z, older than the retention of "
                                + "telemetry.readings (retention.ms=604800000, 7 days)")
                        .endsWith("Raise it."));
    }

    @Test
    void shouldNotWarnInsideTheRetentionOrWithoutOne() {
        assertThat(ReplayRetention.warning("the file", "", "t", WEEK, NOW.minus(Duration.ofDays(6)), NOW))
                .isEmpty();
        assertThat(ReplayRetention.warning("the file", "", "t", -1, Instant.EPOCH, NOW))
                .isEmpty();
    }
}
