package io.fieldline.dev.simulate;

import io.fieldline.simulator.Simulator;
import io.fieldline.simulator.SimulatorOptions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fieldline simulate mqtt}: publishes the telemetry of a simulated fleet of grow rooms and
 * poultry houses over MQTT v5 (see docs/mqtt.md, "Simulator"). Meant as the {@code mqtt}
 * subcommand of a {@code simulate} command.
 */
@Command(
        name = "mqtt",
        mixinStandardHelpOptions = true,
        description = "Publish realistic grow-room and poultry-house telemetry over MQTT v5 "
                + "(diurnal cycles, noise, faults, spikes and dropouts; deterministic for a seed).")
public final class SimulateMqttCommand implements Callable<Integer> {

    @Option(
            names = "--devices",
            defaultValue = "20",
            paramLabel = "N",
            description = "Devices in the fleet; grow rooms and poultry houses alternate (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(
            names = "--rate",
            defaultValue = "20",
            paramLabel = "MSG_PER_S",
            description = "Messages per second for the whole fleet; each device sends one message with all its "
                    + "metrics every devices/rate seconds (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(
            names = "--mqtt-url",
            paramLabel = "URL",
            description = "MQTT broker (default: MQTT_URL of the endpoints file of a running fieldline up, else "
                    + "tcp://localhost:1883).")
    String mqttUrl;

    @Option(
            names = "--endpoints",
            paramLabel = "FILE",
            defaultValue = ".fieldline/endpoints.env",
            description = "Endpoints written by fieldline up (default: ${DEFAULT-VALUE}).")
    java.nio.file.Path endpoints;

    @Option(
            names = "--credentials",
            paramLabel = "FILE",
            defaultValue = ".fieldline/simulator-credentials.properties",
            description = "device=password lines: each device logs in as itself (one connection per device), as an "
                    + "authenticating broker requires; fieldline up --servers-only writes this file. Used when it "
                    + "exists (default: ${DEFAULT-VALUE}).")
    java.nio.file.Path credentials;

    @Option(
            names = "--duration",
            defaultValue = "0",
            paramLabel = "SECONDS",
            description = "Stop after this many seconds; 0 runs until Ctrl-C (default: ${DEFAULT-VALUE}).")
    long durationSeconds;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the fleet (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--qos", defaultValue = "1", description = "Publish QoS 0, 1 or 2 (default: ${DEFAULT-VALUE}).")
    int qos;

    @Option(
            names = "--fault-rate",
            defaultValue = "1",
            paramLabel = "X",
            description = "Fault frequency multiplier: 0 none, 1 normal, 10 a bad day (default: ${DEFAULT-VALUE}).")
    double faultRate;

    @Option(
            names = "--mqtt-topic-prefix",
            defaultValue = "",
            paramLabel = "PREFIX",
            description = "Prepended to every MQTT topic sites/<site>/rooms/<room>/devices/<device>/telemetry.")
    String topicPrefix;

    @Option(
            names = "--client-id",
            defaultValue = "fieldline-simulator",
            description = "MQTT client id of the publisher (default: ${DEFAULT-VALUE}).")
    String clientId;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        SimulatorOptions options =
                new SimulatorOptions(brokerUrl(), clientId, devices, rate, seed, qos, faultRate, topicPrefix);
        CountDownLatch stopped = new CountDownLatch(1);
        Simulator simulator = new Simulator(options, logins(options));
        Thread hook = new Thread(
                () -> {
                    simulator.close();
                    stopped.countDown();
                },
                "fieldline-simulator-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        simulator.start();
        out.printf(
                "Publishing %d devices at %.1f msg/s to %s (seed %d); %s%n",
                devices,
                rate,
                brokerUrl(),
                seed,
                durationSeconds > 0 ? "stopping after " + durationSeconds + " s" : "Ctrl-C stops");
        out.flush();
        long deadline =
                durationSeconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds) : Long.MAX_VALUE;
        while (System.nanoTime() < deadline) {
            long left = Math.min(TimeUnit.SECONDS.toNanos(5), deadline - System.nanoTime());
            if (stopped.await(Math.max(1, left), TimeUnit.NANOSECONDS)) {
                return 0;
            }
            out.println(describe(simulator.stats(), rate));
            out.flush();
        }
        simulator.close();
        Runtime.getRuntime().removeShutdownHook(hook);
        out.println("Done: " + describe(simulator.stats(), rate));
        out.flush();
        return 0;
    }

    /** The passwords of the fleet's devices from {@code --credentials}; empty when there is no such file. */
    private java.util.Map<String, String> logins(SimulatorOptions options) throws java.io.IOException {
        if (credentials == null || !java.nio.file.Files.exists(credentials)) {
            return java.util.Map.of();
        }
        java.util.Properties file = new java.util.Properties();
        try (java.io.Reader reader =
                java.nio.file.Files.newBufferedReader(credentials, java.nio.charset.StandardCharsets.UTF_8)) {
            file.load(reader);
        }
        java.util.Map<String, String> logins = new java.util.HashMap<>();
        for (io.fieldline.simulator.DeviceModel device :
                new io.fieldline.simulator.FleetModel(options.devices(), options.seed(), 0).devices()) {
            String password = file.getProperty(device.deviceId());
            if (password == null) {
                throw new IllegalArgumentException("no password for device " + device.deviceId() + " in " + credentials
                        + ": ask for at most as many --devices as fieldline up --servers-only issued");
            }
            logins.put(device.deviceId(), password);
        }
        return logins;
    }

    private static String describe(Simulator.Stats stats, double asked) {
        return String.format(
                java.util.Locale.ROOT,
                "%,d messages (%,d readings) in %.0f s: %.1f msg/s achieved of %.1f asked, "
                        + "%,d turns missed behind schedule, %,d in dropouts, %,d failed",
                stats.published(),
                stats.readings(),
                stats.elapsedSeconds(),
                stats.achievedRate(),
                asked,
                stats.missed(),
                stats.skipped(),
                stats.failed());
    }

    private String brokerUrl() {
        if (mqttUrl != null) {
            return mqttUrl;
        }
        if (java.nio.file.Files.isReadable(endpoints)) {
            try {
                for (String line : java.nio.file.Files.readAllLines(endpoints)) {
                    if (line.startsWith("MQTT_URL=")) {
                        return line.substring("MQTT_URL=".length()).trim();
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("Cannot read " + endpoints, e);
            }
        }
        return "tcp://localhost:1883";
    }
}
