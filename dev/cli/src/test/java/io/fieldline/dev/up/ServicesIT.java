package io.fieldline.dev.up;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fieldline.app.AppConfig;
import io.fieldline.app.TopicProvisioner;
import io.fieldline.embedded.EmbeddedConfig;
import io.fieldline.embedded.EmbeddedServer;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.StackOptions;
import io.fieldline.schemas.TopicNames;
import io.fieldline.simulator.Simulator;
import io.fieldline.simulator.SimulatorOptions;
import io.fieldline.sink.Migrations;
import io.fieldline.sink.SinkConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every component as its own OS process, launched from the unpacked distribution ({@code app/target/fieldline-*.tar.gz},
 * {@code bin/fieldline run COMPONENT}) against embedded servers, fed by the device simulator:
 * <ol>
 *   <li>readings reach PostgreSQL and Redis; each process's {@code /metrics} has its families with non-zero counts and
 *       its {@code /health} is UP;</li>
 *   <li>Redis stopped: the Redis sink's process is DEGRADED (200), and PostgreSQL rows keep growing;</li>
 *   <li>PostgreSQL stopped: the PostgreSQL sink's process is DOWN (503), then UP once it is back;</li>
 *   <li>SIGTERM to the bridge and the PostgreSQL sink mid-stream: each exits 0 within the shutdown timeout; started
 *       again, and the simulator stopped, every reading it published is a row in {@code measurement}.</li>
 * </ol>
 */
class ServicesIT {

    private static final Logger LOG = LoggerFactory.getLogger(ServicesIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final List<String> COMPONENTS =
            List.of("cdc", "streams", "sink-postgres", "sink-redis", "mqtt-bridge");
    private static final long SHUTDOWN_TIMEOUT_MS = 30_000;

    private final Map<String, Service> services = new LinkedHashMap<>();
    private Path home;
    private Path work;
    private Path endpoints;

    /** One {@code fieldline run} process. */
    private record Service(String component, Process process, int port, Path log) {
        String url(String path) {
            return "http://127.0.0.1:" + port + path;
        }
    }

    @AfterEach
    void stopProcesses() throws InterruptedException {
        for (Service service : services.values()) {
            service.process().destroyForcibly();
        }
        for (Service service : services.values()) {
            service.process().waitFor(10, TimeUnit.SECONDS);
        }
        services.clear();
    }

    @Test
    void shouldRunEachComponentAsItsOwnSupervisedObservableProcess(@TempDir Path dir) throws Exception {
        work = dir;
        home = unpackDistribution(dir);
        Map<String, String> config =
                Map.of(AppConfig.DATA_DIR, dir.resolve("stack").toString());
        AppConfig app = new AppConfig(config);
        try (EmbeddedStack stack = EmbeddedStack.start(StackOptions.from(new EmbeddedConfig(config)))) {
            TopicNames topics = new TopicNames("");
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()))) {
                new TopicProvisioner(
                                topics,
                                app.getInt(AppConfig.TOPICS_PARTITIONS),
                                app.getShort(AppConfig.TOPICS_REPLICATION_FACTOR))
                        .createMissing(admin);
            }
            DataSource db = stack.postgres().dataSource();
            SimulatorOptions simulated =
                    new SimulatorOptions(stack.mqtt().url(), "services-it-simulator", 6, 12, 7, 1, 0, "");
            Map<String, Object> sinkSettings = new HashMap<>();
            sinkSettings.put(SinkConfig.POSTGRES_URL, stack.postgres().jdbcUrl());
            Migrations.apply(db, new SinkConfig(sinkSettings));
            DemoMetadata.write(db, MqttComponents.fleetMetadata(simulated));
            endpoints = writeEndpoints(dir, stack.endpoints());

            for (String component : COMPONENTS) {
                launch(component);
            }
            for (String component : COMPONENTS) {
                awaitReady(component);
            }

