package io.fieldline.bench.streams;

import io.fieldline.bench.kafka.CheckedSends;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Device;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Sensor;
import io.fieldline.schemas.avro.Source;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.runtime.FieldlineStreams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures readings per second through enrichment and one-minute aggregates on a real broker with
 * exactly-once v2, beside the raw consumer rate of the same topic in the same run.
 *
 * <ol>
 *   <li>Creates fresh topics (a unique prefix) and preloads N readings (and the metadata of
 *       their devices and sensors, so the enrichment joins really join).</li>
 *   <li>Raw rate: one plain consumer reads the N records as bytes, no deserialisation.</li>
 *   <li>Streams rate: the enrichment and aggregates applications start on the preloaded topic;
 *       the clock runs from the moment both are RUNNING until both have committed their whole
 *       input (start-up and group join are reported apart).</li>
 *   <li>Deletes the benchmark's topics, internal topics included.</li>
 * </ol>
 * Not a test: it asserts nothing and its numbers depend on the machine.
 */
public final class StreamsBenchmark {

    private static final Logger LOG = LoggerFactory.getLogger(StreamsBenchmark.class);
    private static final Instant EPOCH = Instant.parse("2025-03-01T00:00:00Z");
    private static final List<String> SENSORS =
            List.of("air_temperature", "relative_humidity", "co2", "ppfd", "soil_moisture");

    private final String bootstrapServers;
    private final String registryUrl;

    public StreamsBenchmark(String bootstrapServers, String registryUrl) {
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.registryUrl = Objects.requireNonNull(registryUrl, "registryUrl");
    }

    /**
     * What to run.
     *
     * @param readings   readings to preload and process in the measured round
     * @param warmupReadings readings of the warm-up round that runs first (fresh topics and
     *                   application, same JVM) so that the measured round runs compiled code; 0 for none
     * @param devices    devices they come from (five sensors each, one reading per series per second)
     * @param partitions partitions of every data topic
     * @param threads    stream threads per application
     * @param guarantee  exactly_once_v2 or at_least_once
     * @param commitIntervalMs Streams commit interval (exactly-once: the added latency, and how often
     *                   the record caches are flushed to the changelogs)
     * @param stateDir   parent of the Streams state directories
     * @param settings   further {@code streams.*} settings for the application (for example the store type)
     */
    public record Options(
            int readings,
            int warmupReadings,
            int devices,
            int partitions,
            int threads,
            String guarantee,
            long commitIntervalMs,
            Path stateDir,
            Map<String, String> settings) {

        public Options {
            if (warmupReadings < 0) {
                throw new IllegalArgumentException("warm-up readings must not be negative");
            }
            if (readings <= 0 || devices <= 0 || partitions <= 0 || threads <= 0 || commitIntervalMs <= 0) {
                throw new IllegalArgumentException("counts must be positive");
            }
            Objects.requireNonNull(guarantee, "guarantee");
            Objects.requireNonNull(stateDir, "stateDir");
            settings = Map.copyOf(settings);
        }

        Options withReadings(int count) {
            return new Options(count, 0, devices, partitions, threads, guarantee, commitIntervalMs, stateDir, settings);
        }
    }

