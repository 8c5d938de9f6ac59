package io.fieldline.app;

import io.fieldline.bridge.can.CanFramePublisher;
import io.fieldline.bridge.can.CanReadingMapper;
import io.fieldline.bridge.ingress.IngressPublisher;
import io.fieldline.bridge.ingress.SendErrorKind;
import io.fieldline.bridge.mqtt.MqttBridge;
import io.fieldline.connectors.cdc.CapturedTable;
import io.fieldline.connectors.cdc.MetadataCdc;
import io.fieldline.sink.PostgresSinkService;
import io.fieldline.sink.RedisSinkService;
import io.fieldline.sink.SinkMeters;
import io.fieldline.sink.SinkStream;
import io.fieldline.topologies.kpi.KpiTopology;
import io.fieldline.topologies.readings.ReadingsTopology;
import io.fieldline.topologies.runtime.DeadLetterHandler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every meter Fieldline's own code registers, as Prometheus sees it on the {@code /metrics} endpoint of
 * {@code fieldline run} (Micrometer's {@code PrometheusMeterRegistry}). docs/metrics.md is generated from here
 * ({@code fieldline config metrics}); MetricsReferenceTest checks the catalog against the meters the modules
 * register, and the Prometheus names against a real registry's scrape.
 *
 * <p>Names come from the modules' constants. The service meters ({@code fieldline.component.*},
 * {@code fieldline.dependency.*}, {@code fieldline.consumer.lag}, {@code fieldline.backpressure.active}) are spelled
 * out here: their code registers them with literals.
 */
public final class MetricsReference {

    /** The kind of meter, as Micrometer registers it (a function counter is a counter). */
    public enum Type {
        COUNTER,
        GAUGE,
        TIMER,
        DISTRIBUTION_SUMMARY,
        LONG_TASK_TIMER;

        String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }

