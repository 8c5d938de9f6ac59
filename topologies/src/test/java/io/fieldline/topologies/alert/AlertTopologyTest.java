package io.fieldline.topologies.alert;

import static io.fieldline.testing.Records.device;
import static io.fieldline.topologies.support.Fixtures.T0;
import static io.fieldline.topologies.support.Fixtures.reading;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AlertKind;
import io.fieldline.schemas.avro.AlertRule;
import io.fieldline.schemas.avro.AlertState;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Direction;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.schemas.avro.Severity;
import io.fieldline.testing.Records;
import io.fieldline.topologies.StoreType;
import io.fieldline.topologies.support.Fixtures;
import io.fieldline.topologies.support.TestTopics;
import io.fieldline.topologies.support.TopologyNames;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AlertTopologyTest {

    /** Wall clock of the driver at start; readings carry their own event times. */
    private static final Instant WALL = T0.plus(Duration.ofHours(1));
    /** How long the input may bring nothing before its time follows the wall clock (the default). */
    private static final Duration IDLE_GRACE = Duration.ofMinutes(1);

    private final Topics topics = TestTopics.create();
    private TopologyTestDriver driver;
    private TestInputTopic<String, Reading> readings;
    private TestInputTopic<String, AlertRule> rules;
    private TestInputTopic<String, Device> devices;
    private TestInputTopic<String, Sensor> sensors;
    private TestOutputTopic<String, Alert> alerts;

    @BeforeEach
    void start() {
        AlertSettings settings = new AlertSettings(
                Duration.ZERO,
                true,
                3.0,
                Duration.ofMinutes(1),
                Duration.ofSeconds(1),
                IDLE_GRACE,
                Severity.WARNING,
                StoreType.IN_MEMORY);
        driver = new TopologyTestDriver(
                new AlertTopology(settings, topics).build(), Fixtures.driverProperties("alerts-test"), WALL);
        readings = driver.createInputTopic(
                topics.enrichedReadings().name(),
                new StringSerializer(),
                topics.enrichedReadings().valueSerde().serializer());
        rules = driver.createInputTopic(
                topics.alertRules().name(),
                new StringSerializer(),
                topics.alertRules().valueSerde().serializer());
        devices = driver.createInputTopic(
                topics.devices().name(),
                new StringSerializer(),
                topics.devices().valueSerde().serializer());
        sensors = driver.createInputTopic(
                topics.sensors().name(),
                new StringSerializer(),
                topics.sensors().valueSerde().serializer());
        alerts = driver.createOutputTopic(
                topics.alerts().name(),
                new StringDeserializer(),
                topics.alerts().valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private static AlertRule.Builder rule(String id, Direction direction, double threshold) {
        return AlertRule.newBuilder().setRuleId(id).setDirection(direction).setThreshold(threshold);
    }

    private void send(String device, String sensor, double value, long second) {
        readings.pipeInput(device, reading(device, sensor, T0.plusSeconds(second), value, "room-a"));
    }

    private List<String> alertKeys() {
        return alerts.readRecordsToList().stream().map(TestRecord::key).toList();
    }

    private void sendAll(String device, String sensor, long startSecond, long stepSeconds, double... values) {
        for (int i = 0; i < values.length; i++) {
            send(device, sensor, values[i], startSecond + i * stepSeconds);
        }
    }

    @Test
    void shouldRaiseOnceWhenAboveForDuration() {
        rules.pipeInput("hot", rule("hot", Direction.ABOVE, 30).setForMs(60_000).build());
        // Above from t=10 s; 60 s of violation are reached at t=70 s.
        sendAll("d1", "temp", 0, 10, 25, 31, 32, 33, 31, 32, 34, 35, 33, 32);

        List<TestRecord<String, Alert>> out = alerts.readRecordsToList();
        assertThat(out).hasSize(1);
        Alert raised = out.get(0).value();
        assertThat(out.get(0).key()).isEqualTo("hot/d1/temp");
        assertThat(raised.getState()).isEqualTo(AlertState.RAISED);
        assertThat(raised.getKind()).isEqualTo(AlertKind.THRESHOLD);
        assertThat(raised.getSeverity()).isEqualTo(Severity.WARNING);
        assertThat(raised.getValue()).isEqualTo(35.0);
        assertThat(raised.getThreshold()).isEqualTo(30.0);
        assertThat(raised.getDirection()).isEqualTo(Direction.ABOVE);
        assertThat(raised.getSince()).isEqualTo(T0.plusSeconds(10));
        assertThat(raised.getEventTime()).isEqualTo(T0.plusSeconds(70));
        assertThat(raised.getRoom()).isEqualTo("room-a");
        assertThat(out.get(0).timestamp()).isEqualTo(T0.plusSeconds(70).toEpochMilli());
    }

    @Test
    void shouldNotRaiseWhenViolationEndsBeforeDuration() {
        rules.pipeInput("hot", rule("hot", Direction.ABOVE, 30).setForMs(60_000).build());
        // 50 s above, a dip resets the debounce, then 50 s above again.
        sendAll("d1", "temp", 0, 10, 31, 32, 33, 31, 32, 33, 29, 31, 32, 33, 34, 35, 36);

        assertThat(alerts.isEmpty()).isTrue();
    }

    @Test
    void shouldClearOnlyOncePastTheClearThreshold() {
        rules.pipeInput(
                "hot", rule("hot", Direction.ABOVE, 30).setClearThreshold(28.0).build());
        sendAll("d1", "temp", 0, 10, 31, 29.5, 30.5, 28.5, 31, 27.9, 29, 29.9, 30.1);

        List<Alert> out = alerts.readValuesToList();
        assertThat(out)
                .extracting(Alert::getState)
                .containsExactly(AlertState.RAISED, AlertState.CLEARED, AlertState.RAISED);
        assertThat(out.get(1).getValue()).isEqualTo(27.9);
        assertThat(out.get(1).getClearThreshold()).isEqualTo(28.0);
        assertThat(out.get(1).getSince()).isEqualTo(T0);
        assertThat(out.get(2).getEventTime()).isEqualTo(T0.plusSeconds(80));
    }

    @Test
    void shouldEscalateOnceWhileRaised() {
        rules.pipeInput(
                "hot",
                rule("hot", Direction.ABOVE, 30)
                        .setEscalationThreshold(35.0)
                        .setSeverity(Severity.WARNING)
                        .setEscalationSeverity(Severity.CRITICAL)
                        .build());
        sendAll("d1", "temp", 0, 10, 31, 36, 34, 37, 29);

        List<Alert> out = alerts.readValuesToList();
        assertThat(out)
                .extracting(Alert::getState)
                .containsExactly(AlertState.RAISED, AlertState.ESCALATED, AlertState.CLEARED);
        assertThat(out)
                .extracting(Alert::getSeverity)
                .containsExactly(Severity.WARNING, Severity.CRITICAL, Severity.CRITICAL);
        assertThat(out.get(1).getThreshold()).isEqualTo(35.0);
        assertThat(out).extracting(Alert::getAlertId).containsOnly("hot/d1/temp");
    }

    @Test
    void shouldRaiseAtEscalationSeverityWhenFirstViolationIsAlreadyPastIt() {
        rules.pipeInput(
                "hot",
                rule("hot", Direction.ABOVE, 30).setEscalationThreshold(35.0).build());
        sendAll("d1", "temp", 0, 10, 40, 41);

        List<Alert> out = alerts.readValuesToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).getState()).isEqualTo(AlertState.RAISED);
        assertThat(out.get(0).getSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(out.get(0).getThreshold()).isEqualTo(35.0);
    }

    @Test
    void shouldHandleBelowRulesWithHysteresis() {
        rules.pipeInput(
                "dry",
                rule("dry", Direction.BELOW, 30)
                        .setClearThreshold(35.0)
                        .setForMs(20_000)
                        .build());
        sendAll("soil-1", "soil_moisture", 0, 10, 40, 29, 28, 27, 33, 36);

        List<Alert> out = alerts.readValuesToList();
        assertThat(out).extracting(Alert::getState).containsExactly(AlertState.RAISED, AlertState.CLEARED);
        assertThat(out.get(0).getEventTime()).isEqualTo(T0.plusSeconds(30));
        assertThat(out.get(1).getValue()).isEqualTo(36.0);
    }

    @Test
    void shouldSelectSeriesByWildcardsOnDeviceSensorAndRoom() {
        rules.pipeInput(
                "gh",
                rule("gh", Direction.ABOVE, 30)
                        .setDeviceSelector("gh-*")
                        .setSensorSelector("*temp*")
                        .setRoomSelector("room-?")
                        .build());
        rules.pipeInput(
                "any",
                rule("any", Direction.ABOVE, 100).setRoomSelector("room-*").build());
        send("gh-1", "air_temperature", 31, 0);
        send("gh-2", "humidity", 31, 1);
        send("xx-1", "air_temperature", 31, 2);
        send("gh-3", "leaf_temp", 101, 3);

        assertThat(alertKeys()).containsExactlyInAnyOrder("any/gh-3/leaf_temp");
        rules.pipeInput(
                "gh",
                rule("gh", Direction.ABOVE, 30)
                        .setDeviceSelector("gh-*")
                        .setSensorSelector("*temp*")
                        .setRoomSelector("room-*")
                        .build());
        send("gh-1", "air_temperature", 31, 4);
        assertThat(alertKeys()).containsExactly("gh/gh-1/air_temperature");
    }

    @Test
    void shouldApplyRuleChangesFromTheRulesTopicWithoutRestart() {
        rules.pipeInput("hot", rule("hot", Direction.ABOVE, 30).build());
        send("d1", "temp", 29, 0);
        assertThat(alerts.isEmpty()).isTrue();

        rules.pipeInput("hot", rule("hot", Direction.ABOVE, 25).build());
        send("d1", "temp", 29, 10);
        assertThat(alerts.readValue().getThreshold()).isEqualTo(25.0);

        // Disabling clears the raised alert, at the next reading or on the wall clock, whichever comes first.
        rules.pipeInput(
                "hot", rule("hot", Direction.ABOVE, 25).setEnabled(false).build());
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        Alert cleared = alerts.readValue();
        assertThat(cleared.getState()).isEqualTo(AlertState.CLEARED);
        assertThat(cleared.getMessage()).contains("disabled");
        send("d1", "temp", 40, 20);
        assertThat(alerts.isEmpty()).isTrue();

        rules.pipeInput("hot", rule("hot", Direction.ABOVE, 25).build());
        send("d1", "temp", 40, 30);
        assertThat(alerts.readValue().getState()).isEqualTo(AlertState.RAISED);

        rules.pipeInput("hot", null);
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        Alert deleted = alerts.readValue();
        assertThat(deleted.getState()).isEqualTo(AlertState.CLEARED);
        assertThat(deleted.getMessage()).contains("deleted");
        send("d1", "temp", 50, 40);
        assertThat(alerts.isEmpty()).isTrue();
    }

    @Test
    void shouldIgnoreStaleAndBadReadings() {
        rules.pipeInput("hot", rule("hot", Direction.ABOVE, 30).build());
        send("d1", "temp", 20, 100);
        send("d1", "temp", 40, 50); // older than what the series already reported
        Reading bad = reading("d1", "temp", T0.plusSeconds(110), 99, "room-a");
        bad.setQuality(Quality.BAD);
        readings.pipeInput("d1", bad);

        assertThat(alerts.isEmpty()).isTrue();
    }

    @Test
    void shouldRaiseOfflineOnTheWallClockOnceTheWholeInputIsSilentForLongerThanTheGraceAndClearWhenDataReturns() {
        devices.pipeInput("d1", device("d1", "farm-1", "room-a", 10_000L));
        send("d1", "temp", 20, 0);
        send("d2", "temp", 20, 0); // no metadata: the 60 s default interval

        // Nothing arrives any more: for the first minute (the idle grace) the input may just be behind;
        // after it, the input's time follows the wall clock, a minute behind.
        driver.advanceWallClockTime(IDLE_GRACE.plusSeconds(29));
        assertThat(alerts.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(2)); // 31 s > 3 x 10 s of input time
        TestRecord<String, Alert> offline = alerts.readRecord();
        assertThat(offline.key()).isEqualTo("offline/d1/temp");
        assertThat(offline.value().getKind()).isEqualTo(AlertKind.OFFLINE);
        assertThat(offline.value().getState()).isEqualTo(AlertState.RAISED);
        assertThat(offline.value().getSince()).isEqualTo(T0);
        assertThat(offline.value().getEventTime()).isEqualTo(T0.plusSeconds(31));
        assertThat(offline.value().getValue()).isNull();
        assertThat(alerts.isEmpty()).isTrue();

        driver.advanceWallClockTime(Duration.ofSeconds(148)); // 179 s < 3 x 60 s
        assertThat(alerts.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(2));
        assertThat(alertKeys()).containsExactly("offline/d2/temp");

        send("d1", "temp", 20, 185);
        Alert back = alerts.readValue();
        assertThat(back.getState()).isEqualTo(AlertState.CLEARED);
        assertThat(back.getAlertId()).isEqualTo("offline/d1/temp");
        assertThat(back.getEventTime()).isEqualTo(T0.plusSeconds(185));
        assertThat(alerts.isEmpty()).isTrue();
    }

    /**
     * Delivers the readings of {@code devices}, one every 5 s of event time each, from second {@code from}
     * (inclusive) to {@code to} (exclusive), all at once: a burst, as a lagging input delivers them.
     */
    private void burst(List<String> devices, long from, long to) {
        for (long second = from; second < to; second += 5) {
            for (String device : devices) {
                send(device, "temp", 20, second);
            }
        }
    }

    /** Lets {@code seconds} of wall clock pass, one second at a time (the offline check runs every second). */
    private void wallClockPasses(long seconds) {
        for (long s = 0; s < seconds; s++) {
            driver.advanceWallClockTime(Duration.ofSeconds(1));
        }
    }

    @Test
    void shouldNotRaiseOfflineForDevicesThatKeptPublishingWhenTheirReadingsArriveLateInBursts() {
        // Event (and ingest) times start an hour before the wall clock: the input lags by an hour and
        // is drained in bursts of 40 s of readings, 40 s of wall clock apart (longer than the 30 s
        // after which a 10 s device counts as silent).
        List<String> fleet = List.of("d1", "d2", "d3");
        fleet.forEach(d -> devices.pipeInput(d, device(d, "farm-1", "room-a", 10_000L)));
        for (long from = 0; from < 400; from += 40) {
            burst(fleet, from, from + 40);
            wallClockPasses(40);
        }

        assertThat(alerts.readValuesToList())
                .as("no OFFLINE for devices that kept publishing")
                .isEmpty();
    }

    @Test
    void shouldRaiseOfflineForTheDeviceThatStoppedWhileTheOthersContinueAndClearItConsistently() {
        List<String> fleet = List.of("d1", "d2", "d3");
        fleet.forEach(d -> devices.pipeInput(d, device(d, "farm-1", "room-a", 10_000L)));
        burst(fleet, 0, 60); // d3 last reports at 55 s
        wallClockPasses(40);
        for (long from = 60; from < 300; from += 40) {
            burst(List.of("d1", "d2"), from, from + 40);
            wallClockPasses(40);
        }

        List<TestRecord<String, Alert>> raised = alerts.readRecordsToList();
        assertThat(raised).extracting(TestRecord::key).containsExactly("offline/d3/temp");
        Alert offline = raised.get(0).value();
        assertThat(offline.getState()).isEqualTo(AlertState.RAISED);
        assertThat(offline.getSince()).isEqualTo(T0.plusSeconds(55));
        // Judged on the input's own time: silent for 3 x 10 s of it, reported at the first check after
        // the burst that showed it (bursts span 40 s), not an hour later on the wall clock.
        assertThat(offline.getEventTime()).isBetween(T0.plusSeconds(85), T0.plusSeconds(85 + 40));
        assertThat(raised.get(0).timestamp()).isEqualTo(offline.getEventTime().toEpochMilli());

        send("d3", "temp", 20, 300);
        Alert cleared = alerts.readValue();
        assertThat(cleared.getState()).isEqualTo(AlertState.CLEARED);
        // Sinks keep the newest transition per alert: a clear older than its raise would be rejected.
        assertThat(cleared.getEventTime()).isAfterOrEqualTo(offline.getEventTime());
    }

    @Test
    void shouldClearOfflineAfterTheRaiseEvenWhenTheReturningReadingIsOlder() {
        devices.pipeInput("d1", device("d1", "farm-1", "room-a", 10_000L));
        send("d1", "temp", 20, 0);
        // Nothing at all arrives: after the idle grace the task's clock follows the wall clock.
        wallClockPasses(3600);
        Alert raised = alerts.readValue();
        assertThat(raised.getState()).isEqualTo(AlertState.RAISED);

        // Then the backlog arrives, readings taken long before the raise.
        send("d1", "temp", 20, 60);
        Alert cleared = alerts.readValue();
        assertThat(cleared.getState()).isEqualTo(AlertState.CLEARED);
        assertThat(cleared.getEventTime()).isAfterOrEqualTo(raised.getEventTime());
    }

    @Test
    void shouldPreferTheSensorsExpectedIntervalOverTheDevices() {
        devices.pipeInput("d1", device("d1", "farm-1", "room-a", 10_000L));
        Sensor slow = Records.sensor("d1", "temp", "degC", 0, null, null);
        slow.setExpectedIntervalMs(100_000L);
        sensors.pipeInput("d1/temp", slow);
        send("d1", "temp", 20, 0);

        driver.advanceWallClockTime(IDLE_GRACE.plusSeconds(299));
        assertThat(alerts.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(2));
        assertThat(alertKeys()).containsExactly("offline/d1/temp");
    }

    @Test
    void shouldNameEveryInternalResource() {
        AlertSettings settings = new AlertSettings(
                Duration.ofSeconds(1),
                true,
                3.0,
                Duration.ofMinutes(1),
                Duration.ofSeconds(5),
                IDLE_GRACE,
                Severity.WARNING,
                StoreType.ROCKSDB);
        String description =
                new AlertTopology(settings, topics).build().describe().toString();
        assertThat(TopologyNames.generatedNames(description)).isEmpty();
        assertThat(description).doesNotContain("repartition");
    }
}
