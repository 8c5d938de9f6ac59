package io.fieldline.bridge.mqtt.decode;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fieldline.bridge.mqtt.decode.SparkplugBirth.MetricDefinition;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.PropertySet;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.PropertyValue;

/**
 * Decodes Sparkplug B payloads (protobuf, {@code org.eclipse.tahu.protobuf.SparkplugBProto}) into
 * readings. A pure function of the topic, the payload and the birth on record for the sender;
 * how the bridge's alias state must change comes back in the {@link SparkplugDecoding}.
 *
 * <ul>
 *   <li><b>NBIRTH/DBIRTH</b>: numeric and boolean metrics become readings; every metric with an
 *       alias enters the new alias table; a synthetic {@value #ONLINE_SENSOR} reading of 1 marks
 *       the node or device online.</li>
 *   <li><b>NDATA/DDATA</b>: metrics named or aliased; an alias with no birth on record fails the
 *       message (the node must be asked to rebirth).</li>
 *   <li><b>NDEATH/DDEATH</b>: a {@value #ONLINE_SENSOR} reading of 0, and the alias tables are
 *       forgotten. An NDEATH whose bdSeq differs from the NBIRTH on record is the late will of an
 *       earlier session and is ignored (no readings).</li>
 *   <li><b>NCMD/DCMD</b>: commands to devices, not telemetry: decoded to no readings.</li>
 * </ul>
 *
 * <p>Event time: the metric's timestamp, else the payload's, else the bridge's receive time, made
 * unique per series across messages ({@link ReceiveTimeStamps}); a timestamp before 2000 or further ahead of
 * the receive time than {@link DecodeContext#maxFuture()} fails the message.
 * Unit: the metric's {@code engUnit}/{@code engUnits} property, else the birth's. Quality: the
 * {@code Quality} property (192 GOOD, below 64 BAD, other codes UNCERTAIN); otherwise GOOD.
 * Strings, bytes, data sets, templates, arrays and DateTime metrics, transient and null metrics,
 * and the {@code bdSeq}, {@code Node Control/*} and {@code Device Control/*} metrics are skipped
 * and counted, not failed. A payload that is not valid protobuf, a DATA/BIRTH/DDEATH without
 * {@code seq} (the usual sign of a truncated payload), a metric without a value, with neither
 * name nor alias, whose value does not match its datatype, or a NaN/infinite float fails.
 */
public final class SparkplugDecoder {

    /** Sensor name of the synthetic online/offline readings made from births and deaths. */
    public static final String ONLINE_SENSOR = "sparkplug_online";

    private static final int QUALITY_GOOD = 192;
    private static final int QUALITY_BAD_BELOW = 64;

    private final ReceiveTimeStamps receiveTimes = new ReceiveTimeStamps();

    /**
     * Decodes one message.
     *
     * @param topic   the MQTT topic
     * @param payload the protobuf bytes
     * @param birth   the birth on record for the topic's node or device, or null
     * @param context device id and other route values for every reading
     */
    public SparkplugDecoding decode(String topic, byte[] payload, SparkplugBirth birth, DecodeContext context) {
        SparkplugTopic parsed;
        try {
            parsed = SparkplugTopic.parseOrThrow(topic);
        } catch (BadPayloadException e) {
            return SparkplugDecoding.failed(e.getMessage());
        }
        return decode(parsed, payload, birth, context);
    }

    /** Decodes one message whose topic is already parsed. */
    public SparkplugDecoding decode(SparkplugTopic topic, byte[] payload, SparkplugBirth birth, DecodeContext context) {
        if (topic.type() == SparkplugMessageType.NCMD || topic.type() == SparkplugMessageType.DCMD) {
            return new SparkplugDecoding(DecodeResult.decoded(List.of()), SparkplugStateChange.NONE);
        }
        if ((payload == null || payload.length == 0) && topic.type() != SparkplugMessageType.NDEATH) {
            return SparkplugDecoding.failed("empty Sparkplug " + topic.type() + " payload");
        }
        Payload message;
        try {
            message = Payload.parseFrom(payload == null ? new byte[0] : payload);
        } catch (InvalidProtocolBufferException e) {
            return SparkplugDecoding.failed("invalid Sparkplug B protobuf in " + topic.type() + " (" + payload.length
                    + " bytes): " + e.getMessage());
        }
        try {
            return switch (topic.type()) {
                case NBIRTH, DBIRTH -> birth(topic, message, context);
                case NDATA, DDATA -> data(topic, message, birth, context);
                case NDEATH, DDEATH -> death(topic, message, birth, context);
                default -> throw new IllegalStateException("unhandled type " + topic.type());
            };
        } catch (BadPayloadException e) {
            return SparkplugDecoding.failed(topic.type() + " from " + topic.entityKey() + ": " + e.getMessage());
        }
    }

