package io.fieldline.app.service;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of a Fieldline service process: its ops HTTP endpoint, supervision, health checks and stop. */
public final class ServiceConfig extends AbstractConfig {

    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_BIND_ADDRESS = "http.bind.address";
    public static final String SHUTDOWN_TIMEOUT_MS = "shutdown.timeout.ms";
    public static final String SUPERVISION_CHECK_INTERVAL_MS = "supervision.check.interval.ms";
    public static final String SUPERVISION_BACKOFF_INITIAL_MS = "supervision.restart.backoff.initial.ms";
    public static final String SUPERVISION_BACKOFF_MAX_MS = "supervision.restart.backoff.max.ms";
    public static final String SUPERVISION_MAX_FAILURES = "supervision.max.consecutive.failures";
    public static final String SUPERVISION_STABLE_MS = "supervision.stable.after.ms";
    public static final String HEALTH_CHECK_INTERVAL_MS = "health.check.interval.ms";
    public static final String HEALTH_CHECK_TIMEOUT_MS = "health.check.timeout.ms";
    public static final String BACKPRESSURE_LAG_THRESHOLD = "backpressure.lag.threshold";
    public static final String BACKPRESSURE_INFLIGHT_THRESHOLD = "backpressure.inflight.threshold";
    public static final String BACKPRESSURE_AFTER_MS = "backpressure.after.ms";
    public static final String LAG_CHECK_INTERVAL_MS = "lag.check.interval.ms";

    private static final ConfigDef DEF = new ConfigDef()
            .define(
                    HTTP_PORT,
                    Type.INT,
                    9400,
                    Range.between(-1, 65535),
                    Importance.HIGH,
                    "Port of the ops HTTP endpoint (/health, /health/live, /health/ready, /metrics); 0 picks a free "
                            + "port (logged, and written to endpoints.env by fieldline up), -1 disables it.")
            .define(
                    HTTP_BIND_ADDRESS,
                    Type.STRING,
                    "0.0.0.0",
                    new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "Address the ops HTTP endpoint listens on. fieldline up uses 127.0.0.1 unless this is set.")
            .define(
                    SHUTDOWN_TIMEOUT_MS,
                    Type.LONG,
                    30_000L,
                    Range.atLeast(1_000),
                    Importance.MEDIUM,
                    "On SIGTERM or Ctrl-C, how long the components get to stop taking input, finish and acknowledge "
                            + "what is in flight, commit and close; past it the process halts with exit code 1.")
            .define(
                    SUPERVISION_CHECK_INTERVAL_MS,
                    Type.LONG,
                    1_000L,
                    Range.atLeast(50),
                    Importance.LOW,
                    "How often the supervisor asks every component whether it is still doing its job.")
            .define(
                    SUPERVISION_BACKOFF_INITIAL_MS,
                    Type.LONG,
                    1_000L,
                    Range.atLeast(0),
                    Importance.MEDIUM,
                    "Wait before restarting a failed component the first time; doubled on each failure in a row.")
            .define(
                    SUPERVISION_BACKOFF_MAX_MS,
                    Type.LONG,
                    60_000L,
                    Range.atLeast(0),
                    Importance.MEDIUM,
                    "Longest wait between restarts of a failed component.")
            .define(
                    SUPERVISION_MAX_FAILURES,
                    Type.INT,
                    5,
                    Range.atLeast(1),
                    Importance.HIGH,
                    "Failures in a row (a failed start, or a failure before the component ran for "
                            + SUPERVISION_STABLE_MS + ") after which the process exits with code 3, so that systemd "
                            + "or Kubernetes restarts it.")
            .define(
                    SUPERVISION_STABLE_MS,
                    Type.LONG,
                    120_000L,
                    Range.atLeast(0),
                    Importance.LOW,
                    "A component that has run this long since its last start has its failure count reset.")
            .define(
                    HEALTH_CHECK_INTERVAL_MS,
                    Type.LONG,
                    5_000L,
                    Range.atLeast(100),
                    Importance.LOW,
                    "How often each server a process depends on (Kafka, registry, PostgreSQL, Redis, MQTT broker) is "
                            + "checked for /health.")
            .define(
                    HEALTH_CHECK_TIMEOUT_MS,
                    Type.LONG,
                    3_000L,
                    Range.atLeast(100),
                    Importance.LOW,
                    "How long one dependency check may take before the dependency counts as DOWN.")
            .define(
                    BACKPRESSURE_LAG_THRESHOLD,
                    Type.LONG,
                    5_000L,
                    Range.atLeast(1),
                    Importance.MEDIUM,
                    "Records a consumer group of this process may be behind (summed over partitions) before it "
                            + "counts as back-pressure: a gauge, and a WARN line once it lasted "
                            + BACKPRESSURE_AFTER_MS + ".")
            .define(
                    BACKPRESSURE_INFLIGHT_THRESHOLD,
                    Type.INT,
                    3_000,
                    Range.atLeast(1),
                    Importance.MEDIUM,
                    "MQTT messages the bridge may hold unacknowledged before it counts as back-pressure (the "
                            + "receive maximum bounds it, 4000 by default).")
            .define(
                    BACKPRESSURE_AFTER_MS,
                    Type.LONG,
                    30_000L,
                    Range.atLeast(0),
                    Importance.LOW,
                    "How long lag or in-flight must stay past its threshold before back-pressure is reported.")
            .define(
                    LAG_CHECK_INTERVAL_MS,
                    Type.LONG,
                    10_000L,
                    Range.atLeast(100),
                    Importance.LOW,
                    "How often the consumer lag of this process's groups is read from Kafka for /metrics.");

    public ServiceConfig(Map<String, ?> originals) {
        super(DEF, originals, false);
    }

    public static ConfigDef configDef() {
        return DEF;
    }

    Duration duration(String key) {
        return Duration.ofMillis(getLong(key));
    }
}
