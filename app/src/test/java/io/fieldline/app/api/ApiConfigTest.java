package io.fieldline.app.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The API's limits are configuration keys with defaults, and an invalid value fails at start naming its key. */
class ApiConfigTest {

    @Test
    void shouldDefaultTheLimitsOfSlowClientsOverloadAndStop() {
        ApiConfig config = new ApiConfig(Map.of());

        assertThat(config.getInt(ApiConfig.READ_THREADS)).isPositive();
        assertThat(config.getInt(ApiConfig.QUEUE_SIZE)).isNotNegative();
        assertThat(config.getLong(ApiConfig.REQUEST_TIMEOUT_MS)).isPositive();
        assertThat(config.getLong(ApiConfig.RESPONSE_TIMEOUT_MS)).isPositive();
        assertThat(config.getLong(ApiConfig.STOP_DRAIN_MS)).isNotNegative();
    }

    @Test
    void shouldRefuseAnInvalidLimitNamingTheKey() {
        for (Map.Entry<String, String> invalid : Map.of(
                        ApiConfig.REQUEST_TIMEOUT_MS, "0",
                        ApiConfig.RESPONSE_TIMEOUT_MS, "-1",
                        ApiConfig.READ_THREADS, "0",
                        ApiConfig.QUEUE_SIZE, "-1",
                        ApiConfig.STOP_DRAIN_MS, "soon")
                .entrySet()) {
            assertThatThrownBy(() -> new ApiConfig(Map.of(invalid.getKey(), invalid.getValue())))
                    .as(invalid.toString())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(invalid.getKey());
        }
    }
}
