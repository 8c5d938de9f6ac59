package io.fieldline.topologies.runtime;

import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.schemas.Topics;
import io.fieldline.topologies.StreamsSettingsConfig;
import io.fieldline.topologies.internal.ProcessorCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the configured Streams applications, one {@link KafkaStreams} each, with exactly-once v2
 * (unless configured otherwise), Fieldline's exception handlers (deserialization, processing,
 * production: records at fault to the dead-letter topic, other failures fail the task), enforced explicit naming of
 * internal resources, and a thread-replacing uncaught-exception handler.
 *
 * <p>Kafka is reached through the shared {@code kafka.*} block ({@link KafkaClientConfig}): bootstrap
 * servers, TLS and SASL, and {@code kafka.streams.*} for any other Streams property. The
 * {@code streams.*} keys that set a Streams property (threads, commit interval, guarantee, replication
 * factor, cache, state directory) cannot also be set as {@code kafka.streams.*}: that fails naming both.
 *
 * <p>The topics must exist (the application's topic provisioning creates them, including the
 * dead-letter topic {@code deadletter.streams}); internal topics are created by Streams.
 *
 * <pre>{@code
 * try (FieldlineStreams streams = new FieldlineStreams(settings, kafka, topics, meters)) {
 *     streams.start();
 *     streams.awaitRunning(Duration.ofSeconds(60));
 *     ...
 * }
 * }</pre>
 */
