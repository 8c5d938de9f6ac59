package io.fieldline.topologies.aggregate;

import static io.fieldline.testing.Records.minimalReading;
import static io.fieldline.topologies.support.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.topologies.StoreType;
import io.fieldline.topologies.enrich.EnrichmentSettings;
import io.fieldline.topologies.readings.ReadingsTopology;
import io.fieldline.topologies.support.Fixtures;
import io.fieldline.topologies.support.TestTopics;
import io.fieldline.topologies.support.TopologyNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReadingsTopologyAggregateTest {

    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Duration GRACE = Duration.ofSeconds(10);

    private final Topics topics = TestTopics.create();
    private TopologyTestDriver driver;
    private TestInputTopic<String, Reading> input;
    private TestOutputTopic<String, Aggregate> minutes;
    private TestOutputTopic<String, Aggregate> rollups;
    private TestOutputTopic<String, Reading> late;

    private void start(AggregateSettings settings) {
        // No device metadata: readings of unknown devices pass enrichment unchanged, so what is
        // aggregated is exactly what is sent.
        driver = new TopologyTestDriver(topology(settings).build(), Fixtures.driverProperties("aggregates-test"));
        input = driver.createInputTopic(
                topics.readings().name(),
                new StringSerializer(),
                topics.readings().valueSerde().serializer());
        minutes = driver.createOutputTopic(
                topics.aggregates1m().name(),
                new StringDeserializer(),
                topics.aggregates1m().valueSerde().deserializer());
        rollups = driver.createOutputTopic(
                topics.aggregates1h().name(),
                new StringDeserializer(),
                topics.aggregates1h().valueSerde().deserializer());
        late = driver.createOutputTopic(
                topics.lateReadings().name(),
                new StringDeserializer(),
                topics.lateReadings().valueSerde().deserializer());
    }

    private ReadingsTopology topology(AggregateSettings settings) {
        return new ReadingsTopology(new EnrichmentSettings(settings.storeType()), settings, topics);
    }

    private static AggregateSettings settings(Duration rollup, StoreType storeType) {
        return new AggregateSettings(MINUTE, rollup, GRACE, 0.01, 2048, storeType);
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    private void send(Reading reading) {
        input.pipeInput(reading.getDeviceId(), reading, reading.getEventTime());
    }

    @Test
    void shouldEmitWindowOnceWhenStreamTimePassesEndPlusGrace() {
        start(settings(Duration.ofHours(1), StoreType.IN_MEMORY));
        send(minimalReading("d1", "t", T0.plusSeconds(5), 1.0));
        send(minimalReading("d1", "t", T0.plusSeconds(50), 3.0));
        send(minimalReading("d1", "t", T0.plusSeconds(69), 5.0)); // next window; stream time 01:09 < 01:00 + 10 s
        assertThat(minutes.isEmpty()).isTrue();

        send(minimalReading("d2", "t", T0.plusSeconds(70), 7.0)); // another device's reading moves stream time to 01:10
        List<TestRecord<String, Aggregate>> out = minutes.readRecordsToList();
        assertThat(out).hasSize(1);
        Aggregate window = out.get(0).value();
        assertThat(out.get(0).key()).isEqualTo("d1");
        assertThat(out.get(0).timestamp()).isEqualTo(T0.plus(MINUTE).toEpochMilli() - 1);
        assertThat(window.getWindowStart()).isEqualTo(T0);
        assertThat(window.getWindowEnd()).isEqualTo(T0.plus(MINUTE));
        assertThat(window.getCount()).isEqualTo(2);
        assertThat(window.getSum()).isEqualTo(4.0);
        assertThat(window.getMean()).isEqualTo(2.0);
        assertThat(window.getM2()).isEqualTo(2.0);
        assertThat(window.getStddev()).isEqualTo(1.0);
        assertThat(window.getMin()).isEqualTo(1.0);
        assertThat(window.getMax()).isEqualTo(3.0);
        assertThat(window.getFirst()).isEqualTo(1.0);
        assertThat(window.getLast()).isEqualTo(3.0);
        assertThat(window.getSketch()).isNotNull();
        assertThat(window.getSketch().remaining())
                .as("sketch bytes of a two-value window")
                .isLessThan(64);

        send(minimalReading("d2", "t", T0.plusSeconds(100), 7.0));
        assertThat(minutes.isEmpty()).isTrue();
    }

    @Test
    void shouldUpdateWindowWithLateReadingWithinGraceAndDivertLaterOnes() {
        start(settings(Duration.ofHours(1), StoreType.IN_MEMORY));
        send(minimalReading("d1", "t", T0.plusSeconds(10), 1.0));
        send(minimalReading("d1", "t", T0.plusSeconds(65), 2.0));
        send(minimalReading("d1", "t", T0.plusSeconds(30), 10.0)); // out of order, within grace: counts
        send(minimalReading("d1", "t", T0.plusSeconds(70), 3.0)); // closes window 0
        Reading tooLate = minimalReading("d1", "t", T0.plusSeconds(40), 99.0);
        send(tooLate);

        Aggregate window = minutes.readValue();
        assertThat(window.getCount()).isEqualTo(2);
        assertThat(window.getMax()).isEqualTo(10.0);
        assertThat(window.getLast()).isEqualTo(10.0);
        assertThat(window.getLastTime()).isEqualTo(T0.plusSeconds(30));
        assertThat(minutes.isEmpty()).isTrue();
        assertThat(late.readValuesToList()).containsExactly(tooLate);
        assertThat(TopologyNames.metricTotal(driver.metrics(), ReadingsTopology.LATE_READINGS))
                .isEqualTo(1.0);
    }

    @Test
    void shouldCountBadReadingsWithoutUsingThem() {
        start(settings(Duration.ofHours(1), StoreType.IN_MEMORY));
        Reading bad = minimalReading("d1", "t", T0.plusSeconds(1), 1000.0);
        bad.setQuality(Quality.BAD);
        send(bad);
        send(minimalReading("d1", "t", T0.plusSeconds(2), 4.0));
        Reading onlyBad = minimalReading("d1", "h", T0.plusSeconds(3), 5.0);
        onlyBad.setQuality(Quality.BAD);
        send(onlyBad);
        send(minimalReading("d1", "t", T0.plusSeconds(200), 4.0));

        Map<String, Aggregate> bySensor = minutes.readValuesToList().stream()
                .filter(a -> a.getWindowStart().equals(T0))
                .collect(Collectors.toMap(Aggregate::getSensor, a -> a));
        assertThat(bySensor.get("t").getCount()).isEqualTo(1);
        assertThat(bySensor.get("t").getBadCount()).isEqualTo(1);
        assertThat(bySensor.get("t").getMax()).isEqualTo(4.0);
        assertThat(bySensor.get("h").getCount()).isZero();
        assertThat(bySensor.get("h").getBadCount()).isEqualTo(1);
        assertThat(bySensor.get("h").getMean()).isNaN();
        assertThat(bySensor.get("h").getP50()).isNull();
    }

    @Test
    void shouldMatchBruteForceOnRandomOutOfOrderAndLateReadings() {
        for (StoreType storeType : StoreType.values()) {
            stop();
            start(settings(Duration.ofMinutes(5), storeType));
            Random random = new Random(42);
            List<Reading> arrivals = randomArrivals(random, 4000);
            arrivals.forEach(this::send);
            // A reading far ahead in stream time closes everything the random data opened.
            send(minimalReading("flush", "t", T0.plus(Duration.ofHours(3)), 0.0));

            Expected expected = bruteForce(arrivals, Duration.ofMinutes(5));
            assertMatches(minutes.readValuesToList(), expected.minutes);
            assertMatches(rollups.readValuesToList(), expected.rollups);
            assertThat(late.readValuesToList()).containsExactlyElementsOf(expected.late);
            assertThat(expected.late).hasSizeGreaterThan(50);
        }
    }

    @Test
    void shouldEstimateQuantilesWithinTheSketchRelativeAccuracy() {
        start(settings(Duration.ofMinutes(10), StoreType.IN_MEMORY));
        Random random = new Random(7);
        List<Reading> readings = new ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            // Log-normal values spread over decades, a hard case for absolute-error sketches.
            double value = Math.exp(2 + 1.5 * random.nextGaussian());
            if (random.nextInt(10) == 0) {
                value = -value;
            }
            readings.add(minimalReading("d1", "flow", T0.plusMillis(i * 100L), value));
        }
        readings.forEach(this::send);
        send(minimalReading("flush", "t", T0.plus(Duration.ofHours(1)), 0.0));

        List<Aggregate> windows = minutes.readValuesToList().stream()
                .filter(a -> a.getDeviceId().equals("d1"))
                .toList();
        assertThat(windows).hasSize(10);
        QuantileSketches sketches = new QuantileSketches(0.01, 2048);
        for (Aggregate window : windows) {
            List<Double> values = readings.stream()
                    .filter(r -> !r.getEventTime().isBefore(window.getWindowStart())
                            && r.getEventTime().isBefore(window.getWindowEnd()))
                    .map(Reading::getValue)
                    .sorted()
                    .toList();
            assertQuantiles(window, values, 0.01);
            DDSketch decoded = sketches.fromProtobuf(window.getSketch());
            assertThat(decoded.getCount()).isEqualTo(values.size());
            assertThat(decoded.getValueAtQuantile(0.95)).isEqualTo(window.getP95());
        }
        Aggregate rollup = rollups.readValuesToList().stream()
                .filter(a -> a.getDeviceId().equals("d1"))
                .findFirst()
                .orElseThrow();
        assertQuantiles(
                rollup, readings.stream().map(Reading::getValue).sorted().toList(), 0.01);

        // A consumer merging the published minute sketches gets the rollup's quantiles exactly.
        DDSketch merged = sketches.create();
        windows.forEach(w -> merged.mergeWith(sketches.fromProtobuf(w.getSketch())));
        assertThat(merged.getValueAtQuantile(0.99)).isEqualTo(rollup.getP99());
        // Size grows with the occupied bins (the value range), not with the count: these values
        // span six decades, yet the sketch is a fraction of the 48 kB the raw doubles would take.
        assertThat(rollup.getSketch().remaining()).isLessThan(48_000 / 4);
    }

    @Test
    void shouldNameEveryInternalResource() {
        String description = topology(settings(Duration.ofHours(1), StoreType.ROCKSDB))
                .build()
                .describe()
                .toString();
        assertThat(TopologyNames.generatedNames(description)).isEmpty();
        assertThat(description).doesNotContain("repartition");
    }

    private static void assertQuantiles(Aggregate aggregate, List<Double> sorted, double accuracy) {
        assertThat(aggregate.getCount()).isEqualTo(sorted.size());
        double[] qs = {0.5, 0.95, 0.99};
        Double[] estimates = {aggregate.getP50(), aggregate.getP95(), aggregate.getP99()};
        for (int i = 0; i < qs.length; i++) {
            // DDSketch's rank convention: the value of rank floor(q * (n - 1)) in sorted order.
            double exact = sorted.get((int) Math.floor(qs[i] * (sorted.size() - 1)));
            assertThat(estimates[i]).as("q%s", qs[i]).isCloseTo(exact, within(Math.abs(exact) * accuracy + 1e-12));
        }
    }

    /** Readings of 3 devices x 2 sensors over 30 minutes, arriving out of order, some late, some BAD. */
    private static List<Reading> randomArrivals(Random random, int n) {
        List<Reading> readings = new ArrayList<>();
        List<Long> arrival = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long eventMs = (long) (random.nextDouble() * Duration.ofMinutes(30).toMillis());
            String device = "d" + random.nextInt(3);
            String sensor = random.nextBoolean() ? "temp" : "hum";
            double value = Math.round((20 + 5 * random.nextGaussian()) * 1000) / 1000.0;
            Reading reading = minimalReading(device, sensor, T0.plusMillis(eventMs), value);
            if (random.nextInt(25) == 0) {
                reading.setQuality(Quality.BAD);
            }
            readings.add(reading);
            // Most arrive up to 5 s after their event time, one in eight up to 60 s (often past the 10 s grace).
            long delay = random.nextInt(8) == 0 ? random.nextInt(60_000) : random.nextInt(5_000);
            arrival.add(eventMs + delay);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparing(arrival::get));
        return order.stream().map(readings::get).toList();
    }

    private record SeriesWindow(String device, String sensor, long start) {}

    private record Expected(
            Map<SeriesWindow, List<Reading>> minutes, Map<SeriesWindow, List<Reading>> rollups, List<Reading> late) {}

    /** Straight from the definition: late iff window end + grace <= max event time seen so far. */
    private static Expected bruteForce(List<Reading> arrivals, Duration rollup) {
        Map<SeriesWindow, List<Reading>> minutes = new HashMap<>();
        Map<SeriesWindow, List<Reading>> rollups = new HashMap<>();
        List<Reading> late = new ArrayList<>();
        long streamTime = Long.MIN_VALUE;
        for (Reading reading : arrivals) {
            long t = reading.getEventTime().toEpochMilli();
            streamTime = Math.max(streamTime, t);
            long start = t - Math.floorMod(t, MINUTE.toMillis());
            if (start + MINUTE.toMillis() + GRACE.toMillis() <= streamTime) {
                late.add(reading);
                continue;
            }
            minutes.computeIfAbsent(
                            new SeriesWindow(reading.getDeviceId(), reading.getSensor(), start), k -> new ArrayList<>())
                    .add(reading);
            long rollupStart = t - Math.floorMod(t, rollup.toMillis());
            rollups.computeIfAbsent(
                            new SeriesWindow(reading.getDeviceId(), reading.getSensor(), rollupStart),
                            k -> new ArrayList<>())
                    .add(reading);
        }
        return new Expected(minutes, rollups, late);
    }

    private static void assertMatches(List<Aggregate> emitted, Map<SeriesWindow, List<Reading>> expected) {
        List<Aggregate> relevant =
                emitted.stream().filter(a -> !a.getDeviceId().equals("flush")).toList();
        Map<SeriesWindow, Aggregate> byWindow = new HashMap<>();
        for (Aggregate aggregate : relevant) {
            SeriesWindow key = new SeriesWindow(
                    aggregate.getDeviceId(),
                    aggregate.getSensor(),
                    aggregate.getWindowStart().toEpochMilli());
            assertThat(byWindow.put(key, aggregate))
                    .as("window emitted twice: %s", key)
                    .isNull();
        }
        assertThat(byWindow.keySet()).isEqualTo(expected.keySet());
        expected.forEach((key, readings) -> assertAggregate(byWindow.get(key), readings));
    }

    private static void assertAggregate(Aggregate actual, List<Reading> arrivals) {
        List<Reading> good =
                arrivals.stream().filter(r -> r.getQuality() != Quality.BAD).toList();
        long bad = arrivals.size() - good.size();
        assertThat(actual.getBadCount()).isEqualTo(bad);
        assertThat(actual.getCount()).isEqualTo(good.size());
        if (good.isEmpty()) {
            assertThat(actual.getMean()).isNaN();
            return;
        }
        double sum = 0;
        for (Reading r : good) {
            sum += r.getValue();
        }
        double mean = sum / good.size();
        double m2 = 0;
        for (Reading r : good) {
            m2 += (r.getValue() - mean) * (r.getValue() - mean);
        }
        double min = good.stream().mapToDouble(Reading::getValue).min().orElseThrow();
        double max = good.stream().mapToDouble(Reading::getValue).max().orElseThrow();
        // First: earliest event time, the earlier arrival on ties; last: latest, the later arrival on ties.
        Reading first = good.get(0);
        Reading last = good.get(0);
        for (Reading r : good) {
            if (r.getEventTime().isBefore(first.getEventTime())) {
                first = r;
            }
            if (!r.getEventTime().isBefore(last.getEventTime())) {
                last = r;
            }
        }
        assertThat(actual.getSum()).isCloseTo(sum, within(1e-9 * Math.abs(sum) + 1e-9));
        assertThat(actual.getMean()).isCloseTo(mean, within(1e-9 * Math.abs(mean) + 1e-9));
        assertThat(actual.getM2()).isCloseTo(m2, within(1e-7 * m2 + 1e-9));
        assertThat(actual.getStddev()).isCloseTo(Math.sqrt(m2 / good.size()), within(1e-7));
        assertThat(actual.getMin()).isEqualTo(min);
        assertThat(actual.getMax()).isEqualTo(max);
        assertThat(actual.getFirst()).isEqualTo(first.getValue());
        assertThat(actual.getFirstTime()).isEqualTo(first.getEventTime());
        assertThat(actual.getLast()).isEqualTo(last.getValue());
        assertThat(actual.getLastTime()).isEqualTo(last.getEventTime());
        List<Double> sorted = good.stream().map(Reading::getValue).sorted().toList();
        double exactMedian = sorted.get((int) Math.floor(0.5 * (sorted.size() - 1)));
        assertThat(actual.getP50()).isCloseTo(exactMedian, within(Math.abs(exactMedian) * 0.01));
    }
}