    private SparkplugDecoding birth(SparkplugTopic topic, Payload message, DecodeContext context) {
        requireSeq(message);
        Map<Long, MetricDefinition> aliases = new HashMap<>();
        Map<String, MetricDefinition> names = new HashMap<>();
        Long bdSeq = null;
        List<Reading> readings = new ArrayList<>();
        int skipped = 0;
        for (int i = 0; i < message.getMetricsCount(); i++) {
            Metric metric = message.getMetrics(i);
            if (!metric.hasName() || metric.getName().isEmpty()) {
                throw new BadPayloadException("metric #" + i + " has no name (a BIRTH must name every metric)");
            }
            String name = metric.getName();
            int datatype = metric.getDatatype();
            String unit = unit(metric.getProperties());
            MetricDefinition declared = new MetricDefinition(name, datatype, unit);
            names.put(name, declared);
            if (metric.hasAlias()) {
                MetricDefinition previous = aliases.put(metric.getAlias(), declared);
                if (previous != null) {
                    throw new BadPayloadException("alias " + metric.getAlias() + " declared for both '"
                            + previous.name() + "' and '" + name + "'");
                }
            }
            if ("bdSeq".equals(name)) {
                bdSeq = integral(metric, name);
                skipped++;
                continue;
            }
            Reading reading = reading(metric, name, datatype, unit, message, context);
            if (reading == null) {
                skipped++;
            } else {
                readings.add(reading);
            }
        }
        readings.add(online(1.0, message, context));
        SparkplugBirth newBirth =
                new SparkplugBirth(names, aliases, topic.type() == SparkplugMessageType.NBIRTH ? bdSeq : null);
        return new SparkplugDecoding(
                new DecodeResult.Decoded(readings, skipped),
                new SparkplugStateChange(SparkplugStateChange.Kind.STORE, topic.entityKey(), newBirth));
    }

    private SparkplugDecoding data(SparkplugTopic topic, Payload message, SparkplugBirth birth, DecodeContext context) {
        requireSeq(message);
        List<Reading> readings = new ArrayList<>();
        int skipped = 0;
        for (int i = 0; i < message.getMetricsCount(); i++) {
            Metric metric = message.getMetrics(i);
            MetricDefinition definition;
            String name;
            if (metric.hasName() && !metric.getName().isEmpty()) {
                name = metric.getName();
                definition = birth == null ? null : birth.named(name).orElse(null);
            } else if (metric.hasAlias()) {
                definition =
                        birth == null ? null : birth.alias(metric.getAlias()).orElse(null);
                if (definition == null) {
                    throw new BadPayloadException("unknown alias " + metric.getAlias() + " in metric #" + i + ": "
                            + (birth == null
                                    ? "no " + (topic.device() == null ? "NBIRTH" : "DBIRTH")
                                            + " seen since the bridge started or the last death (the node must rebirth)"
                                    : "not declared by the last birth"));
                }
                name = definition.name();
            } else {
                throw new BadPayloadException("metric #" + i + " has neither name nor alias");
            }
            int datatype =
                    metric.getDatatype() != 0 ? metric.getDatatype() : definition == null ? 0 : definition.datatype();
            String unit = unit(metric.getProperties());
            if (unit == null && definition != null) {
                unit = definition.unit();
            }
            Reading reading = reading(metric, name, datatype, unit, message, context);
            if (reading == null) {
                skipped++;
            } else {
                readings.add(reading);
            }
        }
        return new SparkplugDecoding(new DecodeResult.Decoded(readings, skipped), SparkplugStateChange.NONE);
    }

