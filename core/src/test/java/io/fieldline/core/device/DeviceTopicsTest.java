package io.fieldline.core.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceTopicsTest {

    @Test
    void shouldLetADevicePublishOnlyOnItsOwnTelemetryAndSparkplugTopics() {
        assertThat(DeviceTopics.devicePublishes("gr-01", "sites/s1/rooms/r1/devices/gr-01/telemetry"))
                .isTrue();
        assertThat(DeviceTopics.devicePublishes("gr-01", "spBv1.0/farm/NBIRTH/gr-01"))
                .isTrue();
        assertThat(DeviceTopics.devicePublishes("gr-01", "spBv1.0/farm/NDATA/gr-01"))
                .isTrue();
        assertThat(DeviceTopics.devicePublishes("gr-01", "spBv1.0/farm/DDATA/gr-01/pump"))
                .isTrue();
        assertThat(DeviceTopics.devicePublishes("gr-01", "spBv1.0/farm/DDEATH/gr-01/pump"))
                .isTrue();

        assertThat(DeviceTopics.devicePublishes("gr-01", "sites/s1/rooms/r1/devices/gr-02/telemetry"))
                .isFalse();
        assertThat(DeviceTopics.devicePublishes("gr-01", "sites/s1/rooms/r1/devices/gr-01/telemetry/x"))
                .isFalse();
        assertThat(DeviceTopics.devicePublishes("gr-01", "sites/s1/rooms/r1/devices/gr-01"))
                .isFalse();
        assertThat(DeviceTopics.devicePublishes("gr-01", "spBv1.0/farm/NDATA/gr-02"))
                .isFalse();
        assertThat(DeviceTopics.devicePublishes("gr-01", "spBv1.0/farm/NCMD/gr-01"))
                .isFalse();
        assertThat(DeviceTopics.devicePublishes("gr-01", "spBv1.0/farm/DDATA/gr-01/pump/x"))
                .isFalse();
        assertThat(DeviceTopics.devicePublishes("gr-01", "spBv1.0/farm/DDATA/gr-01"))
                .isFalse();
        assertThat(DeviceTopics.devicePublishes("gr-01", "sites/+/rooms/+/devices/gr-01/telemetry"))
                .as("a topic name with a wildcard is no topic")
                .isFalse();
    }

    @Test
    void shouldLetADeviceSubscribeOnlyToItsCommands() {
        assertThat(DeviceTopics.deviceSubscribes("edge-1", "spBv1.0/farm/NCMD/edge-1"))
                .isTrue();
        assertThat(DeviceTopics.deviceSubscribes("edge-1", "spBv1.0/+/NCMD/edge-1"))
                .isTrue();
        assertThat(DeviceTopics.deviceSubscribes("edge-1", "spBv1.0/+/DCMD/edge-1/+"))
                .isTrue();

        assertThat(DeviceTopics.deviceSubscribes("edge-1", "spBv1.0/+/DCMD/edge-1/#"))
                .isFalse();
        assertThat(DeviceTopics.deviceSubscribes("edge-1", "spBv1.0/+/+/edge-1"))
                .isFalse();
        assertThat(DeviceTopics.deviceSubscribes("edge-1", "#")).isFalse();
        assertThat(DeviceTopics.deviceSubscribes("edge-1", "sites/#")).isFalse();
        assertThat(DeviceTopics.deviceSubscribes("edge-1", "spBv1.0/farm/NCMD/edge-2"))
                .isFalse();
    }

    @Test
    void shouldLetAServiceUserSubscribeToAnythingButPublishOnlyCommands() {
        assertThat(DeviceTopics.covered(
                        DeviceTopics.SERVICE_SUBSCRIBE, "$share/fieldline/sites/+/rooms/+/devices/+/telemetry"))
                .isTrue();
        assertThat(DeviceTopics.covered(DeviceTopics.SERVICE_SUBSCRIBE, "spBv1.0/#"))
                .isTrue();
        assertThat(DeviceTopics.servicePublishes("spBv1.0/farm/NCMD/edge-1")).isTrue();
        assertThat(DeviceTopics.servicePublishes("spBv1.0/farm/DCMD/edge-1/pump"))
                .isTrue();
        assertThat(DeviceTopics.servicePublishes("sites/s1/rooms/r1/devices/gr-01/telemetry"))
                .isFalse();
        assertThat(DeviceTopics.servicePublishes("spBv1.0/farm/NDATA/edge-1")).isFalse();
    }

    @Test
    void shouldMatchTopicFiltersAsMqttDoes() {
        assertThat(DeviceTopics.matches("a/#", "a")).isTrue();
        assertThat(DeviceTopics.matches("a/#", "a/b/c")).isTrue();
        assertThat(DeviceTopics.matches("a/+", "a/b")).isTrue();
        assertThat(DeviceTopics.matches("a/+", "a/b/c")).isFalse();
        assertThat(DeviceTopics.matches("+/b", "/b")).isTrue();
        assertThat(DeviceTopics.matches("#", "$SYS/x")).isFalse();
        assertThat(DeviceTopics.covers("a/+/c", "a/b/c")).isTrue();
        assertThat(DeviceTopics.covers("a/b/c", "a/+/c")).isFalse();
        assertThat(DeviceTopics.covers("a/#", "a/+/#")).isTrue();
        assertThat(DeviceTopics.covers("a/+", "a/#")).isFalse();
        assertThat(DeviceTopics.covered(List.of("a/+"), "$share/g/a/b")).isTrue();
    }

    @Test
    void shouldRefuseDeviceIdsThatAreNotOneSafeTopicLevel() {
        assertThat(DeviceTopics.requireValidDeviceId("ph-03.node_1")).isEqualTo("ph-03.node_1");
        for (String bad : new String[] {"", "a/b", "a+", "#", "a b", "a:b", "$sys", "-x", "a%u", "x".repeat(129)}) {
            assertThatThrownBy(() -> DeviceTopics.requireValidDeviceId(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cannot hold MQTT credentials");
        }
        assertThatThrownBy(() -> DeviceTopics.publishFilters("a/#")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldGenerateLongRandomPasswordsSafeInShellsAndUrls() {
        String first = DevicePasswords.generate();
        assertThat(first).hasSize(32).matches("[A-Za-z0-9_-]+");
        assertThat(DevicePasswords.generate()).isNotEqualTo(first);
    }
}
