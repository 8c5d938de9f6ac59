package io.fieldline.app;

import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.schemas.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics of the public contract when they are missing: data topics with the
 * configured partition count, metadata topics compacted, dead-letter topics. Existing topics
 * are left as they are (scaling partitions is an operator decision: it remaps keys). Returns only once every
 * partition of every one of them is served by its leader, so that no producer's first send races the topic's
 * creation ({@link TopicReadiness}).
 */
public final class TopicProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    /** Stages that write dead letters. */
    public static final List<String> DEAD_LETTER_STAGES =
            List.of("mqtt", "can", "streams", "sink", "cdc", "csv", "http");

    private final TopicNames names;
    private final int partitions;
    private final short replicationFactor;

    public TopicProvisioner(TopicNames names, int partitions, short replicationFactor) {
        this.names = names;
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
    }

    /** The topics this provisioner manages, with their settings. */
    public List<NewTopic> topics() {
        List<NewTopic> topics = new ArrayList<>();
        for (String name : names.dataTopics()) {
            topics.add(new NewTopic(name, partitions, replicationFactor));
        }
        for (String name : names.metadataTopics()) {
            // Metadata is small and read whole as global tables: few partitions, compacted.
            topics.add(new NewTopic(name, 1, replicationFactor)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        }
        for (String stage : DEAD_LETTER_STAGES) {
            topics.add(new NewTopic(names.deadLetters(stage), 1, replicationFactor));
        }
        return topics;
    }

    /** Creates the missing topics and returns the names it created. */
    public List<String> createMissing(Admin admin) throws InterruptedException {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing =
                    topics().stream().filter(t -> !existing.contains(t.name())).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
            }
            List<String> created = missing.stream().map(NewTopic::name).toList();
            // A producer must not send before every partition is served (see TopicReadiness): check them all,
            // not only those created now, since another process may have created the rest a moment ago.
            TopicReadiness.awaitWritable(
                    admin, topics().stream().map(NewTopic::name).toList(), Duration.ofSeconds(60));
            LOG.info("Topics: {} created, {} already present", created.size(), topics().size() - created.size());
            return created;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot create the Fieldline topics: " + e.getMessage(), e);
        }
    }
}
