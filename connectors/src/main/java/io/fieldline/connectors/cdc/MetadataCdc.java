package io.fieldline.connectors.cdc;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.fieldline.connectors.cdc.internal.KafkaTopicOffsetStore;
import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.TopicReadiness;
import io.fieldline.core.retry.RetryExhaustedException;
import io.fieldline.core.retry.RetryPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Change-data-capture of the metadata and alert-rule tables: a Debezium embedded engine on the
 * PostgreSQL connector ({@code pgoutput}) that publishes each captured table to its compacted
 * topic (see {@link CapturedTable}), keyed by primary key, values in Avro, deletes as tombstones.
 *
 * <p>Guarantees: offsets (the WAL position) are stored in a compacted Kafka topic and advance only
 * after Kafka acknowledged the records before them, so a restart resumes where the last
 * acknowledged change was, without a new snapshot and without losing a change (at-least-once).
 * The replication slot is confirmed up to that same position, and heartbeats keep it moving while
 * the captured tables are quiet.
 *
 * <p>One instance runs once: {@link #start()}, then {@link #close()}. The serializers stay owned by
 * the caller.
 */
public final class MetadataCdc implements AutoCloseable {

    /** Prefix of the logical-decoding messages the heartbeat writes. */
    public static final String HEARTBEAT_MESSAGE_PREFIX = "fieldline-cdc-heartbeat";

    /** Counter, tagged {@code table} and {@code op} (Debezium's r, c, u, d): changes published. */
    public static final String METER_CHANGES = "fieldline.cdc.changes";
    /** Counter: change events with nothing to publish (heartbeats, messages, other tables). */
    public static final String METER_SKIPPED = "fieldline.cdc.skipped";
    /**
     * Counter, tagged {@code reason} ({@value #REASON_INVALID_ROW} or {@value #REASON_UNCONVERTIBLE}): captured
     * rows sent to the dead-letter topic. (The other stages name theirs {@code fieldline.<stage>.deadletters}; this
     * name is kept because the developer build's {@code up} summary counts it by name.)
     */
    public static final String METER_DEAD_LETTERS = "fieldline.cdc.deadletters";
    /** Dead-letter {@code reason}: a row that cannot be turned into its Avro value ({@link InvalidRowException}). */
    public static final String REASON_INVALID_ROW = "invalid_row";
    /** Dead-letter {@code reason}: a column of an unexpected type (a conversion error). */
    public static final String REASON_UNCONVERTIBLE = "unconvertible";

    private static final Logger LOG = LoggerFactory.getLogger(MetadataCdc.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** Asking a starting engine to stop again: every 100 ms, for as long as the stop may take in all. */
    static final RetryPolicy STOP_RETRY =
            new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(100), 1.0, 0.0, 0, STOP_TIMEOUT);

    private static final Duration SEND_TIMEOUT = Duration.ofMinutes(3);

    private final CdcConfig config;
    private final MetadataSerializers serializers;
    private final MeterRegistry meters;
    private final CompletableFuture<Void> streaming = new CompletableFuture<>();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();

    private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private ExecutorService engineThread;
    private KafkaProducer<byte[], byte[]> producer;
    private JdbcDevicePlacementLookup placements;
    private volatile Throwable failure;
    private boolean started;
    private boolean closed;

    public MetadataCdc(CdcConfig config, MetadataSerializers serializers, MeterRegistry meters) {
        this.config = Objects.requireNonNull(config, "config");
        this.serializers = Objects.requireNonNull(serializers, "serializers");
        this.meters = Objects.requireNonNull(meters, "meters");
        // A kafka.producer.* setting that contradicts what CDC needs fails now, before anything starts.
        producerProperties(config);
    }

    /**
     * Checks the database, creates the topics if missing and starts the engine; returns when the
     * connector is running (snapshotting on first start, streaming after).
     *
     * @throws LogicalReplicationNotConfiguredException when PostgreSQL cannot serve a logical slot
     * @throws CdcException when the database or Kafka cannot be reached or the engine fails to start
     */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("MetadataCdc runs once; create a new instance to start again");
        }
        started = true;
        verifyDatabase();
        createTopics();
        producer =
                new KafkaProducer<>(producerProperties(config), new ByteArraySerializer(), new ByteArraySerializer());
        placements = new JdbcDevicePlacementLookup(
                config.jdbcUrl(), config.jdbcUser(), config.jdbcPassword(), config.schema());
        ChangeEventRouter router = new ChangeEventRouter(config.schema(), config.topicNames(), placements);
        KafkaChangePublisher publisher = new KafkaChangePublisher(
                router, serializers, producer, config.topicNames(), meters, SEND_TIMEOUT, Clock.systemUTC());

        engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(debeziumProperties(config))
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void pollingStarted() {
                        streaming.complete(null);
                    }
                })
                .using(this::engineCompleted)
                .notifying(publisher)
                .build();
        engineThread = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fieldline-cdc-" + config.engineName());
            thread.setDaemon(true);
            return thread;
        });
        engineThread.execute(engine);
        LOG.info(
                "CDC engine {} starting: slot {}, publication {}, tables {} in schema {}",
                config.engineName(),
                config.slotName(),
                config.publicationName(),
                capturedTableNames(),
                config.schema());
        try {
            streaming.get(config.startupTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new CdcException("Interrupted while starting the CDC engine", e);
        } catch (ExecutionException e) {
            close();
            throw new CdcException(
                    "The CDC engine failed to start: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            close();
            throw new CdcException("The CDC engine did not start within " + config.startupTimeout(), e);
        }
        LOG.info("CDC engine {} running, offsets in topic {}", config.engineName(), config.offsetsTopic());
    }

    /** Whether the engine is running (started and neither closed nor failed). */
    public boolean isRunning() {
        return streaming.isDone() && !streaming.isCompletedExceptionally() && !finished.isDone();
    }

    /** The error the engine stopped with, if it stopped on its own because of one. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Stops the engine (committing the offsets of what Kafka acknowledged), the producer and the
     * lookup connection. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (engine != null) {
            stopEngine();
        }
        if (engineThread != null) {
            engineThread.shutdownNow();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
        if (placements != null) {
            placements.close();
        }
        LOG.info("CDC engine {} stopped", config.engineName());
    }

    private void stopEngine() {
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        closeEngine(engine, finished::isDone, STOP_RETRY, config.engineName());
        try {
            finished.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("CDC engine {} did not finish cleanly within {}", config.engineName(), STOP_TIMEOUT);
        }
    }

    private void engineCompleted(boolean success, String message, Throwable error) {
        if (!success) {
            failure = error != null ? error : new CdcException(message);
            LOG.error("CDC engine {} stopped with an error: {}", config.engineName(), message, error);
            streaming.completeExceptionally(failure);
        } else {
            LOG.info("CDC engine {} completed: {}", config.engineName(), message);
            streaming.completeExceptionally(new CdcException("engine stopped before streaming: " + message));
        }
        finished.complete(null);
    }

    private void verifyDatabase() {
        try (Connection connection =
                DriverManager.getConnection(config.jdbcUrl(), config.jdbcUser(), config.jdbcPassword())) {
            LogicalReplicationCheck.verify(connection, io.fieldline.core.net.Redaction.redact(config.jdbcUrl()));
            verifyCapturedTablesExist(connection);
        } catch (SQLException e) {
            throw new CdcException(
                    "Cannot connect to PostgreSQL at " + io.fieldline.core.net.Redaction.redact(config.jdbcUrl()) + ": "
                            + io.fieldline.core.net.Redaction.redact(e.getMessage()),
                    e);
        }
    }

    private void verifyCapturedTablesExist(Connection connection) throws SQLException {
        // Debezium builds the filtered publication from the tables that exist when it starts: a missing table
        // would silently stay uncaptured (or, if all are missing, fail with a publication error).
        List<String> missing = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?")) {
            for (CapturedTable table : CapturedTable.values()) {
                query.setString(1, config.schema());
                query.setString(2, table.tableName());
                try (ResultSet result = query.executeQuery()) {
                    if (!result.next()) {
                        missing.add(config.schema() + "." + table.tableName());
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new CdcException("CDC captures tables that do not exist in "
                    + io.fieldline.core.net.Redaction.redact(config.jdbcUrl()) + ": "
                    + String.join(", ", missing) + " (apply the sink's migrations, io.fieldline.sink.Migrations, "
                    + "before starting CDC, or set " + CdcConfig.SCHEMA + " to the schema that holds them)");
        }
    }

    private void createTopics() {
        Map<String, Object> adminProps = config.kafka()
                .adminProperties(ClientRules.of("CDC")
                        .byDefault(AdminClientConfig.CLIENT_ID_CONFIG, config.engineName() + "-admin"));
        Optional<Short> replication =
                config.topicReplicationFactor() < 0 ? Optional.empty() : Optional.of(config.topicReplicationFactor());
        List<NewTopic> topics = new ArrayList<>();
        for (CapturedTable table : CapturedTable.values()) {
            topics.add(
                    new NewTopic(table.topic(config.topicNames()), Optional.of(config.topicPartitions()), replication)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        }
        topics.add(
                new NewTopic(config.topicNames().deadLetters(KafkaChangePublisher.STAGE), Optional.of(1), replication));
        try (Admin admin = Admin.create(adminProps)) {
            for (var entry : admin.createTopics(topics).values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                    LOG.info("Created topic {}", entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new CdcException(
                                "Cannot create topic " + entry.getKey() + ": " + e.getCause(), e.getCause());
                    }
                }
            }
            TopicReadiness.awaitWritable(
                    admin, topics.stream().map(NewTopic::name).toList(), Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CdcException("Interrupted while creating the metadata topics", e);
        } catch (TimeoutException e) {
            throw new CdcException(
                    "Kafka at " + config.kafka().bootstrapServers() + " did not create the metadata topics in time", e);
        }
    }

    /** The change publisher's producer: the shared block and {@code kafka.producer.*}. */
    static Map<String, Object> producerProperties(CdcConfig config) {
        // Idempotence keeps each key's changes in WAL order across the producer's own retries, and
        // offsets advance only past what every in-sync replica has.
        return config.kafka()
                .producerProperties(ClientRules.of("CDC")
                        .enforce(ProducerConfig.ACKS_CONFIG, "all")
                        .enforce(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                        .byDefault(ProducerConfig.CLIENT_ID_CONFIG, config.engineName() + "-producer")
                        .byDefault(ProducerConfig.LINGER_MS_CONFIG, "5")
                        .byDefault(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000"));
    }

    /** The Debezium engine and PostgreSQL connector properties derived from the settings. */
    static Properties debeziumProperties(CdcConfig config) {
        Properties parsed = org.postgresql.Driver.parseURL(config.jdbcUrl(), null);
        if (parsed == null) {
            throw new CdcException(
                    "Not a PostgreSQL JDBC URL: " + io.fieldline.core.net.Redaction.redact(config.jdbcUrl()));
        }
        Properties props = new Properties();
        props.setProperty("name", config.engineName());
        props.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");

        props.setProperty("offset.storage", KafkaTopicOffsetStore.class.getName());
        // The offset store's producer, consumer and admin client read the engine's top-level
        // properties: the shared connection (bootstrap servers, TLS, SASL) goes there.
        props.putAll(config.kafka().commonPropertiesAsStrings());
        props.setProperty("offset.storage.topic", config.offsetsTopic());
        props.setProperty("offset.storage.partitions", "1");
        props.setProperty("offset.storage.replication.factor", Short.toString(config.topicReplicationFactor()));
        props.setProperty(
                "offset.flush.interval.ms",
                Long.toString(config.offsetsFlushInterval().toMillis()));
        props.setProperty("offset.flush.timeout.ms", "10000");

        props.setProperty("database.hostname", firstOf(parsed.getProperty("PGHOST")));
        props.setProperty("database.port", firstOf(parsed.getProperty("PGPORT")));
        props.setProperty("database.dbname", parsed.getProperty("PGDBNAME"));
        props.setProperty("database.user", config.jdbcUser());
        props.setProperty("database.password", config.jdbcPassword());
        props.putAll(tlsProperties(parsed));
        props.setProperty("topic.prefix", config.engineName());

        props.setProperty("plugin.name", "pgoutput");
        props.setProperty("slot.name", config.slotName());
        props.setProperty("publication.name", config.publicationName());
        props.setProperty("publication.autocreate.mode", "filtered");
        props.setProperty("schema.include.list", config.schema());
        props.setProperty(
                "table.include.list",
                capturedTableNames(config).stream()
                        .map(name -> name.replace(".", "\\."))
                        .collect(Collectors.joining(",")));
        props.setProperty("snapshot.mode", config.snapshotMode());

        // A logical-decoding message moves the slot even when the captured tables are quiet and other tables
        // (the measurements) write WAL: pgoutput (PostgreSQL 15+) skips their transactions entirely.
        props.setProperty(
                "heartbeat.interval.ms",
                Long.toString(config.heartbeatInterval().toMillis()));
        props.setProperty(
                "heartbeat.action.query",
                "SELECT pg_logical_emit_message(false, '" + HEARTBEAT_MESSAGE_PREFIX + "', now()::text)");
        props.setProperty("message.prefix.include.list", HEARTBEAT_MESSAGE_PREFIX);

        props.setProperty("tombstones.on.delete", "false");
        props.setProperty("decimal.handling.mode", "double");
        props.setProperty("time.precision.mode", "connect");
        props.setProperty("field.name.adjustment.mode", "avro");
        props.setProperty("schema.name.adjustment.mode", "avro");

        props.setProperty("errors.max.retries", Integer.toString(config.errorsMaxRetries()));
        props.setProperty("errors.retry.delay.initial.ms", "300");
        props.setProperty("errors.retry.delay.max.ms", "10000");
        return props;
    }

    /** The TLS options of pgjdbc that Debezium's PostgreSQL connector takes too, under {@code database.}. */
    static final List<String> TLS_OPTIONS =
            List.of("sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "sslfactory");

    /**
     * The JDBC URL's TLS options as the connector's {@code database.*} properties, so the replication connection is
     * as protected as every other connection to the database. pgjdbc's {@code ssl=true} without {@code sslmode} means
     * {@code verify-full}; without either the connector keeps its own default.
     */
    static Properties tlsProperties(Properties parsedUrl) {
        Properties props = new Properties();
        for (String option : TLS_OPTIONS) {
            String value = parsedUrl.getProperty(option);
            if (value != null) {
                props.setProperty("database." + option, value);
            }
        }
        if (!props.containsKey("database.sslmode") && "true".equalsIgnoreCase(parsedUrl.getProperty("ssl"))) {
            props.setProperty("database.sslmode", "verify-full");
        }
        return props;
    }

    private List<String> capturedTableNames() {
        return capturedTableNames(config);
    }

    private static List<String> capturedTableNames(CdcConfig config) {
        List<String> names = new ArrayList<>();
        for (CapturedTable table : CapturedTable.values()) {
            names.add(config.schema() + "." + table.tableName());
        }
        return names;
    }

    private static String firstOf(String commaSeparated) {
        // pgjdbc accepts several hosts for failover; Debezium's replication connection takes one.
        return commaSeparated.split(",")[0];
    }

    /**
     * Closes the engine unless it has finished by itself. Debezium refuses to stop while tasks are starting (they
     * may be opening connections), with an {@link IllegalStateException}: that is retried, rather than leak the
     * replication connection, until the policy gives up. Never throws for a failed stop; an interrupt ends the
     * retries with the interrupt flag set.
     */
    static void closeEngine(Closeable engine, BooleanSupplier finished, RetryPolicy retry, String engineName) {
        try {
            retry.call(
                    "stopping CDC engine " + engineName,
                    () -> {
                        if (!finished.getAsBoolean()) {
                            engine.close();
                        }
                        return null;
                    },
                    e -> e instanceof IllegalStateException);
        } catch (RetryExhaustedException e) {
            LOG.warn(
                    "CDC engine {} could not be stopped: {}",
                    engineName,
                    e.getCause().getMessage());
        } catch (InterruptedException e) {
            LOG.warn("Interrupted while stopping CDC engine {}", engineName);
        } catch (IOException e) {
            LOG.warn("Error stopping CDC engine {}", engineName, e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("unexpected failure stopping CDC engine " + engineName, e);
        }
    }
}
