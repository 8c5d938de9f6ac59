package io.fieldline.core.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Waits until topics can take their first write: every partition has a leader that already serves it.
 *
 * <p>Why a producer must not send before that (Kafka up to 4.4; the broker-side fix, KAFKA-15591, ships in
 * 4.5): a broker's metadata cache names a partition's leader before the leader has opened the partition. An
 * idempotent producer with several requests in flight then gets {@code NOT_LEADER_OR_FOLLOWER} on its first
 * batch while a batch pipelined behind it lands once the partition opens; a broker with no state for the
 * producer accepts any first sequence, so every retry of the first batch is refused as out of order until
 * {@code delivery.timeout.ms} expires its records. Seen on the embedded broker in nearly every run that sent at
 * once to a just-created 24-partition topic ({@code FreshTopicFirstSendIT}).
 *
 * <p>Metadata alone proves nothing here; a {@code ListOffsets} answered by each partition's leader does: the
 * leader answers it from the same partition state a produce request needs.
 */
public final class TopicReadiness {

    private static final Duration PAUSE = Duration.ofMillis(100);

    private TopicReadiness() {}

    /**
     * {@link #awaitWritable(Admin, Collection, Duration)} with a short-lived admin client made from {@code kafka}
     * for {@code component} (its name goes into the client id): what an edge calls before its first send.
     */
    public static void awaitWritable(
            KafkaClientConfig kafka, String component, Collection<String> topics, Duration timeout)
            throws InterruptedException {
        try (Admin admin = Admin.create(kafka.adminProperties(ClientRules.of(component)
                .byDefault(AdminClientConfig.CLIENT_ID_CONFIG, component.replace(' ', '-') + "-topic-check")))) {
            awaitWritable(admin, topics, timeout);
        }
    }

    /**
     * Returns once every partition of every topic in {@code topics} answers its leader's {@code ListOffsets};
     * throws {@link IllegalStateException} naming the topics not ready, and why, after {@code timeout}.
     */
    public static void awaitWritable(Admin admin, Collection<String> topics, Duration timeout)
            throws InterruptedException {
        Set<String> pending = new LinkedHashSet<>(topics);
        if (pending.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        String reason = "not checked";
        while (true) {
            int remainingMs = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            try {
                reason = check(admin, pending, Math.min(remainingMs, 5_000));
                if (reason == null) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
            }
            if (System.nanoTime() + PAUSE.toNanos() > deadline) {
                throw new IllegalStateException("Kafka topics " + pending + " are not writable after "
                        + timeout.toSeconds() + " s (" + reason + ")");
            }
            Thread.sleep(PAUSE.toMillis());
        }
    }

    /** Null when every partition is served by its leader; otherwise what is missing. */
    private static String check(Admin admin, Set<String> topics, int timeoutMs)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, TopicDescription> descriptions = admin.describeTopics(
                        topics, new DescribeTopicsOptions().timeoutMs(timeoutMs))
                .allTopicNames()
                .get(timeoutMs, TimeUnit.MILLISECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (TopicDescription description : descriptions.values()) {
            List<TopicPartitionInfo> partitions = description.partitions();
            if (partitions.isEmpty()) {
                return description.name() + " has no partitions yet";
            }
            for (TopicPartitionInfo partition : partitions) {
                if (partition.leader() == null || partition.leader().isEmpty()) {
                    return description.name() + "-" + partition.partition() + " has no leader";
                }
                latest.put(new TopicPartition(description.name(), partition.partition()), OffsetSpec.latest());
            }
        }
        admin.listOffsets(latest, new ListOffsetsOptions().timeoutMs(timeoutMs))
                .all()
                .get(timeoutMs, TimeUnit.MILLISECONDS);
        return null;
    }
}
