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
    void shouldDeclareTheIntervalAtWhichTheSimulatorMakesEachDeviceReport() {
        SimulatorOptions options =
                SimulatorOptions.defaults("tcp://127.0.0.1:1").withFleet(400, 1300);
        List<DemoMetadata.DemoDevice> devices = MqttComponents.fleetMetadata(options);

        assertThat(devices).hasSize(400);
        // Message k goes to device k mod 400, one every 1/1300 s: each device every 400/1300 s.
        assertThat(devices)
                .extracting(DemoMetadata.DemoDevice::expectedIntervalMs)
                .containsOnly(308L);
        assertThat(devices.get(1).sensors()).containsKeys("co2", "ammonia", "birds");
    }

    private static Pattern glob(String selector) {
        return Pattern.compile(Pattern.quote(selector).replace("*", "\\E.*\\Q"));
    }
}