        /** Timers, long task timers and distribution summaries: a count, a sum and a max. */
        boolean distribution() {
            return this == TIMER || this == LONG_TASK_TIMER || this == DISTRIBUTION_SUMMARY;
        }
    }

    /** Every process ({@code fieldline run}), whatever components it runs. */
    public static final String SERVICE = "service";

    public static final String MQTT_BRIDGE = "mqtt-bridge";
    public static final String CAN_BRIDGE = "can-bridge";
    /** The ingress publisher inside each bridge (tag {@code source}). */
    public static final String INGRESS = "ingress";

    public static final String STREAMS = "streams";
    /** Both sinks, {@code sink-postgres} and {@code sink-redis} (tag {@code sink}). */
    public static final String SINK = "sink";

    public static final String CDC = "cdc";
    /** The HTTP API ({@code api}). */
    public static final String API = "api";
    /** Meters of the developer build's embedded servers: never in a product process. */
    public static final String DEVELOPER_BUILD = "developer-build";

    /**
     * One meter.
     *
     * @param name        the Micrometer name
     * @param type        the kind of meter
     * @param baseUnit    the base unit Micrometer appends to the Prometheus name, or null
     * @param tags        the tag keys, in the order the docs list them
     * @param component   which component registers it ({@link #SERVICE}, {@link #MQTT_BRIDGE}, ...)
     * @param description what it counts or shows, with the values of its finite tags
     */
    public record Metric(
            String name, Type type, String baseUnit, List<String> tags, String component, String description) {

        public Metric {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            tags = List.copyOf(tags);
            Objects.requireNonNull(component, "component");
            Objects.requireNonNull(description, "description");
            if ((type == Type.TIMER || type == Type.LONG_TASK_TIMER) && !"seconds".equals(baseUnit)) {
                throw new IllegalArgumentException(name + ": Prometheus timers are in seconds");
            }
        }

        /**
         * The family name Prometheus shows: dots (and dashes) as underscores, then the base unit unless the name
         * ends with it ({@code _seconds} for every timer), then {@code _total} for a counter.
         */
        public String prometheusName() {
            String snake = name.replace('.', '_').replace('-', '_');
            if (baseUnit != null && !snake.endsWith("_" + baseUnit)) {
                snake += "_" + baseUnit;
            }
            if (type == Type.COUNTER && !snake.endsWith("_total")) {
                snake += "_total";
            }
            return snake;
        }

        /**
         * The series names of the family: the family itself for a counter or a gauge; {@code _count} and
         * {@code _sum}, and a {@code _max} gauge, for a timer or a summary, and {@code _bucket} series when it
         * publishes a histogram.
         */
        public List<String> prometheusSeries() {
            String family = prometheusName();
            if (!type.distribution()) {
                return List.of(family);
            }
            return HISTOGRAMS.contains(name)
                    ? List.of(family + "_bucket", family + "_count", family + "_sum", family + "_max")
                    : List.of(family + "_count", family + "_sum", family + "_max");
        }
    }

    /** The distributions that publish Prometheus histogram buckets. */
    static final java.util.Set<String> HISTOGRAMS = java.util.Set.of(SinkMeters.BATCH_DURATION, SinkMeters.BATCH_SIZE);

    private static final Map<String, String> HEADINGS = new LinkedHashMap<>();
    private static final Map<String, String> NOTES = new LinkedHashMap<>();

    static {
        HEADINGS.put(SERVICE, "Service (every process)");
        NOTES.put(
                SERVICE,
                "Registered by `fieldline run` itself, whatever components it runs: its supervisor, its dependency "
                        + "checks and its lag watch.");
        HEADINGS.put(MQTT_BRIDGE, "MQTT bridge (`mqtt-bridge`)");
        NOTES.put(
                MQTT_BRIDGE,
                "Every meter is tagged `client.id` (the MQTT client id). The bridge's ingress publisher adds the "
                        + "ingress meters below, tagged `source=mqtt`.");
        HEADINGS.put(CAN_BRIDGE, "CAN bridge (`can-bridge`)");
        NOTES.put(CAN_BRIDGE, "The bridge's ingress publisher adds the ingress meters below, tagged `source=can`.");
        HEADINGS.put(INGRESS, "Ingress publisher (in `mqtt-bridge`, `can-bridge` and `api`)");
        NOTES.put(
                INGRESS,
                "The one way readings enter Kafka: the same meters for every edge, tagged `source` (`mqtt`, `can`, `http`) "
                        + "and `client.id` (the Kafka producer's).");
        HEADINGS.put(STREAMS, "Kafka Streams applications (`streams`)");
        NOTES.put(
                STREAMS,
                "Kafka Streams' own metrics, with Fieldline's Streams counters among them, come through Micrometer's "
                        + "`KafkaStreamsMetrics` binder: see [Families from binders](#families-from-binders).");
        HEADINGS.put(SINK, "Sinks (`sink-postgres`, `sink-redis`)");
        NOTES.put(
                SINK,
                "Both sinks register the same meters for each stream they consume, told apart by `sink` ("
                        + code(PostgresSinkService.SINK, RedisSinkService.SINK) + ") and `stream` ("
                        + code(Arrays.stream(SinkStream.values()).map(SinkStream::configName)) + ").");
        HEADINGS.put(CDC, "CDC (`cdc`)");
        NOTES.put(CDC, "Debezium change-data-capture of the metadata tables.");
        HEADINGS.put(API, "HTTP API (`api`)");
        NOTES.put(
                API,
                "The API's ingress publisher adds the ingress meters above, tagged `source=http`. `route` is the "
                        + "route's path template (`/api/v1/devices/{deviceId}/latest`), `unmatched` for a path no "
                        + "route serves.");
    }

    private static final List<Metric> CATALOG = List.of(
            // --- service: literals, as registered by io.fieldline.app.service
            metric(
                    "fieldline.component.up",
                    Type.GAUGE,
                    null,
                    List.of("component"),
                    SERVICE,
                    "1 while the component runs and its health is not DOWN, else 0. `component`: "
                            + code("mqtt-bridge", "can-bridge", "streams", "sink-postgres", "sink-redis", "cdc", "api")
                            + " (those the process runs)."),
            metric(
                    "fieldline.component.restarts",
                    Type.COUNTER,
                    null,
                    List.of("component"),
                    SERVICE,
                    "Restarts of a failed component by the supervisor."),
            metric(
                    "fieldline.dependency.up",
                    Type.GAUGE,
                    null,
                    List.of("dependency"),
                    SERVICE,
                    "1 when the last check of the server answered, else 0. `dependency`: "
                            + code("kafka", "schema-registry", "postgresql", "redis", "mqtt-broker")
                            + " (those the process's components use)."),
            metric(
                    "fieldline.dependency.check.latency",
                    Type.GAUGE,
                    "seconds",
                    List.of("dependency"),
                    SERVICE,
                    "Duration of the last check of the server."),
            metric(
                    "fieldline.consumer.lag",
                    Type.GAUGE,
                    "records",
                    List.of("group", "topic", "partition"),
                    SERVICE,
                    "Records of a partition not yet committed by one of the process's consumer groups (end offset "
                            + "minus committed offset, read from Kafka)."),
            metric(
                    "fieldline.backpressure.active",
                    Type.GAUGE,
                    null,
                    List.of("source"),
                    SERVICE,
                    "1 while a consumer group's lag, or a bridge's in-flight window, has stayed past its threshold "
                            + "for `backpressure.after.ms`, else 0. `source`: the consumer group id, or "
                            + "`<component>-inflight` (`mqtt-bridge-inflight`)."),
            // --- MQTT bridge
            mqtt(MqttBridge.METER_MESSAGES_RECEIVED, Type.COUNTER, "MQTT messages received."),
            mqtt(
                    MqttBridge.METER_MESSAGES_REDELIVERED,
                    Type.COUNTER,
                    "MQTT messages the broker flagged as redeliveries (DUP): possible duplicates in Kafka."),
            mqtt(
                    MqttBridge.METER_MESSAGES_ACKNOWLEDGED,
                    Type.COUNTER,
                    "MQTT messages acknowledged to the broker after Kafka took them (a function counter)."),
            mqtt(
                    MqttBridge.METER_MESSAGES_ABANDONED,
                    Type.COUNTER,
                    "MQTT messages given up before a worker took them (the callback thread was interrupted): never "
                            + "acknowledged, redelivered by the broker (a function counter)."),
            metric(
                    MqttBridge.METER_READINGS_WRITTEN,
                    Type.COUNTER,
                    null,
                    List.of("client.id", "route"),
                    MQTT_BRIDGE,
                    "Readings Kafka acknowledged, by route (`mqtt.route.<name>.*`)."),
            metric(
                    MqttBridge.METER_DEAD_LETTERS,
                    Type.COUNTER,
                    null,
                    List.of("client.id", "route", "reason"),
                    MQTT_BRIDGE,
                    "MQTT messages whose dead letter Kafka acknowledged. `route`: the route, `none` when no route "
                            + "matched. `reason`: " + code(MqttBridge.REASON_UNROUTABLE, MqttBridge.REASON_UNDECODABLE)
                            + ", or what Kafka refused the readings for: " + permanentSendErrors() + "."),
            mqtt(MqttBridge.METER_IN_FLIGHT, Type.GAUGE, "MQTT messages received and not yet acknowledged."),
            mqtt(
                    MqttBridge.METER_RECEIVE_MAXIMUM,
                    Type.GAUGE,
                    "The receive maximum the bridge asked the broker for: the in-flight window's size."),
            mqtt(
                    MqttBridge.METER_BACKPRESSURE,
                    Type.GAUGE,
                    "1 while the in-flight window is full (the broker holds further messages back: the bridge, or "
                            + "Kafka behind it, is the bottleneck), else 0."),
            mqtt(MqttBridge.METER_CONNECTED, Type.GAUGE, "1 while connected to the MQTT broker, else 0."),
            metric(
                    MqttBridge.METER_KAFKA_SEND,
                    Type.TIMER,
                    "seconds",
                    List.of("client.id"),
                    MQTT_BRIDGE,
                    "Per message: from handing its records to the Kafka producer to the acknowledgement of the last."),
            mqtt(MqttBridge.METER_SPARKPLUG_BIRTHS, Type.COUNTER, "Sparkplug NBIRTH/DBIRTH messages decoded."),
            mqtt(MqttBridge.METER_SPARKPLUG_DEATHS, Type.COUNTER, "Sparkplug NDEATH/DDEATH messages decoded."),
            mqtt(
                    MqttBridge.METER_METRICS_SKIPPED,
                    Type.COUNTER,
                    "Payload metrics deliberately not turned into readings (non-numeric Sparkplug metrics and the "
                            + "like)."),
            // --- CAN bridge
            metric(
                    CanFramePublisher.METER_FRAMES,
                    Type.COUNTER,
                    null,
                    List.of("outcome"),
                    CAN_BRIDGE,
                    "CAN frames read, by what became of them. `outcome`: "
                            + code(Arrays.stream(CanReadingMapper.Outcome.values())
                                    .map(o -> o.name().toLowerCase(Locale.ROOT)))
                            + "."),
            metric(
                    CanFramePublisher.METER_SIGNALS,
                    Type.COUNTER,
                    null,
                    List.of(),
                    CAN_BRIDGE,
                    "Signals published as readings."),
            metric(
                    CanFramePublisher.METER_MALFORMED_LINES,
                    Type.COUNTER,
                    null,
                    List.of(),
                    CAN_BRIDGE,
                    "Input lines (or Redis entries) that are not CAN frames."),
            metric(
                    CanFramePublisher.METER_DEAD_LETTERS,
                    Type.COUNTER,
                    null,
                    List.of("reason"),
                    CAN_BRIDGE,
                    "Frames and lines handed to the dead-letter topic, counted when handed over (what Kafka "
                            + "acknowledged, and what it refused, is in the ingress meters). `reason`: "
                            + code(CanFramePublisher.DEAD_LETTER_REASONS.stream()) + "."),
            // --- ingress publisher
            ingress(
                    IngressPublisher.METER_SENT,
                    Type.COUNTER,
                    List.of(),
                    "Records Kafka acknowledged, dead letters excepted."),
            ingress(
                    IngressPublisher.METER_ERRORS,
                    Type.COUNTER,
                    List.of("kind"),
                    "Records Kafka did not take, by kind of error. `kind`: " + permanentSendErrors()
                            + " (the source message is dead-lettered), "
                            + code(Arrays.stream(SendErrorKind.values())
                                    .filter(k -> !k.permanent())
                                    .map(SendErrorKind::tag))
                            + " (the publisher fails and the edge stops)."),
            ingress(
                    IngressPublisher.METER_DEAD_LETTERS,
                    Type.COUNTER,
                    List.of("reason"),
                    "Dead letters Kafka acknowledged. `reason`: the edge's (MQTT: "
                            + code(MqttBridge.REASON_UNROUTABLE, MqttBridge.REASON_UNDECODABLE) + "; CAN: "
                            + code(CanFramePublisher.DEAD_LETTER_REASONS.stream())
                            + "), or what Kafka refused a record for: " + permanentSendErrors() + "."),
            ingress(
                    IngressPublisher.METER_IN_FLIGHT,
                    Type.GAUGE,
                    List.of(),
                    "Records handed to the Kafka producer and not yet acknowledged."),
            // --- Streams
            metric(
                    DeadLetterHandler.COUNTER,
                    Type.COUNTER,
                    null,
                    List.of("topic", "reason"),
                    STREAMS,
                    "Records dead-lettered by the exception handlers (counted even without a dead-letter topic; a "
                            + "task that fails and retries counts a record again). `topic`: the source topic. "
                            + "`reason`: `" + DeadLetterHandler.REASON_DESERIALIZATION + "` (cannot be read), `"
                            + DeadLetterHandler.REASON_PROCESSING + "` (a processor failed on it), `"
                            + DeadLetterHandler.REASON_SERIALIZATION + "` (its output cannot be written)."),
            // --- sinks
            sink(SinkMeters.RECORDS, Type.COUNTER, null, List.of(), "Records consumed."),
            sink(
                    SinkMeters.RECORDS_DONE,
                    Type.COUNTER,
                    null,
                    List.of(),
                    "Records written or dead-lettered whose offsets were committed."),
            sink(SinkMeters.BATCHES, Type.COUNTER, null, List.of(), "Batches written."),
            sink(
                    SinkMeters.BATCH_SIZE,
                    Type.DISTRIBUTION_SUMMARY,
                    "records",
                    List.of(),
                    "Records per batch written; a histogram (`_bucket`, `le` 1 to 10000)."),
            sink(
                    SinkMeters.BATCH_DURATION,
                    Type.TIMER,
                    "seconds",
                    List.of(),
                    "From a batch's first record to its commit, retries included; a histogram (`_bucket`, `le` 5 ms to "
                            + "30 s)."),
            sink(
                    SinkMeters.RETRIES,
                    Type.COUNTER,
                    null,
                    List.of(),
                    "Write attempts that failed transiently and were retried."),
            sink(
                    SinkMeters.DEAD_LETTERS,
                    Type.COUNTER,
                    null,
                    List.of("reason"),
                    "Records sent to the dead-letter topic. `reason`: `" + SinkMeters.REASON_UNDECODABLE
                            + "` (a null value, or the decoder failed), `" + SinkMeters.REASON_REJECTED
                            + "` (the store refused the record for itself, or holds another value under its key)."),
            sink(
                    SinkMeters.ROWS,
                    Type.COUNTER,
                    null,
                    List.of("table"),
                    "PostgreSQL rows inserted, or Redis entries written. `table`: the table, or the kind of Redis key."),
            sink(
                    SinkMeters.DUPLICATES,
                    Type.COUNTER,
                    null,
                    List.of("table"),
                    "Rows skipped because the store already held them (replays)."),
            sink(
                    SinkMeters.CONFLICTS,
                    Type.COUNTER,
                    null,
                    List.of("table"),
                    "Rows skipped because another value is stored under their key; their records are dead-lettered."),
            sink(SinkMeters.LAG, Type.GAUGE, null, List.of(), "Records behind the end of the assigned partitions."),
            sink(SinkMeters.FAILING, Type.GAUGE, null, List.of(), "1 while the worker retries a failed write, else 0."),
            // --- CDC
            metric(
                    MetadataCdc.METER_CHANGES,
                    Type.COUNTER,
                    null,
                    List.of("table", "op"),
                    CDC,
                    "Changes published to the metadata topics. `table`: "
                            + code(Arrays.stream(CapturedTable.values()).map(CapturedTable::tableName))
                            + ". `op`: Debezium's `r` (snapshot read), `c`, `u`, `d`."),
            metric(
                    MetadataCdc.METER_SKIPPED,
                    Type.COUNTER,
                    null,
                    List.of(),
                    CDC,
                    "Change events with nothing to publish (heartbeats, messages, other tables)."),
            metric(
                    MetadataCdc.METER_DEAD_LETTERS,
                    Type.COUNTER,
                    null,
                    List.of("reason"),
                    CDC,
                    "Captured rows sent to the dead-letter topic. `reason`: `" + MetadataCdc.REASON_INVALID_ROW
                            + "` (a required column is null, an enum column holds an unknown symbol), `"
                            + MetadataCdc.REASON_UNCONVERTIBLE + "` (a column of an unexpected type)."),
            // --- HTTP API
            metric(
                    io.fieldline.app.api.ApiServer.METER_CONNECTIONS_DROPPED,
                    Type.COUNTER,
                    null,
                    List.of("reason"),
                    API,
                    "Connections the API closed without an answer. `reason`: `request_timeout` (the client did not "
                            + "send its whole request within api.request.timeout.ms), `response_timeout` (it did not "
                            + "take the answer within api.response.timeout.ms), `no_reading_thread` (every reading "
                            + "thread busy and api.queue.size connections waiting)."),
            metric(
                    io.fieldline.app.api.ApiServer.METER_REQUESTS,
                    Type.COUNTER,
                    null,
                    List.of("route", "method", "status"),
                    API,
                    "Requests answered, by route, method and HTTP status."),
            metric(
                    io.fieldline.app.api.ApiServer.METER_DURATION,
                    Type.TIMER,
                    "seconds",
                    List.of("route", "method"),
                    API,
                    "Time from a request's arrival to its answer; a POST includes Kafka's acknowledgement of every "
                            + "reading."),
            metric(
                    io.fieldline.app.api.ApiServer.METER_FALLBACKS,
                    Type.COUNTER,
                    null,
                    List.of(),
                    API,
                    "Reads of latest values, KPIs or active alerts answered from PostgreSQL because Redis did not "
                            + "answer."),
            metric(
                    io.fieldline.app.api.ApiServer.METER_MISSES,
                    Type.COUNTER,
                    null,
                    List.of("kind"),
                    API,
                    "Devices (`kind=latest`) or rooms (`kind=kpi`) read from PostgreSQL while Redis answered, because "
                            + "Redis held no readable value of them (keys expired, evicted, or lost in a restart)."),
            metric(
                    io.fieldline.app.api.ApiServer.METER_UNREADABLE,
                    Type.COUNTER,
                    null,
                    List.of("kind"),
                    API,
                    "Values in Redis the API could not read (not the sink's JSON, a field of the wrong type, a key "
                            + "of the wrong type) and left out of an answer; Redis stays the source. `kind`: "
                            + "`latest`, `kpi`, `alert`."));

    /** Registered by the developer build only ({@code ./fieldline up}, dev/cli MqttBrokerBacklog). */
    private static final List<Metric> DEVELOPER = List.of(
            metric(
                    "fieldline.embedded.mqtt.publishes.incoming",
                    Type.COUNTER,
                    null,
                    List.of(),
                    DEVELOPER_BUILD,
                    "PUBLISH packets the embedded broker received (a function counter)."),
            metric(
                    "fieldline.embedded.mqtt.publishes.outgoing",
                    Type.COUNTER,
                    null,
                    List.of(),
                    DEVELOPER_BUILD,
                    "PUBLISH packets the embedded broker sent to subscribers (a function counter)."),
            metric(
                    "fieldline.embedded.mqtt.publishes.dropped",
                    Type.COUNTER,
                    null,
                    List.of(),
                    DEVELOPER_BUILD,
                    "PUBLISH packets the embedded broker dropped (a function counter)."),
            metric(
                    "fieldline.embedded.mqtt.backlog",
                    Type.GAUGE,
                    null,
                    List.of(),
                    DEVELOPER_BUILD,
                    "Messages the embedded broker holds that no subscriber has taken yet."),
            metric(
                    "fieldline.embedded.mqtt.connects.refused",
                    Type.COUNTER,
                    null,
                    List.of(),
                    DEVELOPER_BUILD,
                    "CONNECTs the embedded broker refused (anonymous, unknown or revoked device, wrong password, a "
                            + "device with another client id; a function counter, with authentication on)."),
            metric(
                    "fieldline.embedded.mqtt.publishes.denied",
                    Type.COUNTER,
                    null,
                    List.of(),
                    DEVELOPER_BUILD,
                    "PUBLISHes the embedded broker refused and dropped, disconnecting the client (a device on another "
                            + "device's topic, a revoked device; a function counter, with authentication on)."),
            metric(
                    "fieldline.embedded.mqtt.subscriptions.denied",
                    Type.COUNTER,
                    null,
                    List.of(),
                    DEVELOPER_BUILD,
                    "SUBSCRIBEs the embedded broker refused (a device outside its command topics; a function "
                            + "counter, with authentication on)."));

    /** Group of Fieldline's Kafka Streams custom metrics (topologies' ProcessorCounter, scope {@code fieldline}). */
    static final String STREAMS_COUNTER_GROUP = "stream-fieldline-metrics";

    /** Fieldline's Kafka Streams counters: operation name and what it counts. */
    private static final Map<String, String> STREAMS_COUNTERS = new LinkedHashMap<>();

    static {
        STREAMS_COUNTERS.put(
                ReadingsTopology.UNKNOWN_DEVICES,
                "readings of devices not in `metadata.devices`, passed through unenriched (readings application)");
        STREAMS_COUNTERS.put(
                ReadingsTopology.LATE_READINGS,
                "readings whose window had closed (end plus grace), sent to `telemetry.readings.late` (readings "
                        + "application)");
        STREAMS_COUNTERS.put(
                KpiTopology.LATE_INPUTS,
                "aggregates that arrived after their KPI window closed, ignored (KPI application)");
    }

    private MetricsReference() {}

    /** The meters of the product, in the order of the reference. */
    public static List<Metric> catalog() {
        return CATALOG;
    }

    /** The meters only the developer build registers ({@code fieldline.embedded.*}). */
    public static List<Metric> developerBuild() {
        return DEVELOPER;
    }

    /** The components, in the order of the reference. */
    public static List<String> components() {
        return List.copyOf(HEADINGS.keySet());
    }

    /**
     * The Prometheus name of a Kafka client or Streams metric as Micrometer's Kafka binders export it:
     * {@code kafka.<group without -metrics>.<name>}, dashes as dots, then the usual snake case ({@code _total} ends
     * the counters, which Kafka already names {@code -total}).
     */
    static String kafkaBinderName(String group, String name) {
        return ("kafka." + group + "." + name)
                .replace("-metrics", "")
                .replace('-', '_')
                .replace('.', '_');
    }

    /** The reference as Markdown: a table per component, then the binders' families and the developer build. */
    public static String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("# Metrics reference\n\n")
                .append("Generated by `./fieldline config metrics` from the catalog in the code ")
                .append("(`io.fieldline.app.MetricsReference`); do not edit by hand.\n\n")
                .append("`fieldline run` serves these on its ops endpoint, `GET /metrics` (`http.port`), in the ")
                .append("Prometheus text format (Micrometer's `PrometheusMeterRegistry`). A Micrometer name becomes ")
                .append("a Prometheus name this way: dots become underscores; the base unit, if any, is appended ")
                .append("(every timer is in `_seconds`); counters end in `_total`; a timer is a summary of ")
                .append("`_count` and `_sum` series plus a `_max` gauge, and histogram `_bucket` series where the ")
                .append(
                        "description says so. Tag keys become labels, dots as underscores (`client.id` is `client_id`). ")
                .append("A meter appears once its component registers it; one tagged with something met at run ")
                .append("time (a route, a table, a source topic) appears with the first such value.\n");
        for (String component : HEADINGS.keySet()) {
            out.append("\n## ").append(HEADINGS.get(component)).append("\n\n");
            if (NOTES.containsKey(component)) {
                out.append(NOTES.get(component)).append("\n\n");
            }
            table(out, CATALOG.stream().filter(m -> m.component().equals(component)));
        }
        out.append("\n## Families from binders\n\n")
                .append("Not defined by Fieldline's code, so not in the tables above: Micrometer's binders name ")
                .append("them. The Kafka binders export each Kafka metric as `kafka_<group>_<name>`, the group ")
                .append("without its `-metrics` suffix and dashes as underscores (`producer-metrics` ")
                .append("`record-retry-total` is `kafka_producer_record_retry_total`), labelled with the metric's ")
                .append("tags (`client_id`, `topic`, `partition`, `thread_id`, ...) and `kafka_version`.\n\n")
                .append("| family | binder | registered by | examples |\n")
                .append("|---|---|---|---|\n")
                .append("| `jvm_*` | `JvmMemoryMetrics`, `JvmGcMetrics`, `JvmThreadMetrics`, `ClassLoaderMetrics` ")
                .append("| every process | `jvm_memory_used_bytes`, `jvm_gc_pause_seconds`, ")
                .append("`jvm_threads_live_threads`, `jvm_classes_loaded_classes` |\n")
                .append("| `process_*`, `system_*` | `ProcessorMetrics`, `UptimeMetrics`, `FileDescriptorMetrics` ")
                .append("| every process | `process_cpu_usage`, `system_cpu_usage`, `system_load_average_1m`, ")
                .append("`process_uptime_seconds`, `process_files_open_files` |\n")
                .append("| `kafka_stream_*` | `KafkaStreamsMetrics` (Micrometer's Kafka binder) | `streams`, for ")
                .append("each application | `")
                .append(kafkaBinderName("stream-thread-metrics", "process-total"))
                .append("`, `")
                .append(kafkaBinderName("stream-task-metrics", "dropped-records-total"))
                .append("`, `")
                .append(kafkaBinderName("stream-metrics", "alive-stream-threads"))
                .append("`, and Fieldline's Streams counters below |\n")
                .append("| `kafka_producer_*`, `kafka_consumer_*`, `kafka_admin_client_*` | `KafkaClientMetrics` ")
                .append("for a client it is bound to; `KafkaStreamsMetrics` for the clients inside Kafka Streams ")
                .append("| the components whose clients are bound | `")
                .append(kafkaBinderName("producer-metrics", "record-retry-total"))
                .append("`, `")
                .append(kafkaBinderName("producer-metrics", "record-error-total"))
                .append("`, `")
                .append(kafkaBinderName("consumer-fetch-manager-metrics", "records-lag"))
                .append("`, `")
                .append(kafkaBinderName("consumer-fetch-manager-metrics", "records-lag-max"))
                .append("` |\n\n")
                .append("Fieldline's Kafka Streams counters are Streams custom metrics (group `")
                .append(STREAMS_COUNTER_GROUP)
                .append("`, labelled `thread_id` and `fieldline_id`, the processor), so they come ")
                .append("through `KafkaStreamsMetrics`, each as a `_total` counter and a `_rate` gauge (per ")
                .append("second):\n\n")
                .append("| metric (Prometheus) | type | counts |\n")
                .append("|---|---|---|\n");
        STREAMS_COUNTERS.forEach((operation, what) -> out.append("| `")
                .append(kafkaBinderName(STREAMS_COUNTER_GROUP, operation + "-total"))
                .append("`, `")
                .append(kafkaBinderName(STREAMS_COUNTER_GROUP, operation + "-rate"))
                .append("` | counter, gauge | ")
                .append(cell(what))
                .append(" |\n"));
        out.append("\n## Developer build\n\n")
                .append("`./fieldline up` (dev/cli) also registers these, which watch its embedded MQTT broker; a ")
                .append("product process never has them.\n\n");
        table(out, DEVELOPER.stream());
        return out.toString();
    }

    private static void table(StringBuilder out, Stream<Metric> metrics) {
        out.append("| metric (Prometheus) | type | Micrometer name | unit | labels | description |\n")
                .append("|---|---|---|---|---|---|\n");
        metrics.forEach(m -> {
            String prometheus = "`" + m.prometheusName() + "`";
            if (m.type().distribution()) {
                prometheus += " (`_count`, `_sum`, `_max`)";
            }
            out.append("| ")
                    .append(prometheus)
                    .append(" | ")
                    .append(m.type().text())
                    .append(" | `")
                    .append(m.name())
                    .append("` | ")
                    .append(m.baseUnit() == null ? "" : m.baseUnit())
                    .append(" | ")
                    .append(m.tags().stream()
                            .map(t -> "`" + t.replace('.', '_') + "`")
                            .collect(Collectors.joining(", ")))
                    .append(" | ")
                    .append(cell(m.description()))
                    .append(" |\n");
        });
    }

    private static Metric metric(
            String name, Type type, String baseUnit, List<String> tags, String component, String description) {
        return new Metric(name, type, baseUnit, tags, component, description);
    }

    private static Metric mqtt(String name, Type type, String description) {
        return new Metric(name, type, null, List.of("client.id"), MQTT_BRIDGE, description);
    }

    private static Metric ingress(String name, Type type, List<String> extraTags, String description) {
        List<String> tags = new ArrayList<>(List.of("source", "client.id"));
        tags.addAll(extraTags);
        return new Metric(name, type, null, tags, INGRESS, description);
    }

    private static Metric sink(String name, Type type, String baseUnit, List<String> extraTags, String description) {
        List<String> tags = new ArrayList<>(List.of("sink", "stream"));
        tags.addAll(extraTags);
        return new Metric(name, type, baseUnit, tags, SINK, description);
    }

    private static String permanentSendErrors() {
        return code(Arrays.stream(SendErrorKind.values())
                .filter(SendErrorKind::permanent)
                .map(SendErrorKind::tag));
    }

    private static String code(String... values) {
        return code(Arrays.stream(values));
    }

    private static String code(Stream<String> values) {
        return values.map(v -> "`" + v + "`").collect(Collectors.joining(", "));
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
