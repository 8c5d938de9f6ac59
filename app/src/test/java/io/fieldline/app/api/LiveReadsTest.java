package io.fieldline.app.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveReadsTest {

    @Test
    void shouldOrderLiveKeysByCodePointAsPostgresCollateCDoes() {
        // Java's String order compares UTF-16 units, so a supplementary character sorts before U+FFxx there but after
        // it in UTF-8 byte order (PostgreSQL's COLLATE "C"); the two sources of a list must page in one order.
        List<String> keys = new ArrayList<>(List.of("b", "\uFF21", "a/2", "\uD83D\uDE00", "a", "B", "a/10"));
        keys.sort(LiveValues.CODE_POINT_ORDER);
        assertThat(keys).containsExactly("B", "a", "a/10", "a/2", "b", "\uFF21", "\uD83D\uDE00");
    }

    @Test
    void shouldRoundTripACursorAndRefuseAForeignOneNamingAfter() {
        String cursor = LiveValues.cursor("gh-1/climate", "air temperature ü");
        assertThat(cursor).matches("[A-Za-z0-9_-]+");
        assertThat(LiveValues.parts(cursor, 2)).containsExactly("gh-1/climate", "air temperature ü");
        assertThatThrownBy(() -> LiveValues.parts(cursor, 1))
                .isInstanceOfSatisfying(
                        ApiProblem.class,
                        p -> assertThat(p.errors().get(0).pointer()).isEqualTo("?after"));
        assertThatThrownBy(() -> LiveValues.parts("not base64!", 1))
                .isInstanceOfSatisfying(
                        ApiProblem.class, p -> assertThat(p.status()).isEqualTo(400));
    }

    @Test
    void shouldRefuseARangeLongerThanItsResolutionIsReadOver() {
        java.time.Instant from = java.time.Instant.parse("2026-01-01T00:00:00Z");
        TelemetryReads.Resolution.RAW.check(from, from.plus(java.time.Duration.ofDays(31)));
        assertThatThrownBy(() -> TelemetryReads.Resolution.RAW.check(from, from.plus(java.time.Duration.ofDays(32))))
                .isInstanceOfSatisfying(
                        ApiProblem.class,
                        p -> assertThat(p.errors().get(0).pointer()).isEqualTo("?resolution"));
        TelemetryReads.Resolution.DAY.check(ApiServer.EARLIEST, ApiServer.LATEST);
    }
}
