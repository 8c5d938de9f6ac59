package io.fieldline.app.service;

import io.fieldline.bridge.mqtt.MqttBridgeConfig;
import io.fieldline.connectors.cdc.CdcConfig;
import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.schemas.registry.SchemaRegistryClientConfig;
import io.fieldline.sink.SinkConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.config.types.Password;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers a process depends on, checked in the background every {@link ServiceConfig#HEALTH_CHECK_INTERVAL_MS}:
 * Kafka (the cluster answers with its brokers), the Schema Registry ({@code GET /subjects}), PostgreSQL
 * ({@code SELECT 1}), Redis ({@code PING}) and the MQTT broker (its port accepts a connection). {@code /health}
 * reports the last result of each, with its latency, so a request never waits on a server.
 */
public final class Dependencies implements AutoCloseable {

    public static final String KAFKA = "kafka";
    public static final String SCHEMA_REGISTRY = "schema-registry";
    public static final String POSTGRESQL = "postgresql";
    public static final String REDIS = "redis";
    public static final String MQTT_BROKER = "mqtt-broker";

    /** Every dependency name, in report order. */
    public static final List<String> ALL = List.of(KAFKA, SCHEMA_REGISTRY, POSTGRESQL, REDIS, MQTT_BROKER);

    private static final Logger LOG = LoggerFactory.getLogger(Dependencies.class);

    /**
     * The last check of one dependency.
     *
     * @param status    UP when it answered, DOWN when it did not in time or refused
     * @param detail    what it answered, or why it is down
     * @param latency   how long the check took
     * @param checkedAt when it was made
     */
    public record Result(Status status, String detail, Duration latency, Instant checkedAt) {}

    private final Map<String, Object> config;
    private final Duration timeout;
    private final long interval;
    private final boolean postgresOfCdc;
    private final HttpClient http;
    private HttpClient registryHttp;
    private final Map<String, Callable<String>> checks = new LinkedHashMap<>();
    private final Map<String, Result> results = new ConcurrentHashMap<>();
    private final ScheduledExecutorService schedule;
    private final ExecutorService workers;
    private Admin admin;
    private RedisClient redis;

    /**
     * @param config the configuration with the servers' endpoints filled in
     * @param names  the dependencies to check
     */
    /**
     * @param config        the configuration with the servers' endpoints filled in
     * @param names         the dependencies to check
     * @param postgresOfCdc whether the database to check is the CDC engine's ({@code cdc.jdbc.*}) rather than the
     *                      PostgreSQL sink's ({@code sink.postgres.*})
     */
    public Dependencies(
            Map<String, Object> config,
            ServiceConfig service,
            Set<String> names,
            MeterRegistry meters,
            boolean postgresOfCdc) {
        this.config = Map.copyOf(config);
        this.postgresOfCdc = postgresOfCdc;
        this.timeout = service.duration(ServiceConfig.HEALTH_CHECK_TIMEOUT_MS);
        for (String name : ALL) {
            if (names.contains(name)) {
                checks.put(name, check(name));
                results.put(name, new Result(Status.DOWN, "not checked yet", Duration.ZERO, Instant.now()));
                Gauge.builder("fieldline.dependency.up", this, deps -> deps.status(name) == Status.UP ? 1 : 0)
                        .description("1 when the last check of the server answered, else 0")
                        .tag("dependency", name)
                        .register(meters);
                Gauge.builder("fieldline.dependency.check.latency", this, deps -> deps.latencySeconds(name))
                        .description("Duration of the last check of the server")
                        .baseUnit("seconds")
                        .tag("dependency", name)
                        .register(meters);
            }
        }
        this.schedule = Executors.newSingleThreadScheduledExecutor(daemon("fieldline-health"));
        this.workers = Executors.newCachedThreadPool(daemon("fieldline-health-check"));
        this.interval = service.getLong(ServiceConfig.HEALTH_CHECK_INTERVAL_MS);
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** Whether a down dependency takes the process DOWN; Redis only degrades it (live values lag, nothing is lost). */
    public static boolean critical(String name) {
        return !REDIS.equals(name);
    }

    /** Checks every dependency once, then again every interval in the background. */
    public void start() {
        checkAll();
        schedule.scheduleWithFixedDelay(this::checkAll, interval, interval, TimeUnit.MILLISECONDS);
    }

    /** The last result of each dependency, in report order. */
    public Map<String, Result> results() {
        Map<String, Result> ordered = new LinkedHashMap<>();
        for (String name : checks.keySet()) {
            ordered.put(name, results.get(name));
        }
        return ordered;
    }

    private Status status(String name) {
        Result result = results.get(name);
        return result == null ? Status.DOWN : result.status();
    }

    private double latencySeconds(String name) {
        Result result = results.get(name);
        return result == null ? Double.NaN : result.latency().toNanos() / 1e9;
    }

    private void checkAll() {
        Map<String, Future<String>> running = new LinkedHashMap<>();
        Map<String, Long> began = new LinkedHashMap<>();
        checks.forEach((name, check) -> {
            began.put(name, System.nanoTime());
            running.put(name, workers.submit(check));
        });
        running.forEach((name, future) -> {
            Result result;
            long start = began.get(name);
            try {
                long left = Math.max(1, timeout.toNanos() - (System.nanoTime() - start));
                String detail = future.get(left, TimeUnit.NANOSECONDS);
                result = new Result(Status.UP, detail, Duration.ofNanos(System.nanoTime() - start), Instant.now());
            } catch (TimeoutException e) {
                future.cancel(true);
                result = new Result(
                        Status.DOWN, "no answer within " + timeout.toMillis() + " ms", timeout, Instant.now());
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                result = new Result(
                        Status.DOWN,
                        Redaction.redact(cause.getClass().getSimpleName() + ": " + cause.getMessage()),
                        Duration.ofNanos(System.nanoTime() - start),
                        Instant.now());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            Result previous = results.put(name, result);
            if (previous != null
                    && previous.status() != result.status()
                    && !"not checked yet".equals(previous.detail())) {
                if (result.status() == Status.UP) {
                    LOG.info("{} is back: {}", name, result.detail());
                } else {
                    LOG.warn("{} is down: {}", name, result.detail());
                }
            } else if (previous != null
                    && "not checked yet".equals(previous.detail())
                    && result.status() != Status.UP) {
                LOG.warn("{} is down: {}", name, result.detail());
            }
        });
    }

    private Callable<String> check(String name) {
        return switch (name) {
            case KAFKA -> this::checkKafka;
            case SCHEMA_REGISTRY -> this::checkRegistry;
            case POSTGRESQL -> this::checkPostgres;
            case REDIS -> this::checkRedis;
            case MQTT_BROKER -> this::checkMqtt;
            default -> throw new IllegalArgumentException("unknown dependency " + name);
        };
    }

    private synchronized Admin admin() {
        if (admin == null) {
            KafkaClientConfig kafka = new KafkaClientConfig(config);
            admin = Admin.create(kafka.adminProperties(ClientRules.of("the health check")
                    .byDefault(AdminClientConfig.CLIENT_ID_CONFIG, "fieldline-health")
                    .byDefault(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis())
                    .byDefault(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis())));
        }
        return admin;
    }

    private String checkKafka() throws Exception {
        int brokers = admin().describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                .nodes()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .size();
        return brokers + (brokers == 1 ? " broker" : " brokers");
    }

    private String checkRegistry() throws Exception {
        SchemaRegistryClientConfig registry = new SchemaRegistryClientConfig(config);
        String url = registry.urls().get(0).toString();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/subjects"))
                .timeout(timeout)
                .GET();
        registry.authorization().ifPresent(value -> request.header("Authorization", value));
        HttpResponse<Void> response =
                registryHttp(registry).send(request.build(), HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new IllegalStateException("GET /subjects answered HTTP " + response.statusCode() + ": check "
                    + SchemaRegistryClientConfig.BASIC_AUTH_USER_INFO);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET /subjects answered HTTP " + response.statusCode());
        }
        return "GET /subjects: HTTP 200";
    }

    /** The plain client, or one with the registry's TLS stores (built once). */
    private synchronized HttpClient registryHttp(SchemaRegistryClientConfig registry) {
        if (registryHttp == null) {
            registryHttp = registry.sslContext()
                    .map(context -> HttpClient.newBuilder()
                            .connectTimeout(timeout)
                            .sslContext(context)
                            .build())
                    .orElse(http);
        }
        return registryHttp;
    }

    private String checkPostgres() throws Exception {
        String url;
        String user;
        Password password;
        if (postgresOfCdc) {
            CdcConfig cdc = new CdcConfig(config);
            url = cdc.getString(CdcConfig.JDBC_URL);
            user = cdc.getString(CdcConfig.JDBC_USER);
            password = cdc.getPassword(CdcConfig.JDBC_PASSWORD);
        } else {
            SinkConfig sink = new SinkConfig(config);
            url = sink.getString(SinkConfig.POSTGRES_URL);
            user = sink.getString(SinkConfig.POSTGRES_USER);
            password = sink.getPassword(SinkConfig.POSTGRES_PASSWORD);
        }
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password.value());
        }
        long seconds = Math.max(1, timeout.toSeconds());
        props.setProperty("connectTimeout", Long.toString(seconds));
        props.setProperty("socketTimeout", Long.toString(seconds + 1));
        props.setProperty("ApplicationName", "fieldline-health");
        try (Connection connection = DriverManager.getConnection(url, props);
                Statement statement = connection.createStatement()) {
            statement.setQueryTimeout((int) seconds);
            statement.execute("SELECT 1");
        }
        return "SELECT 1 answered";
    }

    private String checkRedis() {
        RedisClient client;
        synchronized (this) {
            if (redis == null) {
                SinkConfig sink = new SinkConfig(config);
                RedisURI uri = sink.redisUri();
                uri.setTimeout(timeout);
                redis = RedisClient.create(uri);
                sink.redisSslOptions()
                        .ifPresent(ssl -> redis.setOptions(io.lettuce.core.ClientOptions.builder()
                                .sslOptions(ssl)
                                .build()));
            }
            client = redis;
        }
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.setTimeout(timeout);
            return "PING: " + connection.sync().ping();
        }
    }

    private String checkMqtt() throws Exception {
        String first = String.valueOf(config.get(MqttBridgeConfig.SERVER_URIS))
                .split(",")[0]
                .trim();
        URI uri = URI.create(first);
        boolean tls = uri.getScheme() != null
                && (uri.getScheme().startsWith("ssl") || uri.getScheme().startsWith("wss"));
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 8883 : 1883;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), port), (int) timeout.toMillis());
        }
        return uri.getHost() + ":" + port + " accepts connections";
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public synchronized void close() {
        schedule.shutdownNow();
        workers.shutdownNow();
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
        if (redis != null) {
            redis.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
