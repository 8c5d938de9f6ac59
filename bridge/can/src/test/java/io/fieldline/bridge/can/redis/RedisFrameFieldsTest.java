package io.fieldline.bridge.can.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.can.CanFrame;
import io.fieldline.can.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisFrameFieldsTest {

    @Test
    void shouldReadDiscreteFields() {
        assertThat(RedisFrameFields.parse(
                        Map.of("iface", "can1", "id", "1F0", "data", "C006E00000000000", "ts", "1436509052.249713")))
                .isEqualTo(
                        CanFrame.classic("can1", 0x1F0, false, Fixtures.hex("C006E00000000000"), 1436509052_249713L));
        assertThat(RedisFrameFields.parse(Map.of("id", "0x18FEF1FE", "data", "01")))
                .isEqualTo(CanFrame.classic("can0", 0x18FEF1FE, true, Fixtures.hex("01"), CanFrame.NO_TIMESTAMP));
        assertThat(RedisFrameFields.parse(Map.of("id", "123", "fd", "1", "flags", "1", "data", "00".repeat(12))))
                .isEqualTo(CanFrame.fd("can0", 0x123, false, 1, new byte[12], CanFrame.NO_TIMESTAMP));
        assertThat(RedisFrameFields.parse(Map.of("id", "123", "rtr", "1", "len", "4")))
                .isEqualTo(CanFrame.remote("can0", 0x123, false, 4, CanFrame.NO_TIMESTAMP));
    }

    @Test
    void shouldReadACandumpLineField() {
        assertThat(RedisFrameFields.parse(Map.of("line", "(1436509052.249713) can0 1F0#C006")))
                .isEqualTo(CanFrame.classic("can0", 0x1F0, false, Fixtures.hex("C006"), 1436509052_249713L));
    }

    @Test
    void shouldRejectEntriesThatAreNotFrames() {
        assertThatThrownBy(() -> RedisFrameFields.parse(Map.of("foo", "bar")))
                .hasMessageContaining("expected a 'line' field or an 'id' field");
        assertThatThrownBy(() -> RedisFrameFields.parse(Map.of("id", "XYZ")))
                .hasMessageContaining("expected a hex CAN id in field 'id'");
        assertThatThrownBy(() -> RedisFrameFields.parse(Map.of("id", "100", "data", "0G")))
                .hasMessageContaining("expected hex bytes in field 'data'");
        assertThatThrownBy(() -> RedisFrameFields.parse(Map.of("id", "100", "ts", "yesterday")))
                .hasMessageContaining("expected field 'ts' as epoch seconds");
    }
}
