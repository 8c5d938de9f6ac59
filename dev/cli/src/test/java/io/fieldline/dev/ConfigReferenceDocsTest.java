package io.fieldline.dev;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.app.ConfigReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reference as the developer build sees it: the product's sections plus the embedded servers'. */
class ConfigReferenceDocsTest {

    @Test
    void shouldKeepDocsConfigurationInSyncWithTheDefinitions() throws Exception {
        Path docs = Path.of("..", "..", "docs", "configuration.md");
        assertThat(Files.readString(docs, StandardCharsets.UTF_8))
                .as("docs/configuration.md is generated: run ./fieldline config docs -o docs/configuration.md")
                .isEqualTo(ConfigReference.markdown());
    }

    @Test
    void shouldKnowTheEmbeddedServersKeysInTheDeveloperBuild() {
        assertThat(ConfigReference.sections()).containsKey("Servers (embedded or external)");
        assertThat(ConfigReference.check(Map.of("embedded.mqtt.persistence", "file")))
                .isEmpty();
    }
}