            Simulator simulator = new Simulator(simulated);
            try (RedisClient redisClient = RedisClient.create(stack.redis().url());
                    StatefulRedisConnection<String, String> redis = redisClient.connect()) {
                simulator.start();
                waitFor("rows in measurement", Duration.ofSeconds(180), () -> count(db) > 0);
                waitFor(
                        "live values in Redis",
                        Duration.ofSeconds(60),
                        () -> redis.sync().dbsize() > 0);

                // 1. Metrics and health of every process.
                waitFor("metrics with counts", Duration.ofSeconds(60), () -> metricsCounted());
                Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
                for (String component : COMPONENTS) {
                    metrics.put(component, metrics(component));
                }
                assertThat(metrics.get("mqtt-bridge"))
                        .hasEntrySatisfying(
                                "fieldline_mqtt_messages_received_total",
                                v -> assertThat(v).isPositive());
                assertThat(metrics.get("sink-postgres"))
                        .hasEntrySatisfying(
                                "fieldline_sink_records_total",
                                v -> assertThat(v).isPositive());
                assertThat(metrics.get("sink-postgres"))
                        .hasEntrySatisfying(
                                "fieldline_sink_batch_duration_seconds_count",
                                v -> assertThat(v).isPositive());
                assertThat(metrics.get("sink-postgres")).containsKey("fieldline_consumer_lag_records");
                assertThat(metrics.get("sink-redis"))
                        .hasEntrySatisfying(
                                "fieldline_sink_records_total",
                                v -> assertThat(v).isPositive());
                assertThat(metrics.get("cdc"))
                        .hasEntrySatisfying(
                                "fieldline_cdc_changes_total",
                                v -> assertThat(v).isPositive());
                assertThat(metrics.get("streams"))
                        .hasEntrySatisfying(
                                "kafka_stream_thread_process_total",
                                v -> assertThat(v).isPositive());
                assertThat(metrics.get("streams")).containsKey("fieldline_consumer_lag_records");
                java.util.Set<String> catalogued = new java.util.HashSet<>();
                io.fieldline.app.MetricsReference.catalog()
                        .forEach(metric -> catalogued.addAll(metric.prometheusSeries()));
                for (String component : COMPONENTS) {
                    // Dependency checks run every second; on a loaded machine one may have been slow just now.
                    waitFor(component + " UP with every dependency up", Duration.ofSeconds(60), () -> {
                        try {
                            Map<String, Double> now = metrics(component);
                            return now.getOrDefault("fieldline_dependency_up", 0.0) == dependencies(component)
                                    && now.getOrDefault("fieldline_component_up", 0.0) == 1.0
                                    && "UP"
                                            .equals(health(component)
                                                    .body
                                                    .path("status")
                                                    .asText());
                        } catch (IOException e) {
                            return false;
                        }
                    });
                    metrics.put(component, metrics(component));
                }
                for (String component : COMPONENTS) {
                    assertThat(metrics.get(component).keySet().stream().filter(name -> name.startsWith("fieldline_")))
                            .as("Fieldline's metrics of %s are in docs/metrics.md", component)
                            .allMatch(catalogued::contains);
                    assertThat(metrics.get(component))
                            .as("metrics of %s", component)
                            .containsKeys("jvm_memory_used_bytes", "process_cpu_usage", "process_uptime_seconds")
                            .containsEntry("fieldline_component_up", 1.0)
                            .containsEntry("fieldline_dependency_up", (double) dependencies(component));
                    assertThat(health(component).status)
                            .as("/health of %s", component)
                            .isEqualTo(200);
                    assertThat(health(component).body.path("status").asText()).isEqualTo("UP");
                }

                // 2. Redis stopped: the Redis sink degrades, PostgreSQL keeps being written.
                EmbeddedServer redisServer = stack.startedServer("redis").orElseThrow();
                redisServer.stop();
                waitFor(
                        "sink-redis DEGRADED",
                        Duration.ofSeconds(60),
                        () -> "DEGRADED"
                                .equals(health("sink-redis").body.path("status").asText()));
                Health degraded = health("sink-redis");
                assertThat(degraded.status)
                        .as("HTTP status of a DEGRADED /health")
                        .isEqualTo(200);
                assertThat(degraded.body
                                .path("dependencies")
                                .path("redis")
                                .path("status")
                                .asText())
                        .isEqualTo("DOWN");
                long rowsAtRedisStop = count(db);
                waitFor(
                        "rows growing while Redis is down",
                        Duration.ofSeconds(60),
                        () -> count(db) > rowsAtRedisStop + 20);
                assertThat(health("sink-postgres").body.path("status").asText()).isEqualTo("UP");
                redisServer.start();
                waitFor(
                        "sink-redis UP again",
                        Duration.ofSeconds(90),
                        () -> "UP"
                                .equals(health("sink-redis").body.path("status").asText()));

                // 3. PostgreSQL stopped: the PostgreSQL sink is DOWN with 503, then UP again.
                EmbeddedServer postgres = stack.startedServer("postgres").orElseThrow();
                postgres.stop();
                waitFor("sink-postgres DOWN", Duration.ofSeconds(60), () -> health("sink-postgres").status == 503);
                waitFor(
                        "the PostgreSQL sink's own component DOWN",
                        Duration.ofSeconds(60),
                        () -> "DOWN"
                                .equals(health("sink-postgres")
                                        .body
                                        .path("components")
                                        .path("sink-postgres")
                                        .path("status")
                                        .asText()));
                Health down = health("sink-postgres");
                assertThat(down.body.path("status").asText()).isEqualTo("DOWN");
                assertThat(down.body
                                .path("dependencies")
                                .path("postgresql")
                                .path("status")
                                .asText())
                        .isEqualTo("DOWN");
                Thread.sleep(5_000);
                postgres.start();
                waitFor(
                        "sink-postgres UP again",
                        Duration.ofSeconds(120),
                        () -> health("sink-postgres").status == 200
                                && "UP"
                                        .equals(health("sink-postgres")
                                                .body
                                                .path("status")
                                                .asText()));
                waitFor(
                        "cdc UP again",
                        Duration.ofSeconds(120),
                        () -> "UP".equals(health("cdc").body.path("status").asText()));

                // 4. SIGTERM mid-stream: exit 0 within the timeout; started again, nothing is lost.
                for (String component : List.of("mqtt-bridge", "sink-postgres")) {
                    Service service = services.get(component);
                    long begin = System.nanoTime();
                    service.process().destroy();
                    boolean exited = service.process().waitFor(SHUTDOWN_TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
                    assertThat(exited)
                            .as("%s exited after SIGTERM; log:%n%s", component, tail(service))
                            .isTrue();
                    assertThat(service.process().exitValue())
                            .as("exit code of %s; log:%n%s", component, tail(service))
                            .isZero();
                    LOG.info(
                            "{} stopped on SIGTERM in {} ms",
                            component,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
                    Thread.sleep(2_000);
                    launch(component);
                    awaitReady(component);
                }
                Thread.sleep(5_000);
                simulator.close();
                long published = simulator.stats().readings();
                assertThat(published).isPositive();
                waitFor(published + " rows in measurement", Duration.ofSeconds(180), () -> count(db) >= published);
                assertThat(count(db))
                        .as("rows in measurement, one per reading published")
                        .isEqualTo(published);
            } finally {
                simulator.close();
                // Before the servers stop: a client still connected slows PostgreSQL's shutdown.
                stopProcesses();
            }
        }
    }

