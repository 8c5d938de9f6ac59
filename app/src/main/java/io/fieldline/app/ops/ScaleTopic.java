package io.fieldline.app.ops;

import io.fieldline.schemas.TopicNames;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.runtime.PartitionedState;
import io.fieldline.topologies.runtime.PartitionedState.StatefulReader;
import io.fieldline.topologies.runtime.PartitionedState.Store;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fieldline topics scale TOPIC --partitions N}: adds partitions to a topic, safely for its keyed readers.
 *
 * <p>Kafka's default partitioner sends a key to murmur2(key) mod the partition count, so a new count moves keys
 * (devices) to other partitions. For a topic that no stateful Streams application reads, that only breaks the order
 * of one device's records across the change, and the command adds the partitions once it has shown which devices
 * move. For the input of a stateful application it refuses to do that: it runs (or, with {@code --plan}, prints) the
 * procedure of docs/operations.md, "Scaling partitions": producers stopped, every reader caught up, the applications
 * stopped, partitions added, each device's state moved to its new task's changelog partition, and every task's
 * partition time carried over, then everything started again.
 */
@Command(
        name = "scale",
        mixinStandardHelpOptions = true,
        description = {
            "Adds partitions to a topic. Shows which devices move to another partition (murmur2(key) mod the count).",
            "A topic no stateful Streams application reads gains its partitions at once. For the input of one "
                    + "(telemetry.readings, telemetry.readings.enriched) the command carries out, or prints with "
                    + "--plan, a procedure that keeps per-device order and Streams state: it waits for the "
                    + "producers to be stopped, the readers to catch up and the applications to be stopped, adds "
                    + "the partitions, moves each device's state to its new partition, and tells when to start "
                    + "everything again. Run it again to finish an interrupted run."
        })
final class ScaleTopic extends OpsCommand {

