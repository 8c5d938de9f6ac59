package io.fieldline.bridge.can;

import io.fieldline.bridge.can.candump.CandumpReplay;
import io.fieldline.bridge.can.candump.CandumpTcpServer;
import io.fieldline.bridge.can.redis.RedisStreamFrameSource;
import io.fieldline.bridge.can.socketcan.SocketCanSource;
import io.fieldline.bridge.ingress.IngressPublisher;
import io.fieldline.bridge.ingress.IngressSettings;
import io.fieldline.can.dbc.Dbc;
import io.fieldline.can.dbc.DbcParser;
import io.fieldline.can.decode.DbcDecoder;
import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CAN bridge as one startable unit: loads the DBC, starts the shared {@link IngressPublisher} (source
 * {@code can}: idempotent, {@code acks=all}, one failure policy) and runs the input that {@link CanBridgeConfig#INPUT}
 * selects (a candump log replay, stdin, a TCP listener, SocketCAN or a Redis stream), publishing through
 * {@link CanFramePublisher}.
 *
 * <pre>{@code
 * try (CanBridgeService can = new CanBridgeService(kafka, registryUrl, TopicNames.defaults(), config, meters)) {
 *     can.start();
 *     can.awaitCompletion(Duration.ofMinutes(5)); // a replay without loop ends by itself
 *     System.out.println(can.summary());
 * }
 * }</pre>
 *
 * <p>The topics (readings, {@code can.frames} when enabled, {@code deadletter.can}) must exist: the broker
 * does not create topics on demand.
 */
public final class CanBridgeService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CanBridgeService.class);

    private final KafkaClientConfig kafka;
    private final SchemaRegistryClient registry;
    private final TopicNames names;
    private final CanBridgeConfig config;
    private final MeterRegistry meters;
    private final Clock clock;
    private final CountDownLatch finished = new CountDownLatch(1);
    private InputStream stdin = System.in;

    private IngressPublisher ingress;
    private CanFramePublisher publisher;
    private Thread lineReader;
    private CandumpTcpServer tcp;
    private SocketCanSource socketCan;
    private RedisStreamFrameSource redis;
    private volatile Exception failure;
    private volatile long replayPasses;
    private volatile boolean closed;

    /**
     * @param kafka            the shared Kafka client settings ({@code kafka.*})
     * @param registryUrl      Schema Registry URL
     * @param names            topic names
     * @param config           {@code can.*} settings
     * @param meters           where the counters go
     */
    public CanBridgeService(
            KafkaClientConfig kafka,
            String registryUrl,
            TopicNames names,
            CanBridgeConfig config,
            MeterRegistry meters) {
        this(kafka, new HttpSchemaRegistryClient(registryUrl), names, config, meters, Clock.systemUTC());
    }

    /** As above, with a registry client and clock of the caller's choosing. */
    public CanBridgeService(
            KafkaClientConfig kafka,
            SchemaRegistryClient registry,
            TopicNames names,
            CanBridgeConfig config,
            MeterRegistry meters,
            Clock clock) {
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.names = Objects.requireNonNull(names, "names");
        this.config = Objects.requireNonNull(config, "config");
        this.meters = Objects.requireNonNull(meters, "meters");
        this.clock = Objects.requireNonNull(clock, "clock");
        producerProperties();
    }

    /** The stream read when {@code can.input=stdin} (System.in unless set before {@link #start()}). */
    public CanBridgeService stdin(InputStream in) {
        this.stdin = Objects.requireNonNull(in, "in");
        return this;
    }

    /**
     * Loads the DBC, connects and starts the input; returns once it runs.
     *
     * @throws IOException when the DBC or the log cannot be read
     * @throws io.fieldline.can.dbc.DbcParseException when the DBC is malformed
     * @throws io.fieldline.bridge.can.socketcan.SocketCanUnavailableException when SocketCAN was asked for here
     */
    public synchronized void start() throws Exception {
        if (publisher != null) {
            throw new IllegalStateException("already started");
        }
        Dbc dbc = DbcParser.parse(read(config.dbcFile()), fileName(config.dbcFile()));
        LOG.info("CAN bridge: {} messages from {}, input {}", dbc.messages().size(), config.dbcFile(), config.input());
        CanReadingMapper mapper = new CanReadingMapper(
                DbcDecoder.compile(dbc),
                config.signalMapping(),
                config.allowTruncated(),
                config.rangeCheck(),
                config.eventTimeMaxFuture());
        Map<String, Object> producer = producerProperties();
        // No first send before the partitions are served (TopicReadiness: a first batch can be lost otherwise).
        TopicReadiness.awaitWritable(
                kafka,
                "can bridge",
                config.publishFrames()
                        ? List.of(names.readings(), names.canFrames(), names.deadLetters(CanFramePublisher.STAGE))
                        : List.of(names.readings(), names.deadLetters(CanFramePublisher.STAGE)),
                Duration.ofSeconds(60));
        ingress = IngressPublisher.withSchemaRegistry(
                IngressSettings.fromProducerProperties(CanFramePublisher.STAGE, kafka.bootstrapServers(), producer)
                        .withClock(clock),
                names,
                registry,
                meters);
        publisher = new CanFramePublisher(
                mapper,
                ingress,
                new Topics(names, registry),
                config.publishFrames(),
                config.deadLetterUnknownIds(),
                meters,
                clock);
        switch (config.input()) {
            case REPLAY -> startLineReader("can-replay", this::replayLoop);
            case STDIN -> startLineReader("can-stdin", () -> readStream(stdin, "stdin"));
            case TCP ->
                tcp = CandumpTcpServer.start(config.tcpHost(), config.tcpPort(), publisher, config.lineMaxLength());
            case SOCKETCAN -> socketCan = SocketCanSource.open(config.socketCanInterfaces(), publisher, clock);
            case REDIS -> {
                if (config.redisUrl().isBlank()) {
                    throw new IllegalStateException(CanBridgeConfig.REDIS_URL + " must be set for can.input=redis");
                }
                redis = RedisStreamFrameSource.start(
                        new RedisStreamFrameSource.Settings(
                                config.redisUrl(),
                                config.redisStream(),
                                config.redisGroup(),
                                config.redisConsumer(),
                                config.redisBatchSize(),
                                config.redisBlockMs(),
                                config.redisClaimIdleMs(),
                                RedisStreamFrameSource.RETRY),
                        publisher);
            }
        }
    }

    /** The shared block and {@code kafka.producer.*}, with acks=all and idempotence enforced. */
    private Map<String, Object> producerProperties() {
        return kafka.producerProperties(ClientRules.of("the CAN bridge")
                .enforce(ProducerConfig.ACKS_CONFIG, "all")
                .enforce(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .byDefault(ProducerConfig.CLIENT_ID_CONFIG, "fieldline-can-bridge")
                .enforce(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5)
                .byDefault(ProducerConfig.LINGER_MS_CONFIG, 10)
                .byDefault(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"));
    }

    private interface Body {
        void run() throws Exception;
    }

    private void startLineReader(String name, Body body) {
        lineReader = new Thread(
                () -> {
                    try {
                        body.run();
                        publisher.flush();
                        publisher.checkNoSendFailure();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (Exception e) {
                        if (!closed) {
                            failure = e;
                            LOG.error("CAN input {} failed", name, e);
                        }
                    } finally {
                        finished.countDown();
                    }
                },
                name);
        lineReader.setDaemon(true);
        lineReader.start();
    }

    private void replayLoop() throws Exception {
        CandumpReplay replay = new CandumpReplay(
                config.replaySpeed(),
                config.replayTimestamps(),
                clock,
                CandumpReplay.Pacer.system(),
                config.lineMaxLength());
        String file = config.replayFile();
        do {
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(open(file), StandardCharsets.UTF_8))) {
                CandumpReplay.Result r = replay.replay(reader, fileName(file), publisher);
                replayPasses++;
                LOG.info(
                        "Replayed {}: {} lines, {} frames, {} malformed (pass {})",
                        file,
                        r.lines(),
                        r.frames(),
                        r.malformed(),
                        replayPasses);
            }
        } while (config.replayLoop() && !closed && !Thread.currentThread().isInterrupted());
    }

    private void readStream(InputStream in, String source) throws Exception {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        CandumpReplay.live(config.lineMaxLength()).replay(reader, source, publisher);
    }

    /**
     * Waits until a replay or stdin input has read everything and Kafka acknowledged it (never, for a looping
     * replay or the other inputs, which run until closed).
     *
     * @return whether it finished within the timeout
     */
    public boolean awaitCompletion(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Why the input stopped by itself, or null. */
    public Exception failure() {
        Exception e = failure;
        if (e == null && redis != null) {
            e = redis.failure();
        }
        return e;
    }

    /** Counters so far (zero before start). */
    public CanFramePublisher.Counts counts() {
        return publisher == null ? new CanFramePublisher.Counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) : publisher.counts();
    }

    /** Counters by name, for a closing summary. */
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>(counts().asMap());
        m.put("input", config.input().name().toLowerCase(java.util.Locale.ROOT));
        if (config.input() == CanBridgeConfig.Input.REPLAY) {
            m.put("replayPasses", replayPasses);
        }
        if (redis != null) {
            m.put("redisEntries", redis.entries());
            m.put("redisAcknowledged", redis.acknowledged());
        }
        return m;
    }

    /** The port of the TCP listener, when {@code can.input=tcp}. */
    public int tcpPort() {
        if (tcp == null) {
            throw new IllegalStateException("no TCP listener: can.input is " + config.input());
        }
        return tcp.port();
    }

    /** Stops the input, sends what is buffered and closes the producer. Failures are logged, not thrown. */
    @Override
    public synchronized void close() {
        closed = true;
        if (lineReader != null) {
            lineReader.interrupt();
            try {
                lineReader.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeQuietly(tcp);
        closeQuietly(socketCan);
        closeQuietly(redis);
        if (ingress != null) {
            ingress.close(Duration.ofSeconds(30));
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("Closing {} failed", c.getClass().getSimpleName(), e);
        }
    }

    /** Bytes of a path or {@code classpath:} resource. */
    static byte[] read(String location) throws IOException {
        try (InputStream in = open(location)) {
            return DbcParser.readBounded(in, fileName(location));
        }
    }

    static InputStream open(String location) throws IOException {
        if (location.startsWith(CanBridgeConfig.CLASSPATH_PREFIX)) {
            String resource = location.substring(CanBridgeConfig.CLASSPATH_PREFIX.length());
            InputStream in = CanBridgeService.class.getClassLoader().getResourceAsStream(resource);
            if (in == null) {
                throw new NoSuchFileException(location, null, "no such class path resource");
            }
            return in;
        }
        return Files.newInputStream(Path.of(location));
    }

    private static String fileName(String location) {
        int slash = location.lastIndexOf('/');
        return slash >= 0 ? location.substring(slash + 1) : location.replace(CanBridgeConfig.CLASSPATH_PREFIX, "");
    }
}
