package io.fieldline.app.can;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayRetentionTest {

    private static final long SEVEN_DAYS = Duration.ofDays(7).toMillis();

    @TempDir
    Path dir;

    @Test
    void shouldFindTheFirstTimestampedFramePastCommentsAndMalformedLines() throws Exception {
        Path log = Files.writeString(dir.resolve("a.log"), """
                # recorded in the feed room
                this is not a candump line
                (1700000000.250000) can0 18FEF1FE#640000401F000000
                (1700000001.000000) can0 100#01
                """);

        assertThat(ReplayRetention.firstTimestamp(log)).contains(Instant.parse("2023-11-14T22:13:20.250Z"));
    }

    @Test
    void shouldFindNoTimestampInAConsoleLog() throws Exception {
        Path log = Files.writeString(dir.resolve("b.log"), "  can0  18FEF1FE   [8]  64 00 00 40 1F 00 00 00\n");

        assertThat(ReplayRetention.firstTimestamp(log)).isEmpty();
    }

    @Test
    void shouldWarnWhenTheLogIsOlderThanTheRetention() {
        Instant now = Instant.parse("2026-11-22T10:00:00Z");

        assertThat(ReplayRetention.warning(
                        "telemetry.readings", SEVEN_DAYS, Instant.parse("2023-11-14T22:13:20Z"), now))
                .hasValueSatisfying(w -> assertThat(w)
                        .contains(
                                "2023-11-14T22:13:20Z",
                                "telemetry.readings",
                                "retention.ms=604800000",
                                "7 days",
                                "--timestamps shifted"));
        assertThat(ReplayRetention.warning("telemetry.readings", SEVEN_DAYS, now.minus(Duration.ofDays(8)), now))
                .isPresent();
    }

    @Test
    void shouldNotWarnWithinTheRetentionOrWithoutOne() {
        Instant now = Instant.parse("2026-11-22T10:00:00Z");

        assertThat(ReplayRetention.warning("telemetry.readings", SEVEN_DAYS, now.minus(Duration.ofDays(6)), now))
                .isEmpty();
        assertThat(ReplayRetention.warning("telemetry.readings", -1, Instant.parse("2023-11-14T22:13:20Z"), now))
                .isEmpty();
    }
}
