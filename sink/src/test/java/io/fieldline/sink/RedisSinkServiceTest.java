package io.fieldline.sink;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedisSinkServiceTest {

    @Test
    void shouldGroupKeysByPatternForTheSummary() {
        assertThat(RedisSinkService.kind("fl", "fl:device:d1:latest")).isEqualTo("device:{id}:latest");
        assertThat(RedisSinkService.kind("fl", "fl:device:d1:anomaly:co2")).isEqualTo("device:{id}:anomaly:{sensor}");
        assertThat(RedisSinkService.kind("fl", "fl:room:r:kpis")).isEqualTo("room:{room}:kpis");
        assertThat(RedisSinkService.kind("fl", "fl:site:farm:devices")).isEqualTo("site:{site}:devices");
        assertThat(RedisSinkService.kind("fl", "fl:alerts:active")).isEqualTo("alerts:active");
    }
}
