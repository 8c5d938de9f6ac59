package io.fieldline.app.ops;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fieldline topics list|describe|scale}: the topics of the cluster, their layout, retention and size. */
@Command(
        name = "topics",
        mixinStandardHelpOptions = true,
        description = "The topics of the Kafka cluster: partitions, replication, retention, configuration, size; "
                + "adding partitions safely.",
        subcommands = {TopicsCommand.ListTopics.class, TopicsCommand.Describe.class, ScaleTopic.class})
public final class TopicsCommand {

    /** {@code fieldline topics list}: one line per topic. */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "One line per topic: partitions, replication factor, retention, cleanup policy, size.")
    static final class ListTopics extends OpsCommand {

        @Option(names = "--internal", description = "Include Kafka's internal topics (__consumer_offsets, ...).")
        boolean internal;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = out();
            try (Admin admin = admin("fieldline topics")) {
                List<String> names =
                        OpsClients.get(admin.listTopics(new ListTopicsOptions().listInternal(internal))
                                        .names())
                                .stream()
                                .sorted()
                                .toList();
                Map<String, TopicDescription> topics =
                        OpsClients.get(admin.describeTopics(names).allTopicNames());
                Map<String, Config> configs = configs(admin, names);
                Map<TopicPartition, Long> sizes = leaderSizes(admin, topics.values());
                out.printf(
                        "%-48s %10s %3s %10s %14s %12s%n", "TOPIC", "PARTITIONS", "RF", "RETENTION", "CLEANUP", "SIZE");
                for (String name : names) {
                    TopicDescription topic = topics.get(name);
                    Config topicConfig = configs.get(name);
                    out.printf(
                            "%-48s %10d %3d %10s %14s %12s%n",
                            name,
                            topic.partitions().size(),
                            topic.partitions().get(0).replicas().size(),
                            OpsClients.retention(value(topicConfig, TopicConfig.RETENTION_MS_CONFIG)),
                            value(topicConfig, TopicConfig.CLEANUP_POLICY_CONFIG),
                            OpsClients.size(topicSize(name, sizes)));
                }
                out.flush();
                return 0;
            }
        }
    }

    /** {@code fieldline topics describe TOPIC}: partitions, replicas, offsets, sizes and the settings not left default. */
    @Command(
            name = "describe",
            mixinStandardHelpOptions = true,
            description = "A topic's partitions (leader, replicas, in-sync replicas, offsets, size) and the settings "
                    + "that are not the broker's default.")
    static final class Describe extends OpsCommand {

        @Parameters(paramLabel = "TOPIC", arity = "1..*", description = "The topics to describe.")
        List<String> names;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = out();
            try (Admin admin = admin("fieldline topics")) {
                Map<String, TopicDescription> topics;
                try {
                    topics = OpsClients.get(admin.describeTopics(names).allTopicNames());
                } catch (org.apache.kafka.common.errors.UnknownTopicOrPartitionException e) {
                    err().println("No such topic among " + names + ": " + e.getMessage());
                    return 1;
                }
                Map<String, Config> configs = configs(admin, names);
                Map<TopicPartition, Long> sizes = leaderSizes(admin, topics.values());
                List<TopicPartition> partitions = new ArrayList<>();
                topics.values()
                        .forEach(topic -> topic.partitions()
                                .forEach(p -> partitions.add(new TopicPartition(topic.name(), p.partition()))));
                Map<TopicPartition, ListOffsetsResultInfo> starts = offsets(admin, partitions, OffsetSpec.earliest());
                Map<TopicPartition, ListOffsetsResultInfo> ends = offsets(admin, partitions, OffsetSpec.latest());
                for (String name : names) {
                    TopicDescription topic = topics.get(name);
                    out.printf(
                            "Topic %s: %d partitions, replication factor %d, %s, %d records, %s%n",
                            name,
                            topic.partitions().size(),
                            topic.partitions().get(0).replicas().size(),
                            topic.isInternal() ? "internal" : "not internal",
                            topic.partitions().stream()
                                    .mapToLong(p -> ends.get(new TopicPartition(name, p.partition()))
                                                    .offset()
                                            - starts.get(new TopicPartition(name, p.partition()))
                                                    .offset())
                                    .sum(),
                            OpsClients.size(topicSize(name, sizes)));
                    out.printf(
                            "  %9s %6s %-12s %-12s %12s %12s %12s%n",
                            "PARTITION", "LEADER", "REPLICAS", "ISR", "START", "END", "SIZE");
                    for (TopicPartitionInfo p : topic.partitions()) {
                        TopicPartition tp = new TopicPartition(name, p.partition());
                        out.printf(
                                "  %9d %6s %-12s %-12s %12d %12d %12s%n",
                                p.partition(),
                                p.leader() == null
                                        ? "none"
                                        : Integer.toString(p.leader().id()),
                                ids(p.replicas()),
                                ids(p.isr()),
                                starts.get(tp).offset(),
                                ends.get(tp).offset(),
                                OpsClients.size(sizes.getOrDefault(tp, -1L)));
                    }
                    out.println("  Settings (not the broker's default):");
                    List<ConfigEntry> set = configs.get(name).entries().stream()
                            .filter(e -> e.source() != ConfigEntry.ConfigSource.DEFAULT_CONFIG
                                    && e.source() != ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG
                                    && e.source() != ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)
                            .sorted((a, b) -> a.name().compareTo(b.name()))
                            .toList();
                    if (set.isEmpty()) {
                        out.println("    (none)");
                    }
                    for (ConfigEntry entry : set) {
                        out.printf("    %s=%s%n", entry.name(), entry.isSensitive() ? "(sensitive)" : entry.value());
                    }
                }
                out.flush();
                return 0;
            }
        }
    }

    static Map<String, Config> configs(Admin admin, Collection<String> names) throws Exception {
        Map<ConfigResource, Config> byResource = OpsClients.get(admin.describeConfigs(names.stream()
                        .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name))
                        .toList())
                .all());
        Map<String, Config> configs = new HashMap<>();
        byResource.forEach((resource, config) -> configs.put(resource.name(), config));
        return configs;
    }

    /** Size on disk of each partition's leader replica (-1 where the broker did not say). */
    static Map<TopicPartition, Long> leaderSizes(Admin admin, Collection<TopicDescription> topics) throws Exception {
        Map<TopicPartition, Integer> leaders = new HashMap<>();
        for (TopicDescription topic : topics) {
            for (TopicPartitionInfo p : topic.partitions()) {
                if (p.leader() != null) {
                    leaders.put(
                            new TopicPartition(topic.name(), p.partition()),
                            p.leader().id());
                }
            }
        }
        List<Integer> brokers = leaders.values().stream().distinct().toList();
        Map<TopicPartition, Long> sizes = new HashMap<>();
        if (brokers.isEmpty()) {
            return sizes;
        }
        Map<Integer, Map<String, LogDirDescription>> dirs =
                OpsClients.get(admin.describeLogDirs(brokers).allDescriptions());
        dirs.forEach((broker, byDir) -> byDir.values().forEach(dir -> {
            for (Map.Entry<TopicPartition, ReplicaInfo> replica :
                    dir.replicaInfos().entrySet()) {
                if (broker.equals(leaders.get(replica.getKey()))
                        && !replica.getValue().isFuture()) {
                    sizes.put(replica.getKey(), replica.getValue().size());
                }
            }
        }));
        return sizes;
    }

    static long topicSize(String topic, Map<TopicPartition, Long> sizes) {
        long total = 0;
        boolean any = false;
        for (Map.Entry<TopicPartition, Long> entry : sizes.entrySet()) {
            if (entry.getKey().topic().equals(topic) && entry.getValue() >= 0) {
                total += entry.getValue();
                any = true;
            }
        }
        return any ? total : -1;
    }

    static Map<TopicPartition, ListOffsetsResultInfo> offsets(
            Admin admin, List<TopicPartition> partitions, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> request =
                new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        partitions.forEach(p -> request.put(p, spec));
        return OpsClients.get(admin.listOffsets(request).all());
    }

    private static String value(Config config, String name) {
        ConfigEntry entry = config == null ? null : config.get(name);
        return entry == null ? "-" : entry.value();
    }

    private static String ids(List<Node> nodes) {
        return nodes.stream().map(n -> Integer.toString(n.id())).collect(Collectors.joining(","));
    }
}
