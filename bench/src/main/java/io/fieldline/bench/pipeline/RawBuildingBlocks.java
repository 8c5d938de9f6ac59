package io.fieldline.bench.pipeline;

import io.fieldline.bench.kafka.CheckedSends;
import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import io.fieldline.sink.Migrations;
import io.fieldline.sink.SinkConfig;
import io.fieldline.sink.internal.SqlNames;
import io.fieldline.sink.internal.copy.PgBinaryCopyWriter;
import io.fieldline.sink.internal.postgres.PostgresTables;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raw speed of the pipeline's building blocks on the same servers, measured in the same run as the pipeline so
 * that its figures read as ratios: a plain Kafka producer (200-byte records, {@code acks=all}, lz4), a plain consumer
 * reading them back as bytes, and a binary COPY of readings into a {@code measurement} table laid out as the sink's
 * (a scratch schema, migrated the same way, dropped afterwards). Run while the pipeline is idle.
 */
public final class RawBuildingBlocks {

    private static final Logger LOG = LoggerFactory.getLogger(RawBuildingBlocks.class);

    /**
     * Records (and rows) per second of each block, the machine's CPU time per record while it ran (every process,
     * from {@code /proc/stat}: the client, the server and the pipeline beside them; NaN where not readable), in µs, and
     * the cores the machine was busy just before the blocks (NaN where not readable).
     */
    public record Result(
            double producer,
            double consumer,
            double copy,
            double producerCpuMicros,
            double consumerCpuMicros,
            double copyCpuMicros,
            double coresBefore) {
        public String format() {
            return String.format(
                            Locale.ROOT,
                            "  Kafka producer (200 B, acks=all, lz4)  %,12.0f records/s%s%n"
                                    + "  Kafka consumer (bytes)                 %,12.0f records/s%s%n"
                                    + "  PostgreSQL binary COPY into measurement %,11.0f rows/s%s%n",
                            producer,
                            cpu(producerCpuMicros, "record"),
                            consumer,
                            cpu(consumerCpuMicros, "record"),
                            copy,
                            cpu(copyCpuMicros, "row"))
                    + String.format(
                            Locale.ROOT,
                            "  (CPU: the whole machine's busy time over the block, per record; it was busy %.2f cores"
                                    + " in the 2 s before the blocks, which is in each figure too)",
                            coresBefore)
                    + "\n";
        }

        private static String cpu(double micros, String unit) {
            return Double.isNaN(micros) ? "" : String.format(Locale.ROOT, ", %.2f us of CPU a %s", micros, unit);
        }
    }

    /** A block's rate and the machine's CPU time per record over it. */
    private record Block(double rate, double cpuMicros) {}

    private final Map<String, Object> producerProperties;
    private final Map<String, Object> consumerProperties;
    private final Map<String, Object> adminProperties;
    private final DataSource dataSource;
    private final Map<String, Object> sinkSettings;
    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private double idleMicrosPerSecond = -1;

    /**
     * @param sinkSettings the sink's settings, so the scratch table has the sink's layout
     */
    public RawBuildingBlocks(
            Map<String, Object> producerProperties,
            Map<String, Object> consumerProperties,
            Map<String, Object> adminProperties,
            DataSource dataSource,
            Map<String, Object> sinkSettings) {
        this.producerProperties = producerProperties;
        this.consumerProperties = consumerProperties;
        this.adminProperties = adminProperties;
        this.dataSource = dataSource;
        this.sinkSettings = sinkSettings;
    }

    /** Measures the three blocks with {@code records} records (and rows) each. */
    public Result run(int records, int copyBatch) throws Exception {
        String topic = "bench-raw-" + id;
        try (Admin admin = Admin.create(adminProperties)) {
            admin.createTopics(List.of(new NewTopic(topic, 6, (short) 1))).all().get(60, TimeUnit.SECONDS);
            TopicReadiness.awaitWritable(admin, List.of(topic), Duration.ofSeconds(60));
            try {
                idleMicrosPerSecond = idleCpu();
                Block produced = produce(topic, records);
                Block consumed = consume(topic, records);
                Block copied = copy(records, copyBatch);
                LOG.info(
                        "Raw blocks: producer {}/s, consumer {}/s, COPY {}/s",
                        (long) produced.rate(),
                        (long) consumed.rate(),
                        (long) copied.rate());
                return new Result(
                        produced.rate(),
                        consumed.rate(),
                        copied.rate(),
                        produced.cpuMicros(),
                        consumed.cpuMicros(),
                        copied.cpuMicros(),
                        idleMicrosPerSecond < 0 ? Double.NaN : idleMicrosPerSecond / 1e6);
            } finally {
                admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
            }
        }
    }

