package io.fieldline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigReferenceTest {

    @Test
    void shouldKeepDocsConfigurationInSyncWithTheDefinitions() throws Exception {
        Path docs = Path.of("..", "docs", "configuration.md");
        assertThat(Files.readString(docs, StandardCharsets.UTF_8))
                .as("docs/configuration.md is generated: run ./fieldline config docs -o docs/configuration.md")
                .isEqualTo(ConfigReference.markdown());
    }

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
}
