package io.fieldline.dev.up;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * Records per topic, as end offset minus start offset summed over partitions. For transactional
 * topics this counts commit markers too, so it is an upper bound there; it is what an operator's
 * {@code kafka-get-offsets} would show.
 */
public final class TopicCounts {

    private TopicCounts() {}

    public static Map<String, Long> of(Admin admin, Collection<String> topics) throws InterruptedException {
        try {
            Map<String, TopicDescription> described =
                    admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            described
                    .values()
                    .forEach(d -> d.partitions().forEach(p -> {
                        TopicPartition tp = new TopicPartition(d.name(), p.partition());
                        latest.put(tp, OffsetSpec.latest());
                        earliest.put(tp, OffsetSpec.earliest());
                    }));
            Map<TopicPartition, ListOffsetsResultInfo> ends =
                    admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, ListOffsetsResultInfo> starts =
                    admin.listOffsets(earliest).all().get(30, TimeUnit.SECONDS);
            Map<String, Long> counts = new TreeMap<>();
            for (String topic : topics) {
                counts.put(topic, 0L);
            }
            ends.forEach((tp, end) ->
                    counts.merge(tp.topic(), end.offset() - starts.get(tp).offset(), Long::sum));
            return counts;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot read topic offsets: " + e.getMessage(), e);
        }
    }

    /** Convenience for one topic. */
    public static long of(Admin admin, String topic) throws InterruptedException {
        return of(admin, List.of(topic)).get(topic);
    }
}
