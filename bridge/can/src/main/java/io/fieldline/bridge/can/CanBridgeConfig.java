package io.fieldline.bridge.can;

import io.fieldline.bridge.can.candump.CandumpReplay;
import io.fieldline.bridge.can.candump.ReplaySpeed;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Settings of the CAN bridge, keys {@code can.*}. Invalid values fail at construction with a
 * {@link ConfigException} naming the key.
 */
public final class CanBridgeConfig extends AbstractConfig {

    /** Prefix of resources on the class path, in {@link #DBC_FILE} and {@link #REPLAY_FILE}. */
    public static final String CLASSPATH_PREFIX = "classpath:";
    /** The DBC file bundled for the demo. */
    public static final String DEMO_DBC = CLASSPATH_PREFIX + "io/fieldline/simulator/can/fieldline-demo.dbc";
    /** The candump log bundled for the demo. */
    public static final String DEMO_LOG = CLASSPATH_PREFIX + "io/fieldline/simulator/can/fieldline-demo.log";

    public static final String INPUT = "can.input";
    public static final String DBC_FILE = "can.dbc.file";
    public static final String REPLAY_FILE = "can.replay.file";
    public static final String REPLAY_SPEED = "can.replay.speed";
    public static final String REPLAY_TIMESTAMPS = "can.replay.timestamps";
    public static final String REPLAY_LOOP = "can.replay.loop";
    public static final String TCP_HOST = "can.tcp.host";
    public static final String TCP_PORT = "can.tcp.port";
    public static final String LINE_MAX_LENGTH = "can.line.max.length";
    public static final String SOCKETCAN_INTERFACES = "can.socketcan.interfaces";
    public static final String REDIS_URL = "can.redis.url";
    public static final String REDIS_STREAM = "can.redis.stream";
    public static final String REDIS_GROUP = "can.redis.group";
    public static final String REDIS_CONSUMER = "can.redis.consumer";
    public static final String REDIS_BATCH_SIZE = "can.redis.batch.size";
    public static final String REDIS_BLOCK_MS = "can.redis.block.ms";
    public static final String REDIS_CLAIM_IDLE_MS = "can.redis.claim.idle.ms";
    public static final String ALLOW_TRUNCATED = "can.decode.allow.truncated";
    public static final String DEVICE_TEMPLATE = "can.device.template";
    public static final String SENSOR_TEMPLATE = "can.sensor.template";
    public static final String NODE_DEVICES = "can.node.devices";
    public static final String SIGNAL_MAPPINGS = "can.signal.mappings";
    public static final String FRAMES_PUBLISH = "can.frames.publish";
    public static final String UNKNOWN_DEADLETTER = "can.unknown.deadletter";
    public static final String RANGE_CHECK = "can.quality.range.check";
    public static final String EVENT_TIME_MAX_FUTURE_MS = "can.event.time.max.future.ms";

    /** Inputs the bridge can read from. */
    public enum Input {
        /** A candump log file, paced by {@link #REPLAY_SPEED}. */
        REPLAY,
        /** candump lines on standard input. */
        STDIN,
        /** candump lines from TCP senders connecting to {@link #TCP_HOST}:{@link #TCP_PORT}. */
        TCP,
        /** SocketCAN interfaces through JavaCAN (Linux with CAN support only). */
        SOCKETCAN,
        /** A Redis stream read with a consumer group. */
        REDIS
    }

