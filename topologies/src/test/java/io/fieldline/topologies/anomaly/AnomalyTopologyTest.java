package io.fieldline.topologies.anomaly;

import static io.fieldline.topologies.support.Fixtures.T0;
import static io.fieldline.topologies.support.Fixtures.reading;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.AnomalyScore;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.topologies.StoreType;
import io.fieldline.topologies.support.Fixtures;
import io.fieldline.topologies.support.TestTopics;
import io.fieldline.topologies.support.TopologyNames;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AnomalyTopologyTest {

    private final Topics topics = TestTopics.create();
    private TopologyTestDriver driver;
    private TestInputTopic<String, Reading> input;
    private TestOutputTopic<String, AnomalyScore> output;

    private void start(AnomalySettings settings) {
        driver = new TopologyTestDriver(
                new AnomalyTopology(settings, topics).build(), Fixtures.driverProperties("anomalies-test"));
        input = driver.createInputTopic(
                topics.enrichedReadings().name(),
                new StringSerializer(),
                topics.enrichedReadings().valueSerde().serializer());
        output = driver.createOutputTopic(
                topics.anomalies().name(),
                new StringDeserializer(),
                topics.anomalies().valueSerde().deserializer());
    }

    private static AnomalySettings settings(Set<String> sensors, boolean flaggedOnly) {
        return new AnomalySettings(0.05, 60, 30, 2.0, 0.9, sensors, flaggedOnly, StoreType.IN_MEMORY);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void send(String sensor, double value, int second) {
        input.pipeInput("d1", reading("d1", sensor, T0.plusSeconds(second), value, "room-a"));
    }

    @Test
    void shouldFlagAnInjectedSpikeAndNothingElse() {
        start(settings(Set.of(), false));
        Random random = new Random(3);
        int spikeAt = 150;
        for (int i = 0; i < 300; i++) {
            // 22 degC with a slow drift of 1 degC over the run and sensor noise of 0.1.
            double value = 22 + i / 300.0 + 0.1 * random.nextGaussian();
            send("temp", i == spikeAt ? value + 3.0 : value, i);
        }

        List<TestRecord<String, AnomalyScore>> scores = output.readRecordsToList();
        assertThat(scores).hasSize(300 - 30); // nothing during the 30-value warm-up
        assertThat(scores).allSatisfy(r -> assertThat(r.key()).isEqualTo("d1"));
        List<AnomalyScore> flagged = scores.stream()
                .map(TestRecord::value)
                .filter(AnomalyScore::getFlagged)
                .toList();
        assertThat(flagged).hasSize(1);
        AnomalyScore spike = flagged.get(0);
        assertThat(spike.getEventTime()).isEqualTo(T0.plusSeconds(spikeAt));
        assertThat(spike.getScore()).isGreaterThan(0.99).isLessThanOrEqualTo(1.0);
        assertThat(spike.getExpected()).isBetween(22.2, 22.8);
        assertThat(spike.getDeviation()).isBetween(2.6, 3.4);
        assertThat(spike.getRobustZ()).isGreaterThan(15);
        assertThat(spike.getZScore()).isGreaterThan(10);
        assertThat(spike.getRoom()).isEqualTo("room-a");
        assertThat(scores).allSatisfy(r -> assertThat(r.value().getScore()).isBetween(0.0, 1.0));
    }

    @Test
    void shouldEmitOnlyFlaggedScoresWhenAskedAndOnlyForSelectedSensors() {
        start(settings(Set.of("temp"), true));
        for (int i = 0; i < 50; i++) {
            send("temp", 20 + (i % 2) * 0.2, i);
            send("humidity", 50 + (i % 2), i);
        }
        send("temp", 30, 50);
        send("humidity", 90, 50);

        List<AnomalyScore> out = output.readValuesToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).getSensor()).isEqualTo("temp");
        assertThat(out.get(0).getValue()).isEqualTo(30.0);
    }

    @Test
    void shouldNeitherScoreNorLearnBadReadings() {
        start(settings(Set.of(), true));
        for (int i = 0; i < 40; i++) {
            send("temp", 20 + (i % 2) * 0.2, i);
        }
        Reading bad = reading("d1", "temp", T0.plusSeconds(40), 500, "room-a");
        bad.setQuality(Quality.BAD);
        input.pipeInput("d1", bad);
        send("temp", 20.1, 41);

        assertThat(output.isEmpty()).isTrue();
    }

    @Test
    void shouldNameEveryInternalResource() {
        start(settings(Set.of(), false));
        String description = new AnomalyTopology(settings(Set.of(), false), topics)
                .build()
                .describe()
                .toString();
        assertThat(TopologyNames.generatedNames(description)).isEmpty();
        assertThat(description).doesNotContain("repartition");
    }
}
