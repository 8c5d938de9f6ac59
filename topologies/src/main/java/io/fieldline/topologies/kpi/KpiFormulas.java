package io.fieldline.topologies.kpi;

/**
 * The KPI formulas, as pure functions. Units: degC, % relative humidity, kPa, umol/m2/s, kg.
 */
public final class KpiFormulas {

    /** Magnus coefficient b for dew point over water (Sonntag 1990), dimensionless. */
    public static final double MAGNUS_B = 17.62;
    /** Magnus coefficient c for dew point over water (Sonntag 1990), degC. */
    public static final double MAGNUS_C = 243.12;

    private KpiFormulas() {}

    /** Saturation vapour pressure (Tetens): es = 0.6108 * exp(17.27 * T / (T + 237.3)), kPa. */
    public static double saturationVapourPressure(double temperatureC) {
        return 0.6108 * Math.exp(17.27 * temperatureC / (temperatureC + 237.3));
    }

    /** Vapour pressure deficit, kPa: es * (1 - RH / 100), RH clamped to [0, 100]. */
    public static double vapourPressureDeficit(double temperatureC, double humidityPct) {
        return saturationVapourPressure(temperatureC) * (1 - clampHumidity(humidityPct) / 100);
    }

    /**
     * Dew point, degC, by the Magnus formula: gamma = ln(RH / 100) + b * T / (c + T),
     * Td = c * gamma / (b - gamma), with b = {@value #MAGNUS_B} and c = {@value #MAGNUS_C} degC
     * (within 0.1 degC for -45..60 degC). NaN when RH is not above 0.
     */
    public static double dewPoint(double temperatureC, double humidityPct) {
        double rh = clampHumidity(humidityPct);
        if (rh <= 0) {
            return Double.NaN;
        }
        double gamma = Math.log(rh / 100) + MAGNUS_B * temperatureC / (MAGNUS_C + temperatureC);
        return MAGNUS_C * gamma / (MAGNUS_B - gamma);
    }

    /** Light integral of a PPFD held for some seconds, mol/m2: PPFD * dt / 10^6. */
    public static double lightIntegral(double ppfd, double seconds) {
        return ppfd * seconds / 1e6;
    }

    /** Feed conversion ratio: feed consumed / live weight gained by the flock (both kg). */
    public static double feedConversionRatio(double feedKg, double gainPerBirdKg, double birds) {
        return feedKg / (gainPerBirdKg * birds);
    }

    /** Mortality rate, %: deaths / birds at start of the period * 100. */
    public static double mortalityRate(double deaths, double birdsAtStart) {
        return deaths / birdsAtStart * 100;
    }

    /** Production (laying) rate, %: eggs / live hens * 100. */
    public static double productionRate(double eggs, double liveHens) {
        return eggs / liveHens * 100;
    }

    private static double clampHumidity(double humidityPct) {
        return Math.max(0, Math.min(100, humidityPct));
    }
}
