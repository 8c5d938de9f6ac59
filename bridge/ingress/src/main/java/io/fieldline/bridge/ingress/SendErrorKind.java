package io.fieldline.bridge.ingress;

import java.util.Locale;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * What kind of error a record met on its way into Kafka, and so what the {@link IngressPublisher} does about it.
 * The {@linkplain #permanent() permanent} kinds belong to the record (retrying it can only fail again): its
 * source message goes to the dead-letter topic and publishing goes on. The others belong to Kafka or to the
 * publisher's own settings: the producer has already retried the record in place for its delivery timeout, and
 * sending it again later could put it behind newer records of its key, so the publisher fails.
 */
public enum SendErrorKind {

    /** The record, or its batch, is larger than the producer or the topic accept. */
    TOO_LARGE(true),
    /** The value cannot be written in its schema. */
    SERIALIZATION(true),
    /** The broker refused the record itself: invalid for the topic (a compacted topic's null key), or a timestamp out of range. */
    INVALID_RECORD(true),
    /** A transient error that outlasted the producer's retries (delivery timeout, no in-sync replicas, broker away). */
    RETRIABLE(false),
    /** Anything else: authorization, a fenced or closed producer, an unknown server error. */
    FATAL(false);

    private final boolean permanent;

    SendErrorKind(boolean permanent) {
        this.permanent = permanent;
    }

    /** Whether the error belongs to the record: dead-letter its source and go on. */
    public boolean permanent() {
        return permanent;
    }

    /** The meter tag: {@code too_large}, {@code serialization}, ... */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind of a send failure as the producer reported it. */
    public static SendErrorKind of(Throwable error) {
        if (error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException) {
            return TOO_LARGE;
        }
        if (error instanceof SerializationException) {
            return SERIALIZATION;
        }
        if (error instanceof InvalidRecordException || error instanceof InvalidTimestampException) {
            return INVALID_RECORD;
        }
        if (error instanceof RetriableException) {
            return RETRIABLE;
        }
        return FATAL;
    }
}
