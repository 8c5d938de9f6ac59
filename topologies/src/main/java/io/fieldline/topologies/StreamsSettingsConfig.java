package io.fieldline.topologies;

import io.fieldline.schemas.avro.Severity;
import io.fieldline.topologies.aggregate.AggregateSettings;
import io.fieldline.topologies.alert.AlertSettings;
import io.fieldline.topologies.anomaly.AnomalySettings;
import io.fieldline.topologies.enrich.EnrichmentSettings;
import io.fieldline.topologies.kpi.KpiSettings;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of the Kafka Streams applications ({@code streams.*} keys). Invalid values fail
 * at construction with a {@link ConfigException} naming the key. The typed settings records the
 * topologies take are derived from it.
 */
public final class StreamsSettingsConfig extends AbstractConfig {

    public static final String APPLICATION_ID_PREFIX = "streams.application.id.prefix";
    public static final String APPLICATIONS = "streams.applications";
    public static final String STATE_DIR = "streams.state.dir";
    public static final String NUM_THREADS = "streams.num.stream.threads";
    public static final String COMMIT_INTERVAL_MS = "streams.commit.interval.ms";
    public static final String READINGS_COMMIT_INTERVAL_MS = "streams.readings.commit.interval.ms";
    public static final String ALERTS_COMMIT_INTERVAL_MS = "streams.alerts.commit.interval.ms";
    public static final String ANOMALIES_COMMIT_INTERVAL_MS = "streams.anomalies.commit.interval.ms";
    public static final String KPIS_COMMIT_INTERVAL_MS = "streams.kpis.commit.interval.ms";
    public static final String PROCESSING_GUARANTEE = "streams.processing.guarantee";
    public static final String REPLICATION_FACTOR = "streams.replication.factor";
    public static final String CACHE_MAX_BYTES = "streams.cache.max.bytes";
    public static final String STORE_TYPE = "streams.store.type";

    public static final String AGGREGATE_WINDOW_MS = "streams.aggregate.window.ms";
    public static final String AGGREGATE_ROLLUP_WINDOW_MS = "streams.aggregate.rollup.window.ms";
    public static final String AGGREGATE_GRACE_MS = "streams.aggregate.grace.ms";
    public static final String DEDUP_RETENTION_MS = "streams.dedup.retention.ms";
    public static final String SKETCH_RELATIVE_ACCURACY = "streams.aggregate.sketch.relative.accuracy";
    public static final String SKETCH_MAX_BINS = "streams.aggregate.sketch.max.bins";

    public static final String ALERTS_RULES_REFRESH_MS = "streams.alerts.rules.refresh.ms";
    public static final String ALERTS_OFFLINE_ENABLED = "streams.alerts.offline.enabled";
    public static final String ALERTS_OFFLINE_FACTOR = "streams.alerts.offline.factor";
    public static final String ALERTS_OFFLINE_DEFAULT_INTERVAL_MS = "streams.alerts.offline.default.interval.ms";
    public static final String ALERTS_OFFLINE_CHECK_INTERVAL_MS = "streams.alerts.offline.check.interval.ms";
    public static final String ALERTS_OFFLINE_SEVERITY = "streams.alerts.offline.severity";
    public static final String ALERTS_OFFLINE_IDLE_GRACE_MS = "streams.alerts.offline.idle.grace.ms";

    public static final String ANOMALY_EWMA_ALPHA = "streams.anomaly.ewma.alpha";
    public static final String ANOMALY_WINDOW_SIZE = "streams.anomaly.window.size";
    public static final String ANOMALY_WARMUP = "streams.anomaly.warmup";
    public static final String ANOMALY_SCORE_SCALE = "streams.anomaly.score.scale";
    public static final String ANOMALY_THRESHOLD = "streams.anomaly.threshold";
    public static final String ANOMALY_SENSORS = "streams.anomaly.sensors";
    public static final String ANOMALY_EMIT_FLAGGED_ONLY = "streams.anomaly.emit.flagged.only";

