package io.fieldline.schemas.deadletter;

import io.fieldline.schemas.DeadLetterHeaders;
import io.fieldline.schemas.TopicNames;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds the records written to a stage's dead-letter topic ({@link TopicNames#deadLetters(String)}):
 * the original key and value bytes, untouched, and the {@link DeadLetterHeaders} saying why, where from and when.
 *
 * <p>Headers of the original record are kept, except earlier {@code fieldline.dlq.*} ones (a record dead-lettered
 * twice carries only the latest reason). The reason is truncated to {@link #MAX_REASON_LENGTH} characters so a
 * huge exception message cannot make the record too large for the broker.
 *
 * <pre>{@code
 * producer.send(DeadLetterRecords.builder(names, "sink")
 *         .failed(consumerRecord)
 *         .reason("cannot decode value", exception)
 *         .build());
 * }</pre>
 */
public final class DeadLetterRecords {

    /** Longest reason text kept, in characters; longer ones are cut and end with "...". */
    public static final int MAX_REASON_LENGTH = 2000;

    private static final String HEADER_PREFIX = "fieldline.dlq.";

    private DeadLetterRecords() {}

    /**
     * Starts a dead-letter record for a stage.
     *
     * @param names topic names, for the dead-letter topic
     * @param stage the stage giving up: {@code mqtt}, {@code can}, {@code streams}, {@code sink}...
     */
    public static Builder builder(TopicNames names, String stage) {
        return new Builder(names, stage);
    }

    /**
     * The dead-letter record of a Kafka record a stage could not process, stamped with the current time.
     *
     * @param failed the record as consumed (raw bytes)
     * @param reason why, in words; may be null when {@code cause} says it
     * @param cause  the exception, or null
     */
    public static ProducerRecord<byte[], byte[]> of(
            TopicNames names, String stage, ConsumerRecord<byte[], byte[]> failed, String reason, Throwable cause) {
        return builder(names, stage).failed(failed).reason(reason, cause).build();
    }

    /** Cuts a reason to {@link #MAX_REASON_LENGTH} characters, without splitting a surrogate pair. */
    static String truncate(String reason) {
        if (reason.length() <= MAX_REASON_LENGTH) {
            return reason;
        }
        int end = MAX_REASON_LENGTH - 3;
        if (Character.isHighSurrogate(reason.charAt(end - 1))) {
            end--;
        }
        return reason.substring(0, end) + "...";
    }

    /** Collects what a dead-letter record says; {@link #build()} makes the record. Not thread-safe. */
    public static final class Builder {
        private final TopicNames names;
        private final String stage;
        private byte[] key;
        private byte[] value;
        private Headers original;
        private String reason;
        private Throwable cause;
        private String sourceTopic;
        private Integer sourcePartition;
        private Long sourceOffset;
        private Clock clock = Clock.systemUTC();
        private Long timestampMillis;

        private Builder(TopicNames names, String stage) {
            this.names = Objects.requireNonNull(names, "names");
            this.stage = Objects.requireNonNull(stage, "stage");
        }

        /** Takes key, value, headers, topic, partition and offset from a consumed record. */
        public Builder failed(ConsumerRecord<byte[], byte[]> record) {
            key = record.key();
            value = record.value();
            original = record.headers();
            return source(record.topic(), record.partition(), record.offset());
        }

        /** The original key bytes (may be null). */
        public Builder key(byte[] key) {
            this.key = key;
            return this;
        }

        /** The original value bytes (may be null). */
        public Builder value(byte[] value) {
            this.value = value;
            return this;
        }

        /** Headers of the original record, copied onto the dead letter (dead-letter headers excluded). */
        public Builder headers(Headers headers) {
            this.original = headers;
            return this;
        }

        /**
         * Why the record was given up.
         *
         * @param reason in words; when null, the cause's message is used
         * @param cause  the exception, or null; its class name goes in {@link DeadLetterHeaders#EXCEPTION}
         */
        public Builder reason(String reason, Throwable cause) {
            this.reason = reason;
            this.cause = cause;
            return this;
        }

        /** Where the record came from when it was not a Kafka record: an MQTT topic, a file name. */
        public Builder source(String topic) {
            this.sourceTopic = topic;
            return this;
        }

        /**
         * Where the record came from.
         *
         * @param offset Kafka offset, or line number for files; null when unknown
         */
        public Builder source(String topic, Integer partition, Long offset) {
            this.sourceTopic = topic;
            this.sourcePartition = partition;
            this.sourceOffset = offset;
            return this;
        }

        /** The clock stamping {@link DeadLetterHeaders#TIMESTAMP} (the system UTC clock unless set). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** A fixed dead-letter time, in epoch milliseconds, instead of the clock's. */
        public Builder timestamp(long epochMillis) {
            this.timestampMillis = epochMillis;
            return this;
        }

        /** The record for {@link TopicNames#deadLetters(String) names.deadLetters(stage)}. */
        public ProducerRecord<byte[], byte[]> build() {
            RecordHeaders headers = new RecordHeaders();
            if (original != null) {
                for (Header header : original) {
                    if (!header.key().startsWith(HEADER_PREFIX)) {
                        headers.add(header.key(), header.value());
                    }
                }
            }
            String text = reason != null
                    ? reason
                    : cause != null
                            ? String.valueOf(cause.getMessage() != null ? cause.getMessage() : cause)
                            : "unspecified";
            put(headers, DeadLetterHeaders.REASON, truncate(text));
            if (cause != null) {
                put(headers, DeadLetterHeaders.EXCEPTION, cause.getClass().getName());
            }
            put(headers, DeadLetterHeaders.STAGE, stage);
            if (sourceTopic != null) {
                put(headers, DeadLetterHeaders.SOURCE_TOPIC, sourceTopic);
            }
            if (sourcePartition != null) {
                put(headers, DeadLetterHeaders.SOURCE_PARTITION, Integer.toString(sourcePartition));
            }
            if (sourceOffset != null) {
                put(headers, DeadLetterHeaders.SOURCE_OFFSET, Long.toString(sourceOffset));
            }
            long now = timestampMillis != null ? timestampMillis : clock.millis();
            put(headers, DeadLetterHeaders.TIMESTAMP, Long.toString(now));
            return new ProducerRecord<>(names.deadLetters(stage), null, null, key, value, headers);
        }

        private static void put(RecordHeaders headers, String name, String value) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }
}
