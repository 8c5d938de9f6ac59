package io.fieldline.app.ops;

import io.fieldline.app.service.GroupLag;
import io.fieldline.app.service.GroupLag.PartitionLag;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fieldline lag}: every consumer group's committed position on each partition against the partition's end,
 * read twice {@code --interval} apart so that it also says how fast each group consumes and each partition grows.
 */
@Command(
        name = "lag",
        mixinStandardHelpOptions = true,
        description = "Consumer lag per group and partition, with consume and produce rates measured over --interval.")
public final class LagCommand extends OpsCommand {

    @Option(
            names = {"-g", "--group"},
            paramLabel = "GROUP",
            description = "Only these consumer groups (repeatable; default: every group that has committed offsets).")
    List<String> groups = new ArrayList<>();

    @Option(
            names = "--interval",
            paramLabel = "SECONDS",
            defaultValue = "5",
            description = "Read the offsets twice this far apart to measure rates; 0 reads once, without rates "
                    + "(default: ${DEFAULT-VALUE}).")
    double intervalSeconds;

    @Option(names = "--by-partition", description = "One line per partition, not only per group and topic.")
    boolean perPartition;

    @Override
    public Integer call() throws Exception {
        if (intervalSeconds < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--interval must not be negative");
        }
        PrintWriter out = out();
        try (Admin admin = admin("fieldline lag")) {
            List<String> names = groups.isEmpty() ? allGroups(admin) : groups;
            Map<String, Map<TopicPartition, PartitionLag>> first = read(admin, names);
            Map<String, Map<TopicPartition, PartitionLag>> second = first;
            long started = System.nanoTime();
            if (intervalSeconds > 0) {
                Thread.sleep((long) (intervalSeconds * 1000));
                second = read(admin, names);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            boolean rates = intervalSeconds > 0;
            out.printf(
                    "%-40s %-36s %9s %12s %12s %10s%s%n",
                    "GROUP",
                    "TOPIC",
                    perPartition ? "PARTITION" : "PARTS",
                    "COMMITTED",
                    "END",
                    "LAG",
                    rates ? String.format(Locale.ROOT, " %12s %12s", "CONSUMED/S", "PRODUCED/S") : "");
            long totalLag = 0;
            for (String group : names) {
                Map<TopicPartition, PartitionLag> now = second.getOrDefault(group, Map.of());
                Map<TopicPartition, PartitionLag> before = first.getOrDefault(group, Map.of());
                if (now.isEmpty()) {
                    out.printf("%-40s (no committed offsets)%n", group);
                    continue;
                }
                Map<String, List<TopicPartition>> byTopic = new LinkedHashMap<>();
                now.keySet()
                        .forEach(p -> byTopic.computeIfAbsent(p.topic(), t -> new ArrayList<>())
                                .add(p));
                for (Map.Entry<String, List<TopicPartition>> topic : byTopic.entrySet()) {
                    List<List<TopicPartition>> rows = perPartition
                            ? topic.getValue().stream().map(List::of).toList()
                            : List.of(topic.getValue());
                    for (List<TopicPartition> row : rows) {
                        long committed = 0;
                        long end = 0;
                        long lag = 0;
                        long consumed = 0;
                        long produced = 0;
                        for (TopicPartition p : row) {
                            PartitionLag after = now.get(p);
                            PartitionLag earlier = before.getOrDefault(p, after);
                            committed += after.committed();
                            end += after.end();
                            lag += after.lag();
                            consumed += after.committed() - earlier.committed();
                            produced += after.end() - earlier.end();
                        }
                        totalLag += lag;
                        out.printf(
                                "%-40s %-36s %9s %12d %12d %10d%s%n",
                                group,
                                topic.getKey(),
                                perPartition ? Integer.toString(row.get(0).partition()) : Integer.toString(row.size()),
                                committed,
                                end,
                                lag,
                                rates
                                        ? String.format(
                                                Locale.ROOT, " %12.1f %12.1f", consumed / seconds, produced / seconds)
                                        : "");
                    }
                }
            }
            out.printf("Total lag: %d records in %d groups%n", totalLag, names.size());
            out.flush();
            return 0;
        }
    }

    private static List<String> allGroups(Admin admin) throws Exception {
        return OpsClients.get(admin.listGroups().all()).stream()
                .filter(g -> g.type().map(t -> t != GroupType.SHARE).orElse(true))
                .map(GroupListing::groupId)
                .sorted()
                .toList();
    }

    private static Map<String, Map<TopicPartition, PartitionLag>> read(Admin admin, List<String> groups)
            throws Exception {
        Map<String, Map<TopicPartition, PartitionLag>> lags = new LinkedHashMap<>();
        for (String group : groups) {
            try {
                lags.put(group, GroupLag.read(admin, group, OpsClients.TIMEOUT));
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }
        return lags;
    }
}