    public static final String KPI_TEMPERATURE_SENSORS = "streams.kpi.temperature.sensors";
    public static final String KPI_HUMIDITY_SENSORS = "streams.kpi.humidity.sensors";
    public static final String KPI_PPFD_SENSORS = "streams.kpi.ppfd.sensors";
    public static final String KPI_FEED_SENSORS = "streams.kpi.feed.sensors";
    public static final String KPI_WEIGHT_SENSORS = "streams.kpi.weight.sensors";
    public static final String KPI_BIRDS_SENSORS = "streams.kpi.birds.sensors";
    public static final String KPI_DEATHS_SENSORS = "streams.kpi.deaths.sensors";
    public static final String KPI_EGGS_SENSORS = "streams.kpi.eggs.sensors";
    public static final String KPI_CLIMATE_WINDOW_MS = "streams.kpi.climate.window.ms";
    public static final String KPI_GRACE_MS = "streams.kpi.grace.ms";
    public static final String KPI_DAY_ZONE = "streams.kpi.day.zone";
    public static final String KPI_DLI_MAX_GAP_MS = "streams.kpi.dli.max.gap.ms";

    /** Names of the applications, in the order {@link #APPLICATIONS} accepts them. */
    public static final List<String> APPLICATION_NAMES = List.of("readings", "alerts", "anomalies", "kpis");

    /**
     * Each application's default commit interval. With exactly-once, output becomes visible downstream only at a
     * commit, so the applications on the way to what someone waits for (a reading's enriched record and its
     * aggregates, an alert: readings, then alerts) commit often; the ones whose output nobody waits on (anomaly
     * scores, KPIs of closed windows) commit rarely, which lets the record cache collapse repeated updates and
     * makes fewer transactions. Measured: docs/benchmarks.md, "Whole pipeline".
     */
    private static final Map<String, Long> DEFAULT_COMMIT_INTERVALS_MS =
            Map.of("readings", 100L, "alerts", 100L, "anomalies", 1000L, "kpis", 1000L);

    /** The commit interval of an application that is not one of {@link #APPLICATION_NAMES}. */
    private static final long OTHER_APPLICATION_COMMIT_INTERVAL_MS = 1000L;

    private static final ConfigDef CONFIG_DEF = buildConfigDef();

    /**
     * The commit interval one application runs with, and the key it came from.
     *
     * @param key       the key that decided it: the application's own key, or {@link #COMMIT_INTERVAL_MS}
     * @param millis    the interval
     * @param setByUser whether that key was set (otherwise it is the application's default)
     */
    public record CommitInterval(String key, long millis, boolean setByUser) {}

