package io.fieldline.bridge.mqtt;

import io.fieldline.bridge.ingress.IngressPublisher;
import io.fieldline.bridge.ingress.IngressSettings;
import io.fieldline.bridge.mqtt.decode.DecodeContext;
import io.fieldline.bridge.mqtt.route.PayloadFormat;
import io.fieldline.bridge.mqtt.route.Route;
import io.fieldline.bridge.mqtt.route.TopicPattern;
import io.fieldline.bridge.mqtt.route.ValueTemplate;
import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Settings of the MQTT bridge, keys {@code mqtt.*}. Invalid values fail at construction with a
 * {@link ConfigException} naming the key.
 *
 * <p>Routes are declared Kafka-Connect style: {@code mqtt.routes} lists route names, and each
 * route {@code <name>} is configured by the keys {@code mqtt.route.<name>.*} of
 * {@link #routeConfigDef(String)}. The route names {@value #PRESET_TELEMETRY} and
 * {@value #PRESET_SPARKPLUG} come with defaults for every key (see {@link #configDef()}); other
 * names need at least {@code mqtt.route.<name>.filter}.
 *
 * <p>The bridge reaches Kafka through the shared {@code kafka.*} block ({@link KafkaClientConfig}:
 * bootstrap servers, TLS, SASL, {@code kafka.producer.*}); its own {@code mqtt.kafka.*} keys tune its
 * producer and its resends.
 */
public final class MqttBridgeConfig extends AbstractConfig {

    public static final String SERVER_URIS = "mqtt.server.uris";
    public static final String CLIENT_ID = "mqtt.client.id";
    public static final String USERNAME = "mqtt.username";
    public static final String PASSWORD = "mqtt.password";
    public static final String CLEAN_START = "mqtt.clean.start";
    public static final String SESSION_EXPIRY_SECONDS = "mqtt.session.expiry.seconds";
    public static final String KEEP_ALIVE_SECONDS = "mqtt.keep.alive.seconds";
    public static final String CONNECT_TIMEOUT_SECONDS = "mqtt.connect.timeout.seconds";
    public static final String RECONNECT_MIN_SECONDS = "mqtt.reconnect.backoff.min.seconds";
    public static final String RECONNECT_MAX_SECONDS = "mqtt.reconnect.backoff.max.seconds";
    public static final String START_TIMEOUT_MS = "mqtt.start.timeout.ms";
    public static final String RECEIVE_MAXIMUM = "mqtt.receive.maximum";
    public static final String SUBSCRIPTION_QOS = "mqtt.subscription.qos";
    public static final String WORKERS = "mqtt.workers";
    public static final String SHARED_GROUP = "mqtt.shared.group";
    public static final String SUBSCRIPTIONS = "mqtt.subscriptions";
    public static final String ROUTES = "mqtt.routes";
    public static final String TCP_NODELAY = "mqtt.tcp.nodelay";
    public static final String TLS_TRUSTSTORE_LOCATION = "mqtt.tls.truststore.location";
    public static final String TLS_TRUSTSTORE_PASSWORD = "mqtt.tls.truststore.password";
    public static final String TLS_TRUSTSTORE_TYPE = "mqtt.tls.truststore.type";
    public static final String TLS_KEYSTORE_LOCATION = "mqtt.tls.keystore.location";
    public static final String TLS_KEYSTORE_PASSWORD = "mqtt.tls.keystore.password";
    public static final String TLS_KEYSTORE_TYPE = "mqtt.tls.keystore.type";
    public static final String TLS_PROTOCOL = "mqtt.tls.protocol";
    public static final String TLS_HOSTNAME_VERIFICATION = "mqtt.tls.hostname.verification";
    public static final String KAFKA_LINGER_MS = "mqtt.kafka.linger.ms";
    public static final String KAFKA_COMPRESSION_TYPE = "mqtt.kafka.compression.type";
    public static final String KAFKA_DELIVERY_TIMEOUT_MS = "mqtt.kafka.delivery.timeout.ms";
    public static final String SHUTDOWN_TIMEOUT_MS = "mqtt.shutdown.timeout.ms";
    public static final String EVENT_TIME_MAX_FUTURE_MS = "mqtt.event.time.max.future.ms";
    public static final String SPARKPLUG_REBIRTH_INTERVAL_MS = "mqtt.sparkplug.rebirth.interval.ms";
    public static final String USER_PROPERTIES_MAX_BYTES = "mqtt.user.properties.max.bytes";

    /** Prefix of the per-route keys: {@code mqtt.route.<name>.<key>}. */
    public static final String ROUTE_PREFIX = "mqtt.route.";

    public static final String ROUTE_FILTER = "filter";
    public static final String ROUTE_FORMAT = "format";
    public static final String ROUTE_TOPIC = "topic";
    public static final String ROUTE_DEVICE = "device";
    public static final String ROUTE_SITE = "site";
    public static final String ROUTE_ROOM = "room";
    public static final String ROUTE_SENSOR = "sensor";
    public static final String ROUTE_ATTRIBUTES = "attributes";
    public static final String ROUTE_SEGMENTS_AS_ATTRIBUTES = "segments.as.attributes";
    public static final String ROUTE_SHARED = "shared";

    /** Preset route: JSON telemetry on {@code sites/{site}/rooms/{room}/devices/{device}/telemetry}. */
    public static final String PRESET_TELEMETRY = "telemetry";
    /** Preset route: Sparkplug B on {@code spBv1.0/{group}/{type}/{edge}/{device#}}. */
    public static final String PRESET_SPARKPLUG = "sparkplug";

    /** Device-id value that reads the id from a payload field: {@code payload:<field>}. */
    public static final String PAYLOAD_FIELD_PREFIX = "payload:";

    private static final Pattern ROUTE_NAME = Pattern.compile("[A-Za-z0-9_-]+");

    private static final Map<String, Map<String, String>> PRESETS = Map.of(
            PRESET_TELEMETRY,
                    Map.of(
                            ROUTE_FILTER, "sites/{site}/rooms/{room}/devices/{device}/telemetry",
                            ROUTE_FORMAT, PayloadFormat.JSON.configName(),
                            ROUTE_DEVICE, "{device}"),
            PRESET_SPARKPLUG,
                    Map.of(
                            ROUTE_FILTER, "spBv1.0/{group}/{type}/{edge}/{device#}",
                            ROUTE_FORMAT, PayloadFormat.SPARKPLUG_B.configName(),
                            ROUTE_DEVICE, "{edge}/{device}"));

    private static final ConfigDef BASE = new ConfigDef()
            .define(
                    SERVER_URIS,
                    Type.LIST,
                    "tcp://localhost:1883",
                    ConfigDef.LambdaValidator.with(
                            MqttBridgeConfig::validateServerUris,
                            () -> "non-empty list of tcp://, ssl://, ws:// or wss:// URIs"),
                    Importance.HIGH,
                    "MQTT broker URIs (host:port with scheme tcp, ssl, ws or wss); several for "
                            + "failover, tried in order. ssl:// and wss:// use the mqtt.tls.* settings.")
            .define(
                    CLIENT_ID,
                    Type.STRING,
                    "fieldline-bridge",
                    new ConfigDef.NonEmptyString(),
                    Importance.HIGH,
                    "MQTT client id. Must be stable across restarts (the broker keeps the persistent session, and "
                            + "the messages not yet acknowledged, under it) and unique per bridge instance.")
            .define(USERNAME, Type.STRING, null, Importance.MEDIUM, "MQTT user name, or null for none.")
            .define(PASSWORD, Type.PASSWORD, null, Importance.MEDIUM, "MQTT password, or null for none.")
            .define(
                    CLEAN_START,
                    Type.BOOLEAN,
                    false,
                    Importance.MEDIUM,
                    "MQTT 5 clean start. Keep false: a persistent session is what lets the broker redeliver the "
                            + "messages a crashed bridge never acknowledged.")
            .define(
                    SESSION_EXPIRY_SECONDS,
                    Type.LONG,
                    3600L,
                    Range.between(0L, 4_294_967_295L),
                    Importance.MEDIUM,
                    "MQTT 5 session expiry interval: how long the broker keeps the session (subscriptions and "
                            + "unacknowledged messages) after the bridge disconnects. 4294967295 never expires.")
            .define(
                    KEEP_ALIVE_SECONDS,
                    Type.INT,
                    30,
                    Range.between(0, 65535),
                    Importance.LOW,
                    "MQTT keep-alive interval.")
            .define(
                    CONNECT_TIMEOUT_SECONDS,
                    Type.INT,
                    10,
                    Range.atLeast(1),
                    Importance.LOW,
                    "Timeout of one MQTT connection attempt.")
            .define(
                    RECONNECT_MIN_SECONDS,
                    Type.INT,
                    1,
                    Range.atLeast(1),
                    Importance.LOW,
                    "First delay before reconnecting after the connection is lost; doubles on each failure.")
            .define(
                    RECONNECT_MAX_SECONDS,
                    Type.INT,
                    60,
                    Range.atLeast(1),
                    Importance.LOW,
                    "Longest delay between reconnection attempts.")
            .define(
                    START_TIMEOUT_MS,
                    Type.LONG,
                    60_000L,
                    Range.atLeast(0L),
                    Importance.LOW,
                    "How long start() keeps retrying the first connection (with the reconnect backoff) before failing.")
            .define(
                    RECEIVE_MAXIMUM,
                    Type.INT,
                    4000,
                    Range.between(1, 65535),
                    Importance.MEDIUM,
                    "MQTT 5 receive maximum: QoS 1 messages the broker may send before the bridge acknowledges "
                            + "one. Messages are acknowledged only once Kafka has them, so this bounds the messages "
                            + "in flight (a few MB at 4000) and makes a slow Kafka slow down the broker instead of "
                            + "filling memory. Brokers that send the next batch only once the last is acknowledged "
                            + "(HiveMQ CE) pay their turnaround and the bridge's last Kafka round trip once per "
                            + "window: in fieldline bench mqtt, 4000 took the bridge from about 0.87 to about 0.92 times "
                            + "a plain subscriber's rate.")
            .define(
                    WORKERS,
                    Type.INT,
                    2,
                    Range.between(1, 64),
                    Importance.MEDIUM,
                    "Threads that route, decode and serialize messages. Messages are spread over them by MQTT "
                            + "topic (Sparkplug B: by edge node), so the messages of one topic, and a node's BIRTH and "
                            + "the DATA that use its aliases, are handled in arrival order by one thread. Raise it "
                            + "when the bridge has cores to spare and one worker thread is busy all the time.")
            .define(
                    SUBSCRIPTION_QOS,
                    Type.INT,
                    1,
                    Range.between(0, 1),
                    Importance.MEDIUM,
                    "Maximum QoS of the subscriptions. 1 gives at-least-once into Kafka; 0 gives at-most-once. "
                            + "QoS 2 is not offered: with no client-side persistence it cannot survive a crash.")
            .define(
                    SHARED_GROUP,
                    Type.STRING,
                    "fieldline",
                    Importance.HIGH,
                    "MQTT 5 shared-subscription group: routes subscribe to $share/<group>/<filter>, so bridge "
                            + "instances with the same group split the stream. Empty for plain subscriptions.")
            .define(
                    SUBSCRIPTIONS,
                    Type.LIST,
                    "",
                    Importance.LOW,
                    "MQTT filters to subscribe to instead of the routes' own filters, for example a broad "
                            + "'sites/#' so that messages no route matches are dead-lettered instead of never seen. "
                            + "Shared when mqtt.shared.group is set.")
            .define(
                    ROUTES,
                    Type.LIST,
                    PRESET_TELEMETRY + "," + PRESET_SPARKPLUG,
                    ConfigDef.LambdaValidator.with(
                            MqttBridgeConfig::validateRouteNames,
                            () -> "non-empty list of names of letters, digits, _ and -"),
                    Importance.HIGH,
                    "Route names, in matching order (the first route whose filter matches a topic "
                            + "takes the message). Each is configured by mqtt.route.<name>.* keys.")
            .define(
                    TCP_NODELAY,
                    Type.BOOLEAN,
                    true,
                    Importance.LOW,
                    "Set TCP_NODELAY on the MQTT connection. Paho leaves Nagle's algorithm on, which holds small "
                            + "PUBACKs back until the broker's delayed TCP acknowledgement (40 ms on Linux); with a "
                            + "broker that sends its next batch only once the last is acknowledged, that caps "
                            + "throughput at one batch per 40 ms.")
            .define(
                    TLS_TRUSTSTORE_LOCATION,
                    Type.STRING,
                    null,
                    ConfigDef.LambdaValidator.with(MqttBridgeConfig::validateFile, () -> "an existing file"),
                    Importance.MEDIUM,
                    "Trust store (PKCS12 or JKS) for ssl:// and wss:// brokers; null trusts the JVM's default CAs.")
            .define(TLS_TRUSTSTORE_PASSWORD, Type.PASSWORD, null, Importance.MEDIUM, "Trust store password.")
            .define(TLS_TRUSTSTORE_TYPE, Type.STRING, "PKCS12", Importance.LOW, "Trust store type.")
            .define(
                    TLS_KEYSTORE_LOCATION,
                    Type.STRING,
                    null,
                    ConfigDef.LambdaValidator.with(MqttBridgeConfig::validateFile, () -> "an existing file"),
                    Importance.MEDIUM,
                    "Key store with the client certificate for mutual TLS, or null.")
            .define(TLS_KEYSTORE_PASSWORD, Type.PASSWORD, null, Importance.MEDIUM, "Key store password.")
            .define(TLS_KEYSTORE_TYPE, Type.STRING, "PKCS12", Importance.LOW, "Key store type.")
            .define(
                    TLS_PROTOCOL,
                    Type.STRING,
                    "TLS",
                    Importance.LOW,
                    "SSLContext protocol (TLS negotiates the highest version both sides support).")
            .define(
                    TLS_HOSTNAME_VERIFICATION,
                    Type.BOOLEAN,
                    true,
                    Importance.LOW,
                    "Whether the broker certificate must name the host connected to.")
            .define(
                    KAFKA_LINGER_MS,
                    Type.INT,
                    2,
                    Range.atLeast(0),
                    Importance.LOW,
                    "Producer linger.ms: how long a batch waits for more records. Short, because MQTT messages "
                            + "are acknowledged only once Kafka has them and brokers send the next messages only once "
                            + "those are acknowledged, so linger adds to every round trip; not 0, because batches of "
                            + "one message's readings make the producer, the Kafka broker and lz4 pay per-batch costs "
                            + "several times over (measured: 2 ms cut the Kafka broker's CPU per message by a third). "
                            + "Left unset, kafka.producer.linger.ms replaces it; setting both fails.")
            .define(
                    KAFKA_COMPRESSION_TYPE,
                    Type.STRING,
                    "lz4",
                    ConfigDef.ValidString.in("none", "gzip", "snappy", "lz4", "zstd"),
                    Importance.LOW,
                    "Producer compression.type. Left unset, kafka.producer.compression.type "
                            + "replaces it; setting both fails.")
            .define(
                    KAFKA_DELIVERY_TIMEOUT_MS,
                    Type.INT,
                    120_000,
                    Range.atLeast(1),
                    Importance.MEDIUM,
                    "Producer delivery.timeout.ms: how long the idempotent producer retries a record in place "
                            + "(keeping each device's order) through a Kafka outage. When it gives up the bridge "
                            + "stops without acknowledging anything more, and the broker keeps those messages; "
                            + "nothing is ever sent again later, out of order. Left unset, "
                            + "kafka.producer.delivery.timeout.ms replaces it; setting both fails.")
            .define(
                    USER_PROPERTIES_MAX_BYTES,
                    Type.INT,
                    MqttHeaders.DEFAULT_USER_PROPERTIES_MAX_BYTES,
                    Range.atLeast(0),
                    Importance.LOW,
                    "Most UTF-8 bytes of MQTT 5 user properties (names and values) copied into the headers of each "
                            + "record made from a message; the properties beyond are left out and counted in the "
                            + "header fieldline.mqtt.dropped.user.properties. Every record of a message carries them, "
                            + "so uncapped they could make each one too large for Kafka.")
            .define(
                    SHUTDOWN_TIMEOUT_MS,
                    Type.LONG,
                    10_000L,
                    Range.atLeast(0L),
                    Importance.LOW,
                    "On close, how long to wait for Kafka to acknowledge what is in flight so those messages can "
                            + "be acknowledged to the broker (the rest are redelivered after restart).")
            .define(
                    EVENT_TIME_MAX_FUTURE_MS,
                    Type.LONG,
                    DecodeContext.DEFAULT_MAX_FUTURE.toMillis(),
                    Range.atLeast(0L),
                    Importance.MEDIUM,
                    "How far after its receipt a message's event time (a JSON timestamp, a Sparkplug payload or "
                            + "metric timestamp) may lie. A later one dead-letters the message: a device clock far "
                            + "ahead would advance the stream time of its partition, close every open window and pin "
                            + "its series' latest value. Past times are always accepted.")
            .define(
                    SPARKPLUG_REBIRTH_INTERVAL_MS,
                    Type.LONG,
                    30_000L,
                    Range.atLeast(0L),
                    Importance.LOW,
                    "Sparkplug DATA from an edge node or device with no birth on record (after a bridge restart, "
                            + "say) makes the bridge publish the Rebirth command (NCMD, Node Control/Rebirth=true) to "
                            + "the node, at most once per node per this interval; 0 never asks.");

    private final List<Route> routes;
    private final KafkaClientConfig kafka;

    /**
     * @param originals the {@code mqtt.*} keys and the shared {@code kafka.*} block ({@link KafkaClientConfig})
     * @throws ConfigException naming the key of an invalid setting
     */
    public MqttBridgeConfig(Map<String, ?> originals) {
        super(configDef(), originals, false);
        if (getInt(RECONNECT_MIN_SECONDS) > getInt(RECONNECT_MAX_SECONDS)) {
            throw new ConfigException(
                    RECONNECT_MIN_SECONDS,
                    getInt(RECONNECT_MIN_SECONDS),
                    "must not exceed " + RECONNECT_MAX_SECONDS + " (" + getInt(RECONNECT_MAX_SECONDS) + ")");
        }
        for (String filter : getList(SUBSCRIPTIONS)) {
            validateFilter(filter);
        }
        this.kafka = new KafkaClientConfig(originals);
        producerProperties();
        this.routes = parseRoutes();
    }

    /** Every key with its definition: the fixed keys and those of the two preset routes. */
    public static ConfigDef configDef() {
        ConfigDef def = new ConfigDef(BASE);
        for (String preset : List.of(PRESET_TELEMETRY, PRESET_SPARKPLUG)) {
            routeConfigDef(preset).configKeys().values().forEach(def::define);
        }
        return def;
    }

    /**
     * Whether a key belongs to this configuration without being listed in {@link #configDef()}: the
     * keys of routes other than the presets ({@code mqtt.route.<name>.<key>}, validated at
     * construction against {@link #routeConfigDef(String)}). The Kafka client keys are
     * {@link KafkaClientConfig}'s. For configuration checks that report unknown keys.
     */
    public static boolean isDynamicKey(String key) {
        return key.startsWith(ROUTE_PREFIX);
    }

    /**
     * The keys of one route, {@code mqtt.route.<name>.*}. For a preset name the defaults are the
     * preset's; for another name the filter is required.
     */
    public static ConfigDef routeConfigDef(String name) {
        Map<String, String> preset = PRESETS.getOrDefault(name, Map.of());
        String prefix = ROUTE_PREFIX + name + ".";
        return new ConfigDef()
                .define(
                        prefix + ROUTE_FILTER,
                        Type.STRING,
                        preset.containsKey(ROUTE_FILTER) ? preset.get(ROUTE_FILTER) : ConfigDef.NO_DEFAULT_VALUE,
                        Importance.HIGH,
                        "Topic filter of route " + name + ", with named segments: {name} is one level, {name#} "
                                + "the remaining levels (last only); + and # are unnamed wildcards.")
                .define(
                        prefix + ROUTE_FORMAT,
                        Type.STRING,
                        preset.getOrDefault(ROUTE_FORMAT, PayloadFormat.JSON.configName()),
                        ConfigDef.CaseInsensitiveValidString.in("json", "sparkplug-b"),
                        Importance.HIGH,
                        "Payload format of route " + name + ".")
                .define(
                        prefix + ROUTE_TOPIC,
                        Type.STRING,
                        "",
                        Importance.MEDIUM,
                        "Kafka topic of the readings of route " + name + "; empty for the readings topic.")
                .define(
                        prefix + ROUTE_DEVICE,
                        Type.STRING,
                        preset.getOrDefault(ROUTE_DEVICE, "{device}"),
                        new ConfigDef.NonEmptyString(),
                        Importance.HIGH,
                        "Device id (the Kafka key) of route " + name + ": a template over the filter's segments "
                                + "such as {device} or {site}-{device}, or payload:<field> to read it from the payload.")
                .define(
                        prefix + ROUTE_SITE,
                        Type.STRING,
                        null,
                        Importance.LOW,
                        "Site template of route " + name + "; null takes the {site} segment when the filter has one.")
                .define(
                        prefix + ROUTE_ROOM,
                        Type.STRING,
                        null,
                        Importance.LOW,
                        "Room template of route " + name + "; null takes the {room} segment when the filter has one.")
                .define(
                        prefix + ROUTE_SENSOR,
                        Type.STRING,
                        null,
                        Importance.LOW,
                        "Sensor-name template for single-value payloads of route " + name
                                + "; null takes the {sensor} segment when the filter has one.")
                .define(
                        prefix + ROUTE_ATTRIBUTES,
                        Type.LIST,
                        "",
                        Importance.LOW,
                        "Extra reading attributes of route " + name
                                + ": name=template pairs, e.g. line={line},plant=north.")
                .define(
                        prefix + ROUTE_SEGMENTS_AS_ATTRIBUTES,
                        Type.BOOLEAN,
                        true,
                        Importance.LOW,
                        "Whether every named segment of route " + name + " also becomes a reading attribute.")
                .define(
                        prefix + ROUTE_SHARED,
                        Type.BOOLEAN,
                        true,
                        Importance.LOW,
                        "Whether route " + name + " subscribes through the shared-subscription group. Sparkplug "
                                + "alias tables need every message of a node on one instance: with several "
                                + "instances, set false and list the route on one instance only.");
    }

    private List<Route> parseRoutes() {
        List<String> names = getList(ROUTES);
        Map<String, String> strings = new HashMap<>();
        originals().forEach((k, v) -> {
            if (v != null) {
                strings.put(k, v instanceof Password p ? p.value() : v.toString());
            }
        });
        for (String key : strings.keySet()) {
            if (key.startsWith(ROUTE_PREFIX)) {
                String rest = key.substring(ROUTE_PREFIX.length());
                int dot = rest.indexOf('.');
                String name = dot < 0 ? rest : rest.substring(0, dot);
                if (!names.contains(name)) {
                    throw new ConfigException(
                            key, strings.get(key), "route '" + name + "' is not listed in " + ROUTES + " " + names);
                }
            }
        }
        List<Route> parsed = new ArrayList<>();
        Duration maxFuture = Duration.ofMillis(getLong(EVENT_TIME_MAX_FUTURE_MS));
        for (String name : names) {
            parsed.add(parseRoute(name, routeConfigDef(name).parse(strings), maxFuture));
        }
        return List.copyOf(parsed);
    }

    private static Route parseRoute(String name, Map<String, Object> values, Duration maxFuture) {
        String prefix = ROUTE_PREFIX + name + ".";
        String filterKey = prefix + ROUTE_FILTER;
        TopicPattern pattern;
        try {
            pattern = TopicPattern.parse((String) values.get(filterKey));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(filterKey, values.get(filterKey), e.getMessage());
        }
        PayloadFormat format = PayloadFormat.fromConfigName((String) values.get(prefix + ROUTE_FORMAT));
        String topic = (String) values.get(prefix + ROUTE_TOPIC);
        String deviceKey = prefix + ROUTE_DEVICE;
        String device = ((String) values.get(deviceKey)).trim();
        ValueTemplate deviceTemplate = null;
        String deviceField = null;
        if (device.startsWith(PAYLOAD_FIELD_PREFIX)) {
            deviceField = device.substring(PAYLOAD_FIELD_PREFIX.length()).trim();
            if (deviceField.isEmpty()) {
                throw new ConfigException(deviceKey, device, "payload: needs a field name");
            }
            if (format == PayloadFormat.SPARKPLUG_B) {
                throw new ConfigException(
                        deviceKey, device, "Sparkplug payloads carry no device field; use a template");
            }
        } else {
            deviceTemplate = template(deviceKey, device, pattern);
        }
        ValueTemplate site = segmentOrTemplate(prefix + ROUTE_SITE, values, pattern, "site");
        ValueTemplate room = segmentOrTemplate(prefix + ROUTE_ROOM, values, pattern, "room");
        ValueTemplate sensor = segmentOrTemplate(prefix + ROUTE_SENSOR, values, pattern, "sensor");
        Map<String, ValueTemplate> attributes = new LinkedHashMap<>();
        String attributesKey = prefix + ROUTE_ATTRIBUTES;
        @SuppressWarnings("unchecked") // ConfigDef returns List<String> for Type.LIST
        List<String> pairs = (List<String>) values.get(attributesKey);
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(attributesKey, pair, "expected name=template");
            }
            attributes.put(
                    pair.substring(0, eq).trim(),
                    template(attributesKey, pair.substring(eq + 1).trim(), pattern));
        }
        try {
            return new Route(
                    name,
                    pattern,
                    format,
                    topic.isBlank() ? null : topic.trim(),
                    deviceTemplate,
                    deviceField,
                    site,
                    room,
                    sensor,
                    attributes,
                    (Boolean) values.get(prefix + ROUTE_SEGMENTS_AS_ATTRIBUTES),
                    (Boolean) values.get(prefix + ROUTE_SHARED),
                    maxFuture);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(prefix + "*", name, e.getMessage());
        }
    }

    private static ValueTemplate segmentOrTemplate(
            String key, Map<String, Object> values, TopicPattern pattern, String segment) {
        String text = (String) values.get(key);
        if (text == null) {
            return pattern.names().contains(segment) ? ValueTemplate.parse("{" + segment + "}") : null;
        }
        return text.isBlank() ? null : template(key, text, pattern);
    }

    private static ValueTemplate template(String key, String text, TopicPattern pattern) {
        ValueTemplate template;
        try {
            template = ValueTemplate.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, text, e.getMessage());
        }
        for (String name : template.names()) {
            if (!pattern.names().contains(name)) {
                throw new ConfigException(
                        key,
                        text,
                        "{" + name + "} is not a segment of filter " + pattern + " (segments: " + pattern.names()
                                + ")");
            }
        }
        return template;
    }

    private static void validateServerUris(String name, Object value) {
        @SuppressWarnings("unchecked") // ConfigDef passes a List<String> for Type.LIST
        List<String> uris = (List<String>) value;
        if (uris == null || uris.isEmpty()) {
            throw new ConfigException(name, value, "at least one broker URI is needed");
        }
        for (String uri : uris) {
            String lower = uri.toLowerCase(Locale.ROOT);
            if (!(lower.startsWith("tcp://")
                    || lower.startsWith("ssl://")
                    || lower.startsWith("ws://")
                    || lower.startsWith("wss://"))) {
                throw new ConfigException(name, uri, "scheme must be tcp, ssl, ws or wss");
            }
        }
    }

    private static void validateRouteNames(String name, Object value) {
        @SuppressWarnings("unchecked") // ConfigDef passes a List<String> for Type.LIST
        List<String> names = (List<String>) value;
        if (names == null || names.isEmpty()) {
            throw new ConfigException(name, value, "at least one route is needed");
        }
        for (String route : names) {
            if (!ROUTE_NAME.matcher(route).matches()) {
                throw new ConfigException(name, route, "route names are letters, digits, _ and -");
            }
        }
        if (names.stream().distinct().count() != names.size()) {
            throw new ConfigException(name, value, "a route is listed twice");
        }
    }

    private static void validateFile(String name, Object value) {
        if (value != null && !Files.isRegularFile(Path.of((String) value))) {
            throw new ConfigException(name, value, "no such file");
        }
    }

    private static void validateFilter(String filter) {
        try {
            TopicPattern.parse(filter);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(SUBSCRIPTIONS, filter, e.getMessage());
        }
    }

    /** The routes, in matching order. */
    public List<Route> routes() {
        return routes;
    }

    /** Broker URIs. */
    public List<String> serverUris() {
        return getList(SERVER_URIS);
    }

    /** MQTT client id. */
    public String clientId() {
        return getString(CLIENT_ID);
    }

    /** Shared-subscription group, or null for plain subscriptions. */
    public String sharedGroup() {
        String group = getString(SHARED_GROUP);
        return group == null || group.isBlank() ? null : group.trim();
    }

    /** The MQTT filters to subscribe to (without the shared prefix), or empty to use the routes'. */
    public List<String> explicitSubscriptions() {
        return getList(SUBSCRIPTIONS);
    }

    /** The shared Kafka client settings ({@code kafka.*}). */
    public KafkaClientConfig kafka() {
        return kafka;
    }

    /**
     * The settings of the bridge's {@link IngressPublisher}: source {@code mqtt}, the shared {@code kafka.*}
     * block and {@code kafka.producer.*}, with acks=all and idempotence enforced (MQTT messages are acknowledged
     * only once Kafka has them), and the bridge's own {@code mqtt.kafka.*} keys.
     *
     * @throws ConfigException naming the keys of a pass-through that contradicts the bridge
     */
    public IngressSettings ingressSettings() {
        Map<String, Object> props = kafka.producerProperties(ClientRules.of("the MQTT bridge")
                .enforce(ProducerConfig.ACKS_CONFIG, "all")
                .enforce(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .enforce(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5)
                .byDefault(ProducerConfig.CLIENT_ID_CONFIG, "fieldline-mqtt-" + clientId())
                .fromKey(ProducerConfig.LINGER_MS_CONFIG, this, KAFKA_LINGER_MS)
                .fromKey(ProducerConfig.COMPRESSION_TYPE_CONFIG, this, KAFKA_COMPRESSION_TYPE)
                .fromKey(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, this, KAFKA_DELIVERY_TIMEOUT_MS));
        return IngressSettings.fromProducerProperties(MqttBridge.STAGE, kafka.bootstrapServers(), props);
    }

    /** The Kafka producer's settings, as the ingress publisher builds them. */
    public Map<String, Object> producerProperties() {
        return ingressSettings().producerProperties();
    }
}
