package io.fieldline.sink;

import java.util.Locale;
import org.apache.kafka.common.config.ConfigException;

/** What a sink worker consumes: each stream runs in its own consumer group and thread. */
public enum SinkStream {
    /** Readings: table measurement (and the series registry); Redis latest-value hashes. */
    MEASUREMENTS,
    /** One-minute and one-hour aggregates: tables aggregate_1m and aggregate_1h. */
    AGGREGATES,
    /** Alert transitions: table alert (and alert_current); Redis active-alert set. */
    ALERTS,
    /** Anomaly scores: table anomaly; Redis anomaly flags. */
    ANOMALIES,
    /** Room KPIs: table kpi; Redis live KPI hashes. */
    KPIS;

    /** The name used in configuration lists and consumer group ids. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static SinkStream parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("unknown sink stream '" + name + "'");
        }
    }
}
