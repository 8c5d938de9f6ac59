package io.fieldline.dev.up;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The components {@code fieldline up} runs, in start order. */
final class Pipeline {

    /** Choices from the command line. */
    record Options(int devices, double rate, double faultRate, boolean canReplay, Duration drain) {}

    private Pipeline() {}

    static List<PipelineComponent> components(UpContext context, Options options) {
        List<PipelineComponent> components = new ArrayList<>();
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
            fleet.addAll(io.fieldline.dev.up.CanBridgeComponent.demoDevices());
        }
        components.add(SinkComponents.schema(context, fleet));
        components.add(CdcComponent.create(context));
        components.add(StreamsComponent.create(context));
        components.add(SinkComponents.postgres(context));
        components.add(SinkComponents.redis(context));
        components.add(MqttComponents.bridge(context));
        // Between the bridge and the sources: closed after them, it waits for the bridge to take the
        // broker's backlog before the bridge stops.
        MqttBrokerBacklog.of(context, options.drain()).ifPresent(components::add);
        if (simulate) {
            components.add(MqttComponents.simulator(simulator));
        }
        if (options.canReplay()) {
            components.add(io.fieldline.dev.up.CanBridgeComponent.create(context));
        }
        return components;
    }
}