    private Block produce(String topic, int records) {
        Map<String, Object> props = new HashMap<>(producerProperties);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        byte[][] values = new byte[1024][];
        for (int i = 0; i < values.length; i++) {
            values[i] = new byte[200];
            ThreadLocalRandom.current().nextBytes(values[i]);
            // Half random, half repeated: readings compress about this well.
            java.util.Arrays.fill(values[i], 100, 200, (byte) 'x');
        }
        CheckedSends sends = new CheckedSends("raw producer into " + topic);
        long cpu = MachineCpu.busyMicros();
        long begin = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < records; i++) {
                producer.send(
                        new ProducerRecord<>(
                                topic,
                                Integer.toString(i % 1000).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                values[i % values.length]),
                        sends);
            }
            producer.flush();
            sends.check();
            return block(records, begin, cpu);
        }
    }

    private Block consume(String topic, int records) {
        Map<String, Object> props = new HashMap<>(consumerProperties);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long read = 0;
            long begin = 0;
            long cpu = -1;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (read < records && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
                if (begin == 0 && !batch.isEmpty()) {
                    begin = System.nanoTime();
                    cpu = MachineCpu.busyMicros();
                }
                read += batch.count();
            }
            return begin == 0 ? new Block(0, Double.NaN) : block(read, begin, cpu);
        }
    }

    private Block copy(int records, int batch) throws Exception {
        String schema = "bench_raw_" + id;
        Map<String, Object> props = new HashMap<>(sinkSettings);
        props.put(SinkConfig.POSTGRES_SCHEMA, schema);
        Migrations.apply(dataSource, new SinkConfig(props).storageOptions());
        Instant day = Instant.ofEpochMilli(Math.floorDiv(System.currentTimeMillis(), 86_400_000L) * 86_400_000L);
        Reading[] readings = new Reading[records];
        for (int i = 0; i < records; i++) {
            int series = i % 1000;
            Instant time = day.plusMillis((long) (i / 1000) * 10);
            readings[i] = Reading.newBuilder()
                    .setDeviceId("raw-" + series / 5)
                    .setSensor("sensor_" + series % 5)
                    .setValue(20 + (i % 1000) / 100.0)
                    .setUnit("degC")
                    .setEventTime(time)
                    .setIngestTime(time)
                    .setSource(Source.SIMULATOR)
                    .setQuality(Quality.GOOD)
                    .setSite("raw-site")
                    .setRoom("raw-room")
                    .build();
        }
        String sql = PostgresTables.MEASUREMENT.copySql(new SqlNames(schema), false);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            PGConnection pg = c.unwrap(PGConnection.class);
            long cpu = MachineCpu.busyMicros();
            long begin = System.nanoTime();
            for (int from = 0; from < records; from += batch) {
                CopyIn in = pg.getCopyAPI().copyIn(sql);
                PgBinaryCopyWriter out = new PgBinaryCopyWriter(in::writeToCopy, 256 * 1024);
                for (int i = from; i < Math.min(records, from + batch); i++) {
                    PostgresTables.MEASUREMENT.encoder().encode(readings[i], out);
                }
                out.finish();
                in.endCopy();
                c.commit();
            }
            return block(records, begin, cpu);
        } finally {
            try (Connection c = dataSource.getConnection();
                    Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + SqlNames.ident(schema) + " CASCADE");
            }
        }
    }

    /**
     * The machine's busy CPU per second of wall time just before the blocks (the pipeline's poll loops and timers, and
     * any backlog it still drains), over two seconds: what each block's CPU figure includes besides the block; -1
     * when not measurable.
     */
    private static double idleCpu() throws InterruptedException {
        long before = MachineCpu.busyMicros();
        long begin = System.nanoTime();
        Thread.sleep(2_000);
        long after = MachineCpu.busyMicros();
        return before < 0 || after < 0 ? -1 : (after - before) / seconds(begin);
    }

    private Block block(long records, long beginNanos, long cpuBefore) {
        double elapsed = seconds(beginNanos);
        double rate = records / elapsed;
        long cpuAfter = MachineCpu.busyMicros();
        if (cpuBefore < 0 || cpuAfter < 0 || records == 0) {
            return new Block(rate, Double.NaN);
        }
        return new Block(rate, (double) (cpuAfter - cpuBefore) / records);
    }

    private static double seconds(long beginNanos) {
        return (System.nanoTime() - beginNanos) / 1e9;
    }
}
