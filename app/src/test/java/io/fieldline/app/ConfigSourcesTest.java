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
    void shouldLeaveTheLaunchersOwnVariablesOut() {
        Map<String, String> keys = ConfigSources.fromEnvironment(Map.of(
                "FIELDLINE_JAVA_OPTS", "-Xmx1g",
                "FIELDLINE_HOME", "/opt/fieldline",
                "FIELDLINE_CDS", "off",
                "FIELDLINE_SINK_BATCH_SIZE", "500"));
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

    @Test
    void shouldReadASecretFromTheFileAVariableEndingInFileNames(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("kafka-jaas");
        Files.writeString(secret, "ScramLoginModule required username=\"u\" password=\"p\";\n");
        Map<String, String> keys = ConfigSources.fromEnvironment(Map.of(
                "FIELDLINE_KAFKA_SASL_JAAS_CONFIG_FILE", secret.toString(), "FIELDLINE_CAN_DBC_FILE", "/opt/farm.dbc"));
        assertThat(keys)
                .containsEntry("kafka.sasl.jaas.config", "ScramLoginModule required username=\"u\" password=\"p\";")
                .as("a key that ends in .file is set by its variable, not read from a file")
                .containsEntry("can.dbc.file", "/opt/farm.dbc")
                .doesNotContainKey("kafka.sasl.jaas.config.file");
    }

    @Test
    void shouldRefuseASecretSetTwiceOrAMissingFileNamingTheVariable(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("pw");
        Files.writeString(secret, "from-file");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigSources.fromEnvironment(Map.of(
                        "FIELDLINE_SINK_POSTGRES_PASSWORD",
                        "inline-secret",
                        "FIELDLINE_SINK_POSTGRES_PASSWORD_FILE",
                        secret.toString())))
                .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                .hasMessageContaining("FIELDLINE_SINK_POSTGRES_PASSWORD_FILE")
                .hasMessageNotContaining("inline-secret")
                .hasMessageNotContaining("from-file");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigSources.fromEnvironment(Map.of(
                        "FIELDLINE_CDC_JDBC_PASSWORD_FILE",
                        dir.resolve("missing").toString())))
                .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                .hasMessageContaining("FIELDLINE_CDC_JDBC_PASSWORD_FILE");
    }
}
