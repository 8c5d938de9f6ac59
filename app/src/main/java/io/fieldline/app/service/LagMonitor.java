package io.fieldline.app.service;

import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer lag of the process's groups, read from Kafka (committed offsets against end offsets) every
 * {@link ServiceConfig#LAG_CHECK_INTERVAL_MS}, as {@code fieldline_consumer_lag_records{group,topic,partition}}; and
 * back-pressure: when a group's lag, or the MQTT bridge's in-flight window, stays past its threshold for
 * {@link ServiceConfig#BACKPRESSURE_AFTER_MS}, {@code fieldline_backpressure_active{source}} goes to 1 and a WARN line
 * says so (once per episode, and once more when it clears).
 */
public final class LagMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LagMonitor.class);

    private final KafkaClientConfig kafka;
    private final MeterRegistry meters;
    private final Supplier<List<String>> groups;
    private final Supplier<Map<String, IntSupplier>> inFlight;
    private final long lagThreshold;
    private final int inFlightThreshold;
    private final long afterNanos;
    private final long interval;
    private final Duration timeout;
    private final Map<List<String>, Long> lags = new ConcurrentHashMap<>();
    private final Map<String, Pressure> pressures = new ConcurrentHashMap<>();
    private final ScheduledExecutorService schedule;
    private Admin admin;

    /**
     * @param groups   the consumer groups to watch (asked each round: components come and go)
     * @param inFlight in-flight windows to watch, by source name
     */
    public LagMonitor(
            KafkaClientConfig kafka,
            ServiceConfig config,
            MeterRegistry meters,
            Supplier<List<String>> groups,
            Supplier<Map<String, IntSupplier>> inFlight) {
        this.kafka = kafka;
        this.meters = meters;
        this.groups = groups;
        this.inFlight = inFlight;
        this.lagThreshold = config.getLong(ServiceConfig.BACKPRESSURE_LAG_THRESHOLD);
        this.inFlightThreshold = config.getInt(ServiceConfig.BACKPRESSURE_INFLIGHT_THRESHOLD);
        this.afterNanos = TimeUnit.MILLISECONDS.toNanos(config.getLong(ServiceConfig.BACKPRESSURE_AFTER_MS));
        this.interval = config.getLong(ServiceConfig.LAG_CHECK_INTERVAL_MS);
        this.timeout = config.duration(ServiceConfig.HEALTH_CHECK_TIMEOUT_MS);
        this.schedule = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fieldline-lag");
            thread.setDaemon(true);
            return thread;
        });
    }

    public void start() {
        schedule.scheduleWithFixedDelay(this::round, 0, interval, TimeUnit.MILLISECONDS);
    }

    /** Whether a source is past its threshold for long enough now. */
    public Set<String> pressured() {
        Set<String> active = new java.util.TreeSet<>();
        pressures.forEach((source, pressure) -> {
            if (pressure.reported) {
                active.add(source);
            }
        });
        return active;
    }

    void round() {
        long now = System.nanoTime();
        try {
            for (String group : groups.get()) {
                long total = readGroup(group);
                if (total >= 0) {
                    track(group, total, lagThreshold, now, "records behind");
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("Reading consumer lag failed: {}", e.toString());
        }
        try {
            inFlight.get()
                    .forEach((source, supplier) ->
                            track(source, supplier.getAsInt(), inFlightThreshold, now, "messages in flight"));
        } catch (RuntimeException e) {
            // An exception would cancel the scheduled rounds for good.
            LOG.debug("Reading the in-flight windows failed: {}", e.toString());
        }
    }

    private long readGroup(String group) {
        try {
            Map<TopicPartition, GroupLag.PartitionLag> read = GroupLag.read(admin(), group, timeout);
            if (read.isEmpty()) {
                return -1;
            }
            long total = 0;
            for (GroupLag.PartitionLag partition : read.values()) {
                long lag = partition.lag();
                total += lag;
                List<String> key = List.of(
                        group,
                        partition.partition().topic(),
                        Integer.toString(partition.partition().partition()));
                if (lags.put(key, lag) == null) {
                    Gauge.builder("fieldline.consumer.lag", lags, values -> values.getOrDefault(key, 0L))
                            .description("Records of a partition not yet committed by a consumer group")
                            .baseUnit("records")
                            .tag("group", group)
                            .tag("topic", key.get(1))
                            .tag("partition", key.get(2))
                            .register(meters);
                }
            }
            return total;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (Exception e) {
            LOG.debug("Reading the lag of {} failed: {}", group, e.toString());
            return -1;
        }
    }

    private void track(String source, long value, long threshold, long now, String what) {
        Pressure pressure = pressures.computeIfAbsent(source, name -> {
            Pressure created = new Pressure();
            Gauge.builder("fieldline.backpressure.active", created, p -> p.reported ? 1 : 0)
                    .description("1 while a consumer group's lag or the bridge's in-flight window has stayed past "
                            + "its threshold for backpressure.after.ms")
                    .tag("source", name)
                    .register(meters);
            return created;
        });
        if (value > threshold) {
            if (pressure.since == 0) {
                pressure.since = now;
            }
            if (!pressure.reported && now - pressure.since >= afterNanos) {
                pressure.reported = true;
                LOG.warn(
                        "Back-pressure: {} has {} {} (threshold {}) for {} s",
                        source,
                        value,
                        what,
                        threshold,
                        TimeUnit.NANOSECONDS.toSeconds(now - pressure.since));
            }
        } else {
            if (pressure.reported) {
                LOG.info("Back-pressure over: {} has {} {}", source, value, what);
            }
            pressure.since = 0;
            pressure.reported = false;
        }
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(kafka.adminProperties(
                    ClientRules.of("the lag monitor").byDefault(AdminClientConfig.CLIENT_ID_CONFIG, "fieldline-lag")));
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        schedule.shutdownNow();
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }

    private static final class Pressure {
        volatile long since;
        volatile boolean reported;
    }
}
