package io.fieldline.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.core.retry.RetryPolicy;
import java.net.URI;
import java.time.Duration;
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
        assertThatThrownBy(
                        () -> new SchemaRegistryClientConfig(Map.of(SchemaRegistryClientConfig.URL, "localhost:8081")))
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

    @Test
    void shouldMapTheRetryKeysOntoTheOneRetryPolicy() {
        RetryPolicy policy = new SchemaRegistryClientConfig(Map.of(
                        SchemaRegistryClientConfig.URL,
                        "http://a:8081",
                        SchemaRegistryClientConfig.RETRIES,
                        "3",
                        SchemaRegistryClientConfig.RETRY_BACKOFF_MS,
                        "100",
                        SchemaRegistryClientConfig.RETRY_BACKOFF_MAX_MS,
                        "300"))
                .retryPolicy();

        assertThat(policy.maxAttempts())
                .as("the first attempt and three retries")
                .isEqualTo(4);
        assertThat(policy.backoff(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.backoff(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(policy.backoff(3)).isEqualTo(Duration.ofMillis(300));
        assertThat(policy.giveUpAfter()).isZero();
        assertThat(new SchemaRegistryClientConfig(Map.of(
                                SchemaRegistryClientConfig.URL,
                                "http://a:8081",
                                SchemaRegistryClientConfig.RETRY_BACKOFF_MS,
                                "800",
                                SchemaRegistryClientConfig.RETRY_BACKOFF_MAX_MS,
                                "10"))
                        .retryPolicy()
                        .maxBackoff())
                .as("maximum raised to the first pause")
                .isEqualTo(Duration.ofMillis(800));
    }

    @Test
    void shouldBuildTheBasicAuthHeaderAndRejectUserInfoWithoutAColonHidingIt() {
        SchemaRegistryClientConfig config = new SchemaRegistryClientConfig(Map.of(
                SchemaRegistryClientConfig.URL, "http://a:8081",
                SchemaRegistryClientConfig.BASIC_AUTH_USER_INFO, "fieldline:s3cret"));
        assertThat(config.authorization())
                .hasValue("Basic " + java.util.Base64.getEncoder().encodeToString("fieldline:s3cret".getBytes()));
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(Map.of(
                        SchemaRegistryClientConfig.URL, "http://a:8081",
                        SchemaRegistryClientConfig.BASIC_AUTH_USER_INFO, "no-colon-secret")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SchemaRegistryClientConfig.BASIC_AUTH_USER_INFO)
                .hasMessageNotContaining("no-colon-secret");
        assertThat(new SchemaRegistryClientConfig(Map.of(SchemaRegistryClientConfig.URL, "http://a:8081"))
                        .authorization())
                .isEmpty();
    }

    @Test
    void shouldNameTheTrustStoreKeyWhenTheFileIsMissing() {
        assertThatThrownBy(() -> new SchemaRegistryClientConfig(Map.of(
                        SchemaRegistryClientConfig.URL, "https://a:8081",
                        SchemaRegistryClientConfig.SSL_TRUSTSTORE_LOCATION, "/no/such/truststore.p12")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SchemaRegistryClientConfig.SSL_TRUSTSTORE_LOCATION);
    }
}
