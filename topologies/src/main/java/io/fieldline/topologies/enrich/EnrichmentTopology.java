package io.fieldline.topologies.enrich;

import java.util.Objects;

import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.topologies.ReadingTimestampExtractor;
import io.fieldline.topologies.internal.MetadataKeys;
import io.fieldline.topologies.internal.ProcessorCounter;
import io.fieldline.topologies.internal.TopicBindings;

/**
 * Enrichment: {@code telemetry.readings} joined with {@code metadata.devices} and
 * {@code metadata.sensors} (global tables) into {@code telemetry.readings.enriched}.
 *
 * <p>The metadata is small and read by every partition, so both tables are global: the join is a
 * local lookup, readings keep their deviceId key and partition, and nothing is repartitioned.
 * See {@link ReadingEnricher} for what is changed. Readings of unknown devices pass through
 * unchanged and are counted in the {@value #UNKNOWN_DEVICES} metric.
 */
public final class EnrichmentTopology {

    /** Global store of metadata.devices. */
    public static final String DEVICES_STORE = "enrichment-devices";
    /** Global store of metadata.sensors. */
    public static final String SENSORS_STORE = "enrichment-sensors";
    /** The processor that counts readings of unknown devices. */
    public static final String COUNT_PROCESSOR = "enrichment-count-unknown";
    /** Metric operation: readings of devices not in metadata.devices ({@code unknown-device-readings-total}). */
    public static final String UNKNOWN_DEVICES = "unknown-device-readings";

    private final EnrichmentSettings settings;
    private final Topics topics;

    public EnrichmentTopology(EnrichmentSettings settings, Topics topics) {
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

        GlobalKTable<String, Device> devices = builder.globalTable(topics.devices().name(),
                TopicBindings.consumed(topics.devices(), "enrichment-devices-source"),
                TopicBindings.materialized(topics.devices(), settings.storeType().keyValue(DEVICES_STORE)));
        GlobalKTable<String, Sensor> sensors = builder.globalTable(topics.sensors().name(),
                TopicBindings.consumed(topics.sensors(), "enrichment-sensors-source"),
                TopicBindings.materialized(topics.sensors(), settings.storeType().keyValue(SENSORS_STORE)));

        KStream<String, Reading> readings = builder.stream(topics.readings().name(),
                TopicBindings.consumed(topics.readings(), "enrichment-readings-source")
                        .withTimestampExtractor(new ReadingTimestampExtractor()));

        readings
                // A null value cannot be enriched or windowed: nothing downstream has a use for it.
                .filter((key, reading) -> reading != null, Named.as("enrichment-drop-tombstones"))
                .leftJoin(devices, (key, reading) -> reading.getDeviceId(), DeviceMatch::new,
                        Named.as("enrichment-join-devices"))
                .leftJoin(sensors,
                        (key, match) -> MetadataKeys.sensor(match.reading().getDeviceId(), match.reading().getSensor()),
                        (match, sensor) -> new DeviceMatch(
                                ReadingEnricher.enrich(match.reading(), match.device(), sensor), match.device()),
                        Named.as("enrichment-join-sensors"))
                .processValues(UnknownDeviceCounter::new, Named.as(COUNT_PROCESSOR))
                .to(topics.enrichedReadings().name(),
                        TopicBindings.produced(topics.enrichedReadings(), "enrichment-enriched-sink"));
        return builder.build();
    }

    /** A reading with its device, null when the device is unknown. */
    private record DeviceMatch(Reading reading, Device device) {
    }

    private static final class UnknownDeviceCounter implements FixedKeyProcessor<String, DeviceMatch, Reading> {
        private FixedKeyProcessorContext<String, Reading> context;
        private ProcessorCounter unknown;

        @Override
        public void init(FixedKeyProcessorContext<String, Reading> context) {
            this.context = context;
            this.unknown = ProcessorCounter.register(context, COUNT_PROCESSOR, UNKNOWN_DEVICES);
        }

        @Override
        public void process(FixedKeyRecord<String, DeviceMatch> record) {
            if (record.value().device() == null) {
                unknown.increment();
            }
            context.forward(record.withValue(record.value().reading()));
        }
    }
}