    public StreamsSettingsConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals, false);
        validateCrossKeyConstraints();
    }

    /** All defaults. */
    public static StreamsSettingsConfig defaults() {
        return new StreamsSettingsConfig(Map.of());
    }

    /** The definitions, for generating the reference documentation. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG_DEF);
    }

    private static ConfigDef buildConfigDef() {
        ConfigDef def = new ConfigDef();
        String runtime = "Runtime";
        def.define(
                APPLICATION_ID_PREFIX,
                Type.STRING,
                "fieldline",
                new ConfigDef.NonEmptyString(),
                Importance.HIGH,
                "Prefix of the Kafka Streams application ids: <prefix>-enrichment, <prefix>-aggregates, ... "
                        + "The application id names the consumer group, the transactional ids and every internal topic.",
                runtime,
                1,
                ConfigDef.Width.MEDIUM,
                "Application id prefix");
        def.define(
                APPLICATIONS,
                Type.LIST,
                String.join(",", APPLICATION_NAMES),
                ConfigDef.ValidList.in(APPLICATION_NAMES.toArray(new String[0])),
                Importance.MEDIUM,
                "Which Streams applications this process runs: readings (enrichment and windowed aggregates, the "
                        + "per-reading path), alerts, anomalies, kpis.",
                runtime,
                2,
                ConfigDef.Width.LONG,
                "Applications");
        def.define(
                STATE_DIR,
                Type.STRING,
                "",
                Importance.MEDIUM,
                "Directory of the local state stores; empty uses Kafka Streams' default (under java.io.tmpdir).",
                runtime,
                3,
                ConfigDef.Width.LONG,
                "State directory");
        def.define(
                NUM_THREADS,
                Type.INT,
                1,
                Range.atLeast(1),
                Importance.MEDIUM,
                "Stream threads per application.",
                runtime,
                4,
                ConfigDef.Width.SHORT,
                "Threads");
        def.define(
                COMMIT_INTERVAL_MS,
                Type.LONG,
                null,
                atLeastOneOrNull(),
                Importance.MEDIUM,
                "How often every application commits, for each application whose own "
                        + "streams.<application>.commit.interval.ms is not set; null leaves each application its own "
                        + "default. With exactly-once, output becomes visible to read_committed consumers only at a "
                        + "commit, so this bounds the added end-to-end latency (per application on the way: an alert "
                        + "passes the readings and the alerts applications). Lower it for latency, raise it for "
                        + "throughput.",
                runtime,
                5,
                ConfigDef.Width.SHORT,
                "Commit interval");
        defineCommitInterval(
                def,
                "readings",
                "short, because its output (enriched readings, aggregates) feeds the alerts application and the sinks",
                runtime,
                5);
        defineCommitInterval(
                def, "alerts", "short, because an alert is visible only after this application's commit", runtime, 5);
        defineCommitInterval(
                def,
                "anomalies",
                "long, because nothing waits on an anomaly score within a second, and fewer transactions cost less",
                runtime,
                5);
        defineCommitInterval(
                def,
                "kpis",
                "long, because a KPI is emitted once its window has closed (minutes), and fewer transactions cost less",
                runtime,
                5);
        def.define(
                PROCESSING_GUARANTEE,
                Type.STRING,
                "exactly_once_v2",
                ValidString.in("exactly_once_v2", "at_least_once"),
                Importance.MEDIUM,
                "Kafka Streams processing guarantee.",
                runtime,
                6,
                ConfigDef.Width.SHORT,
                "Processing guarantee");
        def.define(
                REPLICATION_FACTOR,
                Type.INT,
                -1,
                Range.atLeast(-1),
                Importance.MEDIUM,
                "Replication factor of internal topics (changelogs, repartition); -1 uses the broker default.",
                runtime,
                7,
                ConfigDef.Width.SHORT,
                "Internal topic replication");
        def.define(
                CACHE_MAX_BYTES,
                Type.LONG,
                10L * 1024 * 1024,
                Range.atLeast(0),
                Importance.LOW,
                "Record cache per application: collapses repeated updates of one store key between commits.",
                runtime,
                8,
                ConfigDef.Width.SHORT,
                "Cache size");
        def.define(
                STORE_TYPE,
                Type.STRING,
                "rocksdb",
                ValidString.in("rocksdb", "in_memory"),
                Importance.LOW,
                "Where state stores live: rocksdb (fast restart) or in_memory (faster updates, full changelog "
                        + "replay on restart).",
                runtime,
                9,
                ConfigDef.Width.SHORT,
                "Store type");

        String aggregates = "Aggregates";
        def.define(
                AGGREGATE_WINDOW_MS,
                Type.LONG,
                60_000L,
                Range.atLeast(1000),
                Importance.MEDIUM,
                "Size of the tumbling windows written to telemetry.aggregates.1m.",
                aggregates,
                1,
                ConfigDef.Width.SHORT,
                "Window");
        def.define(
                AGGREGATE_ROLLUP_WINDOW_MS,
                Type.LONG,
                3_600_000L,
                Range.atLeast(1000),
                Importance.MEDIUM,
                "Size of the rollup windows written to telemetry.aggregates.1h, merged from the small windows; "
                        + "a multiple of " + AGGREGATE_WINDOW_MS + ".",
                aggregates,
                2,
                ConfigDef.Width.SHORT,
                "Rollup window");
        def.define(
                AGGREGATE_GRACE_MS,
                Type.LONG,
                10_000L,
                Range.atLeast(0),
                Importance.HIGH,
                "Grace period: a window closes, and is emitted once, when stream time reaches its end plus this. "
                        + "Readings arriving later go to telemetry.readings.late.",
                aggregates,
                3,
                ConfigDef.Width.SHORT,
                "Grace");
        def.define(
                DEDUP_RETENTION_MS,
                Type.LONG,
                600_000L,
                Range.atLeast(0),
                Importance.MEDIUM,
                "How long the readings application remembers each reading (device, sensor, event time) to drop a "
                        + "second copy: an MQTT message redelivered after a bridge crash or a lost acknowledgement "
                        + "reaches Kafka twice, and would otherwise be counted twice by aggregates, alerts and KPIs. "
                        + "Copies further apart in event time than this pass (their window has long closed). 0 turns "
                        + "it off.",
                aggregates,
                4,
                ConfigDef.Width.SHORT,
                "Duplicate window");
        def.define(
                SKETCH_RELATIVE_ACCURACY,
                Type.DOUBLE,
                0.01,
                Range.between(1e-4, 0.5),
                Importance.LOW,
                "Relative accuracy of the DDSketch behind p50/p95/p99.",
                aggregates,
                4,
                ConfigDef.Width.SHORT,
                "Sketch accuracy");
        def.define(
                SKETCH_MAX_BINS,
                Type.INT,
                2048,
                Range.atLeast(16),
                Importance.LOW,
                "Bins a sketch keeps per sign before collapsing the lowest ones (bounds memory).",
                aggregates,
                5,
                ConfigDef.Width.SHORT,
                "Sketch bins");

        String alerts = "Alerts";
        def.define(
                ALERTS_RULES_REFRESH_MS,
                Type.LONG,
                1000L,
                Range.atLeast(0),
                Importance.LOW,
                "How often (wall clock) a task re-reads the alert rules it has from metadata.alert-rules; 0 re-reads "
                        + "on every reading.",
                alerts,
                1,
                ConfigDef.Width.SHORT,
                "Rules refresh");
        def.define(
                ALERTS_OFFLINE_ENABLED,
                Type.BOOLEAN,
                true,
                Importance.MEDIUM,
                "Raise OFFLINE alerts for series that stop sending.",
                alerts,
                2,
                ConfigDef.Width.SHORT,
                "Offline alerts");
        def.define(
                ALERTS_OFFLINE_FACTOR,
                Type.DOUBLE,
                3.0,
                Range.atLeast(1.0),
                Importance.MEDIUM,
                "A series is offline after this many expected intervals (sensor's, else device's, else the default) "
                        + "without data, measured on the time of the task's input (see streams.alerts.offline.idle.grace.ms).",
                alerts,
                3,
                ConfigDef.Width.SHORT,
                "Offline factor");
        def.define(
                ALERTS_OFFLINE_DEFAULT_INTERVAL_MS,
                Type.LONG,
                60_000L,
                Range.atLeast(1),
                Importance.MEDIUM,
                "Expected reporting interval of series whose metadata gives none.",
                alerts,
                4,
                ConfigDef.Width.SHORT,
                "Default interval");
        def.define(
                ALERTS_OFFLINE_CHECK_INTERVAL_MS,
                Type.LONG,
                5_000L,
                Range.atLeast(1),
                Importance.LOW,
                "How often (wall clock) the offline check runs.",
                alerts,
                5,
                ConfigDef.Width.SHORT,
                "Offline check");
        def.define(
                ALERTS_OFFLINE_SEVERITY,
                Type.STRING,
                "WARNING",
                ValidString.in("INFO", "WARNING", "CRITICAL"),
                Importance.LOW,
                "Severity of OFFLINE alerts.",
                alerts,
                6,
                ConfigDef.Width.SHORT,
                "Offline severity");
        def.define(
                ALERTS_OFFLINE_IDLE_GRACE_MS,
                Type.LONG,
                60_000L,
                Range.atLeast(0),
                Importance.LOW,
                "Silence is judged on the input's own time (the newest ingest time a task has seen), so a lagging "
                        + "input never makes devices look silent. A task whose input brings nothing at all for this "
                        + "long (wall clock) is taken as caught up: its time then follows the wall clock, so devices "
                        + "that all stopped are still reported, this much later. Longer than any normal gap in the "
                        + "input (commit intervals, rebalances, an upstream restart).",
                alerts,
                7,
                ConfigDef.Width.SHORT,
                "Offline idle grace");

        String anomalies = "Anomalies";
        def.define(
                ANOMALY_EWMA_ALPHA,
                Type.DOUBLE,
                0.05,
                Range.between(1e-6, 0.999),
                Importance.MEDIUM,
                "Weight of the newest value in the EWMA mean and variance.",
                anomalies,
                1,
                ConfigDef.Width.SHORT,
                "EWMA alpha");
        def.define(
                ANOMALY_WINDOW_SIZE,
                Type.INT,
                60,
                Range.between(3, 10_000),
                Importance.MEDIUM,
                "K: latest values the median/MAD detector keeps per series.",
                anomalies,
                2,
                ConfigDef.Width.SHORT,
                "Robust window");
        def.define(
                ANOMALY_WARMUP,
                Type.INT,
                30,
                Range.atLeast(2),
                Importance.MEDIUM,
                "Values a series must have seen before it is scored; nothing is emitted during warm-up.",
                anomalies,
                3,
                ConfigDef.Width.SHORT,
                "Warm-up");
        def.define(
                ANOMALY_SCORE_SCALE,
                Type.DOUBLE,
                2.0,
                Range.atLeast(1e-3),
                Importance.LOW,
                "c in score = 1 - exp(-|z| / c).",
                anomalies,
                4,
                ConfigDef.Width.SHORT,
                "Score scale");
        def.define(
                ANOMALY_THRESHOLD,
                Type.DOUBLE,
                0.9,
                Range.between(0.01, 0.9999),
                Importance.MEDIUM,
                "Scores at or over this are flagged.",
                anomalies,
                5,
                ConfigDef.Width.SHORT,
                "Flag threshold");
        def.define(
                ANOMALY_SENSORS,
                Type.LIST,
                "",
                Importance.LOW,
                "Sensors to score; empty scores all.",
                anomalies,
                6,
                ConfigDef.Width.LONG,
                "Scored sensors");
        def.define(
                ANOMALY_EMIT_FLAGGED_ONLY,
                Type.BOOLEAN,
                false,
                Importance.LOW,
                "Emit only flagged scores instead of one score per reading.",
                anomalies,
                7,
                ConfigDef.Width.SHORT,
                "Flagged only");

        String kpis = "KPIs";
        defineSensors(
                def,
                KPI_TEMPERATURE_SENSORS,
                "air_temperature,temperature,temperature_c",
                "air temperature in degC (VPD, dew point)",
                kpis,
                1);
        defineSensors(
                def,
                KPI_HUMIDITY_SENSORS,
                "relative_humidity,humidity,humidity_pct",
                "relative humidity in % (VPD, dew point)",
                kpis,
                2);
        defineSensors(def, KPI_PPFD_SENSORS, "ppfd,par", "PPFD in umol/m2/s (DLI)", kpis, 3);
        defineSensors(
                def,
                KPI_FEED_SENSORS,
                "feed_consumed_kg,feed",
                "feed consumed since the previous reading, kg (FCR)",
                kpis,
                4);
        defineSensors(
                def,
                KPI_WEIGHT_SENSORS,
                "avg_weight_kg,bird_weight_kg",
                "average live weight per bird, kg (FCR)",
                kpis,
                5);
        defineSensors(
                def,
                KPI_BIRDS_SENSORS,
                "birds_remaining,birds,live_birds",
                "live birds in the house (mortality, production, FCR)",
                kpis,
                6);
        defineSensors(def, KPI_DEATHS_SENSORS, "deaths", "deaths since the previous reading (mortality)", kpis, 7);
        defineSensors(
                def,
                KPI_EGGS_SENSORS,
                "eggs_produced,eggs",
                "eggs collected since the previous reading (production rate)",
                kpis,
                8);
        def.define(
                KPI_CLIMATE_WINDOW_MS,
                Type.LONG,
                60_000L,
                Range.atLeast(1000),
                Importance.MEDIUM,
                "Window of the VPD and dew-point KPIs; a multiple of " + AGGREGATE_WINDOW_MS + ".",
                kpis,
                9,
                ConfigDef.Width.SHORT,
                "Climate window");
        def.define(
                KPI_GRACE_MS,
                Type.LONG,
                120_000L,
                Range.atLeast(0),
                Importance.MEDIUM,
                "A KPI window is computed when the stream time of the room-keyed aggregates reaches its end plus this.",
                kpis,
                10,
                ConfigDef.Width.SHORT,
                "KPI grace");
        def.define(
                KPI_DAY_ZONE,
                Type.STRING,
                "UTC",
                ConfigDef.LambdaValidator.with(
                        (name, value) -> {
                            try {
                                ZoneId.of((String) value);
                            } catch (DateTimeException | NullPointerException e) {
                                throw new ConfigException(name, value, "not a time zone id");
                            }
                        },
                        () -> "a time zone id (UTC, Europe/Amsterdam, ...)"),
                Importance.MEDIUM,
                "Time zone whose calendar days bound the daily KPIs (DLI, FCR, mortality, production).",
                kpis,
                11,
                ConfigDef.Width.SHORT,
                "Day zone");
        def.define(
                KPI_DLI_MAX_GAP_MS,
                Type.LONG,
                300_000L,
                Range.atLeast(1000),
                Importance.LOW,
                "DLI integrates each PPFD value until the next one, but never longer than this (a sensor that "
                        + "stops does not light the room).",
                kpis,
                12,
                ConfigDef.Width.SHORT,
                "DLI max gap");
        return def;
    }

    private static void defineCommitInterval(ConfigDef def, String application, String why, String group, int order) {
        def.define(
                commitIntervalKey(application),
                Type.LONG,
                DEFAULT_COMMIT_INTERVALS_MS.get(application),
                Range.atLeast(1),
                Importance.MEDIUM,
                "How often the " + application + " application commits; " + why + ". Set, it wins over "
                        + COMMIT_INTERVAL_MS + ".",
                group,
                order,
                ConfigDef.Width.SHORT,
                "Commit interval (" + application + ")");
    }

    private static ConfigDef.Validator atLeastOneOrNull() {
        return ConfigDef.LambdaValidator.with(
                (name, value) -> {
                    if (value != null && (Long) value < 1) {
                        throw new ConfigException(name, value, "must be at least 1");
                    }
                },
                () -> "null or [1,...]");
    }

    private static void defineSensors(
            ConfigDef def, String key, String defaults, String what, String group, int order) {
        def.define(
                key,
                Type.LIST,
                defaults,
                Importance.MEDIUM,
                "Sensor names that carry " + what + ".",
                group,
                order,
                ConfigDef.Width.LONG,
                key);
    }

    private void validateCrossKeyConstraints() {
        long window = getLong(AGGREGATE_WINDOW_MS);
        long rollup = getLong(AGGREGATE_ROLLUP_WINDOW_MS);
        if (rollup < window || rollup % window != 0) {
            throw new ConfigException(
                    AGGREGATE_ROLLUP_WINDOW_MS, rollup, "must be a multiple of " + AGGREGATE_WINDOW_MS);
        }
        long climate = getLong(KPI_CLIMATE_WINDOW_MS);
        if (climate % window != 0) {
            throw new ConfigException(KPI_CLIMATE_WINDOW_MS, climate, "must be a multiple of " + AGGREGATE_WINDOW_MS);
        }
        try {
            kpiSettings();
        } catch (IllegalArgumentException e) {
            throw new ConfigException("streams.kpi.*.sensors: " + e.getMessage());
        }
    }

    public String applicationIdPrefix() {
        return getString(APPLICATION_ID_PREFIX);
    }

    /** The application id of one application, e.g. {@code fieldline-readings}. */
    public String applicationId(String application) {
        return applicationIdPrefix() + "-" + application;
    }

    /** The key of one application's own commit interval: {@code streams.<application>.commit.interval.ms}. */
    public static String commitIntervalKey(String application) {
        return "streams." + application + ".commit.interval.ms";
    }

    /**
     * The commit interval of one application: its own key when set, else {@link #COMMIT_INTERVAL_MS} when set, else
     * its own key's default. A name that is none of {@link #APPLICATION_NAMES} (a tool's or a test's own
     * application) has no key of its own: {@link #COMMIT_INTERVAL_MS} when set, else 1 s.
     */
    public CommitInterval commitInterval(String application) {
        String own = commitIntervalKey(application);
        boolean known = APPLICATION_NAMES.contains(application);
        if (known && originals().containsKey(own)) {
            return new CommitInterval(own, getLong(own), true);
        }
        Long shared = getLong(COMMIT_INTERVAL_MS);
        if (shared != null) {
            return new CommitInterval(COMMIT_INTERVAL_MS, shared, true);
        }
        return known
                ? new CommitInterval(own, getLong(own), false)
                : new CommitInterval(COMMIT_INTERVAL_MS, OTHER_APPLICATION_COMMIT_INTERVAL_MS, false);
    }

    public Set<String> applications() {
        return new LinkedHashSet<>(getList(APPLICATIONS));
    }

    public StoreType storeType() {
        return StoreType.valueOf(getString(STORE_TYPE).toUpperCase(Locale.ROOT));
    }

    public EnrichmentSettings enrichmentSettings() {
        return new EnrichmentSettings(storeType(), millis(DEDUP_RETENTION_MS));
    }

    public AggregateSettings aggregateSettings() {
        return new AggregateSettings(
                millis(AGGREGATE_WINDOW_MS),
                millis(AGGREGATE_ROLLUP_WINDOW_MS),
                millis(AGGREGATE_GRACE_MS),
                getDouble(SKETCH_RELATIVE_ACCURACY),
                getInt(SKETCH_MAX_BINS),
                storeType());
    }

    public AlertSettings alertSettings() {
        return new AlertSettings(
                millis(ALERTS_RULES_REFRESH_MS),
                getBoolean(ALERTS_OFFLINE_ENABLED),
                getDouble(ALERTS_OFFLINE_FACTOR),
                millis(ALERTS_OFFLINE_DEFAULT_INTERVAL_MS),
                millis(ALERTS_OFFLINE_CHECK_INTERVAL_MS),
                millis(ALERTS_OFFLINE_IDLE_GRACE_MS),
                Severity.valueOf(getString(ALERTS_OFFLINE_SEVERITY)),
                storeType());
    }

    public AnomalySettings anomalySettings() {
        return new AnomalySettings(
                getDouble(ANOMALY_EWMA_ALPHA),
                getInt(ANOMALY_WINDOW_SIZE),
                getInt(ANOMALY_WARMUP),
                getDouble(ANOMALY_SCORE_SCALE),
                getDouble(ANOMALY_THRESHOLD),
                Set.copyOf(getList(ANOMALY_SENSORS)),
                getBoolean(ANOMALY_EMIT_FLAGGED_ONLY),
                storeType());
    }

    public KpiSettings kpiSettings() {
        return new KpiSettings(
                sensors(KPI_TEMPERATURE_SENSORS),
                sensors(KPI_HUMIDITY_SENSORS),
                sensors(KPI_PPFD_SENSORS),
                sensors(KPI_FEED_SENSORS),
                sensors(KPI_WEIGHT_SENSORS),
                sensors(KPI_BIRDS_SENSORS),
                sensors(KPI_DEATHS_SENSORS),
                sensors(KPI_EGGS_SENSORS),
                millis(KPI_CLIMATE_WINDOW_MS),
                millis(KPI_GRACE_MS),
                ZoneId.of(getString(KPI_DAY_ZONE)),
                millis(KPI_DLI_MAX_GAP_MS),
                storeType());
    }

    private Set<String> sensors(String key) {
        return Set.copyOf(getList(key));
    }

    private Duration millis(String key) {
        return Duration.ofMillis(getLong(key));
    }
}
