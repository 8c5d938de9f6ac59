package io.fieldline.topologies.kpi;

import static io.fieldline.topologies.support.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.topologies.StoreType;
import io.fieldline.topologies.support.Fixtures;
import io.fieldline.topologies.support.TestTopics;
import io.fieldline.topologies.support.TopologyNames;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KpiTopologyTest {

    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final KpiSettings SETTINGS = new KpiSettings(
            Set.of("air_temperature"),
            Set.of("relative_humidity"),
            Set.of("ppfd"),
            Set.of("feed_consumed_kg"),
            Set.of("avg_weight_kg"),
            Set.of("birds_remaining"),
            Set.of("deaths"),
            Set.of("eggs_produced"),
            MINUTE,
            Duration.ofMinutes(2),
            ZoneId.of("UTC"),
            Duration.ofMinutes(5),
            StoreType.IN_MEMORY);

    private final Topics topics = TestTopics.create();
    private TopologyTestDriver driver;
    private TestInputTopic<String, Aggregate> input;
    private TestOutputTopic<String, Kpi> output;

    @BeforeEach
    void start() {
        driver = new TopologyTestDriver(
                new KpiTopology(SETTINGS, topics).build(), Fixtures.driverProperties("kpis-test"));
        input = driver.createInputTopic(
                topics.aggregates1m().name(),
                new StringSerializer(),
                topics.aggregates1m().valueSerde().serializer());
        output = driver.createOutputTopic(
                topics.kpis().name(),
                new StringDeserializer(),
                topics.kpis().valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    /** A one-minute aggregate of {@code count} readings averaging {@code mean}, the first at the window start. */
    private void send(String device, String sensor, String room, Instant windowStart, double mean, long count) {
        Aggregate aggregate = Aggregate.newBuilder()
                .setDeviceId(device)
                .setSensor(sensor)
                .setRoom(room)
                .setSite("farm-1")
                .setWindowStart(windowStart)
                .setWindowEnd(windowStart.plus(MINUTE))
                .setCount(count)
                .setSum(mean * count)
                .setMin(mean)
                .setMax(mean)
                .setMean(mean)
                .setM2(0)
                .setStddev(0)
                .setFirst(mean)
                .setFirstTime(windowStart)
                .setLast(mean)
                .setLastTime(windowStart.plusSeconds(59))
                .build();
        input.pipeInput(device, aggregate, windowStart.plus(MINUTE).minusMillis(1));
    }

    private Map<String, Kpi> byName(List<Kpi> kpis) {
        return kpis.stream().collect(Collectors.toMap(Kpi::getName, k -> k));
    }

    @Test
    void shouldComputeVpdAndDewPointFromTheRoomsMeanTemperatureAndHumidity() {
        send("d1", "air_temperature", "room-a", T0, 25.0, 60);
        send("d1", "relative_humidity", "room-a", T0, 60.0, 60);
        send("d1", "co2", "room-a", T0, 800.0, 60); // not a KPI input
        send("d1", "air_temperature", "room-a", T0.plusSeconds(180), 25.0, 60); // stream time 04:00 > 01:00 + 2 min

        List<TestRecord<String, Kpi>> out = output.readRecordsToList();
        assertThat(out).extracting(TestRecord::key).containsOnly("room-a");
        Map<String, Kpi> kpis = byName(out.stream().map(TestRecord::value).toList());
        assertThat(kpis).containsOnlyKeys("vpd", "dew_point");
        // es(25) = 0.6108 * exp(17.27 * 25 / (25 + 237.3)) = 0.6108 * exp(431.75 / 262.3)
        //        = 0.6108 * exp(1.646016) = 0.6108 * 5.186277 = 3.167778 kPa
        // VPD    = 3.167778 * (1 - 60 / 100) = 1.267111 kPa
        assertThat(kpis.get("vpd").getValue()).isCloseTo(1.267111, within(1e-6));
        assertThat(kpis.get("vpd").getUnit()).isEqualTo("kPa");
        // gamma = ln(0.60) + 17.62 * 25 / (243.12 + 25) = -0.510826 + 1.642921 = 1.132095
        // Td    = 243.12 * 1.132095 / (17.62 - 1.132095) = 275.2350 / 16.487905 = 16.693149 degC
        assertThat(kpis.get("dew_point").getValue()).isCloseTo(16.693149, within(1e-6));
        assertThat(kpis.get("vpd").getWindowStart()).isEqualTo(T0);
        assertThat(kpis.get("vpd").getWindowEnd()).isEqualTo(T0.plus(MINUTE));
        assertThat(kpis.get("vpd").getInputs())
                .containsEntry("temperature_c", 25.0)
                .containsEntry("humidity_pct", 60.0);
        assertThat(kpis.get("vpd").getSite()).isEqualTo("farm-1");
    }

    @Test
    void shouldWeightTheRoomsSeriesByTheirReadingCounts() {
        send("d1", "air_temperature", "room-a", T0, 24.0, 60);
        send("d2", "air_temperature", "room-a", T0, 26.0, 30);
        send("d1", "relative_humidity", "room-a", T0, 55.0, 60);
        send("d2", "relative_humidity", "room-a", T0, 65.0, 30);
        send("d3", "air_temperature", "room-b", T0, 30.0, 60); // room-b has no humidity: no KPI
        send("d1", "air_temperature", "room-a", T0.plusSeconds(180), 25.0, 60);

        Map<String, Kpi> kpis = byName(output.readValuesToList());
        // T  = (24 * 60 + 26 * 30) / 90 = 2220 / 90 = 24.666667 degC
        // RH = (55 * 60 + 65 * 30) / 90 = 5250 / 90 = 58.333333 %
        // es = 0.6108 * exp(17.27 * 24.666667 / 261.966667) = 0.6108 * exp(1.626136) = 3.105423 kPa
        // VPD = 3.105423 * (1 - 0.583333) = 1.293926 kPa
        assertThat(kpis.get("vpd").getValue()).isCloseTo(1.293926, within(1e-6));
        assertThat(kpis.get("vpd").getInputs().get("temperature_c")).isCloseTo(24.666667, within(1e-6));
        // gamma = ln(0.583333) + 17.62 * 24.666667 / 267.786667 = -0.538997 + 1.623033 = 1.084037
        // Td    = 243.12 * 1.084037 / (17.62 - 1.084037) = 263.5511 / 16.535963 = 15.938050 degC
        assertThat(kpis.get("dew_point").getValue()).isCloseTo(15.938050, within(1e-6));
    }

    @Test
    void shouldIntegrateDailyLightWithTheTimeBetweenReadingsAndCapGaps() {
        Instant day = T0;
        // Lights on 06:00-18:00 at 500 umol/m2/s in room-a, dark (0) otherwise; one window a minute.
        // room-b: the same, but the sensor is silent 12:00-12:59.
        for (int minute = 0; minute < 24 * 60; minute++) {
            double ppfd = minute >= 6 * 60 && minute < 18 * 60 ? 500 : 0;
            Instant start = day.plus(MINUTE.multipliedBy(minute));
            send("l1", "ppfd", "room-a", start, ppfd, 60);
            if (minute < 12 * 60 || minute >= 13 * 60) {
                send("l2", "ppfd", "room-b", start, ppfd, 60);
            }
        }
        send("l1", "ppfd", "room-a", day.plus(Duration.ofDays(1)).plus(Duration.ofMinutes(3)), 0, 60);

        Map<String, Kpi> dli = output.readValuesToList().stream()
                .filter(k -> k.getName().equals("dli"))
                .collect(Collectors.toMap(Kpi::getRoom, k -> k));
        // room-a: 720 lit minutes, each held 60 s until the next window: 720 * 500 * 60 / 1e6 = 21.6 mol/m2/d
        assertThat(dli.get("room-a").getValue()).isCloseTo(21.6, within(1e-9));
        assertThat(dli.get("room-a").getUnit()).isEqualTo("mol/m2/d");
        assertThat(dli.get("room-a").getWindowStart()).isEqualTo(day);
        assertThat(dli.get("room-a").getWindowEnd()).isEqualTo(day.plus(Duration.ofDays(1)));
        // room-b: 660 lit minutes held 60 s, except 11:59, held until the 5 min cap (no window until 13:00):
        // 659 * 500 * 60 / 1e6 + 500 * 300 / 1e6 = 19.77 + 0.15 = 19.92 mol/m2/d
        assertThat(dli.get("room-b").getValue()).isCloseTo(19.92, within(1e-9));
    }

    @Test
    void shouldComputePoultryKpisPerDayCarryingBirdsAndWeightOver() {
        Instant day1 = T0;
        Instant day2 = T0.plus(Duration.ofDays(1));
        send("h1", "birds_remaining", "house-1", day1.plus(Duration.ofHours(6)), 10_000, 1);
        send("h1", "avg_weight_kg", "house-1", day1.plus(Duration.ofHours(6)), 1.50, 1);
        send("h1", "feed_consumed_kg", "house-1", day1.plus(Duration.ofHours(12)), 700, 1);
        send("h1", "feed_consumed_kg", "house-1", day1.plus(Duration.ofHours(18)), 800, 1);
        send("h1", "deaths", "house-1", day1.plus(Duration.ofHours(18)), 20, 1);
        send("h1", "eggs_produced", "house-1", day1.plus(Duration.ofHours(18)), 9_200, 1);
        send("h1", "birds_remaining", "house-1", day1.plus(Duration.ofHours(18)), 9_980, 1);
        send("h1", "avg_weight_kg", "house-1", day1.plus(Duration.ofHours(18)), 1.56, 1);

        send("h1", "feed_consumed_kg", "house-1", day2.plus(Duration.ofHours(18)), 1_480, 1);
        send("h1", "deaths", "house-1", day2.plus(Duration.ofHours(18)), 15, 1);
        send("h1", "eggs_produced", "house-1", day2.plus(Duration.ofHours(18)), 9_100, 1);
        send("h1", "birds_remaining", "house-1", day2.plus(Duration.ofHours(18)), 9_965, 1);
        send("h1", "avg_weight_kg", "house-1", day2.plus(Duration.ofHours(18)), 1.62, 1);
        send("h1", "deaths", "house-1", day2.plus(Duration.ofDays(1)).plus(Duration.ofMinutes(5)), 0, 1);

        Map<Instant, Map<String, Kpi>> byDay = output.readValuesToList().stream()
                .collect(Collectors.groupingBy(Kpi::getWindowStart, Collectors.toMap(Kpi::getName, k -> k)));
        Map<String, Kpi> first = byDay.get(day1);
        // Day 1: feed 700 + 800 = 1500 kg; weight 1.50 -> 1.56 kg: gain 0.06 kg/bird x 9980 birds = 598.8 kg
        // FCR = 1500 / 598.8 = 2.505010
        assertThat(first.get("fcr").getValue()).isCloseTo(2.505010, within(1e-6));
        assertThat(first.get("fcr").getInputs())
                .containsEntry("feed_kg", 1500.0)
                .containsEntry("birds", 9980.0);
        // Mortality = 20 deaths / 10000 birds at start (the day's first count) * 100 = 0.2 %
        assertThat(first.get("mortality_rate").getValue()).isCloseTo(0.2, within(1e-9));
        // Production = 9200 eggs / mean(10000, 9980) = 9200 / 9990 * 100 = 92.092092 %
        assertThat(first.get("production_rate").getValue()).isCloseTo(92.092092, within(1e-6));
        assertThat(first.get("production_rate").getUnit()).isEqualTo("%");

        Map<String, Kpi> second = byDay.get(day2);
        // Day 2 starts from day 1's last values: 9980 birds, 1.56 kg.
        // FCR = 1480 / ((1.62 - 1.56) x 9965) = 1480 / 597.9 = 2.475330
        assertThat(second.get("fcr").getValue()).isCloseTo(2.475330, within(1e-6));
        // Mortality = 15 / 9980 * 100 = 0.150301 %
        assertThat(second.get("mortality_rate").getValue()).isCloseTo(0.150301, within(1e-6));
        // Production = 9100 / 9965 * 100 = 91.319619 %
        assertThat(second.get("production_rate").getValue()).isCloseTo(91.319619, within(1e-6));
        assertThat(second.get("fcr").getRoom()).isEqualTo("house-1");
    }

    @Test
    void shouldRepartitionOnlyOnceThroughANamedTopicAndNameEverything() {
        String description =
                new KpiTopology(SETTINGS, topics).build().describe().toString();
        assertThat(TopologyNames.generatedNames(description)).isEmpty();
        assertThat(description).contains(KpiTopology.REPARTITION + "-repartition");
    }
}
