package io.fieldline.bridge.mqtt.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.PropertySet;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.PropertyValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SparkplugDecoderTest {

    private static final Instant NOW = Instant.parse("2024-05-01T12:00:30Z");
    private static final long T0 = Instant.parse("2024-05-01T12:00:00Z").toEpochMilli();
    private static final DecodeContext NODE = DecodeContext.forDevice("edge-1", NOW);
    private static final DecodeContext DEVICE = DecodeContext.forDevice("edge-1/pump-3", NOW);
    private static final String NBIRTH = "spBv1.0/farm/NBIRTH/edge-1";
    private static final String NDATA = "spBv1.0/farm/NDATA/edge-1";
    private static final String NDEATH = "spBv1.0/farm/NDEATH/edge-1";
    private static final String DBIRTH = "spBv1.0/farm/DBIRTH/edge-1/pump-3";
    private static final String DDATA = "spBv1.0/farm/DDATA/edge-1/pump-3";
    private static final String DDEATH = "spBv1.0/farm/DDEATH/edge-1/pump-3";

    private final SparkplugDecoder decoder = new SparkplugDecoder();

    static Metric.Builder metric(String name, long alias, DataType type) {
        Metric.Builder builder = Metric.newBuilder().setDatatype(type.getNumber());
        if (name != null) {
            builder.setName(name);
        }
        if (alias >= 0) {
            builder.setAlias(alias);
        }
        return builder;
    }

    static PropertySet properties(Object... keysAndValues) {
        PropertySet.Builder set = PropertySet.newBuilder();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            set.addKeys((String) keysAndValues[i]);
            Object value = keysAndValues[i + 1];
            set.addValues(
                    value instanceof String s
                            ? PropertyValue.newBuilder()
                                    .setType(DataType.String_VALUE)
                                    .setStringValue(s)
                                    .build()
                            : PropertyValue.newBuilder()
                                    .setType(DataType.Int32_VALUE)
                                    .setIntValue((Integer) value)
                                    .build());
        }
        return set.build();
    }

    static byte[] payload(long seq, Metric.Builder... metrics) {
        Payload.Builder payload = Payload.newBuilder().setTimestamp(T0).setSeq(seq);
        Arrays.stream(metrics).forEach(payload::addMetrics);
        return payload.build().toByteArray();
    }

    static byte[] nodeBirth() {
        return payload(
                0,
                metric("bdSeq", -1, DataType.Int64).setLongValue(7),
                metric("Node Control/Rebirth", 0, DataType.Boolean).setBooleanValue(false),
                metric("Room/air_temperature", 1, DataType.Float)
                        .setFloatValue(24.5f)
                        .setProperties(properties("engUnit", "degC")),
                metric("Room/co2", 2, DataType.UInt32).setIntValue(812),
                metric("Properties/Firmware", 3, DataType.String).setStringValue("1.4.2"));
    }

    private SparkplugBirth birthOf(String topic, byte[] payload, DecodeContext context) {
        SparkplugDecoding decoding = decoder.decode(topic, payload, null, context);
        assertThat(decoding.change().kind()).isEqualTo(SparkplugStateChange.Kind.STORE);
        return decoding.change().birth();
    }

    private static Map<String, Double> values(SparkplugDecoding decoding) {
        assertThat(decoding.result()).isInstanceOf(DecodeResult.Decoded.class);
        return ((DecodeResult.Decoded) decoding.result())
                .readings().stream().collect(Collectors.toMap(Reading::getSensor, Reading::getValue));
    }

    @Test
    void shouldDecodeNodeBirthIntoReadingsAliasTableAndOnlineMarker() {
        SparkplugDecoding decoding = decoder.decode(NBIRTH, nodeBirth(), null, NODE);

        assertThat(values(decoding))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("Room/air_temperature", 24.5, "Room/co2", 812.0, SparkplugDecoder.ONLINE_SENSOR, 1.0));
        DecodeResult.Decoded decoded = (DecodeResult.Decoded) decoding.result();
        assertThat(decoded.skippedMetrics()).isEqualTo(3);
        Reading temperature = decoded.readings().get(0);
        assertThat(temperature.getUnit()).isEqualTo("degC");
        assertThat(temperature.getEventTime()).isEqualTo(Instant.ofEpochMilli(T0));
        assertThat(temperature.getDeviceId()).isEqualTo("edge-1");
        assertThat(decoding.change().key()).isEqualTo("farm/edge-1");
        SparkplugBirth birth = decoding.change().birth();
        assertThat(birth.bdSeq()).isEqualTo(7L);
        assertThat(birth.alias(1))
                .get()
                .extracting(SparkplugBirth.MetricDefinition::name)
                .isEqualTo("Room/air_temperature");
        assertThat(birth.alias(3)).isPresent();
    }

    @Test
    void shouldResolveAliasesDatatypesAndUnitsOfNodeDataFromTheBirth() {
        SparkplugBirth birth = birthOf(NBIRTH, nodeBirth(), NODE);
        byte[] data = payload(
                1,
                Metric.newBuilder().setAlias(1).setTimestamp(T0 + 1000).setFloatValue(25.0f),
                Metric.newBuilder().setAlias(2).setIntValue(-1));

        SparkplugDecoding decoding = decoder.decode(NDATA, data, birth, NODE);

        List<Reading> readings = ((DecodeResult.Decoded) decoding.result()).readings();
        assertThat(readings).extracting(Reading::getSensor).containsExactly("Room/air_temperature", "Room/co2");
        assertThat(readings.get(0).getValue()).isEqualTo(25.0);
        assertThat(readings.get(0).getUnit()).isEqualTo("degC");
        assertThat(readings.get(0).getEventTime()).isEqualTo(Instant.ofEpochMilli(T0 + 1000));
        assertThat(readings.get(1).getValue())
                .as("UInt32 from the birth, read unsigned")
                .isEqualTo(4294967295.0);
        assertThat(readings.get(1).getEventTime()).isEqualTo(Instant.ofEpochMilli(T0));
        assertThat(decoding.change().kind()).isEqualTo(SparkplugStateChange.Kind.NONE);
    }

    @Test
    void shouldFailDataWithUnknownAliasWhenNoBirthIsOnRecord() {
        byte[] data = payload(1, Metric.newBuilder().setAlias(1).setFloatValue(25.0f));

        SparkplugDecoding decoding = decoder.decode(NDATA, data, null, NODE);

        assertThat(decoding.result()).isInstanceOf(DecodeResult.Failed.class);
        assertThat(((DecodeResult.Failed) decoding.result()).reason())
                .contains("NDATA from farm/edge-1: unknown alias 1 in metric #0: no NBIRTH seen");
    }

    @Test
    void shouldFailDataWithAnAliasTheBirthDidNotDeclare() {
        SparkplugBirth birth = birthOf(NBIRTH, nodeBirth(), NODE);

        SparkplugDecoding decoding = decoder.decode(
                NDATA, payload(1, Metric.newBuilder().setAlias(99).setIntValue(1)), birth, NODE);

        assertThat(((DecodeResult.Failed) decoding.result()).reason())
                .contains("unknown alias 99")
                .contains("not declared by the last birth");
    }

    @Test
    void shouldDecodeDeviceBirthAndDataUnderTheDeviceKey() {
        byte[] dbirth = payload(
                2,
                metric("flow", 10, DataType.Double).setDoubleValue(1.5).setProperties(properties("engUnits", "l/min")),
                metric("running", 11, DataType.Boolean).setBooleanValue(true));
        SparkplugBirth birth = birthOf(DBIRTH, dbirth, DEVICE);

        SparkplugDecoding decoding = decoder.decode(
                DDATA,
                payload(
                        3,
                        Metric.newBuilder().setAlias(10).setDoubleValue(2.25),
                        Metric.newBuilder().setAlias(11).setBooleanValue(false)),
                birth,
                DEVICE);

        assertThat(values(decoding)).containsExactlyInAnyOrderEntriesOf(Map.of("flow", 2.25, "running", 0.0));
        assertThat(((DecodeResult.Decoded) decoding.result()).readings())
                .allSatisfy(r -> assertThat(r.getDeviceId()).isEqualTo("edge-1/pump-3"));
        assertThat(((DecodeResult.Decoded) decoding.result()).readings().get(0).getUnit())
                .isEqualTo("l/min");
    }

    @Test
    void shouldMarkNodeOfflineAndForgetItOnDeathWithMatchingBdSeq() {
        SparkplugBirth birth = birthOf(NBIRTH, nodeBirth(), NODE);
        byte[] death = Payload.newBuilder()
                .setTimestamp(T0 + 5000)
                .addMetrics(metric("bdSeq", -1, DataType.Int64).setLongValue(7))
                .build()
                .toByteArray();

        SparkplugDecoding decoding = decoder.decode(NDEATH, death, birth, NODE);

        assertThat(values(decoding)).containsExactlyEntriesOf(Map.of(SparkplugDecoder.ONLINE_SENSOR, 0.0));
        assertThat(decoding.change().kind()).isEqualTo(SparkplugStateChange.Kind.FORGET_NODE);
        assertThat(decoding.change().key()).isEqualTo("farm/edge-1");
    }

    @Test
    void shouldIgnoreStaleDeathFromAnEarlierSession() {
        SparkplugBirth birth = birthOf(NBIRTH, nodeBirth(), NODE);
        byte[] staleDeath = Payload.newBuilder()
                .addMetrics(metric("bdSeq", -1, DataType.Int64).setLongValue(6))
                .build()
                .toByteArray();

        SparkplugDecoding decoding = decoder.decode(NDEATH, staleDeath, birth, NODE);

        assertThat(((DecodeResult.Decoded) decoding.result()).readings()).isEmpty();
        assertThat(decoding.change().kind()).isEqualTo(SparkplugStateChange.Kind.NONE);
    }

    @Test
    void shouldMarkDeviceOfflineOnDeviceDeath() {
        SparkplugDecoding decoding = decoder.decode(DDEATH, payload(9), null, DEVICE);

        assertThat(values(decoding)).containsExactlyEntriesOf(Map.of(SparkplugDecoder.ONLINE_SENSOR, 0.0));
        assertThat(decoding.change().kind()).isEqualTo(SparkplugStateChange.Kind.FORGET_DEVICE);
        assertThat(decoding.change().key()).isEqualTo("farm/edge-1/pump-3");
    }

    @Test
    void shouldIgnoreCommandsToDevices() {
        SparkplugDecoding decoding = decoder.decode("spBv1.0/farm/NCMD/edge-1", new byte[] {1, 2, 3}, null, NODE);

        assertThat(((DecodeResult.Decoded) decoding.result()).readings()).isEmpty();
    }

    @Test
    void shouldReadSignedAndUnsignedIntegersAndQualityCodes() {
        byte[] data = payload(
                1,
                metric("i8", -1, DataType.Int8).setIntValue(-3),
                metric("i8-zero-extended", -1, DataType.Int8).setIntValue(0xFD),
                metric("i16", -1, DataType.Int16).setIntValue(-300),
                metric("u8", -1, DataType.UInt8).setIntValue(250),
                metric("u64", -1, DataType.UInt64).setLongValue(-1L),
                metric("i64", -1, DataType.Int64).setLongValue(-5_000_000_000L),
                metric("bad", -1, DataType.Double).setDoubleValue(1.0).setProperties(properties("Quality", 0)),
                metric("stale", -1, DataType.Double).setDoubleValue(1.0).setProperties(properties("Quality", 500)),
                metric("untyped", -1, DataType.Unknown).setLongValue(42));

        SparkplugDecoding decoding = decoder.decode(NDATA, data, null, NODE);

        Map<String, Reading> readings = ((DecodeResult.Decoded) decoding.result())
                .readings().stream().collect(Collectors.toMap(Reading::getSensor, r -> r));
        assertThat(readings.get("i8").getValue()).isEqualTo(-3.0);
        assertThat(readings.get("i8-zero-extended").getValue()).isEqualTo(-3.0);
        assertThat(readings.get("i16").getValue()).isEqualTo(-300.0);
        assertThat(readings.get("u8").getValue()).isEqualTo(250.0);
        assertThat(readings.get("u64").getValue()).isEqualTo(18446744073709551615.0);
        assertThat(readings.get("i64").getValue()).isEqualTo(-5_000_000_000.0);
        assertThat(readings.get("bad").getQuality()).isEqualTo(Quality.BAD);
        assertThat(readings.get("stale").getQuality()).isEqualTo(Quality.UNCERTAIN);
        assertThat(readings.get("untyped").getValue()).isEqualTo(42.0);
    }

    @Test
    void shouldSkipNullTransientAndNonNumericMetricsAndCountThem() {
        byte[] data = payload(
                1,
                metric("ok", -1, DataType.Float).setFloatValue(1f),
                metric("null", -1, DataType.Float).setIsNull(true),
                metric("transient", -1, DataType.Float).setIsTransient(true).setFloatValue(2f),
                metric("text", -1, DataType.String).setStringValue("x"),
                metric("when", -1, DataType.DateTime).setLongValue(T0));

        SparkplugDecoding decoding = decoder.decode(NDATA, data, null, NODE);

        DecodeResult.Decoded decoded = (DecodeResult.Decoded) decoding.result();
        assertThat(decoded.readings()).extracting(Reading::getSensor).containsExactly("ok");
        assertThat(decoded.skippedMetrics()).isEqualTo(4);
    }

    @Test
    void shouldMarkHistoricalMetrics() {
        byte[] data =
                payload(1, metric("t", -1, DataType.Float).setFloatValue(1f).setIsHistorical(true));

        Reading reading = ((DecodeResult.Decoded)
                        decoder.decode(NDATA, data, null, NODE).result())
                .readings()
                .get(0);

        assertThat(reading.getAttributes()).containsEntry("sparkplug.historical", "true");
    }

    static Stream<Arguments> invalidMessages() {
        byte[] valid = payload(
                1,
                metric("Room/air_temperature", 1, DataType.Float).setFloatValue(24.5f),
                metric("Room/co2", 2, DataType.Double).setDoubleValue(812));
        return Stream.of(
                arguments(
                        "truncated inside a metric",
                        NDATA,
                        Arrays.copyOf(valid, valid.length - 5),
                        "invalid Sparkplug B protobuf in NDATA"),
                arguments(
                        "truncated at a field boundary, losing seq",
                        NDATA,
                        Arrays.copyOf(valid, valid.length - 2),
                        "no seq (required; a missing seq usually means a truncated payload)"),
                arguments(
                        "not protobuf at all",
                        NDATA,
                        "{\"co2\": 1}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        "invalid Sparkplug B protobuf"),
                arguments("empty payload", NDATA, new byte[0], "empty Sparkplug NDATA payload"),
                arguments(
                        "seq out of range",
                        NDATA,
                        payload(300, metric("a", -1, DataType.Float).setFloatValue(1f)),
                        "seq 300 outside 0..255"),
                arguments(
                        "metric with neither name nor alias",
                        NDATA,
                        payload(1, Metric.newBuilder().setFloatValue(1f)),
                        "metric #0 has neither name nor alias"),
                arguments(
                        "value does not match datatype",
                        NDATA,
                        payload(1, metric("co2", -1, DataType.Double).setStringValue("high")),
                        "metric 'co2' is declared Double but carries string_value"),
                arguments(
                        "NaN",
                        NDATA,
                        payload(1, metric("co2", -1, DataType.Float).setFloatValue(Float.NaN)),
                        "metric 'co2' is NaN"),
                arguments(
                        "no value and not null",
                        NDATA,
                        payload(1, metric("co2", -1, DataType.Float)),
                        "metric 'co2' has no value and is not marked null"),
                arguments(
                        "unknown datatype",
                        NDATA,
                        payload(
                                1,
                                metric("co2", -1, DataType.Float)
                                        .setDatatype(999)
                                        .setIntValue(1)),
                        "metric 'co2' has unknown datatype 999"),
                arguments(
                        "birth metric without name",
                        NBIRTH,
                        payload(0, Metric.newBuilder().setAlias(1).setIntValue(1)),
                        "metric #0 has no name"),
                arguments(
                        "birth declaring an alias twice",
                        NBIRTH,
                        payload(
                                0,
                                metric("a", 1, DataType.Int32).setIntValue(1),
                                metric("b", 1, DataType.Int32).setIntValue(2)),
                        "alias 1 declared for both 'a' and 'b'"),
                arguments(
                        "clock never set",
                        NDATA,
                        Payload.newBuilder()
                                .setSeq(1)
                                .setTimestamp(5)
                                .addMetrics(metric("a", -1, DataType.Float).setFloatValue(1f))
                                .build()
                                .toByteArray(),
                        "before 2000-01-01"),
                arguments(
                        "payload timestamp far ahead",
                        NDATA,
                        Payload.newBuilder()
                                .setSeq(1)
                                .setTimestamp(4_102_444_800_000L)
                                .addMetrics(metric("a", -1, DataType.Float).setFloatValue(1f))
                                .build()
                                .toByteArray(),
                        "timestamp of payload is in the future: 2100-01-01T00:00:00Z is more than 300 s after"),
                arguments(
                        "metric timestamp far ahead",
                        NDATA,
                        payload(
                                1,
                                metric("a", -1, DataType.Float)
                                        .setTimestamp(4_102_444_800_000L)
                                        .setFloatValue(1f)),
                        "timestamp of a is in the future"),
                arguments(
                        "birth timestamp far ahead",
                        NBIRTH,
                        Payload.newBuilder()
                                .setSeq(0)
                                .setTimestamp(4_102_444_800_000L)
                                .addMetrics(metric("a", 1, DataType.Float).setFloatValue(1f))
                                .build()
                                .toByteArray(),
                        "timestamp of payload is in the future"),
                arguments(
                        "data topic without device",
                        "spBv1.0/farm/DDATA/edge-1",
                        valid,
                        "DDATA topic must name a device"),
                arguments(
                        "node topic with device",
                        "spBv1.0/farm/NDATA/edge-1/x",
                        valid,
                        "node message and takes no device"),
                arguments(
                        "unknown message type",
                        "spBv1.0/farm/NFOO/edge-1",
                        valid,
                        "unknown Sparkplug message type 'NFOO'"),
                arguments("not a Sparkplug topic", "sites/a/b", valid, "not a Sparkplug B topic"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidMessages")
    void shouldFailWithPreciseReason(String name, String topic, byte[] payload, String reason) {
        SparkplugDecoding decoding = decoder.decode(topic, payload, null, NODE);

        assertThat(decoding.result()).isInstanceOf(DecodeResult.Failed.class);
        assertThat(((DecodeResult.Failed) decoding.result()).reason()).contains(reason);
        assertThat(decoding.change().kind()).isEqualTo(SparkplugStateChange.Kind.NONE);
    }

    @Test
    void shouldKeepBirthsPerNodeAndDeviceAndForgetDevicesWithTheirNode() {
        SparkplugSessions sessions = new SparkplugSessions();
        sessions.apply(decoder.decode(NBIRTH, nodeBirth(), null, NODE).change());
        sessions.apply(decoder.decode(
                        DBIRTH, payload(1, metric("flow", 10, DataType.Double).setDoubleValue(1)), null, DEVICE)
                .change());
        sessions.apply(decoder.decode("spBv1.0/farm/NBIRTH/edge-10", nodeBirth(), null, NODE)
                .change());
        assertThat(sessions.size()).isEqualTo(3);
        assertThat(sessions.birthFor(SparkplugTopic.parse(DDATA).orElseThrow())).isNotNull();

        sessions.apply(
                decoder.decode(NDEATH, Payload.newBuilder().build().toByteArray(), sessions.birth("farm/edge-1"), NODE)
                        .change());

        assertThat(sessions.birth("farm/edge-1")).isNull();
        assertThat(sessions.birth("farm/edge-1/pump-3")).isNull();
        assertThat(sessions.birth("farm/edge-10"))
                .as("another node with a common prefix")
                .isNotNull();
    }
}
