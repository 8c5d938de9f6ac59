package io.fieldline.simulator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A fleet of simulated devices: grow rooms and poultry houses, alternating, ten devices per site.
 * Device {@code i} is {@code gr-<i>} in room {@code grow-<i>} or {@code ph-<i>} in room
 * {@code house-<i>}, at site {@code site-<i/10+1>}; clocks are UTC. Built from a seed: the same
 * seed gives the same fleet and, sampled at the same instants, the same messages.
 */
public final class FleetModel {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final List<DeviceModel> devices;

    /**
     * @param size      number of devices
     * @param seed      seed of every random choice
     * @param faultRate fault frequency multiplier: 1 gives each device a fault every two hours on
     *                  average and a spike every 500 messages; 0 gives none
     */
    public FleetModel(int size, long seed, double faultRate) {
        if (size < 1) {
            throw new IllegalArgumentException("a fleet needs at least one device");
        }
        List<DeviceModel> built = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            String site = "site-" + (i / 10 + 1);
            long deviceSeed = seed * GOLDEN_GAMMA + i;
            if (i % 2 == 0) {
                built.add(new GrowRoomModel(
                        site, "grow-" + i, String.format(Locale.ROOT, "gr-%03d", i), deviceSeed, faultRate, 0));
            } else {
                built.add(new PoultryHouseModel(
                        site, "house-" + i, String.format(Locale.ROOT, "ph-%03d", i), deviceSeed, faultRate, 0));
            }
        }
        this.devices = List.copyOf(built);
    }

    /** The devices, in index order. */
    public List<DeviceModel> devices() {
        return devices;
    }

    /** The MQTT topic a device publishes to: {@code <prefix>sites/<site>/rooms/<room>/devices/<device>/telemetry}. */
    public static String topic(String prefix, DeviceModel device) {
        return prefix + "sites/" + device.site() + "/rooms/" + device.room() + "/devices/" + device.deviceId()
                + "/telemetry";
    }

    /**
     * The JSON payload of a sample: {@code {"ts": <epoch ms>, <metric>: <value>..., "units": {...}}},
     * plus {@code "quality": "UNCERTAIN"} while a fault is suspected and, while a fault runs, the
     * simulator's ground truth in {@code "attributes": {"sim.fault": "<fault>"}} so detectors can be scored.
     */
    public static byte[] json(DeviceModel.Sample sample) {
        StringBuilder json = new StringBuilder(256);
        json.append("{\"ts\":").append(sample.time().toEpochMilli());
        for (Map.Entry<String, Double> metric : sample.metrics().entrySet()) {
            json.append(",\"").append(metric.getKey()).append("\":").append(number(metric.getValue()));
        }
        json.append(",\"units\":{");
        boolean first = true;
        for (String metric : sample.metrics().keySet()) {
            String unit = sample.units().get(metric);
            if (unit != null) {
                json.append(first ? "" : ",")
                        .append('"')
                        .append(metric)
                        .append("\":\"")
                        .append(unit)
                        .append('"');
                first = false;
            }
        }
        json.append('}');
        if (sample.quality() != null) {
            json.append(",\"quality\":\"").append(sample.quality()).append('"');
        }
        if (sample.fault() != DeviceModel.Fault.NONE) {
            json.append(",\"attributes\":{\"sim.fault\":\"")
                    .append(sample.fault().name().toLowerCase(Locale.ROOT))
                    .append("\"}");
        }
        return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value)
                : Double.toString(value);
    }
}