    /**
     * What it measured.
     *
     * @param readings              readings processed
     * @param preloadPerSecond      producer rate of the preload (Avro serialisation included)
     * @param rawConsumerPerSecond  plain consumer rate over the same topic (bytes only)
     * @param streamsPerSecond      readings per second through enrichment + aggregates
     * @param streamsStartup        from start() until both applications were RUNNING
     * @param streamsElapsed        from RUNNING until every reading went through both applications
     * @param options               what ran
     */
    public record Result(
            long readings,
            double preloadPerSecond,
            double rawConsumerPerSecond,
            double streamsPerSecond,
            Duration streamsStartup,
            Duration streamsElapsed,
            Options options) {

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%,d readings, %d partitions, %d thread(s)/app, %s, commit %d ms: raw consumer %,.0f/s; "
                            + "enrichment + aggregates %,.0f/s (%.1f s, after %.1f s start-up); preload %,.0f/s",
                    readings,
                    options.partitions(),
                    options.threads(),
                    options.guarantee(),
                    options.commitIntervalMs(),
                    rawConsumerPerSecond,
                    streamsPerSecond,
                    streamsElapsed.toMillis() / 1000.0,
                    streamsStartup.toMillis() / 1000.0,
                    preloadPerSecond);
        }
    }

    /** Runs the benchmark once: the warm-up round, if any, then the measured round. */
    public Result run(Options options) throws Exception {
        if (options.warmupReadings() > 0) {
            Result warmup = round(options.withReadings(options.warmupReadings()));
            LOG.info("Warm-up round (not counted): {}", warmup);
        }
        return round(options);
    }

    private Result round(Options options) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        TopicNames names = new TopicNames("bench-" + run + ".");
        String applicationPrefix = "bench-" + run;
        Topics topics = new Topics(names, new HttpSchemaRegistryClient(registryUrl));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            createTopics(admin, names, options.partitions());
            try {
                double preload = preload(topics, options);
                double raw = rawConsumerRate(names.readings(), options.readings());
                return streams(topics, applicationPrefix, options, preload, raw);
            } finally {
                deleteTopics(admin, names.prefix(), applicationPrefix);
            }
        }
    }

    private double preload(Topics topics, Options options) throws Exception {
        TopicNames names = topics.names();
        Serializer<Reading> readings = topics.readings().valueSerde().serializer();
        Serializer<Device> devices = topics.devices().valueSerde().serializer();
        Serializer<Sensor> sensors = topics.sensors().valueSerde().serializer();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            CheckedSends metadataSends = new CheckedSends("loading devices and sensors");
            CheckedSends readingSends = new CheckedSends("loading readings");
            for (int d = 0; d < options.devices(); d++) {
                String deviceId = deviceId(d);
                Device device = Device.newBuilder()
                        .setDeviceId(deviceId)
                        .setSite("site-1")
                        .setRoom("room-" + (d % 50))
                        .setExpectedIntervalMs(1000L)
                        .build();
                producer.send(
                        new ProducerRecord<>(names.devices(), deviceId, devices.serialize(names.devices(), device)),
                        metadataSends);
                for (String sensorName : SENSORS) {
                    Sensor sensor = Sensor.newBuilder()
                            .setDeviceId(deviceId)
                            .setSensor(sensorName)
                            .setUnit("unit")
                            .setCalibrationOffset(0.1)
                            .setValidMin(-1000.0)
                            .setValidMax(10_000.0)
                            .build();
                    String key = deviceId + "/" + sensorName;
                    producer.send(
                            new ProducerRecord<>(names.sensors(), key, sensors.serialize(names.sensors(), sensor)),
                            metadataSends);
                }
            }
            producer.flush();
            metadataSends.check();
            int series = options.devices() * SENSORS.size();
            long started = System.nanoTime();
            for (int i = 0; i < options.readings(); i++) {
                int s = i % series;
                String deviceId = deviceId(s / SENSORS.size());
                Instant time = EPOCH.plusMillis((long) (i / series) * 1000 + s % 1000);
                Reading reading = Reading.newBuilder()
                        .setDeviceId(deviceId)
                        .setSensor(SENSORS.get(s % SENSORS.size()))
                        .setValue(20 + (i % 997) / 100.0)
                        .setEventTime(time)
                        .setIngestTime(time)
                        .setSource(Source.SIMULATOR)
                        .setQuality(Quality.GOOD)
                        .setAttributes(Map.of())
                        .build();
                producer.send(
                        new ProducerRecord<>(
                                names.readings(),
                                null,
                                time.toEpochMilli(),
                                deviceId,
                                readings.serialize(names.readings(), reading)),
                        readingSends);
            }
            producer.flush();
            readingSends.check();
            return options.readings() / seconds(System.nanoTime() - started);
        }
    }

    private double rawConsumerRate(String topic, long expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-raw-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long count = 0;
            long started = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (count < expected) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                if (started == 0 && !records.isEmpty()) {
                    started = System.nanoTime(); // from the first fetched batch: group join excluded
                }
                count += records.count();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("raw consumer read only " + count + " of " + expected);
                }
            }
            return count / seconds(System.nanoTime() - started);
        }
    }

    private Result streams(Topics topics, String applicationPrefix, Options options, double preload, double raw)
            throws Exception {
        Path stateDir = Files.createDirectories(options.stateDir().resolve(applicationPrefix));
        Map<String, String> values = new HashMap<>(options.settings());
        values.put(StreamsSettingsConfig.APPLICATION_ID_PREFIX, applicationPrefix);
        values.put(StreamsSettingsConfig.APPLICATIONS, "readings");
        values.put(StreamsSettingsConfig.STATE_DIR, stateDir.toString());
        values.put(StreamsSettingsConfig.NUM_THREADS, Integer.toString(options.threads()));
        values.put(StreamsSettingsConfig.PROCESSING_GUARANTEE, options.guarantee());
        values.put(StreamsSettingsConfig.COMMIT_INTERVAL_MS, Long.toString(options.commitIntervalMs()));
        StreamsSettingsConfig settings = new StreamsSettingsConfig(values);
        long started = System.nanoTime();
        try (FieldlineStreams streams = new FieldlineStreams(
                        settings, KafkaClientConfig.forBootstrapServers(bootstrapServers), topics, null);
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            streams.start();
            streams.awaitRunning(Duration.ofMinutes(2));
            long running = System.nanoTime();
            long deadline = running + Duration.ofMinutes(20).toNanos();
            // Done when the application has committed its whole input: committed offsets are what
            // exactly-once makes durable, and unlike thread metrics they survive a replaced thread.
            while (!consumedToEnd(
                    admin, settings.applicationId("readings"), topics.names().readings())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Streams did not get through the readings: " + streams.counters());
                }
                Thread.sleep(50);
            }
            long done = System.nanoTime();
            // Committed to the end is not proof that every reading went through: a consumer that
            // lost its position skips ahead. The counter is.
            double processed = streams.counters().getOrDefault("readings.process-total", 0.0);
            if (processed < options.readings()) {
                throw new IllegalStateException(String.format(
                        Locale.ROOT,
                        "only %,.0f of %,d readings were processed: %s",
                        processed,
                        options.readings(),
                        streams.counters()));
            }
            Result result = new Result(
                    options.readings(),
                    preload,
                    raw,
                    options.readings() / seconds(done - running),
                    Duration.ofNanos(running - started),
                    Duration.ofNanos(done - running),
                    options);
            LOG.info("Streams benchmark: {} (counters {})", result, streams.counters());
            return result;
        }
    }

    /**
     * Whether a consumer group's committed offsets reached the end of every partition of a topic.
     * The preloaded input was not written in transactions, so it holds no transaction markers and
     * its end offset is reached exactly. (On a topic written by an exactly-once application a
     * group can stop one short of the end, before the last commit marker, for good.)
     */
    private static boolean consumedToEnd(Admin admin, String groupId, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata()
                .get();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get()
                .get(topic)
                .partitions()
                .forEach(
                        partition -> latest.put(new TopicPartition(topic, partition.partition()), OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                admin.listOffsets(latest).all().get();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end : ends.entrySet()) {
            OffsetAndMetadata offset = committed.get(end.getKey());
            long position = offset == null ? 0 : offset.offset();
            if (position < end.getValue().offset()) {
                return false;
            }
        }
        return true;
    }

    private static void createTopics(Admin admin, TopicNames names, int partitions) throws Exception {
        // The readings carry event times in the past (EPOCH), and so do the records made from them:
        // with time-based retention the broker would delete whole segments while the application
        // is still reading them, and its consumer would skip ahead to the new log start.
        Map<String, String> keepForever = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");
        List<NewTopic> topics = new ArrayList<>();
        for (String topic : List.of(
                names.readings(),
                names.enrichedReadings(),
                names.lateReadings(),
                names.aggregates1m(),
                names.aggregates1h())) {
            topics.add(new NewTopic(topic, partitions, (short) -1).configs(keepForever));
        }
        for (String topic : List.of(names.devices(), names.sensors(), names.deadLetters("streams"))) {
            topics.add(new NewTopic(topic, 1, (short) -1).configs(keepForever));
        }
        admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        TopicReadiness.awaitWritable(admin, topics.stream().map(NewTopic::name).toList(), Duration.ofSeconds(60));
    }

    private static void deleteTopics(Admin admin, String topicPrefix, String applicationPrefix) {
        try {
            List<String> ours = admin.listTopics().names().get().stream()
                    .filter(topic -> topic.startsWith(topicPrefix) || topic.startsWith(applicationPrefix))
                    .toList();
            admin.deleteTopics(ours).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Interrupted while deleting the benchmark topics");
        } catch (Exception e) {
            LOG.warn("Could not delete the benchmark topics (prefixes {}, {})", topicPrefix, applicationPrefix, e);
        }
    }

    private static String deviceId(int index) {
        return String.format(Locale.ROOT, "dev-%05d", index);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
