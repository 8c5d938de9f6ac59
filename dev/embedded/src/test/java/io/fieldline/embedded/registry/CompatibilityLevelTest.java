package io.fieldline.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class CompatibilityLevelTest {

    private static final Schema V1 = schema("""
            {"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}""");
    /** Adds a field with a default: readable in both directions. */
    private static final Schema V2_DEFAULTED = schema("""
            {"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int","default":0}]}""");
    /** Adds a field without a default: new readers cannot read old data; old readers ignore it. */
    private static final Schema V2_REQUIRED = schema("""
            {"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int"}]}""");
    /** Removes a field that has no default: old readers cannot read new data; new readers ignore it. */
    private static final Schema V2_DROPPED = schema("""
            {"type":"record","name":"R","fields":[]}""");

    @Test
    void shouldAcceptADefaultedNewFieldAtEveryLevel() {
        for (CompatibilityLevel level : CompatibilityLevel.values()) {
            assertThat(level.check(V2_DEFAULTED, List.of(V1))).as(level.name()).isEmpty();
        }
    }

    @Test
    void shouldRejectARequiredNewFieldWhenBackwardButNotWhenForward() {
        assertThat(CompatibilityLevel.BACKWARD.check(V2_REQUIRED, List.of(V1)))
                .isNotEmpty()
                .allMatch(problem -> problem.startsWith("BACKWARD"));
        assertThat(CompatibilityLevel.FULL.check(V2_REQUIRED, List.of(V1))).isNotEmpty();
        assertThat(CompatibilityLevel.FORWARD.check(V2_REQUIRED, List.of(V1))).isEmpty();
        assertThat(CompatibilityLevel.NONE.check(V2_REQUIRED, List.of(V1))).isEmpty();
    }

    @Test
    void shouldRejectADroppedFieldWithoutDefaultWhenForwardButNotWhenBackward() {
        assertThat(CompatibilityLevel.FORWARD.check(V2_DROPPED, List.of(V1)))
                .isNotEmpty()
                .allMatch(problem -> problem.startsWith("FORWARD"));
        assertThat(CompatibilityLevel.FULL.check(V2_DROPPED, List.of(V1))).isNotEmpty();
        assertThat(CompatibilityLevel.BACKWARD.check(V2_DROPPED, List.of(V1))).isEmpty();
    }

    @Test
    void shouldCheckOnlyTheLatestVersionUnlessTransitive() {
        // V2_DROPPED then V1 again: V1 re-adds "a" without default, so it cannot read V2_DROPPED data,
        // but V2_DEFAULTED compared with V1 only (not transitive) is fine; against the first version too.
        Schema v3 = schema("""
                {"type":"record","name":"R","fields":[{"name":"c","type":"long","default":0}]}""");
        List<Schema> history = List.of(V1, V2_DROPPED);
        // v3 reads V2_DROPPED data (c has a default) and V1 data (a is ignored, c has a default): backward ok.
        assertThat(CompatibilityLevel.BACKWARD_TRANSITIVE.check(v3, history)).isEmpty();
        // Forward: V2_DROPPED reads v3 data (no fields needed), V1 cannot (a missing without default).
        assertThat(CompatibilityLevel.FORWARD.check(v3, history)).isEmpty();
        assertThat(CompatibilityLevel.FORWARD_TRANSITIVE.check(v3, history)).isNotEmpty();
        assertThat(CompatibilityLevel.FULL_TRANSITIVE.check(v3, history)).isNotEmpty();
        assertThat(CompatibilityLevel.FULL.check(v3, history)).isEmpty();
    }

    @Test
    void shouldParseLevelsInAnyCaseAndRejectUnknownOnes() {
        assertThat(CompatibilityLevel.parse("full_transitive")).isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
        assertThatThrownBy(() -> CompatibilityLevel.parse("SIDEWAYS"))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.errorCode()).isEqualTo(42203);
                });
    }

    @Test
    void shouldTreatWhitespaceAsInsignificantButDefaultsAsSignificant() {
        String spaced =
                "{ \"type\" : \"record\",\n \"name\" : \"R\", \"fields\" : [ {\"name\":\"a\", \"type\":\"string\"} ] }";
        assertThat(KafkaSchemaStore.canonical(KafkaSchemaStore.parse(spaced)))
                .isEqualTo(KafkaSchemaStore.canonical(V1));
        Schema otherDefault = schema("""
                {"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int","default":1}]}""");
        assertThat(KafkaSchemaStore.canonical(otherDefault)).isNotEqualTo(KafkaSchemaStore.canonical(V2_DEFAULTED));
    }

    @Test
    void shouldRejectInvalidSchemasWith42201() {
        assertThatThrownBy(() -> KafkaSchemaStore.parse("{\"type\":\"record\",\"name\":\"R\"}"))
                .isInstanceOfSatisfying(
                        RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(42201));
        assertThatThrownBy(() -> KafkaSchemaStore.parse("not json"))
                .isInstanceOfSatisfying(
                        RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(42201));
    }

    private static Schema schema(String text) {
        return new Schema.Parser().parse(text);
    }
}
