package io.fieldline.embedded;

import io.fieldline.embedded.registry.SchemaRegistryServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything Fieldline talks to: Kafka, the Schema Registry, PostgreSQL, Redis and an MQTT broker, each either
 * started here on free loopback ports or pointed at an external server (see {@link StackOptions}).
 *
 * <p>{@link #start(StackOptions)} starts the Kafka broker and, in parallel with it, PostgreSQL, Redis and the
 * MQTT broker; the Schema Registry starts once Kafka is up because it stores its schemas there. Clients read
 * the endpoints from the accessors or {@link #endpoints()}. {@link #close()} stops the servers this stack
 * started, in reverse order; external servers are left alone.
 */
public final class EmbeddedStack implements AutoCloseable {

    /** Keys of {@link #endpoints()}, also the variable names written to {@code endpoints.env}. */
    public static final String KAFKA_BOOTSTRAP_SERVERS = "KAFKA_BOOTSTRAP_SERVERS";

    public static final String SCHEMA_REGISTRY_URL = "SCHEMA_REGISTRY_URL";
    public static final String JDBC_URL = "JDBC_URL";
    public static final String JDBC_USER = "JDBC_USER";
    public static final String JDBC_PASSWORD = "JDBC_PASSWORD";
    public static final String REDIS_URL = "REDIS_URL";
    public static final String MQTT_URL = "MQTT_URL";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStack.class);

    private final KafkaEndpoint kafka;
    private final SchemaRegistryEndpoint schemaRegistry;
    private final PostgresEndpoint postgres;
    private final RedisEndpoint redis;
    private final MqttEndpoint mqtt;
    /** The servers this stack started, in start order; closed in reverse. */
    private final List<EmbeddedServer> started;

    private boolean closed;

    private EmbeddedStack(
            KafkaEndpoint kafka,
            SchemaRegistryEndpoint schemaRegistry,
            PostgresEndpoint postgres,
            RedisEndpoint redis,
            MqttEndpoint mqtt,
            List<EmbeddedServer> started) {
        this.kafka = kafka;
        this.schemaRegistry = schemaRegistry;
        this.postgres = postgres;
        this.redis = redis;
        this.mqtt = mqtt;
        this.started = List.copyOf(started);
    }

    /**
     * Starts every server embedded, with temporary data directories.
     *
     * @return the running stack
     */
    public static EmbeddedStack start() {
        return start(StackOptions.allEmbedded());
    }

    /**
     * Starts the embedded servers the options ask for and returns once all accept clients. If any fails to
     * start, the ones already started are closed and the first failure is thrown.
     *
     * @param options which servers to start and which external ones to use
     * @return the running stack
     */
    public static EmbeddedStack start(StackOptions options) {
        long begin = System.nanoTime();
        if (options.postgres().isEmpty()) {
            options.postgresServer().requireInstalled(); // before Kafka and the rest start for nothing
        }
        List<EmbeddedServer> started = new ArrayList<>();
        ExecutorService executor = Executors.newFixedThreadPool(4, runnable -> {
            Thread thread = new Thread(runnable, "embedded-stack-start");
            thread.setDaemon(true);
            return thread;
        });
        try {
            Future<KafkaEndpoint> kafka = executor.submit(() -> options.kafka()
                    .orElseGet(() -> options.kafkaBrokers() == 1
                            ? startServer(new KafkaBroker(dir(options, "kafka"), Map.of()), started)
                            : startServer(
                                    new KafkaCluster(dir(options, "kafka"), Map.of(), options.kafkaJavaOptions()),
                                    started)));
            Future<PostgresEndpoint> postgres = executor.submit(() -> options.postgres()
                    .orElseGet(() -> startServer(options.postgresServer().server(dir(options, "postgres")), started)));
            Future<RedisEndpoint> redis = executor.submit(() ->
                    options.redis().orElseGet(() -> startServer(new RedisServer(dir(options, "redis")), started)));
            Future<MqttEndpoint> mqtt = executor.submit(() -> options.mqtt()
                    .orElseGet(() -> startServer(
                            new MqttBroker(
                                    dir(options, "mqtt"),
                                    options.mqttPersistence(),
                                    options.mqttAccessControl().orElse(null),
                                    options.mqttTls().orElse(null)),
                            started)));

            KafkaEndpoint kafkaEndpoint = await(kafka, "Kafka");
            Future<SchemaRegistryEndpoint> registry = executor.submit(() -> options.schemaRegistry()
                    .orElseGet(() -> startServer(
                            new SchemaRegistryServer(kafkaEndpoint.clientConfig(), options.schemasTopic()), started)));

            EmbeddedStack stack = new EmbeddedStack(
                    kafkaEndpoint,
                    await(registry, "Schema Registry"),
                    await(postgres, "PostgreSQL"),
                    await(redis, "Redis"),
                    await(mqtt, "MQTT broker"),
                    startOrder(started));
            LOG.info("Embedded stack ready in {} ms: {}", (System.nanoTime() - begin) / 1_000_000, stack.describe());
            return stack;
        } catch (RuntimeException | Error e) {
            executor.shutdownNow();
            awaitTermination(executor);
            closeAll(startOrder(started), e);
            throw e;
        } finally {
            executor.shutdown();
        }
    }

    private static <T extends EmbeddedServer> T startServer(T server, List<EmbeddedServer> started) {
        // Recorded before start so a server that fails halfway is still closed (and its directory deleted).
        synchronized (started) {
            started.add(server);
        }
        server.start();
        return server;
    }

    private static List<EmbeddedServer> startOrder(List<EmbeddedServer> started) {
        List<EmbeddedServer> ordered;
        synchronized (started) {
            ordered = new ArrayList<>(started);
        }
        // Parallel starts record servers in whatever order threads ran; close order must stop the registry
        // before Kafka, so sort by a fixed dependency order.
        List<String> order = List.of("kafka", "postgres", "redis", "mqtt", "schema-registry");
        ordered.sort((a, b) -> Integer.compare(order.indexOf(a.name()), order.indexOf(b.name())));
        return ordered;
    }

    private static Path dir(StackOptions options, String name) {
        return options.dataDir().map(parent -> parent.resolve(name)).orElseGet(() -> DataDirectory.createTemp(name));
    }

    private static <T> T await(Future<T> future, String what) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting " + what, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(what + " failed to start", cause);
        }
    }

    private static void awaitTermination(ExecutorService executor) {
        try {
            if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
                LOG.warn("Servers still starting after a failure; closing what has started");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return Kafka: the embedded {@link KafkaBroker} or {@link KafkaCluster}, or the external cluster */
    public KafkaEndpoint kafka() {
        return kafka;
    }

    /** @return the Schema Registry: the embedded {@link SchemaRegistryServer} or the external one */
    public SchemaRegistryEndpoint schemaRegistry() {
        return schemaRegistry;
    }

    /** @return PostgreSQL: the embedded {@link PostgresServer} or the external database */
    public PostgresEndpoint postgres() {
        return postgres;
    }

    /** @return Redis: the embedded {@link RedisServer} or the external server */
    public RedisEndpoint redis() {
        return redis;
    }

    /** @return the MQTT broker: the embedded {@link MqttBroker} or the external one */
    public MqttEndpoint mqtt() {
        return mqtt;
    }

    /** @return the servers this stack started itself, in start order (external ones are not listed) */
    public List<EmbeddedServer> startedServers() {
        return started;
    }

    /**
     * @param name a server name ({@code kafka}, {@code schema-registry}, {@code postgres}, {@code redis}, {@code mqtt})
     * @return the server of that name if this stack started it
     */
    public Optional<EmbeddedServer> startedServer(String name) {
        return started.stream().filter(server -> server.name().equals(name)).findFirst();
    }

    /**
     * Where each server listens, as {@code KEY=value} pairs in a fixed order: {@value #KAFKA_BOOTSTRAP_SERVERS},
     * {@value #SCHEMA_REGISTRY_URL}, {@value #JDBC_URL}, {@value #JDBC_USER}, {@value #JDBC_PASSWORD},
     * {@value #REDIS_URL}, {@value #MQTT_URL}.
     *
     * @return an ordered, unmodifiable map
     */
    public Map<String, String> endpoints() {
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put(KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        endpoints.put(SCHEMA_REGISTRY_URL, schemaRegistry.url());
        endpoints.put(JDBC_URL, postgres.jdbcUrl());
        endpoints.put(JDBC_USER, postgres.user());
        endpoints.put(JDBC_PASSWORD, postgres.password());
        endpoints.put(REDIS_URL, redis.url());
        endpoints.put(MQTT_URL, mqtt.url());
        return Collections.unmodifiableMap(endpoints);
    }

    private String describe() {
        return String.join(
                ", ",
                List.of(
                        label(kafka, "Kafka " + kafka.bootstrapServers()),
                        label(schemaRegistry, "Schema Registry " + schemaRegistry.url()),
                        // External servers' URLs may carry credentials (user-info, password=): never logged.
                        label(postgres, "PostgreSQL " + io.fieldline.core.net.Redaction.redact(postgres.jdbcUrl())),
                        label(redis, "Redis " + io.fieldline.core.net.Redaction.redact(redis.url())),
                        label(mqtt, "MQTT " + mqtt.url())));
    }

    private String label(Object endpoint, String text) {
        return (endpoint instanceof EmbeddedServer ? "" : "external ") + text;
    }

    /**
     * Stops the servers this stack started, in reverse start order. A server that fails to stop is logged and
     * the others are still stopped; the first failure is rethrown at the end.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long begin = System.nanoTime();
        closeAll(started, null);
        LOG.info("Embedded stack stopped in {} ms", (System.nanoTime() - begin) / 1_000_000);
    }

    private static void closeAll(List<EmbeddedServer> servers, Throwable alreadyFailing) {
        RuntimeException first = null;
        for (int i = servers.size() - 1; i >= 0; i--) {
            EmbeddedServer server = servers.get(i);
            try {
                server.close();
            } catch (RuntimeException e) {
                LOG.error("Failed to stop {} ({})", server.name(), server.url(), e);
                if (alreadyFailing != null) {
                    alreadyFailing.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "EmbeddedStack[" + describe() + "]";
    }
}