public final class FieldlineStreams implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FieldlineStreams.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final StreamsSettingsConfig settings;
    private final KafkaClientConfig kafka;
    private final Topics topics;
    private final MeterRegistry meters;
    private final Map<String, Object> overrides;
    private final Map<String, KafkaStreams> running = new LinkedHashMap<>();
    private final List<KafkaStreamsMetrics> bindings = new ArrayList<>();

    /**
     * @param settings the {@code streams.*} configuration
     * @param kafka    the Kafka cluster and how to reach it ({@code kafka.*})
     * @param topics   the topic catalogue, with serdes bound to the schema registry
     * @param meters   where to export the Streams metrics and the dead-letter counter; may be null
     * @throws org.apache.kafka.common.config.ConfigException naming the keys of a {@code kafka.streams.*}
     *         setting that contradicts the applications
     */
    public FieldlineStreams(
            StreamsSettingsConfig settings, KafkaClientConfig kafka, Topics topics, MeterRegistry meters) {
        this(settings, kafka, topics, meters, Map.of());
    }

    /**
     * @param overrides raw Kafka Streams (or {@code consumer.}/{@code producer.}-prefixed client) properties
     *                  applied last, for tuning and tests
     */
    public FieldlineStreams(
            StreamsSettingsConfig settings,
            KafkaClientConfig kafka,
            Topics topics,
            MeterRegistry meters,
            Map<String, ?> overrides) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.meters = meters;
        this.overrides = Map.copyOf(overrides);
        for (String application : settings.applications()) {
            properties(application);
        }
    }

    /** The Kafka Streams properties of one application. */
    public Properties properties(String application) {
        StreamsSettingsConfig.CommitInterval commitInterval = settings.commitInterval(application);
        ClientRules rules = ClientRules.of("the Streams application " + application)
                .enforce(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId(application))
                .byDefault(StreamsConfig.CLIENT_ID_CONFIG, settings.applicationId(application))
                .fromKey(
                        StreamsConfig.PROCESSING_GUARANTEE_CONFIG, settings, StreamsSettingsConfig.PROCESSING_GUARANTEE)
                .fromKey(
                        StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
                        commitInterval.key(),
                        commitInterval.millis(),
                        commitInterval.setByUser())
                .fromKey(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings, StreamsSettingsConfig.NUM_THREADS)
                .fromKey(StreamsConfig.REPLICATION_FACTOR_CONFIG, settings, StreamsSettingsConfig.REPLICATION_FACTOR)
                .fromKey(
                        StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG,
                        settings,
                        StreamsSettingsConfig.CACHE_MAX_BYTES)
                // Dead letters are part of the contract: the handler and its topic are not optional.
                .enforce(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class)
                .enforce(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ProcessingDeadLetterHandler.class)
                .enforce(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, ProductionDeadLetterHandler.class)
                .enforce(
                        StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
                        topics.names().deadLetters(DeadLetterHandler.STAGE))
                .enforce(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true)
                // New applications start from the beginning of their input: readings produced before the
                // first start (by the simulator, a CSV import) are processed, not skipped.
                .byDefault(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest")
                .byDefault(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4")
                .byDefault(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5)
                // Observed with 4.3.1 (transactions v2) on a fresh broker: when the first batch of a
                // transaction got CONCURRENT_TRANSACTIONS, the batches pipelined behind it were refused as
                // out of sequence and the producer sometimes stalled for good. One request in flight
                // keeps a retried batch ahead of the next; the throughput cost was within noise.
                .byDefault(StreamsConfig.producerPrefix(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION), 1);
        String stateDir = settings.getString(StreamsSettingsConfig.STATE_DIR);
        if (!stateDir.isBlank()) {
            rules.fromKey(StreamsConfig.STATE_DIR_CONFIG, settings, StreamsSettingsConfig.STATE_DIR);
        }
        Properties props = new Properties();
        props.putAll(kafka.streamsProperties(rules));
        if (meters != null) {
            props.put(DeadLetterHandler.METER_REGISTRY_CONFIG, meters);
        }
        props.putAll(overrides);
        return props;
    }

    /** Builds and starts every configured application; returns without waiting for RUNNING. */
    public synchronized void start() {
        if (!running.isEmpty()) {
            throw new IllegalStateException("already started");
        }
        FieldlineTopologies topologies = new FieldlineTopologies(settings, topics);
        for (String application : settings.applications()) {
            Properties props = properties(application);
            TopologyConfig topologyConfig = new TopologyConfig(new StreamsConfig(props));
            KafkaStreams streams = new KafkaStreams(topologies.build(application, topologyConfig), props);
            streams.setUncaughtExceptionHandler(exception -> {
                LOG.error("Streams application {} lost a thread; replacing it", application, exception);
                return StreamThreadExceptionResponse.REPLACE_THREAD;
            });
            streams.setStateListener((to, from) -> LOG.info("Streams application {}: {} -> {}", application, from, to));
            if (meters != null) {
                KafkaStreamsMetrics binding = new KafkaStreamsMetrics(streams);
                binding.bindTo(meters);
                bindings.add(binding);
            }
            running.put(application, streams);
            streams.start();
            LOG.info(
                    "Started Streams application {} ({})",
                    settings.applicationId(application),
                    kafka.bootstrapServers());
        }
    }

    /**
     * Waits until every application is RUNNING.
     *
     * @throws IllegalStateException when one is in ERROR or does not get there in time
     * @throws InterruptedException  when interrupted (the interrupt flag is set again)
     */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, KafkaStreams.State> states = states();
            if (states.values().stream()
                    .anyMatch(state -> state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING)) {
                throw new IllegalStateException("Streams applications failed to start: " + states);
            }
            if (!states.isEmpty() && states.values().stream().allMatch(state -> state == KafkaStreams.State.RUNNING)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Streams applications not running after " + timeout + ": " + states);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw e;
            }
        }
    }

    /** State of each started application, by name. */
    public synchronized Map<String, KafkaStreams.State> states() {
        Map<String, KafkaStreams.State> states = new LinkedHashMap<>();
        running.forEach((application, streams) -> states.put(application, streams.state()));
        return states;
    }

    /** Whether every started application is RUNNING (or rebalancing). */
    public synchronized boolean isHealthy() {
        return !running.isEmpty()
                && running.values().stream().allMatch(streams -> streams.state().isRunningOrRebalancing());
    }

    /**
     * Counters of each application, {@code <application>.<name>}: records processed
     * ({@code process-total}), and Fieldline's own counters (unknown-device readings, late
     * readings, late KPI inputs, dropped records), summed over threads and tasks.
     */
    public synchronized Map<String, Double> counters() {
        Map<String, Double> counters = new TreeMap<>();
        running.forEach((application, streams) -> {
            for (Map.Entry<MetricName, ? extends Metric> entry :
                    streams.metrics().entrySet()) {
                MetricName name = entry.getKey();
                boolean ours = name.group().equals("stream-" + ProcessorCounter.SCOPE + "-metrics")
                        && name.name().endsWith("-total");
                boolean processed = name.group().equals("stream-thread-metrics")
                        && name.name().equals("process-total");
                boolean dropped = name.group().equals("stream-task-metrics")
                        && name.name().equals("dropped-records-total");
                if (ours || processed || dropped) {
                    Object value = entry.getValue().metricValue();
                    if (value instanceof Number number) {
                        counters.merge(application + "." + name.name(), number.doubleValue(), Double::sum);
                    }
                }
            }
        });
        return counters;
    }

    /** Closes every application (leaving the group, so a successor takes over at once). */
    @Override
    public synchronized void close() {
        List<String> applications = new ArrayList<>(running.keySet());
        Collections.reverse(applications);
        for (String application : applications) {
            KafkaStreams streams = running.get(application);
            boolean closed = streams.close(
                    CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                            .withTimeout(CLOSE_TIMEOUT));
            if (!closed) {
                LOG.warn("Streams application {} did not close within {}", application, CLOSE_TIMEOUT);
            }
        }
        bindings.forEach(KafkaStreamsMetrics::close);
        bindings.clear();
        running.clear();
    }
}