    private static final ConfigDef DEF = new ConfigDef()
            .define(
                    INPUT,
                    Type.STRING,
                    "replay",
                    enumValidator(Input.class),
                    Importance.HIGH,
                    "Where frames come from: replay (a candump log file), stdin (candump lines on standard input), "
                            + "tcp (candump lines from senders connecting to can.tcp.host:can.tcp.port), socketcan "
                            + "(live interfaces, Linux with CAN support only) or redis (a Redis stream).")
            .define(
                    DBC_FILE,
                    Type.STRING,
                    DEMO_DBC,
                    new ConfigDef.NonEmptyString(),
                    Importance.HIGH,
                    "DBC file that decodes the frames; a path, or classpath:<resource>. The default is the demo DBC "
                            + "bundled with Fieldline.")
            .define(
                    REPLAY_FILE,
                    Type.STRING,
                    DEMO_LOG,
                    new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "candump log (-L or console format) replayed when can.input=replay; a path, or "
                            + "classpath:<resource>. The default is the bundled demo log.")
            .define(
                    REPLAY_SPEED,
                    Type.STRING,
                    "1",
                    speedValidator(),
                    Importance.MEDIUM,
                    "Replay pace: 1 for the original timing, N for N times faster, max for no pauses.")
            .define(
                    REPLAY_TIMESTAMPS,
                    Type.STRING,
                    "original",
                    enumValidator(CandumpReplay.TimestampMode.class),
                    Importance.MEDIUM,
                    "original keeps the logged receive times as event times; shifted moves them so the first "
                            + "frame happens at the start of the replay (for demos and load tests).")
            .define(
                    REPLAY_LOOP,
                    Type.BOOLEAN,
                    false,
                    Importance.LOW,
                    "Start the replay over when the log ends (until the bridge is closed).")
            .define(
                    TCP_HOST,
                    Type.STRING,
                    "127.0.0.1",
                    new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "Address the candump TCP listener binds; 0.0.0.0 to accept senders on other hosts.")
            .define(
                    TCP_PORT,
                    Type.INT,
                    29536,
                    ConfigDef.Range.between(0, 65535),
                    Importance.MEDIUM,
                    "Port of the candump TCP listener (0 picks a free one).")
            .define(
                    LINE_MAX_LENGTH,
                    Type.INT,
                    CandumpReplay.DEFAULT_MAX_LINE_LENGTH,
                    ConfigDef.Range.between(64, 65_536),
                    Importance.LOW,
                    "Longest candump line (in characters) the line inputs (tcp, stdin, replay) read whole; a candump "
                            + "line is under 200. A longer line is dead-lettered as malformed with its first "
                            + "can.line.max.length characters, the rest is read and dropped, and the input goes on.")
            .define(
                    SOCKETCAN_INTERFACES,
                    Type.LIST,
                    "can0",
                    Importance.MEDIUM,
                    "SocketCAN interfaces read when can.input=socketcan.")
            .define(
                    REDIS_URL,
                    Type.STRING,
                    "",
                    Importance.MEDIUM,
                    "Redis URL (redis://host:port) of the frame stream when can.input=redis.")
            .define(
                    REDIS_STREAM,
                    Type.STRING,
                    "can:frames",
                    new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "Redis stream key holding raw frames (fields iface, id, data, ts; see docs/can.md).")
            .define(
                    REDIS_GROUP,
                    Type.STRING,
                    "fieldline-can",
                    new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "Consumer group of the Redis stream; created (from the start of the stream) if missing.")
            .define(
                    REDIS_CONSUMER,
                    Type.STRING,
                    "bridge-1",
                    new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "Consumer name within the group; keep it stable across restarts so pending entries are re-read.")
            .define(
                    REDIS_BATCH_SIZE,
                    Type.INT,
                    500,
                    ConfigDef.Range.between(1, 100_000),
                    Importance.LOW,
                    "Entries read per XREADGROUP call.")
            .define(
                    REDIS_BLOCK_MS,
                    Type.LONG,
                    1000L,
                    ConfigDef.Range.between(1, 60_000),
                    Importance.LOW,
                    "How long XREADGROUP blocks waiting for new entries.")
            .define(
                    REDIS_CLAIM_IDLE_MS,
                    Type.LONG,
                    60_000L,
                    ConfigDef.Range.atLeast(0),
                    Importance.LOW,
                    "Pending entries of other consumers idle this long are claimed (XAUTOCLAIM) and processed.")
            .define(
                    ALLOW_TRUNCATED,
                    Type.BOOLEAN,
                    true,
                    Importance.MEDIUM,
                    "Decode the signals that fit when a frame is shorter than its message (cantools allow_truncated); "
                            + "when false such frames are dead-lettered.")
            .define(
                    DEVICE_TEMPLATE,
                    Type.STRING,
                    "{iface}-{node}",
                    templateValidator(),
                    Importance.MEDIUM,
                    "Device id of a signal no mapping names; placeholders {iface}, {node} (the message's sender), "
                            + "{message}, {id} (hex CAN id) and {signal}.")
            .define(
                    SENSOR_TEMPLATE,
                    Type.STRING,
                    "{signal}",
                    templateValidator(),
                    Importance.MEDIUM,
                    "Sensor name of a signal no mapping names; same placeholders as can.device.template.")
            .define(
                    NODE_DEVICES,
                    Type.LIST,
                    "",
                    listValidator(true),
                    Importance.MEDIUM,
                    "Node=device pairs: every signal of a message sent by the node goes to that device, for example "
                            + "ClimateCtl=room-a.")
            .define(
                    SIGNAL_MAPPINGS,
                    Type.LIST,
                    "",
                    listValidator(false),
                    Importance.MEDIUM,
                    "Rules iface/message/signal=device[/sensor], first match wins. message is a name or a CAN id "
                            + "(0x1F0); any part may be *; device * keeps the default device. Example: "
                            + "*/ClimateStatus/AirTemp=room-a/air_temperature.")
            .define(
                    FRAMES_PUBLISH,
                    Type.BOOLEAN,
                    false,
                    Importance.MEDIUM,
                    "Also publish every raw frame to the can.frames topic (Avro CanFrame, key iface/canId).")
            .define(
                    UNKNOWN_DEADLETTER,
                    Type.BOOLEAN,
                    false,
                    Importance.LOW,
                    "Dead-letter frames whose id the DBC does not know (they are always counted).")
            .define(
                    RANGE_CHECK,
                    Type.BOOLEAN,
                    true,
                    Importance.LOW,
                    "Mark readings outside the signal's DBC [min|max] range as quality BAD (kept, never dropped).")
            .define(
                    EVENT_TIME_MAX_FUTURE_MS,
                    Type.LONG,
                    CanReadingMapper.DEFAULT_MAX_FUTURE.toMillis(),
                    ConfigDef.Range.atLeast(0),
                    Importance.MEDIUM,
                    "How far after its receipt a frame's timestamp may lie. A later frame is dead-lettered: a receiver "
                            + "clock far ahead would advance the stream time of its partition, close every open window "
                            + "and pin its series' latest value. Past times (a replayed log) are always accepted.");

