package io.fieldline.bench.sink;

import io.fieldline.bench.kafka.CheckedSends;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import io.fieldline.sink.Migrations;
import io.fieldline.sink.PostgresSinkService;
import io.fieldline.sink.RedisKeys;
import io.fieldline.sink.RedisSinkService;
import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.StorageLayout;
import io.fieldline.sink.StorageOptions;
import io.fieldline.sink.internal.SqlNames;
import io.fieldline.sink.internal.copy.PgBinaryCopyWriter;
import io.fieldline.sink.internal.postgres.PostgresTables;
import io.fieldline.sink.internal.redis.RedisPlans;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the sinks against the raw speed of their stores, in the same run on the same servers:
 * <ul>
 *   <li>PostgreSQL: N measurement records from a Kafka topic through {@link PostgresSinkService} (decode, COPY,
 *       idempotency, series registry, offset commits), against a raw binary COPY of the same rows, in transactions
 *       of the same size, into the same table layout (a second schema migrated the same way);</li>
 *   <li>Redis: the same records through {@link RedisSinkService}, against a raw pipelined HSET of every row.</li>
 * </ul>
 * Sink rates are steady-state: from the first committed batch to the last (the consumer group join, a fixed
 * few seconds, is reported separately in the end-to-end figure). Each path runs {@code rounds} times,
 * alternating, and its best round counts. Not a test; run it through
 * {@code fieldline bench sink} or the test-scope launcher, against servers nobody else loads.
 */
public final class SinkBenchmark {

    private static final Logger LOG = LoggerFactory.getLogger(SinkBenchmark.class);

    /**
     * Where the servers are and what to load.
     *
     * @param records records to load
     * @param devices devices; each has {@code sensors} sensors, so devices × sensors series
     * @param rounds  how many times each path runs; the best round counts (the machine may be shared)
     * @param sinkProperties further {@code sink.*} settings for both sinks (Kafka client tuning, for example)
     */
    public record Settings(
            String bootstrapServers,
            SchemaRegistryClient registry,
            String jdbcUrl,
            String jdbcUser,
            String jdbcPassword,
            String redisUrl,
            int records,
            int devices,
            int sensors,
            int batchSize,
            SinkConfig.WriteMode writeMode,
            int partitions,
            int rounds,
            Map<String, String> sinkProperties) {

        public Settings {
            sinkProperties = Map.copyOf(sinkProperties);
        }
    }

    /** Rates in records (rows, HSETs) per second. */
    public record Result(
            int records,
            double produceRate,
            double rawCopyRate,
            double sinkPostgresRate,
            double sinkPostgresEndToEndRate,
            double rawHsetRate,
            double sinkRedisRate,
            double sinkRedisEndToEndRate) {

        public double postgresRatio() {
            return sinkPostgresRate / rawCopyRate;
        }

        public double redisRatio() {
            return sinkRedisRate / rawHsetRate;
        }

        /** Table rows for docs/benchmarks.md. */
        public String toMarkdown() {
            return String.format(
                    Locale.ROOT,
                    """
                    | path | rows/s | vs raw |
                    |---|---:|---:|
                    | Kafka producer (load, for reference) | %,.0f | |
                    | raw binary COPY into measurement | %,.0f | 1.00 |
                    | PostgreSQL sink, Kafka to measurement (steady state) | %,.0f | %.2f |
                    | PostgreSQL sink, end to end incl. group join | %,.0f | %.2f |
                    | raw pipelined HSET, one per row | %,.0f | 1.00 |
                    | Redis sink, Kafka to latest-value hashes (steady state) | %,.0f | %.2f |
                    | Redis sink, end to end incl. group join | %,.0f | %.2f |
                    """,
                    produceRate,
                    rawCopyRate,
                    sinkPostgresRate,
                    postgresRatio(),
                    sinkPostgresEndToEndRate,
                    sinkPostgresEndToEndRate / rawCopyRate,
                    rawHsetRate,
                    sinkRedisRate,
                    redisRatio(),
                    sinkRedisEndToEndRate,
                    sinkRedisEndToEndRate / rawHsetRate);
        }
    }

    private final Settings settings;
    private final String id = UUID.randomUUID().toString().substring(0, 8);

    public SinkBenchmark(Settings settings) {
        this.settings = settings;
    }