    @Parameters(paramLabel = "TOPIC", description = "The topic to scale.")
    String topic;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            required = true,
            description = "The new partition count (Kafka cannot lower it). A multiple of the current count keeps "
                    + "each new partition's devices from one old partition.")
    int partitions;

    @Option(names = "--plan", description = "Print the devices that move and the steps, change nothing.")
    boolean plan;

    @Option(
            names = "--yes",
            description = "Carry out the change. Without it the command prints what it would do and exits with 1.")
    boolean yes;

    @Option(
            names = "--scan-keys",
            description = "Also read the topic itself for its keys (by default the devices of metadata.devices).")
    boolean scanKeys;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = "600",
            description = "How long to wait for each step the operator carries out (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(
            names = "--quiet-period",
            paramLabel = "SECONDS",
            defaultValue = "10",
            description = "How long the topic's end offsets must stay still for its producers to count as "
                    + "stopped (default: ${DEFAULT-VALUE}).")
    long quietSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = out();
        TopicNames names = names();
        try (Admin admin = admin("fieldline topics scale")) {
            PartitionScaling scaling = new PartitionScaling(admin, kafka(), out);
            if (topic.endsWith("-repartition") || topic.endsWith("-changelog")) {
                err().printf(
                                "%s is a Kafka Streams internal topic: its partition count follows its application's input. "
                                        + "Not scaled; scale the application's input topic instead.%n",
                                topic);
                return 1;
            }
            if (!scaling.exists(topic)) {
                err().println("No such topic: " + topic);
                return 1;
            }
            int current = scaling.partitionCount(topic);
            if (partitions < current) {
                err().printf("%s has %d partitions; Kafka cannot take partitions away%n", topic, current);
                return 1;
            }
            if (isCompacted(admin)) {
                err().printf(
                                "%s is compacted: a key that moves keeps its last value in its old partition for good, and "
                                        + "a reader rebuilding a table from the topic may apply it after the new one. "
                                        + "Not scaled; re-create the topic instead.%n",
                                topic);
                return 1;
            }
            List<StatefulReader> readers;
            try {
                readers = PartitionedState.readersOf(topic, names, new StreamsSettingsConfig(settings()));
            } catch (PartitionedState.UnsupportedTopicException e) {
                err().println("Not scaled: " + e.getMessage() + ".");
                return 1;
            }
            List<StatefulReader> stateful = new ArrayList<>();
            for (StatefulReader reader : readers) {
                if (hasState(scaling, reader)) {
                    stateful.add(reader);
                }
            }
            for (StatefulReader reader : readers) {
                if (scaling.isStreamsGroup(reader.applicationId())) {
                    err().printf(
                                    "Not scaled: %s is a Streams group (group.protocol=streams): its offsets and changelogs "
                                            + "are managed by the broker, which this command does not support.%n",
                                    reader.applicationId());
                    return 1;
                }
            }
            List<StatefulReader> unfinished = new ArrayList<>();
            for (StatefulReader reader : stateful) {
                if (!finished(scaling, reader)) {
                    unfinished.add(reader);
                }
            }
            if (current == partitions && unfinished.isEmpty()) {
                out.printf("%s already has %d partitions; nothing to do.%n", topic, partitions);
                return 0;
            }
            boolean resuming = current == partitions;
            int from = resuming ? oldCount(scaling, unfinished) : current;
            showMoves(scaling, names, from);

            if (unfinished.isEmpty()) {
                out.printf(
                        "No stateful Streams application reads %s: it is scaled in place. A moved device's records "
                                + "written before and after the change are in two partitions, and a consumer may "
                                + "read them out of order.%n",
                        topic);
                List<String> withState = groupsWithChangelogs(scaling);
                if (!withState.isEmpty()) {
                    err().printf(
                                    "Not scaled: %s read %s and have changelog topics (<group>-*-changelog), so they keep "
                                            + "per-key state the change would split. Check topics.prefix and %s (the "
                                            + "command finds a stateful application only under its configured id), or "
                                            + "stop and reset those applications first.%n",
                                    String.join(", ", withState), topic, StreamsSettingsConfig.APPLICATION_ID_PREFIX);
                    return 1;
                }
                out.printf("Plan: add partitions to %s: %d -> %d.%n", topic, current, partitions);
                if (plan) {
                    return 0;
                }
                if (!yes) {
                    err().println("Nothing changed: add --yes to carry out the plan.");
                    return 1;
                }
                scaling.increase(topic, partitions);
                out.printf("%s now has %d partitions.%n", topic, scaling.partitionCount(topic));
                return 0;
            }

            printPlan(out, unfinished, from, resuming);
            if (plan) {
                return 0;
            }
            if (!yes) {
                err().println("Nothing changed: add --yes to carry out the procedure.");
                return 1;
            }
            return execute(scaling, unfinished, from, resuming);
        } finally {
            out.flush();
        }
    }

    private int execute(PartitionScaling scaling, List<StatefulReader> readers, int from, boolean resuming)
            throws Exception {
        PrintWriter out = out();
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        Duration quiet = Duration.ofSeconds(quietSeconds);

        out.printf(
                "Step 1: stop every producer into %s (%s). Waiting until its end offsets stay still for %d s...%n",
                topic, producersOf(names()), quietSeconds);
        out.flush();
        Map<TopicPartition, Long> ends = stillEnds(scaling, quiet, timeout);
        if (ends == null) {
            err().printf("Not scaled: records kept arriving on %s for %d s.%n", topic, timeoutSeconds);
            return 1;
        }
        out.println("  No record arrived for " + quietSeconds + " s: the producers are taken as stopped.");

        List<String> groups = new ArrayList<>(scaling.groupsReading(topic).keySet());
        readers.forEach(r -> {
            if (!groups.contains(r.applicationId())) {
                groups.add(r.applicationId());
            }
        });
        out.printf(
                "Step 2: keep the readers of %s running until they have read everything (groups: %s). Waiting...%n",
                topic, String.join(", ", groups));
        out.flush();
        // On a resumed run a stopped application may have records it has not read: written after it stopped, while
        // the change was under way (the case of exit code 2). It must not be started before the end (it would run
        // on a partly moved state), so it is not waited for; its tasks read those records after the start.
        Map<String, Long> unreadWhileStopped = new HashMap<>();
        for (String group : groups) {
            boolean application =
                    readers.stream().anyMatch(r -> r.applicationId().equals(group));
            if (application && resuming && scaling.members(group) == 0) {
                long lag = scaling.lag(group, topic, ends);
                if (lag > 0) {
                    unreadWhileStopped.put(group, lag);
                    out.printf(
                            "  %s is stopped with %d records of %s unread, written after it stopped: it stays "
                                    + "stopped until the end, and its tasks read them after the start, each "
                                    + "in the partition it was written to%n",
                            group, lag, topic);
                } else {
                    out.printf("  %s has read everything%n", group);
                }
                continue;
            }
            if (!application && scaling.members(group) == 0) {
                long lag = scaling.lag(group, topic, ends);
                if (lag > 0) {
                    out.printf(
                            "  %s has no member and %d records to read: it will read them after the change, "
                                    + "possibly out of order per device%n",
                            group, lag);
                }
                continue;
            }
            boolean caughtUp = PartitionScaling.await(timeout, () -> scaling.lag(group, topic, ends) == 0);
            if (!caughtUp) {
                err().printf(
                                "Not scaled: %s still has %d records of %s to read after %d s%s.%n",
                                group,
                                scaling.lag(group, topic, ends),
                                topic,
                                timeoutSeconds,
                                scaling.members(group) == 0
                                        ? " and no member: start it, then run the command again"
                                        : "");
                return 1;
            }
            out.printf("  %s has read everything%n", group);
        }

        List<String> applications =
                readers.stream().map(StatefulReader::applicationId).toList();
        out.printf(
                "Step 3: stop the Streams applications %s, every instance (fieldline run streams or streams:%s). "
                        + "Waiting until their groups are empty...%n",
                String.join(", ", applications),
                String.join(
                        "/streams:",
                        readers.stream().map(StatefulReader::application).toList()));
        out.flush();
        for (StatefulReader reader : readers) {
            if (!PartitionScaling.await(timeout, () -> scaling.members(reader.applicationId()) == 0)) {
                err().printf(
                                "Not scaled: %s still has %d members after %d s.%n",
                                reader.applicationId(), scaling.members(reader.applicationId()), timeoutSeconds);
                return 1;
            }
            out.printf("  %s is stopped%n", reader.applicationId());
        }
        if (!scaling.endOffsets(topic).equals(ends)) {
            err().printf(
                            "Not scaled: records arrived on %s after its producers were taken as stopped. Stop them all, "
                                    + "start the applications until they have caught up, then run the command again.%n",
                            topic);
            return 1;
        }
        for (StatefulReader reader : readers) {
            long lag = scaling.lag(reader.applicationId(), topic, ends);
            if (lag > unreadWhileStopped.getOrDefault(reader.applicationId(), 0L)) {
                err().printf(
                                "Not scaled: %s stopped with %d records of %s unread. Start it until it has caught up, then "
                                        + "run the command again.%n",
                                reader.applicationId(), lag, topic);
                return 1;
            }
        }

        out.printf("Step 4: adding partitions to %s: %d -> %d%n", topic, from, partitions);
        out.flush();
        scaling.increase(topic, partitions);

        out.println("Step 5: moving each device's state to the changelog partition of its new partition");
        out.flush();
        for (StatefulReader reader : readers) {
            out.printf("  %s:%n", reader.applicationId());
            scaling.moveState(reader, partitions);
        }
        if (!stillStopped(scaling, readers, ends)) {
            return 2;
        }
        for (StatefulReader reader : readers) {
            int written = scaling.carryPartitionTimes(reader, topic, resuming ? 0 : from, partitions);
            out.printf(
                    "  %s: offsets and partition times committed on %d input partitions%n",
                    reader.applicationId(), written);
            out.flush();
        }

        out.printf(
                "Step 6: done. %s has %d partitions. Start the Streams applications (%s) and then the producers "
                        + "(restart them: a producer that kept running uses the old partition count until its "
                        + "metadata refreshes).%n",
                topic, partitions, String.join(", ", applications));
        return 0;
    }

    /**
     * After the state move: whether the topic's partitions still end where they did at the quiet check (the new ones
     * at 0) and the applications' groups are still empty. Otherwise tells what went wrong and what to do.
     */
    private boolean stillStopped(PartitionScaling scaling, List<StatefulReader> readers, Map<TopicPartition, Long> ends)
            throws Exception {
        List<String> moved = new ArrayList<>();
        scaling.endOffsets(topic).forEach((tp, end) -> {
            long before = ends.getOrDefault(tp, 0L);
            if (end != before) {
                moved.add(tp.partition() + " (" + before + " -> " + end + ")");
            }
        });
        List<String> running = new ArrayList<>();
        for (StatefulReader reader : readers) {
            int members = scaling.members(reader.applicationId());
            if (members > 0) {
                running.add(reader.applicationId() + " (" + members + " members)");
            }
        }
        if (moved.isEmpty() && running.isEmpty()) {
            return true;
        }
        if (!moved.isEmpty()) {
            err().printf(
                            "NOT FINISHED: records were written to %s during the change, on partitions %s. A record on an "
                                    + "old partition may belong to a device whose state has just moved away: its task would "
                                    + "process it without that state. The partitions are added and the state is moved, but "
                                    + "no offset or partition time is committed. Do not start the applications: stop every "
                                    + "producer, find out what wrote those records, decide whether to keep them (they will "
                                    + "be processed against the moved state) and run the command again to finish.%n",
                            topic, String.join(", ", moved));
        }
        if (!running.isEmpty()) {
            err().printf(
                            "NOT FINISHED: %s started during the change and may have restored or changed state while it "
                                    + "moved. Stop every instance and run the command again to finish.%n",
                            String.join(", ", running));
        }
        return false;
    }

    /** The groups with committed offsets on the topic that have Streams changelogs ({@code <group>-*-changelog}). */
    private List<String> groupsWithChangelogs(PartitionScaling scaling) throws Exception {
        Set<String> topics = scaling.topicNames();
        List<String> found = new ArrayList<>();
        for (String group : scaling.groupsReading(topic).keySet()) {
            String prefix = group + "-";
            if (topics.stream().anyMatch(t -> t.startsWith(prefix) && t.endsWith("-changelog"))) {
                found.add(group);
            }
        }
        return found;
    }

    /** The end offsets once they have not changed for {@code quiet}; null after {@code timeout}. */
    private Map<TopicPartition, Long> stillEnds(PartitionScaling scaling, Duration quiet, Duration timeout)
            throws Exception {
        AtomicReference<Map<TopicPartition, Long>> seen = new AtomicReference<>(scaling.endOffsets(topic));
        long[] since = {System.nanoTime()};
        boolean still = PartitionScaling.await(timeout.plus(quiet), () -> {
            Map<TopicPartition, Long> now = scaling.endOffsets(topic);
            if (!now.equals(seen.get())) {
                seen.set(now);
                since[0] = System.nanoTime();
                return false;
            }
            return System.nanoTime() - since[0] >= quiet.toNanos();
        });
        return still ? seen.get() : null;
    }

    private void printPlan(PrintWriter out, List<StatefulReader> readers, int from, boolean resuming) {
        out.printf(
                "%s is the input of stateful Streams applications: %s. Their per-device state (open windows, "
                        + "seen readings, alert and anomaly series) lives in the task of the device's partition, "
                        + "so it is not scaled in place.%n",
                topic,
                String.join(
                        ", ",
                        readers.stream().map(StatefulReader::applicationId).toList()));
        if (resuming) {
            out.printf(
                    "%s already has %d partitions but the state was not moved: this run finishes the procedure.%n",
                    topic, partitions);
        }
        out.println("Procedure (docs/operations.md, Scaling partitions):");
        out.printf(
                "  1. Stop every producer into %s (%s); wait until no record arrives.%n", topic, producersOf(names()));
        out.printf("  2. Wait until every consumer group reading %s has read everything.%n", topic);
        out.printf(
                "  3. Stop %s (every instance); wait until their groups are empty.%n",
                String.join(
                        ", ",
                        readers.stream().map(StatefulReader::applicationId).toList()));
        out.printf("  4. Add partitions to %s: %d -> %d.%n", topic, from, partitions);
        out.println("  5. For each application: add partitions to these changelogs and move every entry to the "
                + "partition of its device (copy, then tombstone the old one); commit the new input partitions at "
                + "offset 0 with the partition time of the partitions their devices came from:");
        for (StatefulReader reader : readers) {
            for (Store store : reader.stores()) {
                out.printf("       %s%n", store.changelog(reader.applicationId()));
            }
        }
        out.println("  6. Start the applications, then restart the producers.");
        if (from > 0 && partitions % from != 0) {
            out.printf(
                    "  Note: %d is not a multiple of %d, so a new partition takes devices from several old ones and "
                            + "starts at the latest of their times; a reading older than that minus the grace "
                            + "then counts as late.%n",
                    partitions, from);
        }
    }

    private void showMoves(PartitionScaling scaling, TopicNames names, int from) throws Exception {
        PrintWriter out = out();
        Set<String> keys = new TreeSet<>();
        String source = "";
        if (scaling.exists(names.devices())) {
            keys.addAll(scaling.liveKeys(names.devices()));
            source = "devices of " + names.devices();
        }
        if (scanKeys) {
            keys.addAll(scaling.liveKeys(topic));
            source = source.isEmpty() ? "keys of " + topic : source + " and keys of " + topic;
        }
        int moved = 0;
        List<String> lines = new ArrayList<>();
        for (String key : keys) {
            int before = PartitionScaling.partitionFor(key, from);
            int after = PartitionScaling.partitionFor(key, partitions);
            if (before != after) {
                moved++;
                lines.add(String.format("  %-40s %9d %9d", key, before, after));
            }
        }
        out.printf(
                "%d of %d keys (%s) move to another partition of %s (%d -> %d partitions)%s%n",
                moved,
                keys.size(),
                source.isEmpty() ? "none known" : source,
                topic,
                from,
                partitions,
                moved > 0 ? ":" : ".");
        if (moved > 0) {
            out.printf("  %-40s %9s %9s%n", "KEY", "FROM", "TO");
            lines.forEach(out::println);
        }
    }

    private String producersOf(TopicNames names) {
        if (topic.equals(names.readings())) {
            return "mqtt-bridge, can-bridge and any other ingestion";
        }
        if (topic.equals(names.enrichedReadings())) {
            return "the readings application, streams:readings";
        }
        return "whatever writes it";
    }

    private boolean isCompacted(Admin admin) throws Exception {
        Config config = TopicsCommand.configs(admin, List.of(topic)).get(topic);
        ConfigEntry policy = config == null ? null : config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        return policy != null && policy.value() != null && policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT);
    }

    /** Whether the application has run on this cluster: committed input offsets or a changelog. */
    private boolean hasState(PartitionScaling scaling, StatefulReader reader) throws Exception {
        if (!scaling.committed(reader.applicationId(), topic).isEmpty()) {
            return true;
        }
        for (Store store : reader.stores()) {
            if (scaling.exists(store.changelog(reader.applicationId()))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the reader's changelogs have the new partition count and its group has an offset on each partition. */
    private boolean finished(PartitionScaling scaling, StatefulReader reader) throws Exception {
        for (Store store : reader.stores()) {
            String changelog = store.changelog(reader.applicationId());
            if (scaling.exists(changelog) && scaling.partitionCount(changelog) < partitions) {
                return false;
            }
        }
        Map<TopicPartition, OffsetAndMetadata> committed = scaling.committed(reader.applicationId(), topic);
        return committed.isEmpty() || committed.size() >= partitions;
    }

    /**
     * On a resumed run, the old count: the applications' groups committed their input offsets on the old partitions
     * only, until the end of the procedure commits the new ones, so one past the highest partition an unfinished
     * application has an offset on (the smallest over them). The changelogs cannot tell it: they are all raised in
     * one request. Without any offset, the smallest changelog count, else the topic's. Only shown: the partition
     * times of a resumed run are carried from every old partition.
     */
    private int oldCount(PartitionScaling scaling, List<StatefulReader> readers) throws Exception {
        int count = partitions;
        boolean known = false;
        for (StatefulReader reader : readers) {
            Map<TopicPartition, OffsetAndMetadata> committed = scaling.committed(reader.applicationId(), topic);
            int highest = committed.keySet().stream()
                    .mapToInt(TopicPartition::partition)
                    .max()
                    .orElse(-1);
            if (highest >= 0) {
                count = Math.min(count, highest + 1);
                known = true;
            }
        }
        if (known) {
            return count;
        }
        for (StatefulReader reader : readers) {
            for (Store store : reader.stores()) {
                String changelog = store.changelog(reader.applicationId());
                if (scaling.exists(changelog)) {
                    count = Math.min(count, scaling.partitionCount(changelog));
                }
            }
        }
        return count;
    }
}
