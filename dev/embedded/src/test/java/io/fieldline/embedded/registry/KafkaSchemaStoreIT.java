package io.fieldline.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The schema store on the real embedded Kafka, with a lost acknowledgement injected into its writes. */
@ExtendWith(EmbeddedStackExtension.class)
class KafkaSchemaStoreIT {

    private static final Schema A = KafkaSchemaStore.parse("""
            {"type":"record","name":"A","namespace":"it","fields":[{"name":"a","type":"string"}]}""");
    private static final Schema B = KafkaSchemaStore.parse("""
            {"type":"record","name":"B","namespace":"it","fields":[{"name":"b","type":"long"}]}""");

    private final KafkaClientConfig kafkaConfig;

    KafkaSchemaStoreIT(EmbeddedStack stack) {
        this.kafkaConfig = stack.kafka().clientConfig();
    }

    @Test
    void shouldNeverGiveTwoSchemasOneIdWhenAWriteLandedButItsAcknowledgementWasLost() {
        String topic = "_schemas-it-" + UUID.randomUUID();
        AtomicBoolean loseNextAck = new AtomicBoolean();
        int idOfB;
        try (KafkaSchemaStore store = KafkaSchemaStore.open(kafkaConfig, topic, kafka -> (key, value) -> {
            kafka.write(key, value);
            if (loseNextAck.getAndSet(false)) {
                // The record is in the log; the registry only does not know it.
                throw RegistryException.storeTimeout(
                        "writing to " + topic, new TimeoutException("acknowledgement lost"));
            }
        })) {
            loseNextAck.set(true);
            assertThatThrownBy(() -> store.register("a-value", A)).isInstanceOf(RegistryException.class);

            idOfB = store.register("b-value", B);

            assertThat(store.schemaById(idOfB)).contains(KafkaSchemaStore.canonical(B));
            // The client of A retries: it gets the id the log gave A, not B's.
            int idOfA = store.register("a-value", A);
            assertThat(idOfA).isNotEqualTo(idOfB);
            assertThat(store.schemaById(idOfA)).contains(KafkaSchemaStore.canonical(A));
            assertThat(store.versions("a-value", false)).containsExactly(1);
        }

        // A restarted registry serves what the running one handed out.
        try (KafkaSchemaStore restarted = KafkaSchemaStore.open(kafkaConfig, topic)) {
            assertThat(restarted.schemaById(idOfB)).contains(KafkaSchemaStore.canonical(B));
            assertThat(restarted.lookup("b-value", B, false).id()).isEqualTo(idOfB);
            int idOfA = restarted.lookup("a-value", A, false).id();
            assertThat(idOfA).isNotEqualTo(idOfB);
            assertThat(restarted.schemaById(idOfA)).contains(KafkaSchemaStore.canonical(A));
            assertThat(restarted.register("a-value", A)).isEqualTo(idOfA);
        }
    }

    @Test
    void shouldIgnoreASecondSchemaUnderATakenIdFoundInTheLog() {
        String topic = "_schemas-it-" + UUID.randomUUID();
        AtomicReference<KafkaSchemaStore.RecordWriter> raw = new AtomicReference<>();
        int idOfA;
        try (KafkaSchemaStore store = KafkaSchemaStore.open(kafkaConfig, topic, kafka -> {
            raw.set(kafka);
            return kafka;
        })) {
            idOfA = store.register("a-value", A);
            // What an older registry left after a lost acknowledgement: B under A's id.
            raw.get()
                    .write(
                            "{\"keytype\":\"SCHEMA\",\"subject\":\"b-value\",\"version\":1,\"magic\":1}",
                            "{\"subject\":\"b-value\",\"version\":1,\"id\":" + idOfA + ",\"schema\":"
                                    + new ObjectMapper().valueToTree(KafkaSchemaStore.canonical(B))
                                    + ",\"deleted\":false,\"purged\":false}");
        }

        try (KafkaSchemaStore restarted = KafkaSchemaStore.open(kafkaConfig, topic)) {
            assertThat(restarted.schemaById(idOfA)).contains(KafkaSchemaStore.canonical(A));
            assertThat(restarted.subjects(true)).containsExactly("a-value");
            int idOfB = restarted.register("b-value", B);
            assertThat(idOfB).isNotEqualTo(idOfA);
            assertThat(restarted.schemaById(idOfB)).contains(KafkaSchemaStore.canonical(B));
        }
    }
}