    public Result run() throws Exception {
        Reading[] readings = generate();
        String topic = "bench-" + id + ".telemetry.readings.enriched";
        createTopic(topic);
        double produceRate = produce(topic, readings);
        LOG.info("Loaded {} records into {} at {} records/s", readings.length, topic, (long) produceRate);

        // Alternate the raw and the sink path and keep each one's best round: on a shared machine, the
        // best round is the one least disturbed by others.
        double rawCopy = 0;
        double[] postgres = {0, 0};
        double rawHset = 0;
        double[] redis = {0, 0};
        for (int round = 1; round <= Math.max(1, settings.rounds()); round++) {
            String suffix = id + "_" + round;
            double raw = rawCopy(readings, suffix);
            double[] sink = sinkPostgres(topic, suffix);
            double hset = rawHset(readings, suffix);
            double[] live = sinkRedis(topic, suffix);
            LOG.info(
                    "Round {}: raw COPY {} rows/s, PostgreSQL sink {} rows/s ({} end to end); raw HSET {} ops/s, "
                            + "Redis sink {} records/s ({} end to end)",
                    round,
                    (long) raw,
                    (long) sink[0],
                    (long) sink[1],
                    (long) hset,
                    (long) live[0],
                    (long) live[1]);
            rawCopy = Math.max(rawCopy, raw);
            postgres = sink[0] > postgres[0] ? sink : postgres;
            rawHset = Math.max(rawHset, hset);
            redis = live[0] > redis[0] ? live : redis;
            dropSchemas(suffix);
        }
        deleteTopic(topic);
        return new Result(readings.length, produceRate, rawCopy, postgres[0], postgres[1], rawHset, redis[0], redis[1]);
    }

    /** Readings of devices × sensors series, 10 ms apart per series, all inside the current day (one partition). */
    private Reading[] generate() {
        Instant start = Instant.ofEpochMilli(Math.floorDiv(System.currentTimeMillis(), 86_400_000L) * 86_400_000L);
        int series = settings.devices() * settings.sensors();
        Reading[] readings = new Reading[settings.records()];
        for (int i = 0; i < readings.length; i++) {
            int s = i % series;
            Instant time = start.plusMillis((long) (i / series) * 10);
            readings[i] = Reading.newBuilder()
                    .setDeviceId("bench-dev-" + (s / settings.sensors()))
                    .setSensor("sensor_" + (s % settings.sensors()))
                    .setValue(20 + (i % 1000) / 100.0)
                    .setUnit("degC")
                    .setEventTime(time)
                    .setIngestTime(time.plusMillis(20))
                    .setSource(Source.SIMULATOR)
                    .setQuality(Quality.GOOD)
                    .setSite("bench-site")
                    .setRoom("bench-room-" + (s / settings.sensors() % 20))
                    .build();
        }
        return readings;
    }

