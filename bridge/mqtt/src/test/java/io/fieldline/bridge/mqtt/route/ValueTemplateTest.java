package io.fieldline.bridge.mqtt.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ValueTemplateTest {

    private static final Map<String, String> SEGMENTS =
            Map.of("site", "north", "room", "r1", "device", "d7", "empty", "");

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{device}|d7",
                "{site}-{device}|north-d7",
                "dev:{device}:x|dev:d7:x",
                "{site}/{missing}|north",
                "{missing}/{device}|d7",
                "{site}.{empty}.{device}|north.d7",
                "constant|constant",
                "{missing}|''"
            })
    void shouldRenderSegmentsAndDropSeparatorsOfEmptyOnes(String template, String expected) {
        assertThat(ValueTemplate.parse(template).render(SEGMENTS)).isEqualTo(expected);
    }

    @Test
    void shouldListTheSegmentsItNeeds() {
        assertThat(ValueTemplate.parse("{site}-{device}").names()).containsExactlyInAnyOrder("site", "device");
        assertThat(ValueTemplate.parse("plain").isConstant()).isTrue();
    }

    @Test
    void shouldRejectUnclosedAndEmptyPlaceholders() {
        assertThatThrownBy(() -> ValueTemplate.parse("{device")).hasMessageContaining("unclosed");
        assertThatThrownBy(() -> ValueTemplate.parse("a{}")).hasMessageContaining("empty placeholder");
    }
}
