package io.fieldline.topologies.runtime;

import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends an input record whose processing throws to the dead-letter topic, with the reason, and carries
 * on; fails the task when the failure is not the record's fault.
 *
 * <p>Without it, Kafka's default (log and fail) kills the stream thread; the runner replaces the
 * thread, which reads the same record again and dies again, forever. A record that fails
 * deterministically (it decodes, but a processor or a store cannot take it) is written as it was
 * consumed, key and value bytes unchanged ({@link ErrorHandlerContext#sourceRawKey()},
 * {@link ErrorHandlerContext#sourceRawValue()}), with the {@code fieldline.dlq.*} headers, the reason
 * naming the processor, and counted like undecodable records.
 *
 * <p>FAIL (the task restarts from its last commit, the record is read again) for failures that are
 * not the record's: a transient cause ({@link TransientFailures}: registry or broker unreachable,
 * interrupt) and any {@link StreamsException}, which Kafka Streams raises for its own failures (a
 * state store that cannot be written, an output the production handler chose to fail on). A failing
 * punctuation has no record to dead-letter: it is logged and skipped, and runs again at its next
 * interval.
 */
public final class ProcessingDeadLetterHandler implements ProcessingExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessingDeadLetterHandler.class);

    private DeadLetters deadLetters;

    @Override
    public void configure(Map<String, ?> configs) {
        deadLetters = DeadLetters.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (TransientFailures.isTransient(exception) || exception instanceof StreamsException) {
            LOG.error(
                    "Processor {} failed in task {} on topic {} partition {} offset {}, not because of the record; "
                            + "failing the task so that it restarts from its last commit",
                    context.processorNodeId(),
                    context.taskId(),
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    exception);
            return Response.fail();
        }
        if (record == null || context.topic() == null) {
            LOG.error(
                    "Punctuation of processor {} in task {} failed; skipped until its next interval",
                    context.processorNodeId(),
                    context.taskId(),
                    exception);
            return Response.resume();
        }
        LOG.warn(
                "Processor {} cannot process the record of topic {} partition {} offset {}: {}; dead-lettering it to {}",
                context.processorNodeId(),
                context.topic(),
                context.partition(),
                context.offset(),
                exception.toString(),
                deadLetters.topic());
        return Response.resume(deadLetters.deadLetter(
                DeadLetterHandler.REASON_PROCESSING,
                context,
                context.sourceRawKey(),
                context.sourceRawValue(),
                context.headers(),
                "processing failed in " + context.processorNodeId() + ": " + exception,
                exception));
    }
}