    private void createTopic(String topic) throws Exception {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, settings.partitions(), (short) 1)))
                    .all()
                    .get(60, TimeUnit.SECONDS);
            TopicReadiness.awaitWritable(admin, List.of(topic), Duration.ofSeconds(60));
        }
    }

    private double produce(String topic, Reading[] readings) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        Serializer<Reading> serializer =
                AvroSerdes.specific(Reading.class, settings.registry(), false).serializer();
        long begin = System.nanoTime();
        CheckedSends sends = new CheckedSends("loading readings into " + topic);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (Reading r : readings) {
                producer.send(
                        new ProducerRecord<>(
                                topic,
                                r.getDeviceId().getBytes(StandardCharsets.UTF_8),
                                serializer.serialize(topic, r)),
                        sends);
            }
            producer.flush();
            sends.check();
        }
        return readings.length / seconds(begin);
    }

    private DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(settings.jdbcUrl());
        ds.setUser(settings.jdbcUser());
        ds.setPassword(settings.jdbcPassword());
        return ds;
    }

    /** The raw path's schema: laid out as the sink's (the same sink settings, hypertables on TimescaleDB). */
    private StorageOptions storage(String schema) {
        Map<String, String> props = new HashMap<>(settings.sinkProperties());
        props.put(SinkConfig.POSTGRES_SCHEMA, schema);
        return new SinkConfig(props).storageOptions();
    }

    private double rawCopy(Reading[] readings, String suffix) throws SQLException {
        String schema = "bench_raw_" + suffix;
        StorageLayout layout = Migrations.apply(dataSource(), storage(schema));
        LOG.info("Raw COPY into {}.measurement ({})", schema, layout);
        String sql = PostgresTables.MEASUREMENT.copySql(new SqlNames(schema), false);
        long begin = System.nanoTime();
        try (Connection c = dataSource().getConnection()) {
            c.setAutoCommit(false);
            PGConnection pg = c.unwrap(PGConnection.class);
            for (int from = 0; from < readings.length; from += settings.batchSize()) {
                CopyIn in = pg.getCopyAPI().copyIn(sql);
                PgBinaryCopyWriter out = new PgBinaryCopyWriter(in::writeToCopy, 256 * 1024);
                for (int i = from; i < Math.min(readings.length, from + settings.batchSize()); i++) {
                    PostgresTables.MEASUREMENT.encoder().encode(readings[i], out);
                }
                out.finish();
                in.endCopy();
                c.commit();
            }
        }
        return readings.length / seconds(begin);
    }

    private Map<String, Object> sinkProperties(String topic, String suffix) {
        Map<String, Object> props = new HashMap<>();
        props.put(KafkaClientConfig.BOOTSTRAP_SERVERS, settings.bootstrapServers());
        props.put(SinkConfig.TOPIC_MEASUREMENTS, topic);
        props.put(SinkConfig.TOPIC_DEADLETTER, "bench-" + id + ".deadletter.sink");
        props.put(SinkConfig.GROUP_ID_PREFIX, "bench-" + suffix);
        props.put(SinkConfig.BATCH_SIZE, Integer.toString(settings.batchSize()));
        props.put(SinkConfig.POSTGRES_STREAMS, "measurements");
        props.put(SinkConfig.REDIS_STREAMS, "measurements");
        props.put(SinkConfig.POSTGRES_URL, settings.jdbcUrl());
        props.put(SinkConfig.POSTGRES_USER, settings.jdbcUser());
        props.put(SinkConfig.POSTGRES_PASSWORD, settings.jdbcPassword());
        props.put(SinkConfig.POSTGRES_SCHEMA, "bench_sink_" + suffix);
        props.put(
                SinkConfig.POSTGRES_WRITE_MODE,
                settings.writeMode().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        props.put(SinkConfig.REDIS_URL, settings.redisUrl());
        props.put(SinkConfig.REDIS_KEY_PREFIX, "bench-sink-" + suffix);
        props.putAll(settings.sinkProperties());
        return props;
    }

    /** @return steady-state and end-to-end records per second */
    private double[] sinkPostgres(String topic, String suffix) throws InterruptedException {
        Map<String, Object> props = sinkProperties(topic, suffix);
        StorageLayout layout = Migrations.apply(dataSource(), new SinkConfig(props)); // outside the timing
        LOG.info("PostgreSQL sink into {}.measurement ({})", props.get(SinkConfig.POSTGRES_SCHEMA), layout);
        props.put(SinkConfig.POSTGRES_MIGRATE, "false");
        SinkConfig config = new SinkConfig(props);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (PostgresSinkService sink = new PostgresSinkService(config, settings.registry(), meters)) {
            long begin = System.nanoTime();
            sink.start();
            return await(meters, "postgres", begin);
        }
    }

    private double[] sinkRedis(String topic, String suffix) throws InterruptedException {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (RedisSinkService sink =
                new RedisSinkService(new SinkConfig(sinkProperties(topic, suffix)), settings.registry(), meters)) {
            long begin = System.nanoTime();
            sink.start();
            return await(meters, "redis", begin);
        }
    }

    private double[] await(SimpleMeterRegistry meters, String sink, long begin) throws InterruptedException {
        int total = settings.records();
        long firstAt = 0;
        double firstCount = 0;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        while (System.nanoTime() < deadline) {
            Counter done =
                    meters.find("fieldline.sink.records.done").tag("sink", sink).counter();
            double count = done == null ? 0 : done.count();
            if (count > 0 && firstAt == 0) {
                firstAt = System.nanoTime();
                firstCount = count;
            }
            if (count >= total) {
                long end = System.nanoTime();
                double steady = end > firstAt ? (total - firstCount) / ((end - firstAt) / 1e9) : Double.NaN;
                return new double[] {steady, total / ((end - begin) / 1e9)};
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException(sink + " sink did not finish within 30 minutes");
    }

    private double rawHset(Reading[] readings, String suffix) throws Exception {
        RedisKeys keys = new RedisKeys("bench-raw-" + suffix, Duration.ZERO, Duration.ZERO, Duration.ofMinutes(1));
        RedisClient client = RedisClient.create(settings.redisUrl());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.setAutoFlushCommands(false);
            RedisAsyncCommands<String, String> redis = connection.async();
            long begin = System.nanoTime();
            for (int from = 0; from < readings.length; from += settings.batchSize()) {
                List<RedisFuture<Boolean>> futures = new ArrayList<>(settings.batchSize());
                for (int i = from; i < Math.min(readings.length, from + settings.batchSize()); i++) {
                    Reading r = readings[i];
                    futures.add(
                            redis.hset(keys.deviceLatest(r.getDeviceId()), r.getSensor(), RedisPlans.latestValue(r)));
                }
                connection.flushCommands();
                for (RedisFuture<Boolean> f : futures) {
                    f.get(30, TimeUnit.SECONDS);
                }
            }
            return readings.length / seconds(begin);
        } finally {
            client.shutdown();
        }
    }

    private void dropSchemas(String suffix) {
        try (Connection c = dataSource().getConnection();
                Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + SqlNames.ident("bench_raw_" + suffix) + " CASCADE");
            st.execute("DROP SCHEMA IF EXISTS " + SqlNames.ident("bench_sink_" + suffix) + " CASCADE");
        } catch (SQLException e) {
            LOG.warn("Could not drop the benchmark schemas: {}", e.getMessage());
        }
    }

    private void deleteTopic(String topic) {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers()))) {
            admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("Could not delete the benchmark topic: {}", e.getMessage());
        }
    }

    private static double seconds(long beginNanos) {
        return (System.nanoTime() - beginNanos) / 1e9;
    }
}
