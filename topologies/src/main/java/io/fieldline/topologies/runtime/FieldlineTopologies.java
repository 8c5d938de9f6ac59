package io.fieldline.topologies.runtime;

import io.fieldline.schemas.Topics;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.alert.AlertTopology;
import io.fieldline.topologies.anomaly.AnomalyTopology;
import io.fieldline.topologies.kpi.KpiTopology;
import io.fieldline.topologies.readings.ReadingsTopology;
import java.util.Objects;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;

/** Builds the topology of each Streams application by name ({@link StreamsSettingsConfig#APPLICATION_NAMES}). */
public final class FieldlineTopologies {

    private final StreamsSettingsConfig settings;
    private final Topics topics;

    public FieldlineTopologies(StreamsSettingsConfig settings, Topics topics) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.topics = Objects.requireNonNull(topics, "topics");
    }

    /**
     * The topology of one application: readings (enrichment and aggregates), alerts, anomalies or kpis.
     *
     * @param config the application's topology configuration, or null for the defaults
     */
    public Topology build(String application, TopologyConfig config) {
        return switch (application) {
            case "readings" ->
                new ReadingsTopology(settings.enrichmentSettings(), settings.aggregateSettings(), topics).build(config);
            case "alerts" -> new AlertTopology(settings.alertSettings(), topics).build(config);
            case "anomalies" -> new AnomalyTopology(settings.anomalySettings(), topics).build(config);
            case "kpis" -> new KpiTopology(settings.kpiSettings(), topics).build(config);
            default -> throw new IllegalArgumentException("Unknown Streams application: " + application);
        };
    }
}
