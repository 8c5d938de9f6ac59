package io.fieldline.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class SchemaRegistryClientConfigTest {

    @Test
    void shouldSplitCommaSeparatedUrlsAndDropTrailingSlashes() {
        SchemaRegistryClientConfig config = new SchemaRegistryClientConfig(
                Map.of(SchemaRegistryClientConfig.URL, "http://a:8081/, https://b:8081/registry"));

        assertThat(config.urls()).containsExactly(URI.create("http://a:8081"), URI.create("https://b:8081/registry"));
    }

    @Test
    void shouldRequireTheUrlAndNameTheKey() {
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SchemaRegistryClientConfig.URL);
    }

    @Test
    void shouldRejectANonHttpUrl() {
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(Map.of(SchemaRegistryClientConfig.URL, "localhost:8081")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SchemaRegistryClientConfig.URL);
    }

    @Test
    void shouldRejectNegativeRetries() {
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(Map.of(
                SchemaRegistryClientConfig.URL, "http://a:8081", SchemaRegistryClientConfig.RETRIES, "-1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SchemaRegistryClientConfig.RETRIES);
    }
}
