package io.fieldline.bench.topologies;

import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.InMemorySchemaRegistryClient;
import io.fieldline.schemas.serde.internal.RandomReadings;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.anomaly.AnomalyTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Readings per second through the production anomalies topology ({@link AnomalyTopology#build()}) on
 * {@link TopologyTestDriver}, one thread: the enriched reading decoded, the series state read from its store,
 * scored, learnt and written back, and the score encoded to {@code telemetry.anomalies} (unless only flagged
 * scores are emitted). 1,000 series (200 devices, 5 sensors) with noisy values, taken in turn; the window and
 * warm-up are the defaults (K = 60). The store is in memory, so the figure is the scorer's and its state
 * codec's cost rather than RocksDB's; the driver commits after every record, where production commits every
 * {@code streams.anomalies.commit.interval.ms}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AnomalyScoringBenchmark {

    private static final int SERIES = 1000;
    private static final String[] SENSORS = {"air_temperature", "relative_humidity", "co2", "ppfd", "soil_moisture"};

    @Param({"false", "true"})
    public boolean flaggedOnly;

    private Path stateDir;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> input;
    private TestOutputTopic<byte[], byte[]> output;
    private TestOutputTopic<byte[], byte[]> changelog;
    private byte[][] keys;
    private byte[][] values;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        StreamsSettingsConfig config = new StreamsSettingsConfig(Map.of(
                StreamsSettingsConfig.STORE_TYPE,
                "in_memory",
                StreamsSettingsConfig.ANOMALY_EMIT_FLAGGED_ONLY,
                Boolean.toString(flaggedOnly)));
        Topics topics = new Topics(TopicNames.defaults(), new InMemorySchemaRegistryClient());
        stateDir = Files.createTempDirectory("fieldline-jmh-anomalies");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "jmh-anomalies");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(new AnomalyTopology(config.anomalySettings(), topics).build(), props);
        String inputTopic = topics.enrichedReadings().name();
        input = driver.createInputTopic(inputTopic, new ByteArraySerializer(), new ByteArraySerializer());
        output = driver.createOutputTopic(
                topics.anomalies().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        // The driver keeps whatever is produced, the store's changelog included, until it is read.
        changelog = driver.createOutputTopic(
                "jmh-anomalies-" + AnomalyTopology.STATE_STORE + "-changelog",
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());

        // Enough readings that every series is past its warm-up and its window full before measuring.
        int readings = SERIES * 200;
        keys = new byte[readings][];
        values = new byte[readings][];
        Random random = new Random(42);
        Reading template = RandomReadings.typical();
        for (int i = 0; i < readings; i++) {
            int series = i % SERIES;
            String device = "dev-" + (series / SENSORS.length);
            Reading reading = Reading.newBuilder(template)
                    .setDeviceId(device)
                    .setSensor(SENSORS[series % SENSORS.length])
                    .setValue(20 + series % 7 + random.nextGaussian() + (random.nextInt(200) == 0 ? 25 : 0))
                    .setEventTime(Instant.ofEpochMilli(1_767_225_600_000L + i * 10L))
                    .build();
            keys[i] = topics.enrichedReadings().keySerde().serializer().serialize(inputTopic, device);
            values[i] = topics.enrichedReadings().valueSerde().serializer().serialize(inputTopic, reading);
        }
        for (int i = 0; i < readings; i++) {
            score();
        }
    }

    @Benchmark
    public void score() {
        int i = next;
        next = i + 1 == keys.length ? 0 : i + 1;
        input.pipeInput(keys[i], values[i]);
        if ((i & 1023) == 0) {
            output.readRecordsToList();
            changelog.readRecordsToList();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        driver.close();
        try (Stream<Path> files = Files.walk(stateDir)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        }
    }
}
