package io.fieldline.sink.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.sink.RedisKeys;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisKeysTest {

    private final RedisKeys keys = new RedisKeys("fl", Duration.ZERO, Duration.ZERO, Duration.ofMinutes(1));

    @Test
    void shouldScopeEveryKeyUnderThePrefix() {
        assertThat(keys.deviceLatest("dev-1")).isEqualTo("fl:device:dev-1:latest");
        assertThat(keys.anomalyFlag("dev-1", "co2")).isEqualTo("fl:device:dev-1:anomaly:co2");
        assertThat(keys.roomKpis("room-a")).isEqualTo("fl:room:room-a:kpis");
        assertThat(keys.alertsActive()).isEqualTo("fl:alerts:active");
        assertThat(keys.siteAlertsActive("farm-1")).isEqualTo("fl:site:farm-1:alerts:active");
        assertThat(keys.siteDevices("farm-1")).isEqualTo("fl:site:farm-1:devices");
    }

    @Test
    void shouldLoadTheLuaScriptsWithTheirDigests() {
        assertThat(LuaScript.HSET_IF_NEWER.body()).contains("HSET");
        assertThat(LuaScript.ALERT_TRANSITION.sha()).hasSize(40).matches("[0-9a-f]+");
        assertThat(LuaScript.ANOMALY_FLAG.sha()).isNotEqualTo(LuaScript.ALERT_TRANSITION.sha());
    }
}
