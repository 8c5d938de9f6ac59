package io.fieldline.dev.up;

import io.fieldline.app.service.Component;
import io.fieldline.app.service.Dependencies;
import io.fieldline.app.service.ServiceComponents;
import io.fieldline.app.service.ServiceContext;
import io.fieldline.app.service.Supervisor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The components {@code fieldline up} runs, in start order: the product's components (as {@code fieldline run} builds
 * them) between the developer build's own: the demo schema and metadata first, the broker watch and the sources last.
 */
final class Pipeline {

    /** Choices from the command line. */
    record Options(int devices, double rate, double faultRate, boolean canReplay, Duration drain) {}

    /** Where {@code up --servers-only} writes the simulated devices' MQTT passwords, in its data directory. */
    static final String SIMULATOR_CREDENTIALS_FILE = "simulator-credentials.properties";

    private Pipeline() {}

    static List<Supervisor.Spec> components(UpContext context, Options options) {
        ServiceContext service = context.service();
        List<Supervisor.Spec> components = new ArrayList<>();
        boolean simulate = options.devices() > 0;
        var simulator = simulate
                ? MqttComponents.simulatorOptions(context, options.devices(), options.rate(), options.faultRate())
                : null;
        // Order: tables and metadata first, CDC publishes them, the topologies read them, the sinks
        // and the bridges start before any data is produced, the sources last.
        List<DemoMetadata.DemoDevice> fleet = new ArrayList<>();
        if (simulate) {
            fleet.addAll(MqttComponents.fleetMetadata(simulator));
        }
        if (options.canReplay()) {
            fleet.addAll(CanBridgeComponent.demoDevices());
        }
        // With an authenticating broker, the database step issues the simulated devices' passwords (kept in memory
        // for the simulator, never printed); the simulator starts after it.
        Map<String, String> logins = new ConcurrentHashMap<>();
        List<String> loginIds =
                simulate && MqttComponents.accessControl(context).isPresent()
                        ? MqttComponents.deviceIds(simulator)
                        : List.of();
        components.add(new Supervisor.Spec("database", () -> SinkComponents.schema(context, fleet, loginIds, logins)));
        // Tokens for the HTTP API, once its table exists; written to a 0600 file named in endpoints.env.
        components.add(new Supervisor.Spec(
                "api-tokens",
                () -> ApiDemoTokens.component(context, context.dataDir().resolve(ApiDemoTokens.FILE))));
        for (String name : List.of(
                ServiceComponents.CDC,
                ServiceComponents.STREAMS,
                ServiceComponents.SINK_POSTGRES,
                ServiceComponents.SINK_REDIS,
                ServiceComponents.API,
                ServiceComponents.MQTT_BRIDGE)) {
            components.add(ServiceComponents.spec(name, service));
        }
        // Between the bridge and the sources: closed after them, it waits for the bridge to take the
        // broker's backlog before the bridge stops.
        MqttBrokerBacklog.of(context, options.drain())
                .ifPresent(backlog ->
                        components.add(new Supervisor.Spec(backlog.name(), once(backlog, context, options))));
        if (simulate) {
            components.add(new Supervisor.Spec("simulator", () -> MqttComponents.simulator(simulator, logins)));
        }
        if (options.canReplay()) {
            components.add(new Supervisor.Spec(
                    ServiceComponents.CAN_BRIDGE,
                    () -> CanBridgeComponent.create(context),
                    ServiceComponents.dependencies(ServiceComponents.CAN_BRIDGE)));
        }
        return components;
    }

    /**
     * {@code --servers-only}: the demo schema and metadata, reported with the health of every server, and no
     * component.
     */
    static List<Supervisor.Spec> serversOnly(UpContext context, Options options) {
        List<DemoMetadata.DemoDevice> fleet = new ArrayList<>();
        if (options.devices() > 0) {
            fleet.addAll(MqttComponents.fleetMetadata(
                    MqttComponents.simulatorOptions(context, options.devices(), options.rate(), options.faultRate())));
        }
        if (options.canReplay()) {
            fleet.addAll(CanBridgeComponent.demoDevices());
        }
        // With an authenticating broker, the simulated devices' passwords go to a 0600 file for fieldline simulate.
        List<String> loginIds =
                options.devices() > 0 && MqttComponents.accessControl(context).isPresent()
                        ? MqttComponents.deviceIds(MqttComponents.simulatorOptions(
                                context, options.devices(), options.rate(), options.faultRate()))
                        : List.of();
        java.nio.file.Path loginsFile = context.dataDir().resolve(SIMULATOR_CREDENTIALS_FILE);
        return List.of(new Supervisor.Spec(
                "database",
                () -> SinkComponents.schema(context, fleet, loginIds, new ConcurrentHashMap<>(), loginsFile),
                java.util.Set.copyOf(Dependencies.ALL)));
    }

    /** The first instance, then a new one for each restart. */
    private static java.util.function.Supplier<Component> once(Component first, UpContext context, Options options) {
        java.util.concurrent.atomic.AtomicReference<Component> next =
                new java.util.concurrent.atomic.AtomicReference<>(first);
        return () -> {
            Component component = next.getAndSet(null);
            return component != null
                    ? component
                    : MqttBrokerBacklog.of(context, options.drain()).orElseThrow();
        };
    }
}
