package io.fieldline.bridge.can;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.bridge.can.candump.CandumpReplay;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class CanBridgeConfigTest {

    @Test
    void shouldDefaultToReplayingTheBundledDemo() {
        CanBridgeConfig c = new CanBridgeConfig(Map.of());
        assertThat(c.input()).isEqualTo(CanBridgeConfig.Input.REPLAY);
        assertThat(c.dbcFile()).isEqualTo(CanBridgeConfig.DEMO_DBC);
        assertThat(c.replayFile()).isEqualTo(CanBridgeConfig.DEMO_LOG);
        assertThat(c.replaySpeed().factor()).isEqualTo(1.0);
        assertThat(c.replayTimestamps()).isEqualTo(CandumpReplay.TimestampMode.ORIGINAL);
        assertThat(c.allowTruncated()).isTrue();
        assertThat(c.eventTimeMaxFuture()).isEqualTo(java.time.Duration.ofMinutes(5));
        assertThat(c.lineMaxLength()).isEqualTo(1024);
        assertThat(new CanBridgeConfig(Map.of("can.event.time.max.future.ms", "2500")).eventTimeMaxFuture())
                .isEqualTo(java.time.Duration.ofMillis(2500));
        assertThat(CanBridgeConfig.configDef().names()).allMatch(n -> n.startsWith("can."));
    }

    @Test
    void shouldReadTypedValues() {
        CanBridgeConfig c = new CanBridgeConfig(Map.of(
                "can.input",
                "TCP",
                "can.replay.speed",
                "max",
                "can.replay.timestamps",
                "shifted",
                "can.tcp.port",
                "7000",
                "can.signal.mappings",
                "*/Climate/Temp=room-1/air_temperature, can0/0x1F0/*=*"));
        assertThat(c.input()).isEqualTo(CanBridgeConfig.Input.TCP);
        assertThat(c.replaySpeed().isMax()).isTrue();
        assertThat(c.replayTimestamps()).isEqualTo(CandumpReplay.TimestampMode.SHIFTED);
        assertThat(c.tcpPort()).isEqualTo(7000);
        assertThat(c.signalMapping()).isNotNull();
    }

    @Test
    void shouldRejectInvalidValuesNamingTheKey() {
        assertThatThrownBy(() -> new CanBridgeConfig(Map.of("can.input", "carrier-pigeon")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("can.input")
                .hasMessageContaining("replay, stdin, tcp, socketcan, redis");
        assertThatThrownBy(() -> new CanBridgeConfig(Map.of("can.replay.speed", "fast")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("can.replay.speed");
        assertThatThrownBy(() -> new CanBridgeConfig(Map.of("can.signal.mappings", "can0/Climate=room-1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("can.signal.mappings")
                .hasMessageContaining("iface/message/signal=device[/sensor]");
        assertThatThrownBy(() -> new CanBridgeConfig(Map.of("can.node.devices", "ClimateCtl")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("can.node.devices");
        assertThatThrownBy(() -> new CanBridgeConfig(Map.of("can.device.template", "{room}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("can.device.template");
        assertThatThrownBy(() -> new CanBridgeConfig(Map.of("can.tcp.port", "70000")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("can.tcp.port");
        assertThatThrownBy(() -> new CanBridgeConfig(Map.of("can.line.max.length", "10")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("can.line.max.length");
        assertThatThrownBy(() -> new CanBridgeConfig(Map.of("can.event.time.max.future.ms", "-1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("can.event.time.max.future.ms");
    }
}
