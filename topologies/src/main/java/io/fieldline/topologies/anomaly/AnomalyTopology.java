package io.fieldline.topologies.anomaly;

import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.AnomalyScore;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.topologies.ReadingTimestampExtractor;
import io.fieldline.topologies.internal.TopicBindings;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Anomaly scores: every GOOD or UNCERTAIN reading of {@code telemetry.readings.enriched} scored
 * against its own series' history ({@link AnomalyDetector}) into {@code telemetry.anomalies},
 * keyed by deviceId like the input: per-series state in the task owning the device, no repartition.
 * BAD and non-finite readings are neither scored nor learnt. Readings are learnt in arrival order.
 */
public final class AnomalyTopology {

    /** Per-series detector state. */
    public static final String STATE_STORE = "anomalies-series-state";
    /** The scoring processor. */
    public static final String SCORER = "anomalies-scorer";

    private final AnomalySettings settings;
    private final Topics topics;

    public AnomalyTopology(AnomalySettings settings, Topics topics) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.topics = Objects.requireNonNull(topics, "topics");
    }

    /** Builds the topology; no I/O. */
    public Topology build() {
        return build(null);
    }

    /**
     * Builds the topology under the application's topology configuration, which carries, among
     * others, the check that every internal resource is explicitly named.
     */
    public Topology build(TopologyConfig config) {
        StreamsBuilder builder = config == null ? new StreamsBuilder() : new StreamsBuilder(config);
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        settings.storeType().keyValue(STATE_STORE),
                        Serdes.String(),
                        AnomalyState.codec(settings.windowSize()).serde())
                .withCachingEnabled());
        builder.stream(
                        topics.enrichedReadings().name(),
                        TopicBindings.consumed(topics.enrichedReadings(), "anomalies-readings-source")
                                .withTimestampExtractor(new ReadingTimestampExtractor()))
                .process(() -> new Scorer(settings), Named.as(SCORER), STATE_STORE)
                .to(topics.anomalies().name(), TopicBindings.produced(topics.anomalies(), "anomalies-sink"));
        return builder.build();
    }

    private static final class Scorer implements Processor<String, Reading, String, AnomalyScore> {
        private static final char KEY_SEPARATOR = '\u001f';

        private final AnomalySettings settings;
        private final AnomalyDetector detector;
        private ProcessorContext<String, AnomalyScore> context;
        private KeyValueStore<String, AnomalyState> states;

        Scorer(AnomalySettings settings) {
            this.settings = settings;
            this.detector = new AnomalyDetector(settings);
        }

        @Override
        public void init(ProcessorContext<String, AnomalyScore> context) {
            this.context = context;
            this.states = context.getStateStore(STATE_STORE);
        }

        @Override
        public void process(Record<String, Reading> record) {
            Reading reading = record.value();
            if (reading == null
                    || reading.getQuality() == Quality.BAD
                    || !Double.isFinite(reading.getValue())
                    || !settings.scores(reading.getSensor())) {
                return;
            }
            String key = reading.getDeviceId() + KEY_SEPARATOR + reading.getSensor();
            AnomalyState state = states.get(key);
            if (state == null) {
                state = new AnomalyState(settings.windowSize());
            }
            AnomalyDetector.Score score = detector.scoreAndLearn(state, reading.getValue());
            states.put(key, state);
            if (score == null || (settings.emitFlaggedOnly() && !score.flagged())) {
                return;
            }
            AnomalyScore out = AnomalyScore.newBuilder()
                    .setDeviceId(reading.getDeviceId())
                    .setSensor(reading.getSensor())
                    .setSite(reading.getSite())
                    .setRoom(reading.getRoom())
                    .setEventTime(reading.getEventTime())
                    .setValue(reading.getValue())
                    .setScore(score.score())
                    .setFlagged(score.flagged())
                    .setMethod(score.method())
                    .setExpected(score.expected())
                    .setDeviation(score.deviation())
                    .setZScore(score.zScore())
                    .setRobustZ(score.robustZ())
                    .build();
            context.forward(new Record<>(reading.getDeviceId(), out, record.timestamp()));
        }
    }
}
