package io.fieldline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSourcesTest {

    @Test
    void shouldMapEnvironmentVariablesToKeysMechanically() {
        Map<String, String> keys = ConfigSources.fromEnvironment(Map.of(
                "FIELDLINE_SINK_BATCH_SIZE", "500",
                "PATH", "/usr/bin",
                "FIELDLINE_", "ignored"));
        assertThat(keys).containsExactly(Map.entry("sink.batch.size", "500"));
    }

    @Test
    void shouldRoundTripKeyAndEnvironmentVariableName() {
        assertThat(ConfigSources.environmentVariableForKey("mqtt.session.expiry.seconds"))
                .isEqualTo("FIELDLINE_MQTT_SESSION_EXPIRY_SECONDS");
        assertThat(ConfigSources.keyForEnvironmentVariable("FIELDLINE_MQTT_SESSION_EXPIRY_SECONDS"))
                .isEqualTo("mqtt.session.expiry.seconds");
    }

    @Test
    void shouldLetSetWinOverEnvironmentAndEnvironmentOverFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("fieldline.properties");
        Files.writeString(file, "a.b=file\nc.d=file\ne.f=file\n");
        Map<String, String> merged =
                ConfigSources.load(file, Map.of("FIELDLINE_C_D", "env", "FIELDLINE_E_F", "env"), Map.of("e.f", "set"));
        assertThat(merged)
                .containsEntry("a.b", "file")
                .containsEntry("c.d", "env")
                .containsEntry("e.f", "set");
    }
}
