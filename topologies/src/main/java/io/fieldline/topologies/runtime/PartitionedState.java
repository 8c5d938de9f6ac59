package io.fieldline.topologies.runtime;

import io.fieldline.schemas.TopicNames;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.aggregate.SeriesWindowAggregator;
import io.fieldline.topologies.alert.AlertTopology;
import io.fieldline.topologies.anomaly.AnomalyTopology;
import io.fieldline.topologies.enrich.ReadingDeduplicator;
import io.fieldline.topologies.internal.WindowKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Where each Streams application keeps state that follows its input's partitioning, and how to tell, from a
 * changelog record's key, which device (so which input partition) the entry belongs to.
 *
 * <p>Kafka Streams ties a task to one input partition and its stores to the same partition of their changelogs. The
 * readings, alerts and anomaly applications keep per-device state in the task that owns the device, so when their
 * input gains partitions and a device maps to another partition, its state must move to the changelog partition of
 * the same number, or the task that now owns the device starts from nothing while its old task keeps a stale copy.
 * {@code fieldline topics scale} moves it with this catalogue. Every store of these applications' input
 * sub-topologies is listed here; {@code PartitionedStateTest} fails when a store is added without an entry.
 *
 * <p>The KPI application is the exception: it re-keys by room through a repartition topic whose partition count
 * Streams derives from its input, so its input ({@code telemetry.aggregates.1m}) cannot be scaled this way.
 */
public final class PartitionedState {

    private PartitionedState() {}

    /**
     * One state store whose entries belong to devices.
     *
     * @param name   the store's name; its changelog is {@code <application id>-<name>-changelog}
     * @param device the device of a changelog record's key (the routing key, a device id, the input's record key)
     */
    public record Store(String name, Function<byte[], String> device) {
        public Store {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(device, "device");
        }

        /** The changelog topic of this store in the application {@code applicationId}. */
        public String changelog(String applicationId) {
            return applicationId + "-" + name + "-changelog";
        }
    }

    /**
     * An application that reads a topic and keeps per-device state partitioned like it.
     *
     * @param application   the application's name ({@code readings}, {@code alerts}, ...)
     * @param applicationId its Kafka Streams application id, which is also its consumer group
     * @param stores        its stores whose partitions follow the topic's
     */
    public record StatefulReader(String application, String applicationId, List<Store> stores) {
        public StatefulReader {
            stores = List.copyOf(stores);
        }
    }

    /** Thrown for a topic that an application reads in a way whose state cannot be moved. */
    public static final class UnsupportedTopicException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnsupportedTopicException(String message) {
            super(message);
        }
    }

    /**
     * The applications (of all four, whether this process runs them or not) whose state is partitioned like
     * {@code topic}.
     *
     * @throws UnsupportedTopicException when an application reads the topic and its state cannot be moved
     */
    public static List<StatefulReader> readersOf(String topic, TopicNames names, StreamsSettingsConfig settings) {
        List<StatefulReader> readers = new ArrayList<>();
        if (topic.equals(names.readings())) {
            readers.add(new StatefulReader("readings", settings.applicationId("readings"), readingsStores()));
        }
        if (topic.equals(names.enrichedReadings())) {
            readers.add(new StatefulReader("alerts", settings.applicationId("alerts"), alertsStores()));
            readers.add(new StatefulReader("anomalies", settings.applicationId("anomalies"), anomaliesStores()));
        }
        if (topic.equals(names.aggregates1m())) {
            throw new UnsupportedTopicException("the KPI application (" + settings.applicationId("kpis")
                    + ") re-keys " + topic + " by room through a repartition topic whose partition count Kafka "
                    + "Streams takes from " + topic + ", and keeps its room state partitioned like that topic: "
                    + "moving it is not supported");
        }
        return readers;
    }

    /** The stores of the readings application's input sub-topology. */
    public static List<Store> readingsStores() {
        return List.of(
                new Store(ReadingDeduplicator.STORE, PartitionedState::deviceOfWindowStoreKey),
                new Store(SeriesWindowAggregator.WINDOW_STORE, PartitionedState::deviceOfWindowKey),
                new Store(SeriesWindowAggregator.ROLLUP_STORE, PartitionedState::deviceOfWindowKey));
    }

    /** The stores of the alerts application's input sub-topology (the rules and metadata stores are global). */
    public static List<Store> alertsStores() {
        return List.of(new Store(AlertTopology.SERIES_STORE, PartitionedState::deviceOfSeriesKey));
    }

    /** The stores of the anomaly application's input sub-topology. */
    public static List<Store> anomaliesStores() {
        return List.of(new Store(AnomalyTopology.STATE_STORE, PartitionedState::deviceOfSeriesKey));
    }

    /** {@link WindowKey}: the window start, then the device (length-prefixed), then the sensor. */
    static String deviceOfWindowKey(byte[] key) {
        return WindowKey.serde().deserializer().deserialize(null, key).first();
    }

    /**
     * A window store's changelog key: the store key ({@code device NUL sensor}, UTF-8), then the window start (8
     * bytes) and a sequence number (4 bytes), as Kafka Streams writes it.
     */
    static String deviceOfWindowStoreKey(byte[] key) {
        if (key.length < 12) {
            throw new IllegalArgumentException("not a window store changelog key: " + key.length + " bytes");
        }
        return upTo(new String(key, 0, key.length - 12, StandardCharsets.UTF_8), '\u0000');
    }

    /** {@code device US sensor} (unit separator), UTF-8: the series key of the alert and anomaly stores. */
    static String deviceOfSeriesKey(byte[] key) {
        return upTo(new String(key, StandardCharsets.UTF_8), '\u001f');
    }

    private static String upTo(String key, char separator) {
        int at = key.indexOf(separator);
        if (at < 0) {
            throw new IllegalArgumentException("no separator in store key " + key);
        }
        return key.substring(0, at);
    }
}
