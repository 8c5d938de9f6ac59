package io.fieldline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.embedded.registry.SchemaRegistryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dedicated three-node cluster, each node its own JVM, failed on purpose: a partition's leader killed with SIGKILL
 * and frozen with SIGSTOP while a producer keeps writing with {@code acks=all}. Not one acknowledged record may be
 * lost or written twice. The tests run in order on one cluster; the last one stops and closes it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaClusterIT {

    private static final int PARTITIONS = 3;

    @TempDir
    static Path dataDir;

    private static KafkaCluster cluster;
    /** Every node JVM seen, to check that none outlives the cluster. */
    private static final Set<Long> pids = new HashSet<>();

    @BeforeAll
    static void startCluster() {
        // C1 alone: these nodes live a minute; their checks are about processes and replicas, not speed.
        cluster = new KafkaCluster(dataDir.resolve("cluster"), Map.of(), List.of("-XX:TieredStopAtLevel=1"));
        cluster.start();
        cluster.nodeIds().forEach(id -> pids.add(cluster.pid(id)));
    }

    @AfterAll
    static void closeCluster() {
        if (cluster != null) {
            cluster.close();
        }
        // Whatever the outcome, leave no node behind.
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    @Test
    @Order(1)
    void shouldRunEachNodeInItsOwnJvm() throws Exception {
        assertThat(cluster.bootstrapServers().split(",")).hasSize(3);
        Set<Long> nodePids = cluster.nodeIds().stream().map(cluster::pid).collect(Collectors.toSet());
        assertThat(nodePids).hasSize(3).doesNotContain(ProcessHandle.current().pid());
        for (int id : cluster.nodeIds()) {
            ProcessHandle node = ProcessHandle.of(cluster.pid(id)).orElseThrow();
            assertThat(node.parent().map(ProcessHandle::pid))
                    .contains(ProcessHandle.current().pid());
            assertThat(node.info().commandLine().orElse(""))
                    .contains(KafkaNodeMain.class.getName())
                    .contains("-Xmx384m")
                    .contains("-XX:TieredStopAtLevel=1");
            assertThat(cluster.logFile(id)).isNotEmptyFile();
        }
        try (Admin admin = admin()) {
            assertThat(admin.describeCluster().nodes().get().stream().map(Node::id))
                    .containsExactlyInAnyOrder(1, 2, 3);
        }
    }

    @Test
    @Order(2)
    void shouldReplicateTopicsInternalTopicsAndSchemasThreeTimesWithTwoInSync() throws Exception {
        String topic = "defaults-" + UUID.randomUUID();
        String schemas = "_schemas-" + UUID.randomUUID();
        try (Admin admin = admin()) {
            // No replication factor given: the broker's default applies.
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())))
                    .all()
                    .get();
            TopicReadiness.awaitWritable(admin, List.of(topic), Duration.ofSeconds(30));

            // A transactional producer creates the transaction state topic, a committing group the offsets topic.
            Properties props = producerProps();
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, "k", "v"));
                producer.commitTransaction();
            }
            try (KafkaConsumer<String, String> consumer = consumer("group-" + UUID.randomUUID())) {
                consumer.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(1)));
            }
            try (SchemaRegistryServer registry = new SchemaRegistryServer(cluster.clientConfig(), schemas)) {
                registry.start();
            }

            for (String name : List.of(topic, "__consumer_offsets", "__transaction_state", schemas)) {
                TopicDescription description = admin.describeTopics(List.of(name))
                        .allTopicNames()
                        .get()
                        .get(name);
                assertThat(description.partitions())
                        .as("%s partitions", name)
                        .isNotEmpty()
                        .allSatisfy(p ->
                                assertThat(p.replicas()).as("%s replicas", name).hasSize(3));
                Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, name)))
                        .all()
                        .get()
                        .values()
                        .iterator()
                        .next();
                assertThat(config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value())
                        .as("%s min.insync.replicas", name)
                        .isEqualTo("2");
                assertThat(config.get(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG)
                                .value())
                        .as("%s unclean.leader.election.enable", name)
                        .isEqualTo("false");
            }
        }
    }

    @Test
    @Order(3)
    void shouldKeepEveryAcknowledgedRecordExactlyOnceWhenTheLeaderIsKilledAndRejoinWhenRestarted() throws Exception {
        String topic = createReplicatedTopic("kill");
        int leader = cluster.leaderOf(topic, 0).orElseThrow();
        long leaderPid = cluster.pid(leader);

        try (PacedProducer producer = new PacedProducer(topic)) {
            producer.awaitAcknowledged(300);
            cluster.kill(leader);
            assertThat(alive(leaderPid)).as("killed node's JVM").isFalse();
            int newLeader = awaitLeaderOtherThan(topic, leader);
            assertThat(newLeader).isNotEqualTo(leader);
            // Writes go on with two replicas in sync, the minimum.
            producer.awaitAcknowledged(producer.acknowledged() + 300);
            producer.finish();
            assertThat(producer.failures()).isEmpty();
            assertExactlyOnce(topic, producer.sent());
        }

        cluster.start(leader);
        pids.add(cluster.pid(leader));
        assertThat(cluster.pid(leader)).isNotEqualTo(leaderPid);
        awaitFullIsr(topic, leader);
    }

    @Test
    @Order(4)
    void shouldKeepEveryAcknowledgedRecordExactlyOnceWhenTheLeaderIsFrozenAndThawed() throws Exception {
        String topic = createReplicatedTopic("pause");
        int leader = cluster.leaderOf(topic, 0).orElseThrow();
        long leaderPid = cluster.pid(leader);

        try (PacedProducer producer = new PacedProducer(topic)) {
            producer.awaitAcknowledged(300);
            cluster.pause(leader);
            try {
                // Frozen past the broker session timeout (6 s): the controller fences it and moves leadership,
                // while the frozen ex-leader still holds appended but unreplicated batches.
                assertThat(awaitLeaderOtherThan(topic, leader)).isNotEqualTo(leader);
            } finally {
                cluster.resume(leader);
            }
            producer.awaitAcknowledged(producer.acknowledged() + 300);
            producer.finish();
            assertThat(producer.failures()).isEmpty();
            assertExactlyOnce(topic, producer.sent());
        }

        assertThat(cluster.pid(leader)).isEqualTo(leaderPid);
        awaitFullIsr(topic, leader);
    }

    @Test
    @Order(5)
    void shouldStopNodesCleanlyAndLeaveNoProcessOrDataWhenClosed() throws Exception {
        cluster.stop();
        assertThat(cluster.isRunning()).isFalse();
        assertThat(pids)
                .allSatisfy(pid -> assertThat(alive(pid)).as("pid %d", pid).isFalse());
        // A node whose controlled shutdown was still waiting for the controllers when a majority had exited cannot
        // finish it and is killed; at most one of three can be left so.
        assertThat(cluster.killedAtLastStop()).hasSizeLessThanOrEqualTo(1);
        for (int id : cluster.nodeIds()) {
            if (!cluster.killedAtLastStop().contains(id)) {
                // Written by the node's shutdown hook: SIGTERM stopped Kafka rather than killing it.
                assertThat(Files.readString(cluster.logFile(id))).contains("Kafka node " + id + " stopped in");
            }
        }

        cluster.close();
        assertThat(dataDir.resolve("cluster")).doesNotExist();
    }

    private static String createReplicatedTopic(String prefix) throws Exception {
        String topic = prefix + "-" + UUID.randomUUID();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 3)
                            .configs(Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"))))
                    .all()
                    .get();
            TopicReadiness.awaitWritable(admin, List.of(topic), Duration.ofSeconds(30));
        }
        awaitFullIsr(topic, 1);
        return topic;
    }

    private static int awaitLeaderOtherThan(String topic, int oldLeader) {
        AtomicInteger leader = new AtomicInteger(-1);
        // The session timeout is 6 s; a loaded 2-core machine can take several times that to fence a node.
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> {
                    OptionalInt current = cluster.leaderOf(topic, 0);
                    current.ifPresent(leader::set);
                    return current.isPresent() && current.getAsInt() != oldLeader;
                });
        return leader.get();
    }

    /** Waits until every partition of the topic has three in-sync replicas, among them {@code node}. */
    private static void awaitFullIsr(String topic, int node) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .untilAsserted(() -> {
                    try (Admin admin = admin()) {
                        List<TopicPartitionInfo> partitions = admin.describeTopics(List.of(topic))
                                .allTopicNames()
                                .get(10, TimeUnit.SECONDS)
                                .get(topic)
                                .partitions();
                        assertThat(partitions)
                                .allSatisfy(p -> assertThat(p.isr().stream().map(Node::id))
                                        .as("ISR of partition %d", p.partition())
                                        .hasSize(3)
                                        .contains(node));
                    }
                });
    }

    /** Reads the whole topic back: every value sent appears exactly once. */
    private static void assertExactlyOnce(String topic, int sent) {
        Map<String, Integer> seen = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = consumer(null)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    seen.merge(record.value(), 1, Integer::sum);
                }
            }
        }
        assertThat(seen.values().stream().mapToInt(Integer::intValue).sum())
                .as("records in the topic")
                .isEqualTo(sent);
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < sent; i++) {
            expected.add("v" + i);
        }
        assertThat(seen.keySet()).isEqualTo(expected);
        assertThat(seen)
                .allSatisfy((value, count) -> assertThat(count).as(value).isEqualTo(1));
    }

    private static Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
    }

    private static Properties producerProps() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // A frozen leader answers nothing: give up on a request soon and retry where the new leader is.
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 90_000);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return props;
    }

    private static KafkaConsumer<String, String> consumer(String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        if (group != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return new KafkaConsumer<>(props);
    }

    /** Running: a zombie (dead, waiting for its parent to reap it) is not. Linux. */
    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Sends {@code v0, v1, ...} with {@code acks=all}, about one record a millisecond, until finished. */
    private static final class PacedProducer implements AutoCloseable {
        private final KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps());
        private final AtomicInteger sent = new AtomicInteger();
        private final AtomicInteger acknowledged = new AtomicInteger();
        private final Collection<Exception> failures = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        PacedProducer(String topic) {
            thread = new Thread(
                    () -> {
                        while (running.get()) {
                            int i = sent.get();
                            producer.send(new ProducerRecord<>(topic, "device-" + (i % 50), "v" + i), (m, e) -> {
                                if (e == null) {
                                    acknowledged.incrementAndGet();
                                } else {
                                    failures.add(e);
                                }
                            });
                            sent.incrementAndGet();
                            try {
                                Thread.sleep(1);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "paced-producer");
            thread.start();
        }

        void awaitAcknowledged(int count) {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> acknowledged.get() >= count || !failures.isEmpty());
            assertThat(failures).isEmpty();
        }

        int acknowledged() {
            return acknowledged.get();
        }

        /** Stops sending and waits until every record sent is acknowledged or failed. */
        void finish() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
            producer.flush();
            assertThat(acknowledged.get() + failures.size()).isEqualTo(sent.get());
        }

        int sent() {
            return sent.get();
        }

        Collection<Exception> failures() {
            return failures;
        }

        @Override
        public void close() {
            running.set(false);
            thread.interrupt();
            producer.close(Duration.ofSeconds(10));
        }
    }
}
