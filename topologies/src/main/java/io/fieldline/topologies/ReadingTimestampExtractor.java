package io.fieldline.topologies;

import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Reading;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time of the records the topologies window: a reading's {@code eventTime}, an aggregate's
 * last instant ({@code windowEnd - 1}). Anything else (tombstones, foreign records) keeps the
 * Kafka record timestamp, which producers set to the event time anyway.
 */
public final class ReadingTimestampExtractor implements TimestampExtractor {

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        Object value = record.value();
        if (value instanceof Reading reading && reading.getEventTime() != null) {
            return reading.getEventTime().toEpochMilli();
        }
        if (value instanceof Aggregate aggregate && aggregate.getWindowEnd() != null) {
            return aggregate.getWindowEnd().toEpochMilli() - 1;
        }
        long timestamp = record.timestamp();
        // A negative timestamp would make Streams drop the record; fall back to the partition's time.
        return timestamp >= 0 ? timestamp : Math.max(partitionTime, 0);
    }
}