    private SparkplugDecoding death(
            SparkplugTopic topic, Payload message, SparkplugBirth birth, DecodeContext context) {
        if (topic.type() == SparkplugMessageType.DDEATH) {
            requireSeq(message);
            return new SparkplugDecoding(
                    DecodeResult.decoded(List.of(online(0.0, message, context))),
                    new SparkplugStateChange(SparkplugStateChange.Kind.FORGET_DEVICE, topic.entityKey(), null));
        }
        Long bdSeq = null;
        for (Metric metric : message.getMetricsList()) {
            if ("bdSeq".equals(metric.getName())) {
                bdSeq = integral(metric, "bdSeq");
            }
        }
        if (birth != null
                && birth.bdSeq() != null
                && bdSeq != null
                && !birth.bdSeq().equals(bdSeq)) {
            // The broker publishes a node's will when its old connection times out, possibly after
            // the node already reconnected and sent a new NBIRTH: that death is not news.
            return new SparkplugDecoding(new DecodeResult.Decoded(List.of(), 1), SparkplugStateChange.NONE);
        }
        return new SparkplugDecoding(
                DecodeResult.decoded(List.of(online(0.0, message, context))),
                new SparkplugStateChange(SparkplugStateChange.Kind.FORGET_NODE, topic.entityKey(), null));
    }

    /** The reading for one metric, or null when the metric is deliberately skipped. */
    private Reading reading(
            Metric metric, String name, int datatype, String unit, Payload message, DecodeContext context) {
        if (name.startsWith("Node Control/")
                || name.startsWith("Device Control/")
                || (metric.hasIsTransient() && metric.getIsTransient())
                || (metric.hasIsNull() && metric.getIsNull())) {
            return null;
        }
        Double value = value(metric, name, datatype);
        if (value == null) {
            return null;
        }
        Instant eventTime = metric.hasTimestamp()
                ? time(metric.getTimestamp(), name, context)
                : message.hasTimestamp() ? time(message.getTimestamp(), "payload", context) : null;
        Map<String, String> attributes = metric.hasIsHistorical() && metric.getIsHistorical()
                ? Map.of("sparkplug.historical", "true")
                : Map.of();
        return new ReadingDraft(
                        context.deviceId(),
                        name,
                        value,
                        unit,
                        eventTime,
                        quality(metric.getProperties()),
                        null,
                        null,
                        attributes)
                .toReading(context, receiveTimes);
    }

    /** The numeric value, null for datatypes that are not telemetry values, or throws. */
    private static Double value(Metric metric, String name, int datatype) {
        DataType type = DataType.forNumber(datatype);
        if (type == null) {
            throw new BadPayloadException("metric '" + name + "' has unknown datatype " + datatype);
        }
        Metric.ValueCase valueCase = metric.getValueCase();
        if (valueCase == Metric.ValueCase.VALUE_NOT_SET) {
            throw new BadPayloadException("metric '" + name + "' has no value and is not marked null");
        }
        switch (type) {
            case Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64 -> {
                long raw;
                if (valueCase == Metric.ValueCase.INT_VALUE) {
                    raw = metric.getIntValue();
                } else if (valueCase == Metric.ValueCase.LONG_VALUE) {
                    raw = metric.getLongValue();
                } else {
                    throw mismatch(name, type, valueCase);
                }
                return switch (type) {
                    case Int8 -> (double) (byte) raw;
                    case Int16 -> (double) (short) raw;
                    case Int32 -> (double) (int) raw;
                    case UInt8 -> (double) (raw & 0xFFL);
                    case UInt16 -> (double) (raw & 0xFFFFL);
                    case UInt32 -> (double) (raw & 0xFFFF_FFFFL);
                    case UInt64 -> unsigned(raw);
                    default -> (double) raw;
                };
            }
            case Float, Double -> {
                double value;
                if (valueCase == Metric.ValueCase.FLOAT_VALUE) {
                    value = metric.getFloatValue();
                } else if (valueCase == Metric.ValueCase.DOUBLE_VALUE) {
                    value = metric.getDoubleValue();
                } else {
                    throw mismatch(name, type, valueCase);
                }
                if (Double.isNaN(value)) {
                    throw new BadPayloadException("metric '" + name + "' is NaN");
                }
                if (Double.isInfinite(value)) {
                    throw new BadPayloadException("metric '" + name + "' is infinite");
                }
                return value;
            }
            case Boolean -> {
                if (valueCase != Metric.ValueCase.BOOLEAN_VALUE) {
                    throw mismatch(name, type, valueCase);
                }
                return metric.getBooleanValue() ? 1.0 : 0.0;
            }
            case Unknown -> {
                // No datatype in the metric nor in the birth: trust the value's own wire type.
                return switch (valueCase) {
                    case INT_VALUE -> (double) metric.getIntValue();
                    case LONG_VALUE -> (double) metric.getLongValue();
                    case FLOAT_VALUE, DOUBLE_VALUE ->
                        value(
                                metric,
                                name,
                                valueCase == Metric.ValueCase.FLOAT_VALUE
                                        ? DataType.Float_VALUE
                                        : DataType.Double_VALUE);
                    case BOOLEAN_VALUE -> metric.getBooleanValue() ? 1.0 : 0.0;
                    default -> null;
                };
            }
            default -> {
                return null;
            }
        }
    }

