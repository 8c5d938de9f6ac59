package io.fieldline.topologies.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.runtime.PartitionedState.StatefulReader;
import io.fieldline.topologies.runtime.PartitionedState.Store;
import io.fieldline.topologies.support.Fixtures;
import io.fieldline.topologies.support.TestTopics;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The catalogue {@code fieldline topics scale} moves state with: for each application whose state follows an input
 * topic's partitions, it lists every store of the sub-topology that reads that topic (a store added without an
 * entry would be left behind), and reads the right device from every key the production topology writes to the
 * store's changelog (taken from the changelog records of {@link TopologyTestDriver}).
 */
class PartitionedStateTest {

    private static final StreamsSettingsConfig SETTINGS = new StreamsSettingsConfig(
            Map.of(StreamsSettingsConfig.ANOMALY_SENSORS, "temp", StreamsSettingsConfig.ANOMALY_WARMUP, "2"));
    private static final List<String> DEVICES = List.of("d-1", "room/7:dev", "ünïcode-dev");

    private final Topics topics = TestTopics.create();
    private final TopicNames names = TopicNames.defaults();

    @ParameterizedTest
    @ValueSource(strings = {"readings", "alerts", "anomalies"})
    void shouldListEveryStoreOfTheSubTopologyThatReadsTheInput(String application) {
        StatefulReader reader = reader(application);
        Topology topology = new FieldlineTopologies(SETTINGS, topics).build(application, null);

        Set<String> stores = new TreeSet<>();
        for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
            boolean readsInput = sub.nodes().stream()
                    .anyMatch(node -> node instanceof TopologyDescription.Source source
                            && source.topicSet().contains(input(application)));
            if (readsInput) {
                sub.nodes().forEach(node -> {
                    if (node instanceof TopologyDescription.Processor processor) {
                        stores.addAll(processor.stores());
                    }
                });
            }
        }

        assertThat(stores)
                .isNotEmpty()
                .isEqualTo(reader.stores().stream().map(Store::name).collect(Collectors.toCollection(TreeSet::new)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"readings", "alerts", "anomalies"})
    void shouldReadTheDeviceOfEveryChangelogKeyTheTopologyWrites(String application) {
        StatefulReader reader = reader(application);
        Topology topology = new FieldlineTopologies(SETTINGS, topics).build(application, null);
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, Fixtures.driverProperties("scale-test"))) {
            TestInputTopic<String, Reading> input = driver.createInputTopic(
                    input(application),
                    new StringSerializer(),
                    topics.readings().valueSerde().serializer());
            for (int second = 0; second < 130; second += 5) {
                for (String device : DEVICES) {
                    input.pipeInput(new TestRecord<>(
                            device,
                            Fixtures.reading(device, "temp", Fixtures.T0.plusSeconds(second), 20 + second % 3, "r1"),
                            Fixtures.T0.plusSeconds(second)));
                }
            }
            driver.advanceWallClockTime(Duration.ofSeconds(1));

            for (Store store : reader.stores()) {
                List<TestRecord<byte[], byte[]>> changes = driver.createOutputTopic(
                                store.changelog("scale-test"), new ByteArrayDeserializer(), new ByteArrayDeserializer())
                        .readRecordsToList();
                Set<String> devices = new HashSet<>();
                changes.forEach(change -> devices.add(store.device().apply(change.key())));

                assertThat(changes).as(store.name()).isNotEmpty();
                assertThat(devices).as(store.name()).containsExactlyInAnyOrderElementsOf(DEVICES);
            }
        }
    }

    @Test
    void shouldRefuseTheKpiInputAndKnowNoStateForOtherTopics() {
        assertThatThrownBy(() -> PartitionedState.readersOf(names.aggregates1m(), names, SETTINGS))
                .isInstanceOf(PartitionedState.UnsupportedTopicException.class)
                .hasMessageContaining("repartition");
        assertThat(PartitionedState.readersOf(names.aggregates1h(), names, SETTINGS))
                .isEmpty();
        assertThat(PartitionedState.readersOf(names.readings(), names, SETTINGS))
                .extracting(StatefulReader::applicationId)
                .containsExactly("fieldline-readings");
        assertThat(PartitionedState.readersOf(names.enrichedReadings(), names, SETTINGS))
                .extracting(StatefulReader::applicationId)
                .containsExactly("fieldline-alerts", "fieldline-anomalies");
    }

    @Test
    void shouldKeepOtherTaskMetadataWhenRaisingThePartitionTime() {
        String metadata = PartitionTime.withTime(null, 1_000L);
        assertThat(PartitionTime.decode(metadata)).isEqualTo(1_000L);
        assertThat(PartitionTime.decode(PartitionTime.withTime(metadata, 5_000L)))
                .isEqualTo(5_000L);
        assertThat(PartitionTime.decode(null)).isEqualTo(PartitionTime.UNKNOWN);
    }

    private StatefulReader reader(String application) {
        return PartitionedState.readersOf(input(application), names, SETTINGS).stream()
                .filter(r -> r.application().equals(application))
                .findFirst()
                .orElseThrow();
    }

    private String input(String application) {
        return application.equals("readings") ? names.readings() : names.enrichedReadings();
    }
}