    private boolean metricsCounted() {
        try {
            return metrics("cdc").getOrDefault("fieldline_cdc_changes_total", 0.0) > 0
                    && metrics("sink-redis").getOrDefault("fieldline_sink_records_total", 0.0) > 0
                    && metrics("sink-postgres").containsKey("fieldline_consumer_lag_records")
                    && metrics("streams").containsKey("fieldline_consumer_lag_records");
        } catch (IOException e) {
            return false;
        }
    }

    /** How many dependencies each component's process checks: the sum of fieldline_dependency_up when all are up. */
    private static int dependencies(String component) {
        return io.fieldline.app.service.ServiceComponents.dependencies(component)
                .size();
    }

    private static Path unpackDistribution(Path dir) throws IOException, InterruptedException {
        Path target = Path.of("..", "..", "app", "target").toAbsolutePath().normalize();
        Path tarball;
        try (Stream<Path> files = Files.list(target)) {
            tarball = files.filter(p -> p.getFileName().toString().matches("fieldline-.*\\.tar\\.gz"))
                    .findFirst()
                    .orElseThrow(
                            () -> new IllegalStateException("no distribution in " + target + ": mvn package -pl app"));
        }
        Path into = dir.resolve("dist");
        Files.createDirectories(into);
        Process tar = new ProcessBuilder("tar", "xzf", tarball.toString(), "-C", into.toString())
                .inheritIO()
                .start();
        assertThat(tar.waitFor()).as("tar xzf %s", tarball).isZero();
        try (Stream<Path> dirs = Files.list(into)) {
            return dirs.findFirst().orElseThrow();
        }
    }

