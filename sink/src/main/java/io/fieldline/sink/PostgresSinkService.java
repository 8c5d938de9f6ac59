package io.fieldline.sink;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Alert;
import io.fieldline.schemas.avro.AnomalyScore;
import io.fieldline.schemas.avro.Kpi;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.sink.internal.SqlNames;
import io.fieldline.sink.internal.postgres.AggregateRevisions;
import io.fieldline.sink.internal.postgres.PostgresPlans;
import io.fieldline.sink.internal.postgres.PostgresStreamWriter;
import io.fieldline.sink.internal.postgres.TableCopier;
import io.fieldline.sink.internal.worker.DeadLetterPublisher;
import io.fieldline.sink.internal.worker.KafkaClients;
import io.fieldline.sink.internal.worker.SinkDecoders;
import io.fieldline.sink.internal.worker.SinkMetrics;
import io.fieldline.sink.internal.worker.SinkWorker;
import io.fieldline.sink.internal.worker.WorkerGroup;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL (or TimescaleDB) sink: one worker per configured stream, each in its own consumer group,
 * writing batches with binary COPY, idempotently, and committing offsets only after the database committed.
 *
 * <p>{@link #start()} creates the HikariCP pool, applies the migrations and storage policies (unless
 * {@code sink.postgres.migrate=false}), schedules {@link PartitionMaintenance} for the plain layout and
 * starts the workers. {@link #close()} stops the workers (each writes what it holds, once), the maintenance
 * and the pool.
 */
public final class PostgresSinkService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresSinkService.class);
    /** Name of this sink in metrics tags, consumer group ids and summaries. */
    public static final String SINK = "postgres";

    private final SinkConfig config;
    private final SchemaRegistryClient registry;
    private final MeterRegistry meters;
    private final WorkerGroup workers = new WorkerGroup();
    private HikariDataSource dataSource;
    private Jdbi jdbi;
    private KafkaProducer<byte[], byte[]> deadLetterProducer;
    private ScheduledExecutorService maintenance;
    private StorageLayout layout;
    private boolean started;
    private boolean closed;

    /**
     * @param config   the {@code sink.*} settings
     * @param registry the schema registry the Avro values were written with
     * @param meters   where the {@code fieldline.sink.*} meters go
     */
    public PostgresSinkService(SinkConfig config, SchemaRegistryClient registry, MeterRegistry meters) {
        this.config = Objects.requireNonNull(config, "config");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.meters = Objects.requireNonNull(meters, "meters");
    }

    /**
     * Creates the pool, migrates, and starts the workers.
     *
     * @throws IllegalStateException when the database cannot be migrated (the sink does not start half-way)
     */
    public synchronized void start() {
        if (started) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("closed");
        }
        started = true;
        dataSource = createPool(config);
        jdbi = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
        StorageOptions options = config.storageOptions();
        if (config.getBoolean(SinkConfig.POSTGRES_MIGRATE)) {
            layout = Migrations.apply(dataSource, options);
        } else {
            try {
                layout = Migrations.layout(dataSource, options.schema());
            } catch (SQLException e) {
                throw new IllegalStateException(
                        "Schema " + options.schema() + " is not migrated and " + SinkConfig.POSTGRES_MIGRATE
                                + " is false",
                        e);
            }
        }
        if (layout == StorageLayout.PARTITIONED) {
            scheduleMaintenance(options);
        }
        if (!config.getBoolean(SinkConfig.POSTGRES_ENABLED)) {
            LOG.info("PostgreSQL sink disabled; schema ready, no workers started");
            return;
        }
        deadLetterProducer = KafkaClients.deadLetterProducer(config, SINK);
        DeadLetterPublisher deadLetters = new DeadLetterPublisher(
                deadLetterProducer,
                config.getString(SinkConfig.TOPIC_DEADLETTER),
                Clock.systemUTC(),
                Duration.ofSeconds(30));
        TableCopier copier = new TableCopier(new SqlNames(options.schema()), config.writeMode());
        for (SinkStream stream : config.postgresStreams()) {
            SinkMetrics metrics = new SinkMetrics(meters, SINK, stream.configName());
            workers.add(stream, worker(stream, copier, deadLetters, metrics), metrics);
        }
        workers.start();
        LOG.info(
                "PostgreSQL sink started: layout {}, streams {}, write mode {}",
                layout,
                config.postgresStreams(),
                config.writeMode());
    }

    private SinkWorker<?> worker(
            SinkStream stream, TableCopier copier, DeadLetterPublisher deadLetters, SinkMetrics metrics) {
        String name = SINK + "-" + stream.configName();
        SinkConfig.PostgresTimeouts timeouts = config.postgresTimeouts();
        return switch (stream) {
            case MEASUREMENTS ->
                worker(
                        name,
                        stream,
                        SinkDecoders.avro(Reading.class, registry),
                        new PostgresStreamWriter<>(
                                name,
                                dataSource,
                                copier,
                                PostgresPlans.measurements(
                                        Duration.ofMillis(config.getLong(SinkConfig.POSTGRES_SERIES_REFRESH_MS))),
                                metrics,
                                timeouts),
                        deadLetters,
                        metrics);
            case AGGREGATES -> {
                // The late readings share the aggregates' worker: one thread writes every aggregate row, so a
                // revision and Streams' own row for the same window never race.
                String lateTopic = config.lateReadingsTopic();
                SinkWorker.Decoder<Aggregate> aggregates = SinkDecoders.avro(Aggregate.class, registry);
                SinkWorker.Decoder<Reading> late = SinkDecoders.avro(Reading.class, registry);
                SinkWorker.Decoder<SpecificRecord> decoder =
                        record -> record.topic().equals(lateTopic) ? late.decode(record) : aggregates.decode(record);
                yield worker(
                        name,
                        stream,
                        decoder,
                        new PostgresStreamWriter<>(
                                name,
                                dataSource,
                                copier,
                                PostgresPlans.aggregates(
                                        config.getString(SinkConfig.TOPIC_AGGREGATES_1H),
                                        lateTopic,
                                        new AggregateRevisions(new SqlNames(config.schema()), config.dayZone())),
                                metrics,
                                timeouts),
                        deadLetters,
                        metrics);
            }
            case ALERTS ->
                worker(
                        name,
                        stream,
                        SinkDecoders.avro(Alert.class, registry),
                        new PostgresStreamWriter<>(name, dataSource, copier, PostgresPlans.alerts(), metrics, timeouts),
                        deadLetters,
                        metrics);
            case ANOMALIES ->
                worker(
                        name,
                        stream,
                        SinkDecoders.avro(AnomalyScore.class, registry),
                        new PostgresStreamWriter<>(
                                name,
                                dataSource,
                                copier,
                                PostgresPlans.anomalies(config.getBoolean(SinkConfig.POSTGRES_ANOMALIES_FLAGGED_ONLY)),
                                metrics,
                                timeouts),
                        deadLetters,
                        metrics);
            case KPIS ->
                worker(
                        name,
                        stream,
                        SinkDecoders.avro(Kpi.class, registry),
                        new PostgresStreamWriter<>(name, dataSource, copier, PostgresPlans.kpis(), metrics, timeouts),
                        deadLetters,
                        metrics);
        };
    }

    private <V> SinkWorker<V> worker(
            String name,
            SinkStream stream,
            SinkWorker.Decoder<V> decoder,
            PostgresStreamWriter<V> writer,
            DeadLetterPublisher deadLetters,
            SinkMetrics metrics) {
        return new SinkWorker<>(
                name,
                KafkaClients.consumer(config, SINK, stream),
                config.topics(stream),
                decoder,
                writer,
                deadLetters,
                config.batchSize(),
                config.batchLinger(),
                config.retryPolicy(),
                config.writeTimeout(),
                metrics);
    }

    private void scheduleMaintenance(StorageOptions options) {
        PartitionMaintenance job = new PartitionMaintenance(dataSource, options, Clock.systemUTC());
        long every = config.getLong(SinkConfig.POSTGRES_PARTITION_MAINTENANCE_INTERVAL_MS);
        maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fieldline-partition-maintenance");
            t.setDaemon(true);
            return t;
        });
        // Migrations already ran it once; a failing run is logged and tried again next time, since the
        // default partitions keep every row safe meanwhile.
        long first = config.getBoolean(SinkConfig.POSTGRES_MIGRATE) ? every : 0;
        maintenance.scheduleWithFixedDelay(
                () -> {
                    try {
                        job.run();
                    } catch (SQLException | RuntimeException e) {
                        LOG.warn("Partition maintenance failed; retrying in {} ms", every, e);
                    }
                },
                first,
                every,
                TimeUnit.MILLISECONDS);
    }

    static HikariDataSource createPool(SinkConfig config) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("fieldline-sink");
        hikari.setJdbcUrl(config.getString(SinkConfig.POSTGRES_URL));
        hikari.setUsername(config.getString(SinkConfig.POSTGRES_USER));
        hikari.setPassword(config.getPassword(SinkConfig.POSTGRES_PASSWORD).value());
        hikari.setMaximumPoolSize(config.getInt(SinkConfig.POSTGRES_POOL_SIZE));
        hikari.setMinimumIdle(1);
        hikari.setSchema(config.schema());
        // Short enough that a write attempt during an outage fails fast and the worker backs off instead; the
        // driver's own timeouts keep a frozen server (TCP accepted, nothing answered) from hanging the pool's
        // connection setup. Statement and network timeouts are set per write transaction (PostgresStreamWriter),
        // so migrations and partition maintenance, which may rightly take long, are not cut off.
        long connectMs = config.postgresTimeouts().connect().toMillis();
        String connectSeconds = Long.toString((connectMs + 999) / 1000);
        hikari.setConnectionTimeout(connectMs);
        hikari.setValidationTimeout(Math.min(2_000, connectMs));
        hikari.addDataSourceProperty("connectTimeout", connectSeconds);
        hikari.addDataSourceProperty("loginTimeout", connectSeconds);
        // Start even when the database is down: workers retry, and migrations report the failure themselves.
        hikari.setInitializationFailTimeout(-1);
        hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
        hikari.addDataSourceProperty("ApplicationName", "fieldline-sink");
        return new HikariDataSource(hikari);
    }

    /** The layout the migrations chose. */
    public synchronized StorageLayout layout() {
        requireStarted();
        return layout;
    }

    /** The sink's connection pool (search_path set to the configured schema), for queries. */
    public synchronized DataSource dataSource() {
        requireStarted();
        return dataSource;
    }

    /** Jdbi on the pool with the SqlObject plugin, for {@link io.fieldline.sink.dao.StorageDao}. */
    public synchronized Jdbi jdbi() {
        requireStarted();
        return jdbi;
    }

    /** State of each stream's worker. */
    public Map<SinkStream, WorkerState> workerStates() {
        return workers.states();
    }

    /**
     * Rows written since start and rows stored per table. Counting is exact below a million rows per table
     * (or within two seconds) and the planner's estimate beyond.
     */
    public SinkSummary summary() {
        DataSource ds;
        synchronized (this) {
            requireStarted();
            ds = dataSource;
        }
        Map<String, Long> stored = new LinkedHashMap<>();
        try {
            stored.putAll(rowCounts(ds, new SqlNames(config.schema())));
        } catch (SQLException e) {
            LOG.warn("Cannot count rows for the summary: {}", e.getMessage());
        }
        return new SinkSummary(
                SINK,
                workers.written(),
                stored,
                workers.recordsConsumed(),
                workers.deadLetters(),
                workers.retries(),
                workers.states());
    }

    static Map<String, Long> rowCounts(DataSource ds, SqlNames names) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        List<String> tables = List.of(
                "measurement",
                "aggregate_1m",
                "aggregate_1h",
                "aggregate_1d",
                "alert",
                "anomaly",
                "kpi",
                "series",
                "alert_current",
                "late_reading");
        try (Connection c = ds.getConnection()) {
            c.setNetworkTimeout(Runnable::run, 5_000); // a frozen server must not hang a summary
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL statement_timeout = '2s'");
                for (String table : tables) {
                    counts.put(
                            table,
                            estimate(st, names, table) > 1_000_000
                                    ? estimate(st, names, table)
                                    : count(st, names, table));
                }
            } finally {
                c.rollback();
            }
        }
        return counts;
    }

    private static long count(Statement st, SqlNames names, String table) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + names.table(table))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The planner's row estimate, summed over partitions (or chunks); -1 when never analysed. */
    private static long estimate(Statement st, SqlNames names, String table) throws SQLException {
        String relation = SqlNames.literal(names.table(table));
        try (ResultSet rs = st.executeQuery("SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint FROM pg_class c "
                + "WHERE c.oid = " + relation + "::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits "
                + "WHERE inhparent = " + relation + "::regclass)")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void requireStarted() {
        if (!started) {
            throw new IllegalStateException("not started");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        workers.close(Duration.ofSeconds(30));
        if (maintenance != null) {
            maintenance.shutdownNow();
        }
        if (deadLetterProducer != null) {
            deadLetterProducer.close(Duration.ofSeconds(5));
        }
        if (dataSource != null) {
            dataSource.close();
        }
        LOG.info("PostgreSQL sink stopped");
    }
}
