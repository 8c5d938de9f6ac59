package io.fieldline.sink.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SinkJsonTest {

    record Value(double value, long time, String unit, String note, String missing, Double absent, boolean ok) {}

    record Numbers(double a, double b, Double c, double d, double e) {}

    @Test
    void shouldWriteRecordsCompactlyInComponentOrderWithEscapedStringsAndWithoutNulls() {
        String json = SinkJson.write(
                new Value(21.5, 1_700_000_000_000L, "°C", "a \"quoted\"\\ line\n\u0001", null, null, true));

        assertThat(json)
                .isEqualTo("{\"value\":21.5,\"time\":1700000000000,\"unit\":\"°C\","
                        + "\"note\":\"a \\\"quoted\\\"\\\\ line\\n\\u0001\",\"ok\":true}");
    }

    @Test
    void shouldWriteWholeDoublesAsIntegersAndNonFiniteOnesAsNull() {
        String json = SinkJson.write(new Numbers(3.0, Double.NaN, Double.POSITIVE_INFINITY, 1e20, -0.25));

        assertThat(json).isEqualTo("{\"a\":3,\"b\":null,\"c\":null,\"d\":1.0E20,\"e\":-0.25}");
    }

    @Test
    void shouldWriteMapsAsFlatObjectsAndEmptyOnesAsNull() {
        Map<String, String> attributes = new LinkedHashMap<>();
        assertThat(SinkJson.ofStrings(attributes)).isNull();
        assertThat(SinkJson.ofStrings(null)).isNull();
        assertThat(SinkJson.ofNumbers(Map.of())).isNull();
        attributes.put("firmware", "1.2");
        attributes.put("label", "Idle");

        assertThat(SinkJson.ofStrings(attributes)).isEqualTo("{\"firmware\":\"1.2\",\"label\":\"Idle\"}");
        assertThat(SinkJson.ofNumbers(Map.of("temperature_c", 24.0))).isEqualTo("{\"temperature_c\":24}");
        assertThat(SinkJson.ofNumbers(Map.of("vpd", 1.15))).isEqualTo("{\"vpd\":1.15}");
    }
}
