package io.fieldline.dev.up;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
    private static final List<String> COMPONENTS =
            List.of("cdc", "streams", "sink-postgres", "sink-redis", "mqtt-bridge");
    private static final long SHUTDOWN_TIMEOUT_MS = 30_000;

    private FieldlineProcesses processes;

    @AfterEach
    void stopProcesses() throws InterruptedException {
        if (processes != null) {
            processes.close();
        }
    }

    @Test
    void shouldRunEachComponentAsItsOwnSupervisedObservableProcess(@TempDir Path dir) throws Exception {
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
            processes = new FieldlineProcesses(dir, stack.endpoints());
            for (String component : COMPONENTS) {
                processes.launch(component, component, "shutdown.timeout.ms=" + SHUTDOWN_TIMEOUT_MS);
            }
            for (String component : COMPONENTS) {
                processes.awaitReady(component, Duration.ofSeconds(240));
            }

            Simulator simulator = new Simulator(simulated);
            try (RedisClient redisClient = RedisClient.create(stack.redis().url());
                    StatefulRedisConnection<String, String> redis = redisClient.connect()) {
                simulator.start();
                processes.waitFor("rows in measurement", Duration.ofSeconds(180), () -> count(db) > 0);
                processes.waitFor(
                        "live values in Redis",
                        Duration.ofSeconds(60),
                        () -> redis.sync().dbsize() > 0);

                // 1. Metrics and health of every process.
                processes.waitFor("metrics with counts", Duration.ofSeconds(60), () -> metricsCounted());
                Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
                for (String component : COMPONENTS) {
                    metrics.put(component, processes.metrics(component));
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
                    processes.waitFor(component + " UP with every dependency up", Duration.ofSeconds(60), () -> {
                        try {
                            Map<String, Double> now = processes.metrics(component);
                            return now.getOrDefault("fieldline_dependency_up", 0.0) == dependencies(component)
                                    && now.getOrDefault("fieldline_component_up", 0.0) == 1.0
                                    && "UP"
                                            .equals(processes
                                                    .health(component)
                                                    .body()
                                                    .path("status")
                                                    .asText());
                        } catch (IOException e) {
                            return false;
                        }
                    });
                    metrics.put(component, processes.metrics(component));
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
                    assertThat(processes.health(component).status())
                            .as("/health of %s", component)
                            .isEqualTo(200);
                    assertThat(processes.health(component).body().path("status").asText())
                            .isEqualTo("UP");
                }

                // compose/'s dashboards and alerting rules name only metrics these processes expose: the binder
                // metrics among them are on a real scrape, and so is every other name they use.
                java.util.Set<String> scraped = new java.util.TreeSet<>();
                metrics.values().forEach(m -> scraped.addAll(m.keySet()));
                assertThat(scraped)
                        .as("binder metrics compose/ uses")
                        .containsAll(io.fieldline.dev.compose.DeploymentMetrics.FROM_BINDERS);
                java.util.Set<String> notScraped =
                        new java.util.TreeSet<>(io.fieldline.dev.compose.DeploymentMetrics.named());
                notScraped.removeAll(scraped);
                notScraped.removeAll(io.fieldline.dev.compose.DeploymentMetrics.PROMETHEUS_OWN);
                LOG.info("Metrics compose/ names that no process exposed yet: {}", notScraped);
                assertThat(notScraped)
                        .as("metrics compose/ names that no process exposes")
                        .isEmpty();

                // 2. Redis stopped: the Redis sink degrades, PostgreSQL keeps being written.
                EmbeddedServer redisServer = stack.startedServer("redis").orElseThrow();
                redisServer.stop();
                processes.waitFor(
                        "sink-redis DEGRADED",
                        Duration.ofSeconds(60),
                        () -> "DEGRADED"
                                .equals(processes
                                        .health("sink-redis")
                                        .body()
                                        .path("status")
                                        .asText()));
                FieldlineProcesses.Health degraded = processes.health("sink-redis");
                assertThat(degraded.status())
                        .as("HTTP status of a DEGRADED /health")
                        .isEqualTo(200);
                assertThat(degraded.body()
                                .path("dependencies")
                                .path("redis")
                                .path("status")
                                .asText())
                        .isEqualTo("DOWN");
                long rowsAtRedisStop = count(db);
                processes.waitFor(
                        "rows growing while Redis is down",
                        Duration.ofSeconds(60),
                        () -> count(db) > rowsAtRedisStop + 20);
                assertThat(processes
                                .health("sink-postgres")
                                .body()
                                .path("status")
                                .asText())
                        .isEqualTo("UP");
                redisServer.start();
                processes.waitFor(
                        "sink-redis UP again",
                        Duration.ofSeconds(90),
                        () -> "UP"
                                .equals(processes
                                        .health("sink-redis")
                                        .body()
                                        .path("status")
                                        .asText()));

                // 3. PostgreSQL stopped: the PostgreSQL sink is DOWN with 503, then UP again.
                EmbeddedServer postgres = stack.startedServer("postgres").orElseThrow();
                postgres.stop();
                processes.waitFor(
                        "sink-postgres DOWN",
                        Duration.ofSeconds(60),
                        () -> processes.health("sink-postgres").status() == 503);
                processes.waitFor(
                        "the PostgreSQL sink's own component DOWN",
                        Duration.ofSeconds(60),
                        () -> "DOWN"
                                .equals(processes
                                        .health("sink-postgres")
                                        .body()
                                        .path("components")
                                        .path("sink-postgres")
                                        .path("status")
                                        .asText()));
                FieldlineProcesses.Health down = processes.health("sink-postgres");
                assertThat(down.body().path("status").asText()).isEqualTo("DOWN");
                assertThat(down.body()
                                .path("dependencies")
                                .path("postgresql")
                                .path("status")
                                .asText())
                        .isEqualTo("DOWN");
                Thread.sleep(2_000);
                postgres.start();
                processes.waitFor(
                        "sink-postgres UP again",
                        Duration.ofSeconds(120),
                        () -> processes.health("sink-postgres").status() == 200
                                && "UP"
                                        .equals(processes
                                                .health("sink-postgres")
                                                .body()
                                                .path("status")
                                                .asText()));
                processes.waitFor(
                        "cdc UP again",
                        Duration.ofSeconds(120),
                        () -> "UP"
                                .equals(processes
                                        .health("cdc")
                                        .body()
                                        .path("status")
                                        .asText()));

                // 4. SIGTERM mid-stream: exit 0 within the timeout; started again, nothing is lost.
                for (String component : List.of("mqtt-bridge", "sink-postgres")) {
                    long begin = System.nanoTime();
                    int exit = processes.terminate(component, Duration.ofMillis(SHUTDOWN_TIMEOUT_MS + 5_000));
                    assertThat(exit)
                            .as("exit code of %s; log:%n%s", component, processes.tail(component))
                            .isZero();
                    LOG.info(
                            "{} stopped on SIGTERM in {} ms",
                            component,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
                    processes.relaunch(component);
                    processes.awaitReady(component, Duration.ofSeconds(240));
                }
                Thread.sleep(2_000);
                simulator.close();
                long published = simulator.stats().readings();
                assertThat(published).isPositive();
                processes.waitFor(
                        published + " rows in measurement", Duration.ofSeconds(180), () -> count(db) >= published);
                assertThat(count(db))
                        .as("rows in measurement, one per reading published")
                        .isEqualTo(published);

                // compose/'s Grafana dashboards on what this pipeline run left in PostgreSQL: every panel's SQL runs,
                // and those that a run of a minute or two fills (readings, devices, latest values) return rows.
                try (Connection connection = db.getConnection()) {
                    io.fieldline.dev.compose.DashboardSql.Result dashboards = io.fieldline.dev.compose.DashboardSql.run(
                            connection,
                            java.time.Instant.now().minus(Duration.ofHours(6)),
                            java.time.Instant.now().plusSeconds(60),
                            false);
                    LOG.info("Dashboard queries after the run, rows per panel: {}", dashboards.rows());
                    assertThat(dashboards.failures())
                            .as("dashboard queries that failed")
                            .isEmpty();
                    for (String panel : List.of(
                            "Fieldline / Fleet / Devices registered",
                            "Fieldline / Fleet / Readings stored per second by source",
                            "Fieldline / Fleet / Devices by last seen",
                            "Fieldline / Room climate / variable $room",
                            "Fieldline / Room climate / Now")) {
                        assertThat(dashboards.rows().entrySet().stream()
                                        .filter(e -> e.getKey().startsWith(panel))
                                        .mapToInt(Map.Entry::getValue)
                                        .sum())
                                .as("rows of %s", panel)
                                .isPositive();
                    }
                }
            } finally {
                simulator.close();
                // Before the servers stop: a client still connected slows PostgreSQL's shutdown.
                processes.close();
            }
        }
    }

    private boolean metricsCounted() {
        try {
            return processes.metrics("cdc").getOrDefault("fieldline_cdc_changes_total", 0.0) > 0
                    && processes.metrics("sink-redis").getOrDefault("fieldline_sink_records_total", 0.0) > 0
                    && processes.metrics("sink-postgres").containsKey("fieldline_consumer_lag_records")
                    && processes.metrics("streams").containsKey("fieldline_consumer_lag_records");
        } catch (IOException e) {
            return false;
        }
    }

    /** How many dependencies each component's process checks: the sum of fieldline_dependency_up when all are up. */
    private static int dependencies(String component) {
        return io.fieldline.app.service.ServiceComponents.dependencies(component)
                .size();
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
}
