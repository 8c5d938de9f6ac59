package io.fieldline.dev.up;

import io.fieldline.bridge.can.CanBridgeConfig;
import io.fieldline.bridge.can.CanBridgeService;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CAN bridge as a {@code fieldline up} component. With no {@code can.*} settings it replays the bundled demo
 * log with the bundled demo DBC, looping, with timestamps shifted to now, so the demo's readings look live;
 * any {@code can.*} key of the configuration overrides that.
 */
public final class CanBridgeComponent implements PipelineComponent {

    private static final Logger LOG = LoggerFactory.getLogger(CanBridgeComponent.class);

    private static final String CLIMATE_DEVICE = "can-climate-1";
    private static final String POULTRY_DEVICE = "can-poultry-1";
    private static final String DEMO_NODE_DEVICES = "ClimateCtl=" + CLIMATE_DEVICE + ",PoultryNode=" + POULTRY_DEVICE;
    private static final String DEMO_SIGNAL_MAPPINGS = String.join(
            ",",
            "*/ClimateStatus/AirTemperature=*/air_temperature",
            "*/ClimateStatus/RelativeHumidity=*/relative_humidity",
            "*/ClimateStatus/Co2=*/co2",
            "*/ClimateStatus/Ppfd=*/ppfd",
            "*/HouseClimate/HouseTemperature=*/air_temperature",
            "*/HouseClimate/HouseHumidity=*/relative_humidity",
            "*/HouseClimate/Ammonia=*/ammonia",
            "*/HouseClimate/BirdWeightAvg=*/avg_weight_kg",
            "*/HouseClimate/BirdCount=*/birds");

    private final CanBridgeService service;

    private CanBridgeComponent(CanBridgeService service) {
        this.service = service;
    }

    /** The demo network's controllers as fleet devices, with the sensors the mappings above name. */
    public static List<DemoMetadata.DemoDevice> demoDevices() {
        return List.of(
                new DemoMetadata.DemoDevice(
                        CLIMATE_DEVICE,
                        "site-can",
                        "can-grow-1",
                        "can-climate-controller",
                        Map.of("air_temperature", "degC", "relative_humidity", "%", "co2", "ppm", "ppfd", "umol/m2/s"),
                        500),
                new DemoMetadata.DemoDevice(
                        POULTRY_DEVICE,
                        "site-can",
                        "can-house-1",
                        "can-poultry-node",
                        Map.of(
                                "air_temperature",
                                "degC",
                                "relative_humidity",
                                "%",
                                "ammonia",
                                "ppm",
                                "avg_weight_kg",
                                "kg",
                                "birds",
                                ""),
                        1000));
    }

    /** The component for the servers and settings of a {@code fieldline up} run. */
    public static CanBridgeComponent create(UpContext context) {
        Map<String, Object> can = new HashMap<>();
        context.config().forEach((k, v) -> {
            if (k.startsWith("can.")) {
                can.put(k, v);
            }
        });
        can.putIfAbsent(CanBridgeConfig.REPLAY_TIMESTAMPS, "shifted");
        // The demo network's two controllers are devices of the demo fleet, and the signals that feed
        // KPIs and alert rules get the fleet's sensor names; the others keep their DBC names.
        can.putIfAbsent(CanBridgeConfig.NODE_DEVICES, DEMO_NODE_DEVICES);
        can.putIfAbsent(CanBridgeConfig.SIGNAL_MAPPINGS, DEMO_SIGNAL_MAPPINGS);
        can.putIfAbsent(CanBridgeConfig.REPLAY_LOOP, "true");
        return new CanBridgeComponent(new CanBridgeService(
                context.kafka(),
                context.stack().schemaRegistry().url(),
                context.topics(),
                new CanBridgeConfig(can),
                context.meters()));
    }

    @Override
    public String name() {
        return "can";
    }

    @Override
    public void start() throws Exception {
        service.start();
    }

    @Override
    public Map<String, Object> summary() {
        Exception failure = service.failure();
        Map<String, Object> summary = new java.util.LinkedHashMap<>(service.summary());
        if (failure != null) {
            summary.put("failure", failure.getMessage());
        }
        return summary;
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (RuntimeException e) {
            LOG.warn("Closing the CAN bridge failed", e);
        }
    }
}