    /** Builds the settings from {@code can.*} keys. */
    public CanBridgeConfig(Map<?, ?> props) {
        super(DEF, props, false);
    }

    /** The definitions, for the configuration reference. */
    public static ConfigDef configDef() {
        return new ConfigDef(DEF);
    }

    public Input input() {
        return Input.valueOf(getString(INPUT).toUpperCase(Locale.ROOT));
    }

    public String dbcFile() {
        return getString(DBC_FILE);
    }

    public String replayFile() {
        return getString(REPLAY_FILE);
    }

    public ReplaySpeed replaySpeed() {
        return ReplaySpeed.parse(getString(REPLAY_SPEED));
    }

    public CandumpReplay.TimestampMode replayTimestamps() {
        return CandumpReplay.TimestampMode.valueOf(getString(REPLAY_TIMESTAMPS).toUpperCase(Locale.ROOT));
    }

    public boolean replayLoop() {
        return getBoolean(REPLAY_LOOP);
    }

    public String tcpHost() {
        return getString(TCP_HOST);
    }

    public int tcpPort() {
        return getInt(TCP_PORT);
    }

    public int lineMaxLength() {
        return getInt(LINE_MAX_LENGTH);
    }

    public List<String> socketCanInterfaces() {
        return getList(SOCKETCAN_INTERFACES);
    }

    public String redisUrl() {
        return getString(REDIS_URL);
    }

    public String redisStream() {
        return getString(REDIS_STREAM);
    }

    public String redisGroup() {
        return getString(REDIS_GROUP);
    }

    public String redisConsumer() {
        return getString(REDIS_CONSUMER);
    }

    public int redisBatchSize() {
        return getInt(REDIS_BATCH_SIZE);
    }

    public long redisBlockMs() {
        return getLong(REDIS_BLOCK_MS);
    }

    public long redisClaimIdleMs() {
        return getLong(REDIS_CLAIM_IDLE_MS);
    }

    public boolean allowTruncated() {
        return getBoolean(ALLOW_TRUNCATED);
    }

    public boolean publishFrames() {
        return getBoolean(FRAMES_PUBLISH);
    }

    public boolean deadLetterUnknownIds() {
        return getBoolean(UNKNOWN_DEADLETTER);
    }

    public boolean rangeCheck() {
        return getBoolean(RANGE_CHECK);
    }

    /** How far after its receipt a frame's timestamp may lie. */
    public Duration eventTimeMaxFuture() {
        return Duration.ofMillis(getLong(EVENT_TIME_MAX_FUTURE_MS));
    }

    /** The mapping from (interface, message, signal) to device and sensor these settings describe. */
    public SignalMapping signalMapping() {
        return SignalMapping.parse(
                getString(DEVICE_TEMPLATE),
                getString(SENSOR_TEMPLATE),
                getList(NODE_DEVICES),
                getList(SIGNAL_MAPPINGS));
    }

    private static <E extends Enum<E>> ConfigDef.Validator enumValidator(Class<E> type) {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                try {
                    Enum.valueOf(type, String.valueOf(value).toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, "must be one of " + toString());
                }
            }

            @Override
            public String toString() {
                StringBuilder sb = new StringBuilder();
                for (E e : type.getEnumConstants()) {
                    sb.append(sb.length() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT));
                }
                return sb.toString();
            }
        };
    }

    private static ConfigDef.Validator speedValidator() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                try {
                    ReplaySpeed.parse(String.valueOf(value));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, e.getMessage());
                }
            }

            @Override
            public String toString() {
                return "max, or a positive factor";
            }
        };
    }

    private static ConfigDef.Validator templateValidator() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                String t = String.valueOf(value);
                if (t.isBlank()) {
                    throw new ConfigException(name, value, "must not be empty");
                }
                try {
                    SignalMapping.checkTemplate(t);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, e.getMessage());
                }
            }

            @Override
            public String toString() {
                return "text with {iface}, {node}, {message}, {id}, {signal}";
            }
        };
    }

    private static ConfigDef.Validator listValidator(boolean nodes) {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                @SuppressWarnings("unchecked") // ConfigDef parses LIST values into List<String>
                List<String> entries = (List<String>) value;
                try {
                    if (nodes) {
                        SignalMapping.parse("{iface}", "{signal}", entries, List.of());
                    } else {
                        SignalMapping.parse("{iface}", "{signal}", List.of(), entries);
                    }
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, e.getMessage());
                }
            }

            @Override
            public String toString() {
                return nodes ? "Node=device, ..." : "iface/message/signal=device[/sensor], ...";
            }
        };
    }
}
