package io.fieldline.dev.up;

import io.fieldline.app.service.Component;
import io.fieldline.app.service.ServiceComponents;
import io.fieldline.bridge.can.CanBridgeConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The CAN bridge as a {@code fieldline up} component. With no {@code can.*} settings it replays the bundled demo
 * log with the bundled demo DBC, looping, with timestamps shifted to now, so the demo's readings look live;
 * any {@code can.*} key of the configuration overrides that.
 */
public final class CanBridgeComponent {

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

    private CanBridgeComponent() {}

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

    /** The CAN bridge component of {@code fieldline run}, with the demo's defaults under any {@code can.*} setting. */
    public static Component create(UpContext context) {
        Map<String, Object> can = new HashMap<>(context.service().settings());
        can.putIfAbsent(CanBridgeConfig.REPLAY_TIMESTAMPS, "shifted");
        // The demo network's two controllers are devices of the demo fleet, and the signals that feed
        // KPIs and alert rules get the fleet's sensor names; the others keep their DBC names.
        can.putIfAbsent(CanBridgeConfig.NODE_DEVICES, DEMO_NODE_DEVICES);
        can.putIfAbsent(CanBridgeConfig.SIGNAL_MAPPINGS, DEMO_SIGNAL_MAPPINGS);
        can.putIfAbsent(CanBridgeConfig.REPLAY_LOOP, "true");
        return ServiceComponents.canBridge(context.service(), can);
    }
}
