package io.fieldline.dev.up;

import io.fieldline.app.service.Component;
import io.fieldline.embedded.MqttAccessControl;
import io.fieldline.embedded.MqttBroker;
import io.fieldline.simulator.DeviceModel;
import io.fieldline.simulator.FleetModel;
import io.fieldline.simulator.Simulator;
import io.fieldline.simulator.SimulatorOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The device simulator that feeds the MQTT bridge, and the demo metadata of its fleet. */
final class MqttComponents {

    /** The shortest reporting interval the demo metadata declares for a simulated device. */
    static final long MIN_DECLARED_INTERVAL_MS = 1000;

    private MqttComponents() {}

    static SimulatorOptions simulatorOptions(UpContext context, int devices, double rate, double faultRate) {
        SimulatorOptions defaults =
                SimulatorOptions.defaults(context.stack().mqtt().url()).withFleet(devices, rate);
        return new SimulatorOptions(
                defaults.mqttUrl(),
                defaults.clientId(),
                devices,
                rate,
                defaults.seed(),
                defaults.qos(),
                faultRate,
                defaults.topicPrefix());
    }

    static SimulatorComponent simulator(SimulatorOptions options) {
        return new SimulatorComponent(new Simulator(options));
    }

    /**
     * The simulator; with {@code logins} (device id to password), each device connects as itself.
     *
     * @throws IllegalStateException when the broker authenticates devices and no passwords were issued
     */
    static SimulatorComponent simulator(SimulatorOptions options, Map<String, String> logins) {
        if (logins.isEmpty()) {
            return simulator(options);
        }
        return new SimulatorComponent(new Simulator(options, Map.copyOf(logins)));
    }

    /** The embedded broker's access control, when {@code up} started an authenticating broker. */
    static java.util.Optional<MqttAccessControl> accessControl(UpContext context) {
        return context.stack()
                .startedServer("mqtt")
                .filter(MqttBroker.class::isInstance)
                .map(MqttBroker.class::cast)
                .flatMap(MqttBroker::accessControl);
    }

    /** The ids of the simulated devices. */
    static List<String> deviceIds(SimulatorOptions options) {
        return new FleetModel(options.devices(), options.seed(), 0)
                .devices().stream().map(DeviceModel::deviceId).toList();
    }

    /** The device simulator as a pipeline component; the simulator itself is reachable (tests drive its rate). */
    static final class SimulatorComponent implements Component {
        private final Simulator simulator;

        SimulatorComponent(Simulator simulator) {
            this.simulator = simulator;
        }

        Simulator simulator() {
            return simulator;
        }

        @Override
        public String name() {
            return "simulator";
        }

        @Override
        public void start() throws Exception {
            simulator.start();
        }

        @Override
        public Map<String, Object> summary() {
            Simulator.Stats stats = simulator.stats();
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("messages published", stats.published());
            summary.put("readings published", stats.readings());
            summary.put("rate asked (msg/s)", Math.round(simulator.rate()));
            summary.put("rate achieved (msg/s)", Math.round(stats.achievedRate()));
            summary.put("turns missed behind schedule", stats.missed());
            summary.put("faults injected", stats.faults());
            summary.put("spikes injected", stats.spikes());
            summary.put("publish failures", stats.failed());
            return summary;
        }

        @Override
        public void close() {
            simulator.close();
        }
    }

    /** The metadata of the simulated fleet: same seed, so the same devices the simulator runs. */
    static List<DemoMetadata.DemoDevice> fleetMetadata(SimulatorOptions options) {
        FleetModel fleet = new FleetModel(options.devices(), options.seed(), 0);
        // The interval the simulator is asked for, but not under a second: on shared cores the simulator
        // can fall behind its asked rate (docs/benchmarks.md, "fieldline up under load"), and a device
        // reporting less often than declared is, by the OFFLINE rule, offline. Farm sensors report every
        // few seconds to minutes; sub-second declarations only come from a demo run flat out.
        long intervalMs = Math.max(MIN_DECLARED_INTERVAL_MS, Math.round(options.devices() * 1000 / options.rate()));
        List<DemoMetadata.DemoDevice> devices = new ArrayList<>();
        for (DeviceModel device : fleet.devices()) {
            DeviceModel.Sample sample = device.sample(Instant.now());
            devices.add(new DemoMetadata.DemoDevice(
                    device.deviceId(),
                    device.site(),
                    device.room(),
                    device.kind().name().toLowerCase(java.util.Locale.ROOT),
                    new TreeMap<>(sample.units()),
                    intervalMs));
        }
        return devices;
    }
}
