package io.fieldline.topologies.runtime;

import org.apache.kafka.streams.processor.internals.ProcessorMetadata;
import org.apache.kafka.streams.processor.internals.TopicPartitionMetadata;

/**
 * The partition time Kafka Streams keeps in the metadata of a task's committed input offset: the largest record
 * timestamp the task has processed on that partition. A task's stream time, on which the aggregator closes its
 * windows, starts from it after a restart. A new partition has none, so its task would start its stream time from
 * its first record; {@code fieldline topics scale} gives it the time of the partitions its devices came from, so
 * that a window already closed there is not opened again.
 *
 * <p>The encoding is Kafka Streams' own ({@code TopicPartitionMetadata}, an internal class of the Streams jar):
 * the version is pinned by the parent POM, and the round trip is tested.
 */
public final class PartitionTime {

    /** No partition time known (Kafka Streams' own marker). */
    public static final long UNKNOWN = -1L;

    private PartitionTime() {}

    /** The partition time in a committed offset's metadata; {@link #UNKNOWN} when there is none. */
    public static long decode(String metadata) {
        if (metadata == null || metadata.isEmpty()) {
            return UNKNOWN;
        }
        return TopicPartitionMetadata.decode(metadata).partitionTime();
    }

    /** {@code metadata} with its partition time replaced by {@code partitionTime}, other task metadata kept. */
    public static String withTime(String metadata, long partitionTime) {
        ProcessorMetadata processor = metadata == null || metadata.isEmpty()
                ? new ProcessorMetadata()
                : TopicPartitionMetadata.decode(metadata).processorMetadata();
        return new TopicPartitionMetadata(partitionTime, processor).encode();
    }
}
