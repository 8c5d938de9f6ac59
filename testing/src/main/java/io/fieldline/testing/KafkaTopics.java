package io.fieldline.testing;

import io.fieldline.core.kafka.TopicReadiness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/** Creates a test's topics: the embedded broker, like production ones, creates none on demand. */
public final class KafkaTopics {

    /**
     * Keeps records whatever their timestamps: fixtures with old event times (a 2023 candump log) would
     * otherwise be deleted by the broker's next retention check, before the test reads them back.
     */
    public static final Map<String, String> KEEP_FOREVER = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");

    private KafkaTopics() {}

    /** Creates those of {@code topics} that do not exist yet, replication factor 1. */
    public static void createMissing(String bootstrapServers, int partitions, String... topics) {
        createMissing(bootstrapServers, partitions, Map.of(), topics);
    }

    /** Creates those of {@code topics} that do not exist yet, replication factor 1, with these topic configs. */
    public static void createMissing(
            String bootstrapServers, int partitions, Map<String, String> configs, String... topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : topics) {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, partitions, (short) 1).configs(configs));
                }
            }
            admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            TopicReadiness.awaitWritable(admin, List.of(topics), Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics " + List.of(topics), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topics " + List.of(topics), e);
        }
    }
}
