package io.fieldline.bench.pipeline;

import io.fieldline.schemas.Topic;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.simulator.MqttPublisher;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Latency probes: one extra device publishes a probe reading over MQTT every {@code 1/rate} s, stamped with its
 * publish time (the reading's own timestamp, milliseconds of this JVM's clock), alternately above a rule's threshold
 * and below its clear threshold, so every probe crosses the rule once and raises or clears an alert. Five watchers
 * note when each probe shows up: its record on {@code telemetry.readings} (a consumer at the end of every partition),
 * its enriched record on {@code telemetry.readings.enriched} (read-committed: as the next applications see it),
 * its row committed in {@code measurement} (polled every {@value #POLL_MS} ms), its value or a newer one in the
 * device's Redis latest-value hash (polled as often; the sink writes only the newest reading of a batch), and its
 * alert transition on {@code telemetry.alerts} (a read-committed
 * consumer). A probe's latency at a stage is the time it was seen there minus its publish time; the polling adds up
 * to {@value #POLL_MS} ms to the row and Redis figures. Probes are a sample of the load: the load itself (the
 * simulator) is not stamped per reading by this class.
 */
public final class LatencyProbes implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LatencyProbes.class);

    /** The probe device. */
    public static final String DEVICE = "bp-probe";

    public static final String SITE = "bench-site";
    public static final String ROOM = "bench-room";
    public static final String SENSOR = "probe_level";
    /** The rule every probe crosses: above 100 raises (no debounce), below 50 clears. */
    public static final String RULE =
            "bench-probe-level|" + DEVICE + "|" + SENSOR + "|*|ABOVE|100|50|0|INFO|1000000000";

    static final long POLL_MS = 5;
    private static final Pattern LATEST_TIME = Pattern.compile("\"time\"\\s*:\\s*(\\d+)");

    /** The stages a probe is seen at, in pipeline order. */
    public enum Stage {
        TOPIC("publish -> telemetry.readings record"),
        ENRICHED("publish -> telemetry.readings.enriched record"),
        ROW("publish -> measurement row committed"),
        REDIS("publish -> Redis latest value"),
        ALERT("publish -> telemetry.alerts transition");

        private final String label;

        Stage(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * Where the probes go and where they are watched.
     *
     * @param mqttUrl          broker
     * @param mqttUser         the probe device's login, or null
     * @param mqttPassword     its password, or null
     * @param topics           the topic catalogue (readings and alerts, with their serdes)
     * @param consumerProperties properties of the two Kafka consumers (bootstrap servers, security)
     * @param dataSource       the sink's database
     * @param measurementTable {@code measurement}, qualified by the sink's schema
     * @param redis            the sink's Redis
     * @param latestKey        the probe device's latest-value hash
     * @param rate             probes per second
     */
    public record Settings(
            String mqttUrl,
            String mqttUser,
            String mqttPassword,
            Topics topics,
            Map<String, Object> consumerProperties,
            DataSource dataSource,
            String measurementTable,
            RedisURI redis,
            String latestKey,
            double rate) {}

    private final Settings settings;
    private final ConcurrentSkipListSet<Long> published = new ConcurrentSkipListSet<>();
    private final Map<Stage, Map<Long, Long>> seen = new LinkedHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    private MqttPublisher publisher;
    private RedisClient redisClient;

    public LatencyProbes(Settings settings) {
        this.settings = settings;
        for (Stage stage : Stage.values()) {
            seen.put(stage, new ConcurrentHashMap<>());
        }
    }

    /** The metadata a probe needs: a device, its sensor (a long declared interval: never offline) and the rule. */
    public static void writeMetadata(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement facility = c.prepareStatement(
                            "INSERT INTO facility (facility_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING");
                    PreparedStatement room = c.prepareStatement(
                            "INSERT INTO room (room_id, facility_id, name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
                    PreparedStatement device =
                            c.prepareStatement("INSERT INTO device (device_id, site, room, type, expected_interval_ms) "
                                    + "VALUES (?, ?, ?, 'probe', 3600000) ON CONFLICT DO NOTHING");
                    PreparedStatement sensor =
                            c.prepareStatement("INSERT INTO sensor (device_id, sensor, unit, expected_interval_ms) "
                                    + "VALUES (?, ?, '1', 3600000) ON CONFLICT DO NOTHING");
                    PreparedStatement rule = c.prepareStatement(
                            "INSERT INTO alert_rule (rule_id, device_selector, sensor_selector, room_selector, "
                                    + "direction, threshold, clear_threshold, for_ms, severity, escalation_threshold) "
                                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                facility.setString(1, SITE);
                facility.setString(2, "Benchmark probes");
                facility.executeUpdate();
                room.setString(1, ROOM);
                room.setString(2, SITE);
                room.setString(3, ROOM);
                room.executeUpdate();
                device.setString(1, DEVICE);
                device.setString(2, SITE);
                device.setString(3, ROOM);
                device.executeUpdate();
                sensor.setString(1, DEVICE);
                sensor.setString(2, SENSOR);
                sensor.executeUpdate();
                String[] f = RULE.split("\\|");
                for (int i = 0; i < 5; i++) {
                    rule.setString(i + 1, f[i]);
                }
                rule.setDouble(6, Double.parseDouble(f[5]));
                rule.setDouble(7, Double.parseDouble(f[6]));
                rule.setLong(8, Long.parseLong(f[7]));
                rule.setString(9, f[8]);
                rule.setDouble(10, Double.parseDouble(f[9]));
                rule.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The MQTT topic of the probe device (the simulator's layout, so the preset route takes it). */
    public static String mqttTopic() {
        return "sites/" + SITE + "/rooms/" + ROOM + "/devices/" + DEVICE + "/telemetry";
    }

    /** Connects and starts the publisher and the five watchers. */
    public void start() throws Exception {
        publisher =
                MqttPublisher.connect(settings.mqttUrl(), DEVICE, 100, settings.mqttUser(), settings.mqttPassword());
        redisClient = RedisClient.create(settings.redis());
        // The watchers first, positioned at the end, so no probe is published before they look.
        KafkaConsumer<byte[], byte[]> readings =
                consumer(settings.topics().readings().name(), "read_uncommitted");
        KafkaConsumer<byte[], byte[]> alerts =
                consumer(settings.topics().alerts().name(), "read_committed");
        KafkaConsumer<byte[], byte[]> enriched =
                consumer(settings.topics().enrichedReadings().name(), "read_committed");
        spawn(
                "bench-probe-readings",
                () -> watchReadings(readings, settings.topics().readings(), Stage.TOPIC));
        spawn(
                "bench-probe-enriched",
                () -> watchReadings(enriched, settings.topics().enrichedReadings(), Stage.ENRICHED));
        spawn("bench-probe-alerts", () -> watchAlerts(alerts));
        spawn("bench-probe-rows", this::watchRows);
        spawn("bench-probe-redis", this::watchRedis);
        spawn("bench-probe-publisher", this::publish);
    }

    /**
     * Latency percentiles of the probes published in {@code [fromMs, untilMs)} at each stage, and how many of them
     * were not seen there (yet).
     */
    public Map<Stage, Result> results(long fromMs, long untilMs) {
        List<Long> probes = new ArrayList<>(published.subSet(fromMs, untilMs));
        Map<Stage, Result> results = new LinkedHashMap<>();
        for (Stage stage : Stage.values()) {
            Map<Long, Long> at = seen.get(stage);
            long[] latencies = new long[probes.size()];
            int n = 0;
            for (long probe : probes) {
                Long latency = at.get(probe);
                if (latency != null) {
                    latencies[n++] = latency;
                }
            }
            results.put(stage, new Result(probes.size(), Percentiles.of(Arrays.copyOf(latencies, n))));
        }
        return results;
    }

    /** Waits until every probe published before {@code untilMs} was seen at every stage, at most {@code timeout}. */
    public void awaitSeen(long untilMs, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (Stage stage : Stage.values()) {
                for (long probe : published.headSet(untilMs)) {
                    if (!seen.get(stage).containsKey(probe)) {
                        all = false;
                        break;
                    }
                }
            }
            if (all) {
                return;
            }
            Thread.sleep(50);
        }
    }

    /**
     * One stage's figures.
     *
     * @param published probes published in the window
     * @param latency   latencies of those seen
     */
    public record Result(int published, Percentiles latency) {
        public int missing() {
            return published - latency.count();
        }
    }

    private void publish() {
        long intervalNanos = (long) (1e9 / settings.rate());
        long next = System.nanoTime();
        long last = 0;
        long k = 0;
        while (running) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            next += intervalNanos;
            // Unique milliseconds: a probe is known by its timestamp at every stage.
            long ts = Math.max(System.currentTimeMillis(), last + 1);
            last = ts;
            double value = k++ % 2 == 0 ? 150 : 0;
            String json = "{\"ts\":" + ts + ",\"" + SENSOR + "\":" + (long) value + "}";
            try {
                publisher.publish(mqttTopic(), json.getBytes(StandardCharsets.UTF_8), 1);
                published.add(ts);
            } catch (Exception e) {
                if (running) {
                    LOG.warn("Probe publish failed: {}", e.toString());
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
        }
    }

    private void watchReadings(KafkaConsumer<byte[], byte[]> consumer, Topic<String, Reading> readings, Stage stage) {
        byte[] key = DEVICE.getBytes(StandardCharsets.UTF_8);
        Deserializer<Reading> values = readings.valueSerde().deserializer();
        String topic = readings.name();
        try (consumer) {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (Arrays.equals(key, record.key())) {
                        long now = System.currentTimeMillis();
                        Reading reading = values.deserialize(topic, record.headers(), record.value());
                        note(stage, reading.getEventTime().toEpochMilli(), now);
                    }
                }
            }
        }
    }

    private void watchAlerts(KafkaConsumer<byte[], byte[]> consumer) {
        Deserializer<Alert> values = settings.topics().alerts().valueSerde().deserializer();
        String topic = settings.topics().alerts().name();
        try (consumer) {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (record.key() != null
                            && new String(record.key(), StandardCharsets.UTF_8).contains("/" + DEVICE + "/")) {
                        long now = System.currentTimeMillis();
                        Alert alert = values.deserialize(topic, record.headers(), record.value());
                        note(Stage.ALERT, alert.getEventTime().toEpochMilli(), now);
                    }
                }
            }
        }
    }

    private void watchRows() {
        long after = System.currentTimeMillis();
        String sql = "SELECT (extract(epoch FROM time) * 1000)::bigint FROM " + settings.measurementTable()
                + " WHERE device_id = ? AND sensor = ? AND time > to_timestamp(? / 1000.0) ORDER BY time";
        while (running) {
            try (Connection c = settings.dataSource().getConnection();
                    PreparedStatement query = c.prepareStatement(sql)) {
                query.setString(1, DEVICE);
                query.setString(2, SENSOR);
                while (running) {
                    query.setLong(3, after);
                    try (ResultSet rows = query.executeQuery()) {
                        long now = System.currentTimeMillis();
                        while (rows.next()) {
                            long ts = rows.getLong(1);
                            note(Stage.ROW, ts, now);
                            after = Math.max(after, ts);
                        }
                    }
                    Thread.sleep(POLL_MS);
                }
            } catch (SQLException e) {
                LOG.debug("Probe row poll failed, retrying: {}", e.toString());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void watchRedis() {
        long last = 0;
        while (running) {
            try (StatefulRedisConnection<String, String> connection = redisClient.connect()) {
                RedisCommands<String, String> redis = connection.sync();
                while (running) {
                    String json = redis.hget(settings.latestKey(), SENSOR);
                    long now = System.currentTimeMillis();
                    if (json != null) {
                        Matcher m = LATEST_TIME.matcher(json);
                        if (m.find()) {
                            long ts = Long.parseLong(m.group(1));
                            if (ts > last) {
                                // A latest value stands for every probe up to it: one written in the same batch
                                // as a newer one is never visible on its own.
                                for (long probe : published.subSet(last, false, ts, true)) {
                                    note(Stage.REDIS, probe, now);
                                }
                                last = ts;
                            }
                        }
                    }
                    Thread.sleep(POLL_MS);
                }
            } catch (RuntimeException e) {
                LOG.debug("Probe Redis poll failed, retrying: {}", e.toString());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void note(Stage stage, long ts, long now) {
        if (published.contains(ts)) {
            seen.get(stage).putIfAbsent(ts, now - ts);
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer(String topic, String isolation) {
        Map<String, Object> props = new LinkedHashMap<>(settings.consumerProperties());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }

    private void spawn(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    @Override
    public void close() {
        running = false;
        for (Thread thread : threads) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (publisher != null) {
            publisher.close();
        }
        if (redisClient != null) {
            redisClient.shutdown();
        }
    }
}
