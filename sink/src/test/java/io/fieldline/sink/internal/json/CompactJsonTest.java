package io.fieldline.sink.internal.json;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CompactJsonTest {

    @Test
    void shouldWriteCompactObjectsWithEscapedStrings() {
        String json = CompactJson.object().field("value", 21.5).field("time", 1_700_000_000_000L)
                .field("unit", "°C").field("note", "a \"quoted\"\\ line\n\u0001").field("missing", (String) null)
                .field("ok", true).end();

        assertThat(json).isEqualTo("{\"value\":21.5,\"time\":1700000000000,\"unit\":\"°C\","
                + "\"note\":\"a \\\"quoted\\\"\\\\ line\\n\\u0001\",\"ok\":true}");
    }

    @Test
    void shouldWriteWholeAndNonFiniteNumbersAsValidJson() {
        String json = CompactJson.object().field("a", 3.0).field("b", Double.NaN).field("c", Double.POSITIVE_INFINITY)
                .field("d", 1e20).end();

        assertThat(json).isEqualTo("{\"a\":3,\"b\":null,\"c\":null,\"d\":1.0E20}");
    }

    @Test
    void shouldReturnNullForEmptyMaps() {
        Map<String, String> attrs = new LinkedHashMap<>();
        assertThat(CompactJson.ofStrings(attrs)).isNull();
        attrs.put("firmware", "1.2");
        attrs.put("label", "Idle");
        assertThat(CompactJson.ofStrings(attrs)).isEqualTo("{\"firmware\":\"1.2\",\"label\":\"Idle\"}");
        assertThat(CompactJson.ofNumbers(Map.of("temperature_c", 24.0))).isEqualTo("{\"temperature_c\":24}");
    }
}
