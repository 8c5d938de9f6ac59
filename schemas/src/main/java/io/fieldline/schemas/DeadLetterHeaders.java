package io.fieldline.schemas;

/**
 * Header names every dead-letter record carries, whatever stage wrote it. Values are UTF-8 strings.
 */
public final class DeadLetterHeaders {

    /** Why the record could not be processed, in words. */
    public static final String REASON = "fieldline.dlq.reason";
    /** Exception class name, when an exception was the cause. */
    public static final String EXCEPTION = "fieldline.dlq.exception";
    /** Stage that gave up: mqtt, can, streams, sink, cdc (the suffix of its {@code deadletter.<stage>} topic). */
    public static final String STAGE = "fieldline.dlq.stage";
    /** Where the record came from: a Kafka topic, an MQTT topic, a file name. */
    public static final String SOURCE_TOPIC = "fieldline.dlq.source.topic";
    /** Kafka partition of the source record, when it came from Kafka. */
    public static final String SOURCE_PARTITION = "fieldline.dlq.source.partition";
    /** Kafka offset (or line number, for files) of the source record. */
    public static final String SOURCE_OFFSET = "fieldline.dlq.source.offset";
    /** Epoch milliseconds when the record was dead-lettered. */
    public static final String TIMESTAMP = "fieldline.dlq.timestamp";

    private DeadLetterHeaders() {}
}
