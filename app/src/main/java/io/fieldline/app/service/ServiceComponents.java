package io.fieldline.app.service;

import io.fieldline.bridge.can.CanBridgeConfig;
import io.fieldline.bridge.can.CanBridgeService;
import io.fieldline.bridge.mqtt.MqttBridge;
import io.fieldline.bridge.mqtt.MqttBridgeConfig;
import io.fieldline.connectors.cdc.CdcConfig;
import io.fieldline.connectors.cdc.MetadataCdc;
import io.fieldline.connectors.cdc.MetadataSerializers;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.sink.PostgresSinkService;
import io.fieldline.sink.RedisSinkService;
import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.SinkStream;
import io.fieldline.sink.SinkSummary;
import io.fieldline.sink.WorkerState;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.runtime.FieldlineStreams;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The components {@code fieldline run} (and {@code fieldline up}) can run, by name: {@code mqtt-bridge},
 * {@code can-bridge}, {@code streams} (or one application: {@code streams:readings}, ...), {@code sink-postgres},
 * {@code sink-redis}, {@code cdc}, {@code api} (the HTTP API).
 */
public final class ServiceComponents {

    public static final String MQTT_BRIDGE = "mqtt-bridge";
    public static final String CAN_BRIDGE = "can-bridge";
    public static final String STREAMS = "streams";
    public static final String SINK_POSTGRES = "sink-postgres";
    public static final String SINK_REDIS = "sink-redis";
    public static final String CDC = "cdc";
    public static final String API = io.fieldline.app.api.ApiService.NAME;

    /** How long Streams may rebalance before it counts as DOWN. */
    static final long REBALANCING_LIMIT_SECONDS = 120;

    /** Every name {@link #spec} accepts, for help and errors. */
    public static final List<String> NAMES = names();

    private ServiceComponents() {}

    private static List<String> names() {
        List<String> names = new ArrayList<>(List.of(MQTT_BRIDGE, CAN_BRIDGE, STREAMS));
        StreamsSettingsConfig.APPLICATION_NAMES.forEach(application -> names.add(STREAMS + ":" + application));
        names.addAll(List.of(SINK_POSTGRES, SINK_REDIS, CDC, API));
        return List.copyOf(names);
    }

    /**
     * The component of that name, as a supervisor spec.
     *
     * @throws ConfigException naming the component when there is none of that name
     */
    public static Supervisor.Spec spec(String name, ServiceContext context) {
        Supplier<Component> factory = switch (name) {
            case MQTT_BRIDGE -> () -> mqttBridge(context);
            case CAN_BRIDGE -> () -> canBridge(context, context.settings());
            case SINK_POSTGRES -> () -> postgresSink(context);
            case SINK_REDIS -> () -> redisSink(context);
            case CDC -> () -> cdc(context);
            case API -> () -> new io.fieldline.app.api.ApiService(context);
            default -> {
                if (name.equals(STREAMS)) {
                    yield () -> streams(context, name, null);
                }
                if (name.startsWith(STREAMS + ":")
                        && StreamsSettingsConfig.APPLICATION_NAMES.contains(name.substring(STREAMS.length() + 1))) {
                    String application = name.substring(STREAMS.length() + 1);
                    yield () -> streams(context, name, application);
                }
                throw new ConfigException(
                        "No component '" + name + "'; the components are " + String.join(", ", NAMES));
            }
        };
        return new Supervisor.Spec(name, factory, dependencies(name));
    }

    /** The dependencies of the named component, for the health checks. */
    public static Set<String> dependencies(String name) {
        if (name.startsWith(STREAMS)) {
            return Set.of(Dependencies.KAFKA, Dependencies.SCHEMA_REGISTRY);
        }
        return switch (name) {
            case MQTT_BRIDGE -> Set.of(Dependencies.KAFKA, Dependencies.SCHEMA_REGISTRY, Dependencies.MQTT_BROKER);
            case CAN_BRIDGE -> Set.of(Dependencies.KAFKA, Dependencies.SCHEMA_REGISTRY);
            case SINK_POSTGRES, CDC ->
                Set.of(Dependencies.KAFKA, Dependencies.SCHEMA_REGISTRY, Dependencies.POSTGRESQL);
            case SINK_REDIS -> Set.of(Dependencies.KAFKA, Dependencies.SCHEMA_REGISTRY, Dependencies.REDIS);
            // Redis is not critical: while it is down the API serves from PostgreSQL and the process is DEGRADED.
            case API ->
                Set.of(Dependencies.KAFKA, Dependencies.SCHEMA_REGISTRY, Dependencies.POSTGRESQL, Dependencies.REDIS);
            default -> Set.of();
        };
    }

    /** A component that is up once started: start, close and summary steps. */
    public static Component of(String name, Step start, Runnable close, Supplier<Map<String, Object>> summary) {
        return of(name, start, () -> Health.up("running"), close, summary, List.of(), null);
    }

