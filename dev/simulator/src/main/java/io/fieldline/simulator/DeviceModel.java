package io.fieldline.simulator;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One simulated device: its identity, its physics and its faults. Each call to
 * {@link #sample(Instant)} advances the device's state to that instant and returns what it would
 * publish, or null during a dropout. Deterministic: the same seed and the same instants give the
 * same samples. Not thread-safe (the simulator drives each device from one thread).
 */
public abstract class DeviceModel {

    /** What kind of room the device sits in. */
    public enum Kind {
        GROW_ROOM,
        POULTRY_HOUSE
    }

    /** A fault the device is going through, if any; named in the {@code fault} attribute of its messages. */
    public enum Fault {
        /** Normal operation. */
        NONE,
        /** One sensor reports the same value over and over. */
        STUCK,
        /** One sensor slowly walks away from the truth. */
        DRIFT,
        /** Heating, cooling or ventilation failed: temperature leaves its band for minutes. */
        CLIMATE_FAILURE,
        /** The device publishes nothing (power, radio or network loss). */
        DROPOUT
    }

    private final String site;
    private final String room;
    private final String deviceId;
    /** The device's random stream: everything random about it comes from here, in call order. */
    protected final SplittableRandom random;

    private final double faultRate;
    private Fault fault = Fault.NONE;
    private Instant faultEnds = Instant.MIN;
    private Instant last;
    private double driftOffset;
    private Map<String, Double> stuckValues;
    private long faultsStarted;
    private long spikes;

    protected DeviceModel(String site, String room, String deviceId, long seed, double faultRate) {
        this.site = site;
        this.room = room;
        this.deviceId = deviceId;
        this.random = new SplittableRandom(seed);
        this.faultRate = faultRate;
    }

    /** Site id. */
    public String site() {
        return site;
    }

    /** Room id. */
    public String room() {
        return room;
    }

    /** Device id. */
    public String deviceId() {
        return deviceId;
    }

    /** The device kind. */
    public abstract Kind kind();

    /** Faults started so far. */
    public long faultsStarted() {
        return faultsStarted;
    }

    /** Spikes emitted so far. */
    public long spikes() {
        return spikes;
    }

    /** The fault in progress at the last sample. */
    public Fault currentFault() {
        return fault;
    }

    /**
     * The metrics the device measures at {@code time} when healthy, by name, in a stable order.
     *
     * @param time    the instant
     * @param elapsed seconds since the previous sample (0 for the first)
     * @param climateFailure whether a climate failure is in progress (the model decides what it does)
     */
    protected abstract Map<String, Double> measure(Instant time, double elapsed, boolean climateFailure);

    /** Units of the metrics, by name. */
    protected abstract Map<String, String> units();

    /** The metrics whose sensors can get stuck, drift or spike (climate sensors, not counters). */
    protected abstract String[] faultySensors();

    /**
     * The device's message at {@code time}: metrics, units and, while a fault runs, the flagged
     * quality; null while the device is in a dropout.
     */
    public Sample sample(Instant time) {
        // A device's messages carry distinct, increasing times (its readings' natural key includes the
        // time): two turns in the same millisecond, which a simulator catching up can give, are a
        // millisecond apart.
        if (last != null && time.toEpochMilli() <= last.toEpochMilli()) {
            time = Instant.ofEpochMilli(last.toEpochMilli() + 1);
        }
        double elapsed = last == null ? 0 : Math.max(0, (time.toEpochMilli() - last.toEpochMilli()) / 1000.0);
        last = time;
        updateFault(time, elapsed);
        Map<String, Double> metrics = new LinkedHashMap<>(measure(time, elapsed, fault == Fault.CLIMATE_FAILURE));
        String[] faulty = faultySensors();
        String quality = null;
        switch (fault) {
            case STUCK -> {
                if (stuckValues == null) {
                    stuckValues = new LinkedHashMap<>();
                    String sensor = faulty[0];
                    stuckValues.put(sensor, metrics.get(sensor));
                }
                metrics.putAll(stuckValues);
            }
            case DRIFT -> {
                driftOffset += elapsed * 0.002;
                String sensor = faulty[faulty.length - 1];
                metrics.computeIfPresent(sensor, (k, v) -> v + driftOffset * Math.max(1, Math.abs(v) * 0.05));
                quality = "UNCERTAIN";
            }
            case DROPOUT -> {
                return null;
            }
            default -> {}
        }
        // Electrical spikes: a single absurd value, which quality checks and anomaly scores should catch.
        if (random.nextDouble() < 0.002 * faultRate) {
            String sensor = faulty[random.nextInt(faulty.length)];
            metrics.computeIfPresent(sensor, (k, v) -> v * (random.nextBoolean() ? 4 : -2) + 50);
            spikes++;
        }
        metrics.replaceAll((k, v) -> round(v));
        return new Sample(this, time, metrics, units(), quality, fault);
    }

    private void updateFault(Instant time, double elapsed) {
        if (fault != Fault.NONE && time.isBefore(faultEnds)) {
            return;
        }
        fault = Fault.NONE;
        stuckValues = null;
        driftOffset = 0;
        // A rate per second, so the frequency does not depend on the publish rate: at faultRate 1 a
        // device starts a fault every two hours on average (40 % dropouts, 30 % climate failures,
        // 20 % stuck and 10 % drifting sensors) and spends about 5 % of its time in one.
        double probability = faultRate * elapsed / 7200.0;
        double draw = random.nextDouble();
        Fault next = Fault.NONE;
        long seconds = 0;
        if (draw < probability * 0.4) {
            next = Fault.DROPOUT;
            seconds = 60 + random.nextInt(240);
        } else if (draw < probability * 0.7) {
            next = Fault.CLIMATE_FAILURE;
            seconds = 300 + random.nextInt(600);
        } else if (draw < probability * 0.9) {
            next = Fault.STUCK;
            seconds = 300 + random.nextInt(900);
        } else if (draw < probability) {
            next = Fault.DRIFT;
            seconds = 900 + random.nextInt(1800);
        }
        if (next != Fault.NONE) {
            fault = next;
            faultEnds = time.plusSeconds(seconds);
            faultsStarted++;
        }
    }

    /** Gaussian noise with the given standard deviation. */
    protected double noise(double sigma) {
        // Box-Muller on the device's own stream keeps runs reproducible.
        double u1 = Math.max(1e-12, random.nextDouble());
        double u2 = random.nextDouble();
        return sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** Hours since local midnight at the site (sites are spread over time zones by their index). */
    protected static double hourOfDay(Instant time, int utcOffsetHours) {
        var local = time.atOffset(ZoneOffset.ofHours(utcOffsetHours));
        return local.getHour() + local.getMinute() / 60.0 + local.getSecond() / 3600.0;
    }

    /** A smooth 0..1 ramp around {@code edge} hours, {@code width} hours wide. */
    protected static double ramp(double hour, double edge, double width) {
        return 1 / (1 + Math.exp(-(hour - edge) / (width / 6)));
    }

    private static double round(double value) {
        return Math.round(value * 100.0) / 100.0;
    }

    /**
     * What one device publishes at one instant.
     *
     * @param device  the device
     * @param time    measurement time
     * @param metrics metric values by name
     * @param units   units by metric name
     * @param quality a quality for all metrics (UNCERTAIN while a fault is suspected), or null
     * @param fault   the fault in progress
     */
    public record Sample(
            DeviceModel device,
            Instant time,
            Map<String, Double> metrics,
            Map<String, String> units,
            String quality,
            Fault fault) {}
}
