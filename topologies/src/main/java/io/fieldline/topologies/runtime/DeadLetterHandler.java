package io.fieldline.topologies.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records that cannot be deserialized to the dead-letter topic and carries on; fails the task
 * when the failure is not the record's fault.
 *
 * <p>A Schema Registry that cannot be reached (after the client's own retries) makes
 * {@code AvroDeserializer} throw a transient {@code SchemaRegistryException}: the record is valid, so it
 * is not dead-lettered (under exactly-once it would be skipped for good). The handler answers FAIL
 * instead: the stream thread dies, its open transaction is aborted, and the runner's uncaught-exception
 * handler replaces the thread, which resumes from the last committed offset and reads the record again.
 * The same holds for any failure whose cause chain is retriable ({@link TransientFailures}).
 *
 * <p>Kafka Streams 4.3 (KIP-1034) produces the records a handler returns in
 * {@code Response.resume(List)} itself, through the task's producer, so under exactly-once the
 * dead letter commits atomically with the input offset. The built-in handlers would do that too
 * when {@value StreamsConfig#ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG} is set, but with
 * Kafka's own header names; this one writes Fieldline's {@code DeadLetterHeaders} through
 * {@code DeadLetterRecords} (and keeps the source record's headers), so every stage's dead
 * letters look alike. {@link ProcessingDeadLetterHandler} and {@link ProductionDeadLetterHandler}
 * do the same for records that fail later on.
 *
 * <p>Configured from the Streams properties: the topic from
 * {@value StreamsConfig#ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG} (without it, records are only
 * logged and counted) and an optional Micrometer {@link MeterRegistry} instance under
 * {@value #METER_REGISTRY_CONFIG}, where {@value #COUNTER} is counted by source topic and reason.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler {

    /** Streams property holding a {@link MeterRegistry} instance (not a class name). */
    public static final String METER_REGISTRY_CONFIG = "fieldline.meter.registry";
    /**
     * Counter of dead-lettered records, tagged {@code topic} (the source topic) and {@code reason}
     * ({@value #REASON_DESERIALIZATION}, {@value #REASON_PROCESSING} or {@value #REASON_SERIALIZATION}).
     */
    public static final String COUNTER = "fieldline.streams.deadletters";
    /** {@code reason} of a record that could not be deserialized (this handler). */
    public static final String REASON_DESERIALIZATION = "deserialization";
    /** {@code reason} of a record a processor failed on ({@link ProcessingDeadLetterHandler}). */
    public static final String REASON_PROCESSING = "processing";
    /** {@code reason} of a record whose output could not be serialized ({@link ProductionDeadLetterHandler}). */
    public static final String REASON_SERIALIZATION = "serialization";
    /** Stage name in the headers and in the dead-letter topic's name. */
    public static final String STAGE = "streams";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);

    private DeadLetters deadLetters;

    @Override
    public void configure(Map<String, ?> configs) {
        deadLetters = DeadLetters.from(configs);
    }

    @Override
    public Response handleError(
            ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (TransientFailures.isTransient(exception)) {
            LOG.error(
                    "Cannot deserialize record from topic {} partition {} offset {} for a transient reason ({}); "
                            + "failing the task so that it restarts from its last commit and reads the record again",
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    exception.toString());
            return Response.fail();
        }
        LOG.warn(
                "Cannot deserialize record from topic {} partition {} offset {}: {}; dead-lettering it to {}",
                context.topic(),
                context.partition(),
                context.offset(),
                exception.toString(),
                deadLetters.topic());
        return Response.resume(deadLetters.deadLetter(
                REASON_DESERIALIZATION,
                context,
                record.key(),
                record.value(),
                record.headers(),
                "deserialization failed: " + exception.getMessage(),
                exception));
    }
}
