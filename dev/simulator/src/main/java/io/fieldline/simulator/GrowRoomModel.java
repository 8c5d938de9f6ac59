package io.fieldline.simulator;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A controlled-environment grow room: 18 hours of light a day (lights on at 06:00 local),
 * temperature and CO2 enrichment that follow the lights, humidity that moves against
 * temperature, and a substrate that dries out between irrigation events.
 */
final class GrowRoomModel extends DeviceModel {

    private static final Map<String, String> UNITS = Map.of(
            "air_temperature",
            "degC",
            "relative_humidity",
            "%",
            "co2",
            "ppm",
            "ppfd",
            "umol/m2/s",
            "soil_moisture",
            "%");
    private static final String[] FAULTY = {"air_temperature", "relative_humidity", "co2", "soil_moisture"};

    private final int utcOffset;
    private final double dayTemperature;
    private final double lightLevel;
    private double soilMoisture;
    private double temperatureExcess;

    GrowRoomModel(String site, String room, String deviceId, long seed, double faultRate, int utcOffset) {
        super(site, room, deviceId, seed, faultRate);
        this.utcOffset = utcOffset;
        this.dayTemperature = 24 + random.nextDouble() * 3;
        this.lightLevel = 600 + random.nextInt(400);
        this.soilMoisture = 45 + random.nextDouble() * 20;
    }

    @Override
    public Kind kind() {
        return Kind.GROW_ROOM;
    }

    @Override
    protected Map<String, Double> measure(Instant time, double elapsed, boolean climateFailure) {
        double hour = hourOfDay(time, utcOffset);
        double lights = ramp(hour, 6, 0.25) * (1 - ramp(hour, 23.9, 0.1));
        temperatureExcess = climateFailure
                ? Math.min(8, temperatureExcess + elapsed * 0.02)
                : Math.max(0, temperatureExcess - elapsed * 0.05);
        double temperature = dayTemperature - 5 * (1 - lights) + temperatureExcess + noise(0.15);
        double humidity = 62 - 1.8 * (temperature - dayTemperature) + noise(0.8);
        double co2 = lights > 0.5 ? 1000 + noise(30) : 480 + noise(20);
        double ppfd = Math.max(0, lightLevel * lights + noise(lights > 0.01 ? 8 : 0.0));
        // Dries by ~1.5 %/h under lights, less at night; irrigation tops it up to 65-70 %.
        soilMoisture -= elapsed / 3600.0 * (0.4 + 1.1 * lights);
        if (soilMoisture < 35 + random.nextDouble() * 5) {
            soilMoisture = 65 + random.nextDouble() * 5;
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("air_temperature", temperature);
        metrics.put("relative_humidity", Math.max(5, Math.min(100, humidity)));
        metrics.put("co2", co2);
        metrics.put("ppfd", ppfd);
        metrics.put("soil_moisture", soilMoisture + noise(0.3));
        return metrics;
    }

    @Override
    protected Map<String, String> units() {
        return UNITS;
    }

    @Override
    protected String[] faultySensors() {
        return FAULTY;
    }
}