    private static Path writeEndpoints(Path dir, Map<String, String> endpoints) throws IOException {
        Path file = dir.resolve("endpoints.env");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        StringBuilder text = new StringBuilder();
        endpoints.forEach(
                (key, value) -> text.append(key).append('=').append(value).append('\n'));
        Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
        return file;
    }

    private void launch(String component) throws IOException {
        int port = freePort();
        Path log = work.resolve(component + "-" + System.nanoTime() + ".log");
        ProcessBuilder builder = new ProcessBuilder(
                        home.resolve("bin/fieldline").toString(),
                        "run",
                        component,
                        "--endpoints",
                        endpoints.toString(),
                        "--set",
                        "http.port=" + port,
                        "--set",
                        "http.bind.address=127.0.0.1",
                        "--set",
                        AppConfig.DATA_DIR + "=" + work.resolve("data-" + component),
                        "--set",
                        "health.check.interval.ms=1000",
                        "--set",
                        "lag.check.interval.ms=2000",
                        "--set",
                        "shutdown.timeout.ms=" + SHUTDOWN_TIMEOUT_MS,
                        // The simulated rooms report in step: no long wait for stragglers.
                        "--set",
                        "streams.kpi.grace.ms=15000")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("FIELDLINE_JAVA_OPTS", "-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        builder.environment()
                .keySet()
                .removeIf(name -> name.startsWith("FIELDLINE_") && !name.equals("FIELDLINE_JAVA_OPTS"));
        services.put(component, new Service(component, builder.start(), port, log));
        LOG.info("Launched {} on ops port {} (log {})", component, port, log);
    }

    private void awaitReady(String component) throws Exception {
        Service service = services.get(component);
        long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
        while (true) {
            if (!service.process().isAlive()) {
                throw new AssertionError(
                        component + " exited with " + service.process().exitValue() + "; log:\n" + tail(service));
            }
            try {
                HttpResponse<String> ready = HTTP.send(
                        HttpRequest.newBuilder(URI.create(service.url("/health/ready")))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    HttpResponse<String> live = HTTP.send(
                            HttpRequest.newBuilder(URI.create(service.url("/health/live")))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(live.statusCode())
                            .as("/health/live of %s", component)
                            .isEqualTo(200);
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(component + " not ready after 240 s; log:\n" + tail(service));
            }
            Thread.sleep(500);
        }
    }

    private record Health(int status, JsonNode body) {}

    private Health health(String component) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(services.get(component).url("/health")))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Health(response.statusCode(), JSON.readTree(response.body()));
        } catch (IOException e) {
            return new Health(-1, JSON.createObjectNode());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Each series name of {@code /metrics}, its samples summed. */
    private Map<String, Double> metrics(String component) throws IOException {
        String text;
        try {
            text = HTTP.send(
                            HttpRequest.newBuilder(
                                            URI.create(services.get(component).url("/metrics")))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        Map<String, Double> families = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name = line.substring(0, brace > 0 ? brace : line.indexOf(' '));
            double value = Double.parseDouble(line.substring(space + 1));
            if (!Double.isNaN(value)) {
                families.merge(name, value, Double::sum);
            }
        }
        return families;
    }

    private static long count(DataSource db) {
        try (Connection connection = db.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT count(*) FROM measurement")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    private static String tail(Service service) {
        try {
            List<String> lines = Files.readAllLines(service.log(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private void waitFor(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            for (Service service : services.values()) {
                if (!service.process().isAlive() && service.process().exitValue() != 0) {
                    throw new AssertionError(
                            service.component() + " died while waiting for " + what + "; log:\n" + tail(service));
                }
            }
            if (System.nanoTime() > deadline) {
                List<String> states = new ArrayList<>();
                services.keySet().forEach(c -> states.add(c + ": " + health(c).body));
                throw new AssertionError("timed out waiting for " + what + "; health: " + states);
            }
            Thread.sleep(500);
        }
    }
}
