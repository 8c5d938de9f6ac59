package io.fieldline.topologies.kpi;

import io.fieldline.topologies.StoreType;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of the room-KPI application. Which sensors feed which KPI input is configuration: a
 * sensor name may feed at most one input.
 *
 * @param temperatureSensors air temperature, degC (VPD, dew point)
 * @param humiditySensors    relative humidity, % (VPD, dew point)
 * @param ppfdSensors        photosynthetic photon flux density, umol/m2/s (DLI)
 * @param feedSensors        feed consumed since the previous reading, kg (FCR)
 * @param weightSensors      average live weight per bird, kg (FCR)
 * @param birdsSensors       live birds in the house (mortality, production, FCR)
 * @param deathsSensors      deaths since the previous reading (mortality)
 * @param eggsSensors        eggs collected since the previous reading (production)
 * @param climateWindow      window of VPD and dew point; a multiple of the aggregate window
 * @param grace              how long after a KPI window's end, in stream time, aggregates still count
 * @param dayZone            time zone whose calendar days bound the daily KPIs
 * @param dliMaxGap          longest time one PPFD value is integrated for when the next one is missing
 * @param storeType          where the open KPI windows live
 */
public record KpiSettings(
        Set<String> temperatureSensors,
        Set<String> humiditySensors,
        Set<String> ppfdSensors,
        Set<String> feedSensors,
        Set<String> weightSensors,
        Set<String> birdsSensors,
        Set<String> deathsSensors,
        Set<String> eggsSensors,
        Duration climateWindow,
        Duration grace,
        ZoneId dayZone,
        Duration dliMaxGap,
        StoreType storeType) {

    public KpiSettings {
        temperatureSensors = Set.copyOf(temperatureSensors);
        humiditySensors = Set.copyOf(humiditySensors);
        ppfdSensors = Set.copyOf(ppfdSensors);
        feedSensors = Set.copyOf(feedSensors);
        weightSensors = Set.copyOf(weightSensors);
        birdsSensors = Set.copyOf(birdsSensors);
        deathsSensors = Set.copyOf(deathsSensors);
        eggsSensors = Set.copyOf(eggsSensors);
        Objects.requireNonNull(climateWindow, "climateWindow");
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(dayZone, "dayZone");
        Objects.requireNonNull(dliMaxGap, "dliMaxGap");
        Objects.requireNonNull(storeType, "storeType");
        if (climateWindow.toMillis() <= 0 || grace.isNegative() || dliMaxGap.toMillis() <= 0) {
            throw new IllegalArgumentException("climateWindow and dliMaxGap must be positive, grace not negative");
        }
        Map<String, KpiInput> seen = new HashMap<>();
        for (KpiInput input : KpiInput.values()) {
            for (String sensor : sensorsOf(
                    input,
                    temperatureSensors,
                    humiditySensors,
                    ppfdSensors,
                    feedSensors,
                    weightSensors,
                    birdsSensors,
                    deathsSensors,
                    eggsSensors)) {
                KpiInput previous = seen.put(sensor, input);
                if (previous != null) {
                    throw new IllegalArgumentException(
                            "sensor '" + sensor + "' feeds both " + previous + " and " + input);
                }
            }
        }
    }

    /** Which KPI input a sensor feeds, or null. */
    public KpiInput inputOf(String sensor) {
        for (KpiInput input : KpiInput.values()) {
            if (sensors(input).contains(sensor)) {
                return input;
            }
        }
        return null;
    }

    /** The sensors that feed one input. */
    public Set<String> sensors(KpiInput input) {
        return sensorsOf(
                input,
                temperatureSensors,
                humiditySensors,
                ppfdSensors,
                feedSensors,
                weightSensors,
                birdsSensors,
                deathsSensors,
                eggsSensors);
    }

    private static Set<String> sensorsOf(
            KpiInput input,
            Set<String> temperature,
            Set<String> humidity,
            Set<String> ppfd,
            Set<String> feed,
            Set<String> weight,
            Set<String> birds,
            Set<String> deaths,
            Set<String> eggs) {
        return switch (input) {
            case TEMPERATURE -> temperature;
            case HUMIDITY -> humidity;
            case PPFD -> ppfd;
            case FEED -> feed;
            case WEIGHT -> weight;
            case BIRDS -> birds;
            case DEATHS -> deaths;
            case EGGS -> eggs;
        };
    }
}
