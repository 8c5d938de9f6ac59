package io.fieldline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigReferenceTest {

    @Test
    void shouldNameTheKeyOfAnInvalidValue() {
        assertThat(ConfigReference.check(Map.of("topics.partitions", "zero")))
                .singleElement().asString().contains("topics.partitions");
    }

    @Test
    void shouldReportUnknownKeysWithTheirEnvironmentVariable() {
        assertThat(ConfigReference.check(Map.of("sink.batch.sise", "5")))
                .singleElement().asString().contains("sink.batch.sise").contains("FIELDLINE_SINK_BATCH_SISE");
    }

    @Test
    void shouldLeaveTheEmbeddedServersOutOfTheProductBuild() {
        assertThat(ConfigReference.sections()).doesNotContainKey("Servers (embedded or external)");
    }
}
