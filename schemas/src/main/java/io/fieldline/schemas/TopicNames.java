package io.fieldline.schemas;

import java.util.List;
import java.util.Objects;

/**
 * The names of every Kafka topic Fieldline reads or writes: a public contract.
 *
 * <p>All names share one configurable prefix (empty by default) so that several
 * Fieldline deployments can share one cluster. Keys:
 * <ul>
 *   <li>{@link #readings()}, {@link #enrichedReadings()}, {@link #lateReadings()},
 *       aggregates and anomalies: the device id (UTF-8 string), so one device's
 *       records stay ordered in one partition and every stage keeps the bridges'
 *       partitioning (no repartition between them);</li>
 *   <li>{@link #alerts()}: the alert id ({@code ruleId/deviceId/sensor});</li>
 *   <li>{@link #kpis()}: the room id;</li>
 *   <li>metadata topics (compacted): their primary key.</li>
 * </ul>
 */
public final class TopicNames {

    private final String prefix;

    public TopicNames(String prefix) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
    }

    /** Names with no prefix: the defaults documented in docs/topics.md. */
    public static TopicNames defaults() {
        return new TopicNames("");
    }

    public String prefix() {
        return prefix;
    }

    /** Raw readings from the bridges. Value {@code Reading}. */
    public String readings() {
        return prefix + "telemetry.readings";
    }

    /** Readings joined with device and sensor metadata, calibrated and quality-checked. */
    public String enrichedReadings() {
        return prefix + "telemetry.readings.enriched";
    }

    /** Readings that arrived after their window's grace period. Value {@code Reading}. */
    public String lateReadings() {
        return prefix + "telemetry.readings.late";
    }

    /** One-minute tumbling-window statistics per series. Value {@code Aggregate}. */
    public String aggregates1m() {
        return prefix + "telemetry.aggregates.1m";
    }

    /** One-hour rollups merged from the one-minute windows. Value {@code Aggregate}. */
    public String aggregates1h() {
        return prefix + "telemetry.aggregates.1h";
    }

    /** Alert raise, escalate and clear transitions. Value {@code Alert}. */
    public String alerts() {
        return prefix + "telemetry.alerts";
    }

    /** Per-reading anomaly scores. Value {@code AnomalyScore}. */
    public String anomalies() {
        return prefix + "telemetry.anomalies";
    }

    /** Room KPIs (VPD, dew point, DLI, FCR, mortality, production). Value {@code Kpi}. */
    public String kpis() {
        return prefix + "telemetry.kpis";
    }

    /** Raw CAN frames, when the CAN bridge is asked to publish them. Value {@code CanFrame}. */
    public String canFrames() {
        return prefix + "can.frames";
    }

    /** Device metadata, compacted. Value {@code Device}. */
    public String devices() {
        return prefix + "metadata.devices";
    }

    /** Sensor metadata, compacted, key {@code deviceId/sensor}. Value {@code Sensor}. */
    public String sensors() {
        return prefix + "metadata.sensors";
    }

    /** Alert rules, compacted, key rule id. Value {@code AlertRule}. */
    public String alertRules() {
        return prefix + "metadata.alert-rules";
    }

    /**
     * Dead letters of one stage ({@code mqtt}, {@code can}, {@code streams}, {@code sink}...):
     * the original bytes, with the reason, source topic, partition and offset in headers.
     */
    public String deadLetters(String stage) {
        return prefix + "deadletter." + stage;
    }

    /** Every data topic the pipeline creates at start, dead-letter topics excluded. */
    public List<String> dataTopics() {
        return List.of(
                readings(),
                enrichedReadings(),
                lateReadings(),
                aggregates1m(),
                aggregates1h(),
                alerts(),
                anomalies(),
                kpis(),
                canFrames());
    }

    /** The compacted metadata topics. */
    public List<String> metadataTopics() {
        return List.of(devices(), sensors(), alertRules());
    }
}
