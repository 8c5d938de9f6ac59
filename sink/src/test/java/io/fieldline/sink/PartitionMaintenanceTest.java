package io.fieldline.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.sink.PartitionMaintenance.Partition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionMaintenanceTest {

    private static Instant at(String hhmm) {
        return Instant.parse("2030-01-01T" + hhmm + ":00Z");
    }

    @Test
    void shouldCreateTheWholeRangeWhenNothingOverlaps() {
        List<Partition> gaps = PartitionMaintenance.gaps(
                at("06:00"), at("12:00"), List.of(new Partition("a", at("00:00"), at("06:00"))), "m");

        assertThat(gaps).containsExactly(new Partition("m_p20300101_0600", at("06:00"), at("12:00")));
    }

    @Test
    void shouldClipAroundExistingPartitions() {
        List<Partition> existing =
                List.of(new Partition("a", at("00:00"), at("03:00")), new Partition("b", at("05:00"), at("07:00")));

        List<Partition> gaps = PartitionMaintenance.gaps(at("02:00"), at("08:00"), existing, "m");

        assertThat(gaps)
                .containsExactly(
                        new Partition("m_p20300101_0300", at("03:00"), at("05:00")),
                        new Partition("m_p20300101_0700", at("07:00"), at("08:00")));
    }

    @Test
    void shouldCreateNothingWhenTheRangeIsCovered() {
        assertThat(PartitionMaintenance.gaps(
                        at("01:00"), at("02:00"), List.of(new Partition("a", at("00:00"), at("06:00"))), "m"))
                .isEmpty();
    }
}
