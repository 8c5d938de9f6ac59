package io.fieldline.app.api;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.fieldline.app.service.Component;
import io.fieldline.app.service.Health;
import io.fieldline.app.service.ServiceComponents;
import io.fieldline.app.service.ServiceContext;
import io.fieldline.bridge.ingress.IngressPublisher;
import io.fieldline.bridge.ingress.IngressSettings;
import io.fieldline.core.kafka.ClientRules;
import io.fieldline.schemas.registry.HttpSchemaRegistryClient;
import io.fieldline.sink.SinkConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The {@code api} component of {@code fieldline run} and {@code fieldline up}: the HTTP API ({@link ApiServer}) with
 * its PostgreSQL pool ({@code sink.postgres.*}), its Redis reads ({@code sink.redis.*}) and its ingest publisher
 * (source {@code http}, the shared {@code kafka.*} block). It reports DEGRADED while Redis cannot answer (live
 * values come from PostgreSQL), and fails, to be restarted, when its ingest publisher failed.
 */
public final class ApiService implements Component {

    /** The component's name, and the ingress source of what it publishes. */
    public static final String NAME = "api";

    /** The ingress source: {@code fieldline.ingress.*{source=http}}, dead letters to {@code deadletter.http}. */
    public static final String SOURCE = "http";

    private final ServiceContext context;
    private HikariDataSource pool;
    private LiveReads live;
    private IngressPublisher publisher;
    private ApiServer server;

    public ApiService(ServiceContext context) {
        this.context = context;
    }

    /** The ingest publisher's settings: source http, the shared kafka.* block, the api.kafka.* keys. */
    public static IngressSettings ingressSettings(ServiceContext context) {
        ApiConfig api = new ApiConfig(context.settings());
        Map<String, Object> props = context.kafka()
                .producerProperties(ClientRules.of("the HTTP API")
                        .enforce(ProducerConfig.ACKS_CONFIG, "all")
                        .enforce(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                        .enforce(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5)
                        .byDefault(ProducerConfig.CLIENT_ID_CONFIG, "fieldline-http-api")
                        .byDefault(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")
                        .fromKey(ProducerConfig.LINGER_MS_CONFIG, api, ApiConfig.KAFKA_LINGER_MS)
                        .fromKey(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, api, ApiConfig.KAFKA_DELIVERY_TIMEOUT_MS));
        return IngressSettings.fromProducerProperties(SOURCE, context.kafka().bootstrapServers(), props);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start() throws Exception {
        Map<String, Object> settings = context.settings();
        ApiConfig api = new ApiConfig(settings);
        SinkConfig sink = ServiceComponents.sinkConfig(context);
        pool = pool(sink, api);
        live = new LiveReads(
                sink,
                api.duration(ApiConfig.REDIS_TIMEOUT_MS),
                api.duration(ApiConfig.REDIS_RETRY_MS),
                context.meters());
        publisher = IngressPublisher.withSchemaRegistry(
                ingressSettings(context), context.topics(), new HttpSchemaRegistryClient(settings), context.meters());
        Duration inProgress = Duration.ofMillis(api.getInt(ApiConfig.KAFKA_DELIVERY_TIMEOUT_MS) + 60_000L);
        server = new ApiServer(
                api,
                new ApiTokens(pool, sink.schema()),
                new IdempotencyKeys(pool, sink.schema(), api.duration(ApiConfig.IDEMPOTENCY_TTL_MS), inProgress),
                new TelemetryReads(pool),
                live,
                publisher,
                context.meters(),
                Clock.systemUTC());
        server.start(api.getString(ApiConfig.BIND_ADDRESS), api.getInt(ApiConfig.PORT));
    }

    private static HikariDataSource pool(SinkConfig sink, ApiConfig api) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("fieldline-api");
        hikari.setJdbcUrl(sink.getString(SinkConfig.POSTGRES_URL));
        hikari.setUsername(sink.getString(SinkConfig.POSTGRES_USER));
        hikari.setPassword(sink.getPassword(SinkConfig.POSTGRES_PASSWORD).value());
        hikari.setMaximumPoolSize(api.getInt(ApiConfig.DB_POOL_SIZE));
        hikari.setMinimumIdle(1);
        hikari.setSchema(sink.schema());
        long connectMs = sink.getLong(SinkConfig.POSTGRES_CONNECT_TIMEOUT_MS);
        hikari.setConnectionTimeout(connectMs);
        hikari.setValidationTimeout(Math.min(2_000, connectMs));
        hikari.addDataSourceProperty("connectTimeout", Math.max(1, connectMs / 1000));
        hikari.setConnectionInitSql("SET statement_timeout = " + api.getLong(ApiConfig.STATEMENT_TIMEOUT_MS));
        // The API starts while the database is down; requests then answer 503 until it is back.
        hikari.setInitializationFailTimeout(-1);
        hikari.addDataSourceProperty("ApplicationName", "fieldline-api");
        return new HikariDataSource(hikari);
    }

    /** The base URL it serves on, once started. */
    public String url() {
        return server == null ? null : server.url();
    }

    @Override
    public Health health() {
        if (publisher != null && publisher.state() == IngressPublisher.State.FAILED) {
            return Health.failed("the ingest publisher failed: " + publisher.failureCause());
        }
        if (server == null) {
            return Health.down("starting");
        }
        String overload = server.overload();
        if (overload != null) {
            return Health.degraded(overload + "; serving on " + server.url());
        }
        if (server.degraded()) {
            return Health.degraded("Redis does not answer (" + server.liveError() + "): latest values, KPIs and "
                    + "active alerts are served from PostgreSQL; serving on " + server.url());
        }
        return Health.up("serving on " + server.url());
    }

    @Override
    public Map<String, Object> summary() {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("requests", ServiceComponents.count(context.meters(), ApiServer.METER_REQUESTS));
        summary.put("readings to Kafka", publisher == null ? 0L : publisher.recordsSent());
        summary.put(
                "reads from PostgreSQL for Redis",
                ServiceComponents.count(context.meters(), ApiServer.METER_FALLBACKS));
        return summary;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        if (publisher != null) {
            publisher.close(Duration.ofSeconds(5));
        }
        if (live != null) {
            live.close();
        }
        if (pool != null) {
            pool.close();
        }
    }
}
