package io.fieldline.topologies.runtime;

import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.deadletter.DeadLetterRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

/**
 * What the three exception handlers share: the dead-letter topic (from
 * {@value StreamsConfig#ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG}), the counter
 * ({@value DeadLetterHandler#COUNTER}, tagged with the source topic and the reason, when a registry is configured
 * under {@value DeadLetterHandler#METER_REGISTRY_CONFIG}) and the dead-letter records themselves,
 * built with Fieldline's headers by {@link DeadLetterRecords}.
 */
final class DeadLetters {

    private final String topic;
    private final MeterRegistry registry;

    private DeadLetters(String topic, MeterRegistry registry) {
        this.topic = topic;
        this.registry = registry;
    }

    static DeadLetters from(Map<String, ?> configs) {
        Object configured = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        Object meters = configs.get(DeadLetterHandler.METER_REGISTRY_CONFIG);
        return new DeadLetters(
                configured == null ? null : configured.toString(),
                meters instanceof MeterRegistry meterRegistry ? meterRegistry : null);
    }

    /** The dead-letter topic, or null when none is configured (records are then only logged and counted). */
    String topic() {
        return topic;
    }

    /**
     * Counts one dead letter of the context's source topic and returns the records to hand to Streams: the
     * dead letter of the given source bytes, or none when no topic is configured.
     *
     * @param reasonTag the counter's {@code reason}: one of the {@code DeadLetterHandler.REASON_*} values
     */
    List<ProducerRecord<byte[], byte[]>> deadLetter(
            String reasonTag,
            ErrorHandlerContext context,
            byte[] key,
            byte[] value,
            Headers headers,
            String reason,
            Exception exception) {
        if (registry != null) {
            Counter.builder(DeadLetterHandler.COUNTER)
                    .tag("topic", String.valueOf(context.topic()))
                    .tag("reason", reasonTag)
                    .description("Records sent to the Streams dead-letter topic (or only counted, without one)")
                    .register(registry)
                    .increment();
        }
        if (topic == null) {
            return List.of();
        }
        // DeadLetterRecords writes the standard headers (reason, exception, stage, source topic,
        // partition, offset, time) and keeps the source headers; the topic is the configured one.
        ProducerRecord<byte[], byte[]> standard = DeadLetterRecords.builder(
                        TopicNames.defaults(), DeadLetterHandler.STAGE)
                .key(key)
                .value(value)
                .headers(headers)
                .source(context.topic(), context.partition(), context.offset())
                .reason(reason, exception)
                .build();
        return List.of(new ProducerRecord<>(
                topic, null, context.timestamp(), standard.key(), standard.value(), standard.headers()));
    }
}
