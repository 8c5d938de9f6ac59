package io.fieldline.simulator;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A laying-hen house: 16 hours of light (04:00 to 20:00 local), feed and water drawn while the
 * lights are on, eggs laid mostly in the morning, a small daily mortality, ammonia and CO2 that
 * build up when ventilation fails (which also stresses the birds). The counters
 * {@code feed_consumed_kg}, {@code water_consumed_l}, {@code eggs_produced} and {@code deaths}
 * are totals since local midnight, the way house controllers report them.
 */
final class PoultryHouseModel extends DeviceModel {

    private static final Map<String, String> UNITS = Map.of(
            "air_temperature",
            "degC",
            "relative_humidity",
            "%",
            "co2",
            "ppm",
            "ammonia",
            "ppm",
            "light_level",
            "lux",
            "feed_consumed_kg",
            "kg",
            "water_consumed_l",
            "l",
            "eggs_produced",
            "count",
            "deaths",
            "count",
            "birds",
            "count");
    private static final String[] FAULTY = {"air_temperature", "relative_humidity", "ammonia", "co2"};
    private static final double FEED_KG_PER_BIRD_DAY = 0.115;
    private static final double EGGS_PER_HEN_DAY = 0.88;
    private static final double DAILY_MORTALITY = 0.0003;

    private final int utcOffset;
    private final double targetTemperature;
    private long birds;
    private LocalDate day;
    private double feed;
    private double water;
    private double eggs;
    private long deaths;
    private double ammoniaBuildUp;
    private double temperatureExcess;

    PoultryHouseModel(String site, String room, String deviceId, long seed, double faultRate, int utcOffset) {
        super(site, room, deviceId, seed, faultRate);
        this.utcOffset = utcOffset;
        this.targetTemperature = 20 + random.nextDouble() * 2;
        this.birds = 8_000 + random.nextInt(12_000);
    }

    @Override
    public Kind kind() {
        return Kind.POULTRY_HOUSE;
    }

    @Override
    protected Map<String, Double> measure(Instant time, double elapsed, boolean climateFailure) {
        LocalDate today = time.atOffset(ZoneOffset.ofHours(utcOffset)).toLocalDate();
        if (!today.equals(day)) {
            day = today;
            feed = 0;
            water = 0;
            eggs = 0;
            deaths = 0;
        }
        double hour = hourOfDay(time, utcOffset);
        double lights = ramp(hour, 4, 0.25) * (1 - ramp(hour, 20, 0.25));
        double perSecond = elapsed / 86_400.0;
        // Feed and water are drawn in daylight: a day's ration spread over 16 hours.
        feed += birds * FEED_KG_PER_BIRD_DAY * perSecond * lights * 1.5 * (1 + noise(0.05));
        water += birds * FEED_KG_PER_BIRD_DAY * 1.9 * perSecond * lights * 1.5 * (1 + noise(0.05));
        // Most eggs are laid in the five hours after lights on.
        double laying = Math.exp(-Math.pow(hour - 7.5, 2) / (2 * 1.6 * 1.6)) / (1.6 * Math.sqrt(2 * Math.PI));
        eggs += birds * EGGS_PER_HEN_DAY * laying * elapsed / 3600.0;
        temperatureExcess = climateFailure
                ? Math.min(9, temperatureExcess + elapsed * 0.02)
                : Math.max(0, temperatureExcess - elapsed * 0.05);
        ammoniaBuildUp =
                climateFailure ? ammoniaBuildUp + elapsed * 0.03 : Math.max(0, ammoniaBuildUp - elapsed * 0.05);
        double heatStress = 1 + temperatureExcess * 4;
        long died = poisson(birds * DAILY_MORTALITY * perSecond * heatStress);
        deaths += died;
        birds -= died;
        double temperature =
                targetTemperature + 1.5 * Math.sin((hour - 9) / 24 * 2 * Math.PI) + temperatureExcess + noise(0.2);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("air_temperature", temperature);
        metrics.put(
                "relative_humidity",
                Math.max(5, Math.min(100, 60 - 1.5 * (temperature - targetTemperature) + noise(1.0))));
        metrics.put("ammonia", Math.max(0, 8 + 4 * lights + ammoniaBuildUp + noise(0.6)));
        metrics.put("co2", 1800 + 600 * lights + ammoniaBuildUp * 40 + noise(40));
        metrics.put("light_level", Math.max(0, 30 * lights + noise(lights > 0.01 ? 0.5 : 0.0)));
        metrics.put("feed_consumed_kg", feed);
        metrics.put("water_consumed_l", water);
        metrics.put("eggs_produced", Math.floor(eggs));
        metrics.put("deaths", (double) deaths);
        metrics.put("birds", (double) birds);
        return metrics;
    }

    private long poisson(double mean) {
        if (mean <= 0) {
            return 0;
        }
        // Knuth's method: means here are far below 1, so it stops after a step or two.
        double limit = Math.exp(-mean);
        long k = 0;
        double product = random.nextDouble();
        while (product > limit) {
            k++;
            product *= random.nextDouble();
        }
        return k;
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
