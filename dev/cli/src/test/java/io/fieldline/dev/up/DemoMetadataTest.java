package io.fieldline.dev.up;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.simulator.DeviceModel;
import io.fieldline.simulator.FleetModel;
import io.fieldline.simulator.SimulatorOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The demo fleet's metadata must agree with what the simulated fleet does. */
class DemoMetadataTest {

    @Test
    void shouldRaiseNoAlertOnAHealthyFleet() {
        // Faults off: every alert raised here would be a rule that fires on normal operation.
        FleetModel fleet = new FleetModel(20, 42, 0);
        Instant start = Instant.parse("2025-06-01T00:00:00Z");
        List<String> violations = new ArrayList<>();
        for (DeviceModel device : fleet.devices()) {
            for (Instant t = start; t.isBefore(start.plus(Duration.ofDays(2))); t = t.plus(Duration.ofMinutes(5))) {
                DeviceModel.Sample sample = device.sample(t);
                for (String line : DemoMetadata.ALERT_RULES) {
                    String[] f = line.split("\\|");
                    Double value = sample.metrics().get(f[2]);
                    if (value == null || !glob(f[1]).matcher(device.deviceId()).matches()) {
                        continue;
                    }
                    double threshold = Double.parseDouble(f[5]);
                    boolean violated = f[4].equals("ABOVE") ? value > threshold : value < threshold;
                    if (violated) {
                        violations.add(f[0] + " on " + device.deviceId() + " at " + t + ": " + value);
                    }
                }
            }
        }
        assertThat(violations).as("rules violated by healthy devices").isEmpty();
    }

    @Test
    void shouldDeclareTheIntervalAtWhichTheSimulatorMakesEachDeviceReportButNotUnderASecond() {
        // Message k goes to device k mod N, one every 1/rate s: each device every N/rate s.
        List<DemoMetadata.DemoDevice> slow = MqttComponents.fleetMetadata(
                SimulatorOptions.defaults("tcp://127.0.0.1:1").withFleet(12, 4));
        assertThat(slow).extracting(DemoMetadata.DemoDevice::expectedIntervalMs).containsOnly(3000L);
        assertThat(slow.get(1).sensors()).containsKeys("co2", "ammonia", "birds");

        // 400 devices asked for 4,000 msg/s would report every 100 ms, which a simulator sharing the
        // cores with the pipeline may not reach (1,232 msg/s measured): a device reporting every
        // 325 ms instead would be OFFLINE by a 100 ms declaration. A second is the floor.
        List<DemoMetadata.DemoDevice> fast = MqttComponents.fleetMetadata(
                SimulatorOptions.defaults("tcp://127.0.0.1:1").withFleet(400, 4000));
        assertThat(fast).hasSize(400);
        assertThat(fast).extracting(DemoMetadata.DemoDevice::expectedIntervalMs).containsOnly(1000L);
    }

    private static Pattern glob(String selector) {
        return Pattern.compile(Pattern.quote(selector).replace("*", "\\E.*\\Q"));
    }
}
