package io.fieldline.simulator.can;

import io.fieldline.can.CanFrame;
import io.fieldline.can.dbc.Dbc;
import io.fieldline.can.dbc.DbcMessage;
import io.fieldline.can.dbc.DbcParser;
import io.fieldline.can.decode.MessageEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates the bundled demo candump log ({@code fieldline-demo.log}) from the bundled demo DBC: a grow room's
 * climate controller and a poultry house node, 90 seconds of traffic at their DBC cycle times, with smooth,
 * plausible values and a little noise. Deterministic (fixed seed and start time), so the committed log can be
 * checked against it.
 *
 * <p>Run {@code java ... io.fieldline.simulator.can.DemoCandumpLog <output file>} to write it again.
 */
public final class DemoCandumpLog {

    /** Start of the generated traffic. */
    public static final Instant START = Instant.parse("2025-06-01T06:00:00Z");
    /** Length of the generated traffic. */
    public static final Duration LENGTH = Duration.ofSeconds(90);
    /** Class path resource of the demo DBC. */
    public static final String DBC_RESOURCE = "/io/fieldline/simulator/can/fieldline-demo.dbc";

    private static final long SEED = 20250601L;

    private final Dbc dbc;
    private final Random random = new Random(SEED);

    private DemoCandumpLog(Dbc dbc) {
        this.dbc = dbc;
    }

    /** The bundled demo DBC. */
    public static Dbc demoDbc() {
        try (InputStream in = DemoCandumpLog.class.getResourceAsStream(DBC_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("demo DBC " + DBC_RESOURCE + " is missing from the class path");
            }
            return DbcParser.parse(in.readAllBytes(), "fieldline-demo.dbc");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The demo log's lines, in time order. */
    public static List<String> lines() {
        return new DemoCandumpLog(demoDbc()).generate();
    }

    /** Writes the demo log to the file given as the only argument. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: DemoCandumpLog <output file>");
        }
        Files.write(Path.of(args[0]), lines(), StandardCharsets.US_ASCII);
    }

    private record Timed(long micros, String line) {}

    private List<String> generate() {
        List<Timed> frames = new ArrayList<>();
        long startMicros = START.getEpochSecond() * 1_000_000L;
        long end = LENGTH.toNanos() / 1000;
        schedule(frames, startMicros, end, 500_000, 3_000, this::climateStatus, "ClimateStatus", false);
        schedule(frames, startMicros, end, 1_000_000, 47_000, this::climateActuators, "ClimateActuators", false);
        schedule(frames, startMicros, end, 1_000_000, 211_000, this::feeder, "FeederStatus", false);
        schedule(frames, startMicros, end, 333_333, 101_000, this::houseClimate, "HouseClimate", false);
        schedule(frames, startMicros, end, 1_000_000, 389_000, this::spectrum, "SpectrumSensor", true);
        frames.sort(Comparator.comparingLong(Timed::micros));
        List<String> lines = new ArrayList<>(frames.size());
        for (Timed t : frames) {
            lines.add(t.line());
        }
        return lines;
    }

    private interface Values {
        Map<String, Double> at(double seconds, int index);
    }

    private void schedule(
            List<Timed> out,
            long startMicros,
            long endMicros,
            long period,
            long phase,
            Values values,
            String message,
            boolean fd) {
        DbcMessage m = dbc.message(message).orElseThrow();
        MessageEncoder encoder = MessageEncoder.of(m);
        int index = 0;
        for (long t = phase; t < endMicros; t += period, index++) {
            long jitter = random.nextInt(2001) - 1000;
            long micros = startMicros + t + jitter;
            byte[] data = encoder.encode(values.at((t + jitter) / 1e6, index));
            CanFrame frame = fd
                    ? CanFrame.fd("can0", m.id(), m.extended(), CanFrame.FD_BRS, data, micros)
                    : CanFrame.classic("can0", m.id(), m.extended(), data, micros);
            out.add(new Timed(micros, frame.toCandumpLog()));
        }
    }

    private double wave(double t, double mean, double amplitude, double period, double phase) {
        return mean + amplitude * Math.sin(2 * Math.PI * t / period + phase);
    }

    private double noise(double scale) {
        return random.nextGaussian() * scale;
    }

    private double airTemperature(double t) {
        return wave(t, 24.0, 1.5, 60, 0);
    }

    private double humidity(double t) {
        return wave(t, 65, 5, 45, 1);
    }

    private Map<String, Double> climateStatus(double t, int i) {
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("AirTemperature", airTemperature(t) + noise(0.05));
        v.put("RelativeHumidity", humidity(t) + noise(0.2));
        v.put("Co2", Math.rint(wave(t, 900, 150, 80, 2) + noise(10)));
        v.put("Ppfd", wave(t, 850, 50, 30, 0.5) + noise(5));
        return v;
    }

    private Map<String, Double> climateActuators(double t, int i) {
        double fan = Math.rint(wave(t, 1800, 400, 40, 0) + noise(15));
        double air = airTemperature(t);
        int state = air > 25.0 ? 3 : humidity(t) > 68 ? 4 : air < 23.0 ? 2 : 1;
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("FanSpeed", fan);
        v.put("FanDuty", fan / 6000.0 * 100);
        v.put("ClimateState", (double) state);
        v.put("HeaterOn", state == 2 ? 1.0 : 0.0);
        v.put("VentOpening", wave(t, 20, 10, 50, 0.3));
        v.put("LeafTemperature", air - 1.2 + noise(0.1));
        return v;
    }

    private Map<String, Double> feeder(double t, int i) {
        // Feeding lowers the hopper; a refill from the silo between 60 s and 70 s.
        double weight = 1250.0 - 0.35 * Math.min(t, 60) + (t > 60 ? Math.min(t - 60, 10) * 20.0 - 0.35 * (t - 60) : 0);
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("FeedWeight", weight + noise(0.05));
        v.put("WaterMeter", 183456.789 + 0.12 * t);
        v.put("FeederState", t > 60 && t < 70 ? 1.0 : 2.0);
        return v;
    }

    private Map<String, Double> houseClimate(double t, int i) {
        int page = i % 3;
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("Page", (double) page);
        switch (page) {
            case 0 -> {
                v.put("HouseTemperature", wave(t, 27, 0.5, 70, 0) + noise(0.05));
                v.put("HouseHumidity", wave(t, 58, 3, 55, 0));
                v.put("Ammonia", wave(t, 12, 3, 85, 1) + noise(0.2));
            }
            case 1 -> {
                v.put("ExhaustFanSpeed", Math.rint(wave(t, 1100, 200, 40, 2)));
                v.put("InletOpening", wave(t, 35, 5, 45, 0));
                v.put("StaticPressure", wave(t, -25, 3, 35, 0) + noise(0.2));
            }
            default -> {
                v.put("BirdWeightAvg", 2.145 + 0.0001 * t);
                v.put("BirdCount", t > 45 ? 18249.0 : 18250.0);
            }
        }
        return v;
    }

    private Map<String, Double> spectrum(double t, int i) {
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("LightBlue", wave(t, 180, 10, 30, 0.5) + noise(1));
        v.put("LightGreen", wave(t, 220, 12, 30, 0.5) + noise(1));
        v.put("LightRed", wave(t, 380, 20, 30, 0.5) + noise(1));
        v.put("LightFarRed", wave(t, 60, 4, 30, 0.5) + noise(0.5));
        v.put("LeafWetness", wave(t, 12, 2, 60, 0));
        v.put("SensorStatus", 0.0);
        v.put("CanopyTemperature", (double) (float) (airTemperature(t) - 0.8 + noise(0.05)));
        return v;
    }
}
