package io.fieldline.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryClientTest {

    private static final Schema V1 = SchemaBuilder.record("Thing")
            .namespace("t")
            .fields()
            .requiredString("id")
            .endRecord();
    private static final Schema V2_DEFAULTED = SchemaBuilder.record("Thing")
            .namespace("t")
            .fields()
            .requiredString("id")
            .name("size")
            .type()
            .intType()
            .intDefault(0)
            .endRecord();
    private static final Schema V2_REQUIRED = SchemaBuilder.record("Thing")
            .namespace("t")
            .fields()
            .requiredString("id")
            .requiredInt("size")
            .endRecord();

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    @Test
    void shouldGiveTheSameSchemaTheSameGlobalIdAcrossSubjects() {
        int a = registry.register("a-value", V1);
        int again = registry.register("a-value", V1);
        int b = registry.register("b-value", V1);

        assertThat(again).isEqualTo(a);
        assertThat(b).isEqualTo(a);
        assertThat(registry.versions("a-value")).containsExactly(1);
        assertThat(registry.getById(a)).isEqualTo(V1);
    }

    @Test
    void shouldNumberVersionsPerSubjectAndReportTheLatest() {
        int first = registry.register("a-value", V1);
        int second = registry.register("a-value", V2_DEFAULTED);

        assertThat(second).isNotEqualTo(first);
        assertThat(registry.versions("a-value")).containsExactly(1, 2);
        assertThat(registry.latest("a-value")).isEqualTo(new SchemaVersion("a-value", 2, second, V2_DEFAULTED));
        assertThat(registry.version("a-value", 1).id()).isEqualTo(first);
        assertThat(registry.lookup("a-value", V1)).isEqualTo(first);
    }

    @Test
    void shouldRejectABackwardIncompatibleSchemaWith409() {
        registry.register("a-value", V1);

        assertThat(registry.isCompatible("a-value", V2_REQUIRED)).isFalse();
        assertThatThrownBy(() -> registry.register("a-value", V2_REQUIRED))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> assertThat(e.isIncompatible()).isTrue());
    }

    @Test
    void shouldAcceptAnIncompatibleSchemaWhenTheSubjectLevelIsNone() {
        registry.register("a-value", V1);
        registry.setCompatibility("a-value", "NONE");

        assertThat(registry.compatibility("a-value")).isEqualTo("NONE");
        assertThat(registry.compatibility(null)).isEqualTo("BACKWARD");
        assertThat(registry.register("a-value", V2_REQUIRED)).isPositive();
    }

    @Test
    void shouldRejectAnUnknownCompatibilityLevel() {
        assertThatThrownBy(() -> registry.setCompatibility(null, "SIDEWAYS"))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> assertThat(e.isInvalidSchema()).isTrue());
    }

    @Test
    void shouldReportNotFoundForUnknownSubjectsIdsAndSchemas() {
        registry.register("a-value", V1);

        assertThatThrownBy(() -> registry.latest("nope"))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND));
        assertThatThrownBy(() -> registry.getById(999))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
        assertThatThrownBy(() -> registry.lookup("a-value", V2_DEFAULTED))
                .asInstanceOf(type(SchemaRegistryException.class))
                .satisfies(e -> assertThat(e.isNotFound()).isTrue());
    }

    @Test
    void shouldKeepIdsResolvableAfterDeletingASubject() {
        int id = registry.register("a-value", V1);

        assertThat(registry.deleteSubject("a-value")).containsExactly(1);

        assertThat(registry.subjects()).isEmpty();
        assertThat(registry.getById(id)).isEqualTo(V1);
        assertThat(registry.register("a-value", V1)).isEqualTo(id);
    }
}
