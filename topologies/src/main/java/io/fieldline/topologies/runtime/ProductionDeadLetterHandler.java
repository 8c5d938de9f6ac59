package io.fieldline.topologies.runtime;

import io.fieldline.schemas.registry.SchemaRegistryException;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what happens when an output record cannot be serialized or sent.
 *
 * <ul>
 *   <li>Serialization: a Schema Registry failure of any kind (unreachable, or refusing the output
 *       schema) is not the record's fault and fails the task; otherwise the output cannot be encoded
 *       for this input record alone, so the input record (as consumed) goes to the dead-letter topic
 *       with the reason and the output topic, counted, and processing carries on.</li>
 *   <li>Sending: a retriable broker error is retried (Kafka Streams re-initialises the task from its
 *       last commit); every other send error fails the task. Under exactly-once a send error leaves
 *       the transaction unusable, so resuming past it would not commit anything anyway.</li>
 * </ul>
 */
public final class ProductionDeadLetterHandler implements ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ProductionDeadLetterHandler.class);

    private DeadLetters deadLetters;

    @Override
    public void configure(Map<String, ?> configs) {
        deadLetters = DeadLetters.from(configs);
    }

    @Override
    public Response handleError(
            ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (exception instanceof RetriableException) {
            LOG.warn(
                    "Sending to {} failed in task {} ({}); retrying from the last commit",
                    record.topic(),
                    context.taskId(),
                    exception.toString());
            return Response.retry();
        }
        LOG.error("Sending to {} failed in task {}; failing the task", record.topic(), context.taskId(), exception);
        return Response.fail();
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(
            ErrorHandlerContext context,
            ProducerRecord record,
            Exception exception,
            SerializationExceptionOrigin origin) {
        if (TransientFailures.isTransient(exception) || causedByRegistry(exception)) {
            LOG.error(
                    "Cannot serialize the {} of a record for {} in task {} because of the schema registry ({}); "
                            + "failing the task so that it restarts from its last commit",
                    origin,
                    record.topic(),
                    context.taskId(),
                    exception.toString());
            return Response.fail();
        }
        if (context.topic() == null) {
            LOG.error(
                    "Cannot serialize the {} of a record for {} written by a punctuation of {}; dropping it",
                    origin,
                    record.topic(),
                    context.processorNodeId(),
                    exception);
            return Response.resume();
        }
        LOG.warn(
                "Cannot serialize the {} of a record for {} from topic {} partition {} offset {}: {}; "
                        + "dead-lettering the input record to {}",
                origin,
                record.topic(),
                context.topic(),
                context.partition(),
                context.offset(),
                exception.toString(),
                deadLetters.topic());
        return Response.resume(deadLetters.deadLetter(
                DeadLetterHandler.REASON_SERIALIZATION,
                context,
                context.sourceRawKey(),
                context.sourceRawValue(),
                context.headers(),
                "cannot serialize the " + origin.name().toLowerCase(Locale.ROOT) + " of an output record for "
                        + record.topic() + ": " + exception,
                exception));
    }

    private static boolean causedByRegistry(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SchemaRegistryException) {
                return true;
            }
        }
        return false;
    }
}
