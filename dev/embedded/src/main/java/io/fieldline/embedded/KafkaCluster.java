package io.fieldline.embedded;

import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka cluster of three KRaft nodes on loopback, each node a broker and a controller in a JVM of its own
 * ({@link KafkaNodeMain}), with a static quorum of three voters. Topics default to replication factor 3 and
 * {@code min.insync.replicas=2}, unclean leader election is off, and the internal topics (consumer offsets,
 * transaction state) have three replicas and a minimum of two in sync: any one node can fail without an
 * acknowledged write being lost or a write being refused.
 *
 * <p>The node JVMs run with this JVM's class path, {@code -Xmx384m}; each writes its output to
 * {@code <dataDir>/node-<id>/server.log} and keeps its data in {@code <dataDir>/node-<id>/data}. They die with this
 * JVM even when it is killed with SIGKILL ({@link ParentDeathWatchdog} sends them SIGTERM).
 *
 * <p>For fault tests each node can be killed ({@link #kill}, SIGKILL), stopped cleanly ({@link #stop(int)},
 * SIGTERM), started again on the same ports with the same data ({@link #start(int)}), and frozen and thawed
 * ({@link #pause}, {@link #resume}: SIGSTOP, SIGCONT). {@link #stop()} and {@link #start()} act on every node.
 */
public final class KafkaCluster extends LocalServer implements KafkaEndpoint {

    /** How many nodes the cluster has; their ids are 1 to {@value}. */
    public static final int SIZE = 3;

    private static final Logger LOG = LoggerFactory.getLogger(KafkaCluster.class);
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final List<String> JVM_OPTIONS = List.of(
            "-Xmx384m",
            "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError",
            "-Dlogback.configurationFile=io/fieldline/embedded/kafka-node-logback.xml");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);
    /** How long a node may go on shutting down after the controller quorum is gone (see {@link #stop()}). */
    private static final Duration QUORUM_LOST_GRACE = Duration.ofSeconds(5);
    /** Never created: the name of the topic a start asks the controller to validate. */
    private static final String PROBE_TOPIC = "fieldline-cluster-readiness-probe";

    private final String clusterId = Uuid.randomUuid().toString();
    private final Map<Integer, Integer> brokerPorts = new TreeMap<>();
    private final Map<Integer, Integer> controllerPorts = new TreeMap<>();
    private final Map<String, String> overrides;
    private final List<String> javaOptions;
    private final Map<Integer, Process> processes = new HashMap<>();
    private final Set<Integer> killedAtLastStop = new java.util.TreeSet<>();
    private final Set<Integer> paused = new HashSet<>();

    /** A cluster on free loopback ports with its data in a new temporary directory, deleted on close. */
    public KafkaCluster() {
        this(DataDirectory.createTemp("kafka-cluster"), Map.of());
    }

    /**
     * A cluster on six free loopback ports (a client and a controller port per node).
     *
     * @param dataDir   its own directory (created if missing), deleted on {@link #close()}
     * @param overrides node settings that replace or extend the defaults of {@link #nodeConfig(int)}, on every node
     */
    public KafkaCluster(Path dataDir, Map<String, String> overrides) {
        this(dataDir, overrides, List.of());
    }

    /**
     * A cluster on six free loopback ports whose node JVMs get more options.
     *
     * @param dataDir     its own directory (created if missing), deleted on {@link #close()}
     * @param overrides   node settings that replace or extend the defaults of {@link #nodeConfig(int)}, on every node
     * @param javaOptions JVM options added after the nodes' own (a later {@code -Xmx} wins); each starts with '-'
     */
    public KafkaCluster(Path dataDir, Map<String, String> overrides, List<String> javaOptions) {
        // Absolute: the node JVMs run in their own directories.
        super(dataDir.toAbsolutePath());
        for (String option : javaOptions) {
            if (!option.startsWith("-")) {
                throw new IllegalArgumentException("not a JVM option (no leading '-'): '" + option + "'");
            }
        }
        for (int id : nodeIds()) {
            brokerPorts.put(id, LoopbackPort.pick());
            controllerPorts.put(id, LoopbackPort.pick());
        }
        this.overrides = Map.copyOf(overrides);
        this.javaOptions = List.copyOf(javaOptions);
    }

    @Override
    public String name() {
        return "kafka";
    }

    /** @return the ids of the nodes: 1, 2, 3 */
    public List<Integer> nodeIds() {
        return IntStream.rangeClosed(1, SIZE).boxed().toList();
    }

    /** @return every node's client listener, {@code 127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3} */
    @Override
    public String bootstrapServers() {
        return nodeIds().stream().map(this::bootstrapServer).collect(Collectors.joining(","));
    }

    /**
     * @param nodeId a node id
     * @return that node's client listener, {@code 127.0.0.1:port}
     */
    public String bootstrapServer(int nodeId) {
        return LoopbackPort.HOST + ":" + brokerPorts.get(checkNode(nodeId));
    }

    @Override
    public String url() {
        return bootstrapServers();
    }

    /**
     * @param nodeId a node id
     * @return the file the node's JVM writes its standard output and error (its Kafka log) to
     */
    public Path logFile(int nodeId) {
        return nodeDir(checkNode(nodeId)).resolve("server.log");
    }

    /**
     * @param nodeId a node id
     * @return the full configuration that node starts with (also written to its {@code server.properties})
     */
    public Map<String, String> nodeConfig(int nodeId) {
        checkNode(nodeId);
        Map<String, String> props = new HashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(nodeId));
        props.put(
                "controller.quorum.voters",
                nodeIds().stream()
                        .map(id -> id + "@" + LoopbackPort.HOST + ":" + controllerPorts.get(id))
                        .collect(Collectors.joining(",")));
        props.put(
                "listeners",
                BROKER_LISTENER + "://" + bootstrapServer(nodeId) + "," + CONTROLLER_LISTENER + "://"
                        + LoopbackPort.HOST + ":" + controllerPorts.get(nodeId));
        props.put("advertised.listeners", BROKER_LISTENER + "://" + bootstrapServer(nodeId));
        props.put(
                "listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", BROKER_LISTENER);
        props.put("log.dirs", nodeDir(nodeId).resolve("data").toString());

        // Three replicas, two of them in sync for a write: one node may fail without losing an acknowledged
        // write or refusing a new one, and only an in-sync replica may become leader.
        props.put("default.replication.factor", "3");
        props.put("min.insync.replicas", "2");
        props.put("unclean.leader.election.enable", "false");
        props.put("num.partitions", "1");
        props.put("offsets.topic.replication.factor", "3");
        props.put("offsets.topic.num.partitions", "5");
        props.put("offsets.topic.segment.bytes", Integer.toString(4 * 1024 * 1024));
        props.put("transaction.state.log.replication.factor", "3");
        props.put("transaction.state.log.min.isr", "2");
        props.put("transaction.state.log.num.partitions", "5");
        props.put("transaction.state.log.segment.bytes", Integer.toString(4 * 1024 * 1024));
        props.put("share.coordinator.state.topic.replication.factor", "3");
        props.put("share.coordinator.state.topic.min.isr", "2");
        props.put("share.coordinator.state.topic.num.partitions", "1");
        // A broker that stopped heartbeating (killed, frozen) is fenced, and its partitions get new leaders,
        // after 6 s rather than Kafka's 9 s.
        props.put("broker.session.timeout.ms", "6000");

        props.putAll(KafkaNodeSettings.lightweight());
        props.putAll(overrides);
        return props;
    }

    /**
     * Starts every node that is not running and returns once the cluster has three live brokers and its controller
     * accepts a topic with three replicas.
     *
     * @throws IllegalStateException if the cluster was closed, a node exited or the cluster is not ready in time;
     *                               the nodes started by this call are then stopped
     */
    @Override
    public synchronized void start() {
        ensureOpen("Kafka cluster");
        long begin = System.nanoTime();
        List<Integer> launched = new ArrayList<>();
        try {
            for (int id : nodeIds()) {
                if (!isRunning(id)) {
                    launch(id);
                    launched.add(id);
                }
            }
            if (launched.isEmpty()) {
                return;
            }
            awaitLiveBrokers(Set.copyOf(nodeIds()), true);
        } catch (RuntimeException e) {
            launched.forEach(this::kill);
            throw e;
        }
        LOG.info(
                "Kafka cluster of {} nodes listening on {} (pids {}, controllers {}, data and server.log under "
                        + "{}/node-<id>) in {} ms",
                SIZE,
                bootstrapServers(),
                nodeIds().stream().map(id -> Long.toString(pid(id))).collect(Collectors.joining(",")),
                controllerPorts.values(),
                dataDir,
                (System.nanoTime() - begin) / 1_000_000);
    }

    /**
     * Starts one node again, on its ports and with its data, and returns once it is a live broker again.
     *
     * @param nodeId a node id; starting a running node does nothing
     */
    public synchronized void start(int nodeId) {
        ensureOpen("Kafka cluster");
        if (isRunning(checkNode(nodeId))) {
            return;
        }
        long begin = System.nanoTime();
        launch(nodeId);
        try {
            awaitLiveBrokers(Set.of(nodeId), false);
        } catch (RuntimeException e) {
            kill(nodeId);
            throw e;
        }
        LOG.info(
                "Kafka node {} started again (pid {}) in {} ms",
                nodeId,
                pid(nodeId),
                (System.nanoTime() - begin) / 1_000_000);
    }

    /**
     * Stops every node with SIGTERM at once; data and ports stay. A node's controlled shutdown needs an answer from
     * the controller quorum: a node still running once a majority of the nodes has exited can no longer get one (it
     * would wait minutes), so it is killed after {@link #QUORUM_LOST_GRACE} and named by {@link #killedAtLastStop()}.
     * Any node still running after 30 s is killed too.
     */
    @Override
    public synchronized void stop() {
        long begin = System.nanoTime();
        killedAtLastStop.clear();
        Map<Integer, Process> stopping = new TreeMap<>();
        for (int id : nodeIds()) {
            Process process = processes.remove(id);
            if (process != null && process.isAlive()) {
                terminate(id, process);
                stopping.put(id, process);
            }
        }
        long deadline = begin + STOP_TIMEOUT.toNanos();
        long quorumLostAt = 0;
        try {
            while (System.nanoTime() < deadline) {
                List<Integer> running = stopping.entrySet().stream()
                        .filter(e -> e.getValue().isAlive())
                        .map(Map.Entry::getKey)
                        .toList();
                if (running.isEmpty()) {
                    break;
                }
                if (SIZE - running.size() >= SIZE / 2 + 1) {
                    if (quorumLostAt == 0) {
                        quorumLostAt = System.nanoTime();
                    } else if (System.nanoTime() - quorumLostAt > QUORUM_LOST_GRACE.toNanos()) {
                        for (int id : running) {
                            LOG.warn(
                                    "Kafka node {} (pid {}) could not finish its controlled shutdown once a majority "
                                            + "of the nodes (the controller quorum) had exited; killing it",
                                    id,
                                    stopping.get(id).pid());
                            stopping.get(id).destroyForcibly();
                            killedAtLastStop.add(id);
                        }
                    }
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping.values().forEach(Process::destroyForcibly);
            throw new IllegalStateException("Interrupted while stopping the Kafka cluster", e);
        }
        stopping.forEach(this::awaitExit);
        if (!stopping.isEmpty()) {
            LOG.info(
                    "Kafka cluster on {} stopped in {} ms",
                    bootstrapServers(),
                    (System.nanoTime() - begin) / 1_000_000);
        }
    }

    /** The nodes the last {@link #stop()} had to kill because the controller quorum was gone before they were done. */
    public synchronized Set<Integer> killedAtLastStop() {
        return Set.copyOf(killedAtLastStop);
    }

    /**
     * Stops one node cleanly: SIGTERM, so the broker shuts down in a controlled way (its leaderships move first),
     * then waits for its JVM to exit (SIGKILL after 30 s).
     *
     * @param nodeId a node id; stopping a node that is not running does nothing
     */
    public synchronized void stop(int nodeId) {
        Process process = processes.remove(checkNode(nodeId));
        if (process == null || !process.isAlive()) {
            return;
        }
        long begin = System.nanoTime();
        terminate(nodeId, process);
        awaitExit(nodeId, process);
        LOG.info("Kafka node {} stopped in {} ms", nodeId, (System.nanoTime() - begin) / 1_000_000);
    }

    /**
     * Kills one node with SIGKILL, as a crash or a power cut would, and waits until its JVM is gone.
     *
     * @param nodeId a node id; killing a node that is not running does nothing
     */
    public synchronized void kill(int nodeId) {
        Process process = processes.remove(checkNode(nodeId));
        paused.remove(nodeId);
        if (process == null || !process.isAlive()) {
            return;
        }
        ParentDeathWatchdog.forget(process.pid());
        process.destroyForcibly();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException(
                        "Kafka node " + nodeId + " (pid " + process.pid() + ") survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while killing Kafka node " + nodeId, e);
        }
        LOG.info("Kafka node {} (pid {}) killed with SIGKILL", nodeId, process.pid());
    }

    /**
     * Freezes one node with SIGSTOP: its sockets stay open but it answers nothing and sends no heartbeat, as a
     * long garbage-collection pause or a hung host would.
     *
     * @param nodeId a running node
     */
    public synchronized void pause(int nodeId) {
        long pid = pid(nodeId);
        signal(pid, "STOP");
        paused.add(nodeId);
        LOG.info("Kafka node {} (pid {}) paused with SIGSTOP", nodeId, pid);
    }

    /**
     * Thaws a node frozen by {@link #pause(int)} with SIGCONT.
     *
     * @param nodeId a running node
     */
    public synchronized void resume(int nodeId) {
        long pid = pid(nodeId);
        signal(pid, "CONT");
        paused.remove(nodeId);
        LOG.info("Kafka node {} (pid {}) resumed with SIGCONT", nodeId, pid);
    }

    /**
     * @param nodeId a node id
     * @return the process id of that node's JVM
     * @throws IllegalStateException if the node is not running
     */
    public synchronized long pid(int nodeId) {
        Process process = processes.get(checkNode(nodeId));
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("Kafka node " + nodeId + " is not running");
        }
        return process.pid();
    }

    /**
     * @param nodeId a node id
     * @return whether that node's JVM runs (a paused node runs)
     */
    public synchronized boolean isRunning(int nodeId) {
        Process process = processes.get(checkNode(nodeId));
        return process != null && process.isAlive();
    }

    /** @return whether any node runs */
    @Override
    public synchronized boolean isRunning() {
        return nodeIds().stream().anyMatch(this::isRunning);
    }

    /**
     * Asks the cluster (any live broker's metadata) which node leads a partition.
     *
     * @param topic     the topic
     * @param partition the partition number
     * @return the leader's node id, empty while the partition has no leader
     * @throws IllegalStateException if the topic or partition does not exist or no broker answers in 10 s
     */
    public OptionalInt leaderOf(String topic, int partition) {
        try (Admin admin = admin()) {
            TopicDescription description = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(topic);
            TopicPartitionInfo info = description.partitions().stream()
                    .filter(p -> p.partition() == partition)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(topic + " has no partition " + partition));
            Node leader = info.leader();
            return leader == null || leader.isEmpty() ? OptionalInt.empty() : OptionalInt.of(leader.id());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while describing " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot describe " + topic + " on " + bootstrapServers(), e);
        }
    }

    private void launch(int nodeId) {
        Path nodeDir = DataDirectory.create(nodeDir(nodeId));
        Path properties = nodeDir.resolve("server.properties");
        Path classPath = nodeDir.resolve("classpath.args");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(javaOptions);
        // In an argument file: a long class path would make an unreadable process list (ps) and could exceed the
        // system's limit on one argument's length.
        command.add("@" + classPath);
        command.add(KafkaNodeMain.class.getName());
        command.add(properties.toString());
        command.add(clusterId);
        try {
            Files.writeString(properties, render(nodeConfig(nodeId)), StandardCharsets.UTF_8);
            Files.writeString(classPath, "-cp " + quote(absoluteClassPath()) + "\n");
            Process process = new ProcessBuilder(OwnSession.command(command))
                    .directory(nodeDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(
                            ProcessBuilder.Redirect.appendTo(logFile(nodeId).toFile()))
                    .start();
            process.getOutputStream().close();
            // Registered before anything else can fail, so the JVM never outlives this one.
            ParentDeathWatchdog.watch(process.pid(), "TERM");
            processes.put(nodeId, process);
            LOG.debug("Kafka node {} launched as pid {}", nodeId, process.pid());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start Kafka node " + nodeId + " in " + nodeDir, e);
        }
    }

    /** Waits until every node of {@code nodeIds} is a live (registered, unfenced) broker. */
    private void awaitLiveBrokers(Set<Integer> nodeIds, boolean probeReplication) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try {
            // First the client ports, without a Kafka client: it would log a warning for every refused connection.
            while (!nodeIds.stream().allMatch(this::listens)) {
                checkStarting(nodeIds, deadline, null);
                Thread.sleep(100);
            }
            Exception last = null;
            try (Admin admin = admin()) {
                while (true) {
                    checkStarting(nodeIds, deadline, last);
                    try {
                        Set<Integer> live =
                                admin
                                        .describeCluster()
                                        .nodes()
                                        .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                                        .stream()
                                        .map(Node::id)
                                        .collect(Collectors.toSet());
                        if (live.containsAll(nodeIds)) {
                            if (!probeReplication) {
                                return;
                            }
                            // Validated by the controller against its unfenced brokers, and not created.
                            admin.createTopics(
                                            List.of(new NewTopic(PROBE_TOPIC, 1, (short) SIZE)),
                                            new CreateTopicsOptions().validateOnly(true))
                                    .all()
                                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                            return;
                        }
                        last = new IllegalStateException("live brokers " + live);
                    } catch (ExecutionException | TimeoutException e) {
                        last = e;
                    }
                    Thread.sleep(100);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting Kafka nodes " + nodeIds, e);
        }
    }

    /** Fails if a starting node exited or the start took too long. */
    private void checkStarting(Set<Integer> nodeIds, long deadline, Exception last) {
        for (int id : nodeIds) {
            Process process = processes.get(id);
            if (process == null || !process.isAlive()) {
                throw new IllegalStateException("Kafka node " + id + " exited"
                        + (process == null ? "" : " with code " + process.exitValue()) + " while starting; see "
                        + logFile(id));
            }
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                    "Kafka nodes " + nodeIds + " not live brokers after " + START_TIMEOUT.toSeconds() + " s; see "
                            + dataDir + "/node-<id>/server.log",
                    last);
        }
    }

    private boolean listens(int nodeId) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LoopbackPort.HOST, brokerPorts.get(nodeId)), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void terminate(int nodeId, Process process) {
        ParentDeathWatchdog.forget(process.pid());
        process.destroy(); // SIGTERM: the node's shutdown hook stops Kafka cleanly
        if (paused.remove(nodeId)) {
            // A frozen process acts on SIGTERM only once it runs again.
            signal(process.pid(), "CONT");
        }
    }

    private void awaitExit(int nodeId, Process process) {
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                LOG.warn(
                        "Kafka node {} (pid {}) still running {} s after SIGTERM; killing it (see {})",
                        nodeId,
                        process.pid(),
                        STOP_TIMEOUT.toSeconds(),
                        logFile(nodeId));
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("Interrupted while stopping Kafka node " + nodeId, e);
        }
    }

    /** Sends a signal Java has no method for (STOP, CONT), through the shell's own {@code kill}. */
    private static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder(
                            "/bin/sh", "-c", "kill -" + signal + " \"$1\"", "kill", Long.toString(pid))
                    .redirectErrorStream(true)
                    .start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot send SIG" + signal + " to " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while sending SIG" + signal + " to " + pid, e);
        }
    }

    private Admin admin() {
        // Only nodes that answer: a frozen (SIGSTOPped) node still accepts connections and then never replies.
        String reachable;
        synchronized (this) {
            reachable = nodeIds().stream()
                    .filter(id -> !paused.contains(id)
                            && processes.get(id) != null
                            && processes.get(id).isAlive())
                    .map(this::bootstrapServer)
                    .collect(java.util.stream.Collectors.joining(","));
        }
        KafkaClientConfig clients =
                reachable.isEmpty() ? clientConfig() : KafkaClientConfig.forBootstrapServers(reachable);
        return Admin.create(clients.adminProperties(ClientRules.of("the embedded Kafka cluster")
                .byDefault(AdminClientConfig.CLIENT_ID_CONFIG, "fieldline-kafka-cluster")
                .byDefault(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000")
                .byDefault(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(ADMIN_TIMEOUT.toMillis()))
                .byDefault(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500")));
    }

    private Path nodeDir(int nodeId) {
        return dataDir.resolve("node-" + nodeId);
    }

    private int checkNode(int nodeId) {
        if (nodeId < 1 || nodeId > SIZE) {
            throw new IllegalArgumentException("No Kafka node " + nodeId + ": the ids are 1 to " + SIZE);
        }
        return nodeId;
    }

    private static String render(Map<String, String> config) {
        StringBuilder text = new StringBuilder("# Written by Fieldline's KafkaCluster; rewritten at each start.\n");
        new TreeMap<>(config)
                .forEach((key, value) -> text.append(key)
                        .append('=')
                        .append(value.replace("\\", "\\\\"))
                        .append('\n'));
        return text.toString();
    }

    /** This JVM's class path with every entry absolute: the node JVMs run in their own directories. */
    private static String absoluteClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(entry -> new File(entry).getAbsolutePath())
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** Quotes an argument-file value: backslashes and double quotes are escaped inside double quotes. */
    private static String quote(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    @Override
    public String toString() {
        return "KafkaCluster[" + bootstrapServers() + "]";
    }
}
