package io.fieldline.bridge.mqtt.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;

/**
 * 100,000 generated payloads for each edge decoder: mutated real payloads, token soup, deep nesting and arbitrary
 * bytes. Each decode returns readings or a {@link DecodeResult.Failed} with a reason; no exception escapes.
 */
class DecoderFuzzTest {

    private static final Instant NOW = Instant.parse("2024-05-01T12:00:30Z");
    private static final DecodeContext DEVICE = DecodeContext.forDevice("gr-001", NOW);
    private static final String[] JSON_SAMPLES = {
        "{\"ts\":\"2024-05-01T12:00:00Z\",\"air_temperature\":24.5,\"co2\":812,\"unit\":\"degC\"}",
        "{\"sensor\":\"co2\",\"value\":812,\"ts\":1714564800000}",
        "[{\"sensor\":\"rh\",\"value\":61.5},{\"sensor\":\"co2\",\"value\":790,\"quality\":\"GOOD\"}]",
        "{\"deviceId\":\"gr-002\",\"attributes\":{\"room\":\"r1\"},\"temp\":true}",
        "{\"time\":\"2024-05-01T12:00:00.123+02:00\",\"water\":1e3,\"feed\":-0.0}"
    };
    private static final String[] JSON_TOKENS = {
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"ts\"",
        "\"value\"",
        "\"sensor\"",
        "\"x\"",
        "1",
        "-1e999",
        "NaN",
        "Infinity",
        "true",
        "null",
        "\"2024-05-01T12:00:00Z\"",
        "1714564800000",
        "\"\\u0000\"",
        " ",
        "\"",
        "9999999999999999999999"
    };

    private final JsonReadingDecoder json = new JsonReadingDecoder();
    private final SparkplugDecoder sparkplug = new SparkplugDecoder();
    private final SparkplugBirth birth = sparkplug
            .decode(
                    "spBv1.0/farm/NBIRTH/edge-1",
                    SparkplugDecoderTest.nodeBirth(),
                    null,
                    DecodeContext.forDevice("edge-1", NOW))
            .change()
            .birth();

    @Property(tries = 100_000)
    void shouldDecodeJsonOrGiveAReason(@ForAll("jsonPayloads") byte[] payload) {
        assertDecodedOrReasoned(json.decode(payload, DEVICE));
    }

    @Property(tries = 100_000)
    void shouldDecodeSparkplugOrGiveAReason(
            @ForAll("sparkplugPayloads") byte[] payload, @ForAll("topics") String topic) {
        SparkplugDecoding decoding = sparkplug.decode(topic, payload, birth, DecodeContext.forDevice("edge-1", NOW));
        assertThat(decoding).isNotNull();
        assertDecodedOrReasoned(decoding.result());
    }

    private static void assertDecodedOrReasoned(DecodeResult result) {
        if (result instanceof DecodeResult.Failed failed) {
            assertThat(failed.reason()).isNotBlank();
        } else {
            assertThat(result).isInstanceOf(DecodeResult.Decoded.class);
        }
    }

    @Provide
    Arbitrary<byte[]> jsonPayloads() {
        Arbitrary<String> mutated = Combinators.combine(
                        Arbitraries.of(JSON_SAMPLES),
                        Arbitraries.integers().between(0, 100),
                        Arbitraries.integers().between(0, 4),
                        Arbitraries.of(JSON_TOKENS))
                .as((sample, at, cut, token) -> {
                    int i = Math.min(at, sample.length());
                    return sample.substring(0, i) + token + sample.substring(Math.min(sample.length(), i + cut));
                });
        Arbitrary<String> soup =
                Arbitraries.of(JSON_TOKENS).list().ofMaxSize(40).map(t -> String.join("", t));
        Arbitrary<String> deep = Combinators.combine(
                        Arbitraries.integers().between(1, 3_000), Arbitraries.of("[", "{\"a\":"))
                .as((depth, open) -> open.repeat(depth) + "1");
        Arbitrary<byte[]> text = Arbitraries.frequencyOf(Tuple.of(5, mutated), Tuple.of(3, soup), Tuple.of(1, deep))
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
        return Arbitraries.frequencyOf(Tuple.of(9, text), Tuple.of(1, bytes));
    }

    @Provide
    Arbitrary<byte[]> sparkplugPayloads() {
        byte[] data = SparkplugDecoderTest.payload(
                5,
                SparkplugDecoderTest.metric(null, 1, DataType.Float).setFloatValue(25.0f),
                SparkplugDecoderTest.metric(null, 2, DataType.UInt32).setIntValue(800),
                SparkplugDecoderTest.metric("Room/co2", -1, DataType.Double).setDoubleValue(801.5));
        byte[] births = SparkplugDecoderTest.nodeBirth();
        Arbitrary<byte[]> mutated = Combinators.combine(
                        Arbitraries.of(data, births),
                        Arbitraries.integers().between(0, 120),
                        Arbitraries.bytes(),
                        Arbitraries.integers().between(0, 2))
                .as((sample, at, value, mode) -> {
                    int i = Math.min(at, sample.length - 1);
                    byte[] copy;
                    if (mode == 0) { // overwrite a byte
                        copy = sample.clone();
                        copy[i] = value;
                    } else if (mode == 1) { // truncate
                        copy = java.util.Arrays.copyOf(sample, i);
                    } else { // insert a byte
                        copy = new byte[sample.length + 1];
                        System.arraycopy(sample, 0, copy, 0, i);
                        copy[i] = value;
                        System.arraycopy(sample, i, copy, i + 1, sample.length - i);
                    }
                    return copy;
                });
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
        return Arbitraries.frequencyOf(Tuple.of(8, mutated), Tuple.of(2, bytes));
    }

    @Provide
    Arbitrary<String> topics() {
        return Arbitraries.of(
                "spBv1.0/farm/NDATA/edge-1",
                "spBv1.0/farm/NBIRTH/edge-1",
                "spBv1.0/farm/DDATA/edge-1/pump-3",
                "spBv1.0/farm/NDEATH/edge-1",
                "spBv1.0/farm/XDATA/edge-1",
                "spBv1.0//NDATA/",
                "not/sparkplug");
    }
}
