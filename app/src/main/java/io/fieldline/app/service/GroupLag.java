package io.fieldline.app.service;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumer group's position on each partition it has committed on, against the partition's end: what the lag
 * monitor exports and what {@code fieldline lag} prints.
 */
public final class GroupLag {

    /** One partition: the group's committed offset, the partition's end offset, and the records between. */
    public record PartitionLag(TopicPartition partition, long committed, long end) {
        public long lag() {
            return Math.max(0, end - committed);
        }
    }

    private GroupLag() {}

    /**
     * Reads a group's committed offsets and the end offsets of those partitions, ordered by topic and partition.
     * Empty when the group has committed nothing.
     */
    public static Map<TopicPartition, PartitionLag> read(Admin admin, String group, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, PartitionLag> lags =
                new TreeMap<>((a, b) -> a.topic().equals(b.topic())
                        ? Integer.compare(a.partition(), b.partition())
                        : a.topic().compareTo(b.topic()));
        if (committed.isEmpty()) {
            return lags;
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(partition -> latest.put(partition, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                admin.listOffsets(latest).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        committed.forEach((partition, offset) -> {
            if (offset != null && ends.containsKey(partition)) {
                lags.put(
                        partition,
                        new PartitionLag(
                                partition, offset.offset(), ends.get(partition).offset()));
            }
        });
        return lags;
    }
}
