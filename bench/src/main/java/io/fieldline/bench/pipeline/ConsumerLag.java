package io.fieldline.bench.pipeline;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The lag of every consumer group of the cluster: records between a group's committed offsets and the end of the
 * partitions it committed on. A Kafka Streams application is one group; so is each sink stream. Groups that match
 * {@code ignored} (the benchmark's own readers) are left out.
 */
public final class ConsumerLag {

    private final Admin admin;
    private final Set<String> ignored;

    public ConsumerLag(Admin admin, Set<String> ignored) {
        this.admin = admin;
        this.ignored = Set.copyOf(ignored);
    }

    /** Lag per group now, by group id. */
    public Map<String, Long> sample() throws Exception {
        Collection<GroupListing> groups = admin.listGroups().all().get(30, TimeUnit.SECONDS);
        Map<String, ListConsumerGroupOffsetsSpec> specs = groups.stream()
                .map(GroupListing::groupId)
                .filter(id -> !ignored.contains(id))
                .collect(Collectors.toMap(id -> id, id -> new ListConsumerGroupOffsetsSpec()));
        Map<String, Long> lag = new TreeMap<>();
        if (specs.isEmpty()) {
            return lag;
        }
        Map<String, Map<TopicPartition, OffsetAndMetadata>> committed =
                admin.listConsumerGroupOffsets(specs).all().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        committed.values().forEach(offsets -> offsets.keySet().forEach(tp -> partitions.put(tp, OffsetSpec.latest())));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                admin.listOffsets(partitions).all().get(30, TimeUnit.SECONDS);
        committed.forEach((group, offsets) -> {
            long total = 0;
            for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : offsets.entrySet()) {
                if (entry.getValue() == null) {
                    continue;
                }
                ListOffsetsResult.ListOffsetsResultInfo end = ends.get(entry.getKey());
                if (end != null) {
                    total += Math.max(0, end.offset() - entry.getValue().offset());
                }
            }
            lag.put(group, total);
        });
        return lag;
    }
}