    /** Builds a component from start, health, summary and close steps. */
    public static Component of(
            String name,
            Step start,
            Supplier<Health> health,
            Runnable close,
            Supplier<Map<String, Object>> summary,
            List<String> groups,
            IntSupplier inFlight) {
        return new Component() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void start() throws Exception {
                start.run();
            }

            @Override
            public Health health() {
                return health.get();
            }

            @Override
            public List<String> consumerGroups() {
                return groups;
            }

            @Override
            public IntSupplier inFlight() {
                return inFlight;
            }

            @Override
            public Map<String, Object> summary() {
                return summary.get();
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }

    /** Something that starts. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    static Component mqttBridge(ServiceContext context) {
        MqttBridge bridge = MqttBridge.withSchemaRegistry(
                new MqttBridgeConfig(context.settings()),
                context.topics(),
                new HttpSchemaRegistryClient(context.settings()),
                context.meters());
        return of(
                MQTT_BRIDGE,
                bridge::start,
                () -> switch (bridge.state()) {
                    case RUNNING ->
                        bridge.isConnected()
                                ? Health.up("connected, " + bridge.inFlight() + " in flight")
                                : Health.down("disconnected from the MQTT broker, reconnecting");
                    case FAILED -> Health.failed("the bridge failed: " + failureOf(bridge));
                    case NEW, STARTING -> Health.down("starting");
                    case CLOSING, CLOSED -> Health.down("stopped");
                },
                bridge::close,
                () -> {
                    MqttBridge.Stats stats = bridge.stats();
                    Map<String, Object> summary = new LinkedHashMap<>();
                    summary.put("messages received", stats.received());
                    summary.put("messages acknowledged", stats.acknowledged());
                    summary.put("redelivered", stats.redelivered());
                    summary.put("readings to Kafka", stats.readings());
                    summary.put("dead letters", stats.deadLetters());
                    return summary;
                },
                List.of(),
                bridge::inFlight);
    }

    private static String failureOf(MqttBridge bridge) {
        try {
            bridge.failure().getNow(null);
            return "see the log";
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return cause.getMessage();
        }
    }

    /** The CAN bridge over the {@code can.*} keys of these settings (the developer build adds demo defaults). */
    public static Component canBridge(ServiceContext context, Map<String, Object> settings) {
        Map<String, Object> can = new HashMap<>();
        settings.forEach((key, value) -> {
            if (key.startsWith("can.")) {
                can.put(key, value);
            }
        });
        CanBridgeService service = new CanBridgeService(
                context.kafka(),
                new HttpSchemaRegistryClient(context.settings()),
                context.topics(),
                new CanBridgeConfig(can),
                context.meters(),
                java.time.Clock.systemUTC());
        return of(
                CAN_BRIDGE,
                service::start,
                () -> service.failure() == null
                        ? Health.up("running")
                        : Health.failed(
                                "the CAN bridge failed: " + service.failure().getMessage()),
                service::close,
                () -> {
                    Map<String, Object> summary = new LinkedHashMap<>(service.summary());
                    if (service.failure() != null) {
                        summary.put("failure", service.failure().getMessage());
                    }
                    return summary;
                },
                List.of(),
                null);
    }

    static Component streams(ServiceContext context, String name, String application) {
        Map<String, Object> config = new HashMap<>(context.settings());
        config.putIfAbsent(
                StreamsSettingsConfig.STATE_DIR,
                context.dataDir().resolve("streams").toString());
        if (application != null) {
            config.put(StreamsSettingsConfig.APPLICATIONS, application);
        }
        StreamsSettingsConfig settings = new StreamsSettingsConfig(config);
        FieldlineStreams streams = new FieldlineStreams(
                settings,
                context.kafka(),
                new Topics(context.topics(), new HttpSchemaRegistryClient(context.settings())),
                context.meters(),
                // Global tables (metadata) get the same processing exception handling as the rest. Kafka 5.0
                // makes this the default and 4.3 already deprecates the constant, so the key is spelled out.
                Map.of("processing.exception.handler.global.enabled", true));
        List<String> groups = new ArrayList<>();
        settings.applications().forEach(app -> groups.add(settings.applicationId(app)));
        return of(
                name,
                () -> {
                    streams.start();
                    streams.awaitRunning(Duration.ofSeconds(90));
                },
                new Supplier<Health>() {
                    private long notRunningSince;

                    @Override
                    public Health get() {
                        Health health = streamsHealth(streams.states());
                        boolean running = health.detail().startsWith("running");
                        long now = System.nanoTime();
                        if (running || health.failed()) {
                            notRunningSince = 0;
                            return health;
                        }
                        if (notRunningSince == 0) {
                            notRunningSince = now;
                        }
                        long seconds = java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(now - notRunningSince);
                        // A rebalance takes seconds; one that never ends (a thread replaced on every record) is
                        // not work being done.
                        return seconds > REBALANCING_LIMIT_SECONDS
                                ? Health.down(health.detail() + " for " + seconds + " s")
                                : health;
                    }
                },
                streams::close,
                () -> {
                    Map<String, Object> summary = new LinkedHashMap<>();
                    streams.counters().forEach((counter, value) -> summary.put(counter, value.longValue()));
                    return summary;
                },
                List.copyOf(groups),
                null);
    }

    static Health streamsHealth(Map<String, KafkaStreams.State> states) {
        for (Map.Entry<String, KafkaStreams.State> entry : states.entrySet()) {
            KafkaStreams.State state = entry.getValue();
            if (state == KafkaStreams.State.ERROR
                    || state == KafkaStreams.State.PENDING_ERROR
                    || state == KafkaStreams.State.NOT_RUNNING
                    || state == KafkaStreams.State.PENDING_SHUTDOWN) {
                return Health.failed("Streams application " + entry.getKey() + " is " + state);
            }
        }
        if (states.values().stream().allMatch(state -> state == KafkaStreams.State.RUNNING)) {
            return Health.up("running: " + states.keySet());
        }
        return Health.up("rebalancing: " + states);
    }

    /**
     * The sinks' configuration: their topics follow {@code topics.prefix} (each {@code sink.topic.*} key set
     * explicitly still wins), as every other component's do.
     */
    public static SinkConfig sinkConfig(ServiceContext context) {
        Map<String, Object> settings = new HashMap<>(SinkConfig.topicsFrom(context.topics()));
        settings.putAll(context.settings());
        return new SinkConfig(settings);
    }

    static Component postgresSink(ServiceContext context) {
        SinkConfig config = sinkConfig(context);
        PostgresSinkService sink =
                new PostgresSinkService(config, new HttpSchemaRegistryClient(context.settings()), context.meters());
        List<String> groups = new ArrayList<>();
        config.postgresStreams().forEach(stream -> groups.add(config.groupId(PostgresSinkService.SINK, stream)));
        return of(
                SINK_POSTGRES,
                sink::start,
                () -> sinkHealth(sink.workerStates(), Status.DOWN),
                sink::close,
                () -> describe(sink.summary(), "rows"),
                List.copyOf(groups),
                null);
    }

    static Component redisSink(ServiceContext context) {
        SinkConfig config = sinkConfig(context);
        RedisSinkService sink =
                new RedisSinkService(config, new HttpSchemaRegistryClient(context.settings()), context.meters());
        List<String> groups = new ArrayList<>();
        config.redisStreams().forEach(stream -> groups.add(config.groupId(RedisSinkService.SINK, stream)));
        return of(
                SINK_REDIS,
                sink::start,
                () -> sinkHealth(sink.workerStates(), Status.DEGRADED),
                sink::close,
                () -> describe(sink.summary(), "keys"),
                List.copyOf(groups),
                null);
    }

    /**
     * A sink's health from its workers': one FAILED (it gave up, or died) fails the sink; one RETRYING (its store
     * is down; partitions paused, nothing committed) makes it {@code whileRetrying}.
     */
    static Health sinkHealth(Map<SinkStream, WorkerState> states, Status whileRetrying) {
        List<String> retrying = new ArrayList<>();
        for (Map.Entry<SinkStream, WorkerState> entry : states.entrySet()) {
            if (entry.getValue() == WorkerState.FAILED || entry.getValue() == WorkerState.STOPPED) {
                return Health.failed("worker " + entry.getKey().configName() + " is " + entry.getValue());
            }
            if (entry.getValue() == WorkerState.RETRYING) {
                retrying.add(entry.getKey().configName());
            }
        }
        if (!retrying.isEmpty()) {
            return new Health(whileRetrying, "store unreachable, retrying: " + retrying, false);
        }
        return Health.up(states.size() + " workers running");
    }

    private static Map<String, Object> describe(SinkSummary summary, String storedWhat) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("records consumed", summary.recordsConsumed());
        new TreeMap<>(summary.written()).forEach((name, count) -> out.put("written " + name, count));
        new TreeMap<>(summary.stored()).forEach((name, count) -> out.put(storedWhat + " " + name, count));
        out.put("dead letters", summary.deadLetters());
        out.put("retries", summary.retries());
        return out;
    }

    static Component cdc(ServiceContext context) {
        Map<String, Object> config = new HashMap<>(context.settings());
        config.putIfAbsent(CdcConfig.TOPIC_PREFIX, context.topics().prefix());
        MetadataSerializers serializers = MetadataSerializers.avro(new HttpSchemaRegistryClient(context.settings()));
        MetadataCdc cdc = new MetadataCdc(new CdcConfig(config), serializers, context.meters());
        return of(
                CDC,
                cdc::start,
                () -> cdc.isRunning()
                        ? Health.up("streaming changes")
                        : Health.failed("the CDC engine stopped"
                                + cdc.failure().map(e -> ": " + e.getMessage()).orElse("")),
                () -> {
                    cdc.close();
                    serializers.close();
                },
                () -> {
                    Map<String, Object> summary = new LinkedHashMap<>();
                    summary.put("changes published", count(context.meters(), MetadataCdc.METER_CHANGES));
                    summary.put("dead letters", count(context.meters(), MetadataCdc.METER_DEAD_LETTERS));
                    return summary;
                },
                List.of(),
                null);
    }

    /** Sum of every counter of that name, whatever its tags. */
    public static long count(MeterRegistry meters, String name) {
        return (long) meters.find(name).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }
}
