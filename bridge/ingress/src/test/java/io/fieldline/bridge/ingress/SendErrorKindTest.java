package io.fieldline.bridge.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class SendErrorKindTest {

    @Test
    void shouldDeadLetterOnlyWhatIsTheRecordsOwnFault() {
        assertThat(SendErrorKind.of(new RecordTooLargeException("big"))).isEqualTo(SendErrorKind.TOO_LARGE);
        assertThat(SendErrorKind.of(new SerializationException("bad"))).isEqualTo(SendErrorKind.SERIALIZATION);
        assertThat(SendErrorKind.of(new InvalidRecordException("null key"))).isEqualTo(SendErrorKind.INVALID_RECORD);
        assertThat(SendErrorKind.of(new InvalidTimestampException("old"))).isEqualTo(SendErrorKind.INVALID_RECORD);
        assertThat(SendErrorKind.TOO_LARGE.permanent()).isTrue();
        assertThat(SendErrorKind.SERIALIZATION.permanent()).isTrue();
        assertThat(SendErrorKind.INVALID_RECORD.permanent()).isTrue();
    }

    @Test
    void shouldFailOnWhatOutlastedTheProducersRetriesOrIsNotTheRecordsFault() {
        assertThat(SendErrorKind.of(new TimeoutException("expired"))).isEqualTo(SendErrorKind.RETRIABLE);
        assertThat(SendErrorKind.of(new NotEnoughReplicasException("isr"))).isEqualTo(SendErrorKind.RETRIABLE);
        assertThat(SendErrorKind.of(new AuthorizationException("no"))).isEqualTo(SendErrorKind.FATAL);
        assertThat(SendErrorKind.of(new KafkaException("closed"))).isEqualTo(SendErrorKind.FATAL);
        assertThat(SendErrorKind.RETRIABLE.permanent()).isFalse();
        assertThat(SendErrorKind.FATAL.permanent()).isFalse();
    }

    @Test
    void shouldRefuseProducerSettingsThePolicyRestsOn() {
        for (String key : new String[] {
            "acks", "enable.idempotence", "max.in.flight.requests.per.connection", "retries", "delivery.timeout.ms"
        }) {
            assertThatThrownBy(() -> IngressSettings.of("mqtt", "k:9092").withProducerOverrides(Map.of(key, "1")))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(key);
        }
        Map<String, Object> props = IngressSettings.of("can", "k:9092")
                .withProducerOverrides(Map.of("batch.size", "65536"))
                .withDeliveryTimeoutMs(5000)
                .producerProperties();
        assertThat(props)
                .containsEntry("acks", "all")
                .containsEntry("enable.idempotence", true)
                .containsEntry("batch.size", "65536")
                .containsEntry("delivery.timeout.ms", 5000)
                .containsEntry("client.id", "fieldline-can")
                .containsEntry("max.in.flight.requests.per.connection", 5);
    }
}