    private static double unsigned(long raw) {
        return raw >= 0 ? (double) raw : (double) (raw >>> 1) * 2.0 + (raw & 1L);
    }

    private static BadPayloadException mismatch(String name, DataType type, Metric.ValueCase valueCase) {
        return new BadPayloadException("metric '" + name + "' is declared " + type + " but carries "
                + valueCase.name().toLowerCase(java.util.Locale.ROOT));
    }

    private static long integral(Metric metric, String name) {
        return switch (metric.getValueCase()) {
            case INT_VALUE -> Integer.toUnsignedLong(metric.getIntValue());
            case LONG_VALUE -> metric.getLongValue();
            default ->
                throw new BadPayloadException("metric '" + name + "' must be an integer, got "
                        + metric.getValueCase().name().toLowerCase(java.util.Locale.ROOT));
        };
    }

    private static void requireSeq(Payload message) {
        if (!message.hasSeq()) {
            throw new BadPayloadException("no seq (required; a missing seq usually means a truncated payload)");
        }
        if (message.getSeq() < 0 || message.getSeq() > 255) {
            throw new BadPayloadException("seq " + message.getSeq() + " outside 0..255");
        }
    }

    private static Instant time(long epochMillis, String what, DecodeContext context) {
        return EventTimes.plausible(Instant.ofEpochMilli(epochMillis), "of " + what, epochMillis + " ms", context);
    }

    private Reading online(double value, Payload message, DecodeContext context) {
        Instant eventTime = message.hasTimestamp() ? time(message.getTimestamp(), "payload", context) : null;
        return new ReadingDraft(
                        context.deviceId(), ONLINE_SENSOR, value, null, eventTime, Quality.GOOD, null, null, Map.of())
                .toReading(context, receiveTimes);
    }

    private static String unit(PropertySet properties) {
        for (int i = 0; i < properties.getKeysCount() && i < properties.getValuesCount(); i++) {
            String key = properties.getKeys(i);
            if (key.equals("engUnit") || key.equals("engUnits")) {
                PropertyValue value = properties.getValues(i);
                return value.hasStringValue() && !value.getStringValue().isEmpty() ? value.getStringValue() : null;
            }
        }
        return null;
    }

    private static Quality quality(PropertySet properties) {
        for (int i = 0; i < properties.getKeysCount() && i < properties.getValuesCount(); i++) {
            if (properties.getKeys(i).equals("Quality")) {
                PropertyValue value = properties.getValues(i);
                long code;
                if (value.hasIntValue()) {
                    code = value.getIntValue();
                } else if (value.hasLongValue()) {
                    code = value.getLongValue();
                } else {
                    return Quality.UNCERTAIN;
                }
                if (code == QUALITY_GOOD) {
                    return Quality.GOOD;
                }
                return code >= 0 && code < QUALITY_BAD_BELOW ? Quality.BAD : Quality.UNCERTAIN;
            }
        }
        return Quality.GOOD;
    }
}
