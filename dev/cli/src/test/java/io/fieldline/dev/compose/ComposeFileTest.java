package io.fieldline.dev.compose;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.app.TopicProvisioner;
import io.fieldline.schemas.TopicNames;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;

/**
 * {@code compose/docker-compose.yml}, checked without a Docker engine: pinned images, FIELDLINE_* variables that are
 * configuration keys with valid values, health checks and Prometheus targets that name what their service serves, no
 * host port published twice, one service per component, the topics kafka-init creates, the replication settings;
 * and, where Debian's {@code docker-compose} is installed, {@code docker-compose config}. Each check is also shown
 * failing on a compose file broken the way it guards against.
 */
class ComposeFileTest {

    private static final Map<String, String> ENV = DeploymentFiles.envFile(".env.example");

    private static ComposeChecks checks(Map<String, Object> compose) {
        return new ComposeChecks(compose, ENV, DeploymentFiles.read("mosquitto/mosquitto.conf"));
    }

    private static Map<String, Object> compose() {
        return DeploymentFiles.yaml("docker-compose.yml");
    }

    private static Map<String, Object> service(Map<String, Object> compose, String name) {
        return DeploymentFiles.services(compose).get(name);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> environment(Map<String, Object> compose, String name) {
        return (Map<String, Object>) service(compose, name).get("environment");
    }

    @Test
    void shouldPassEveryCheck() {
        assertThat(checks(compose()).all(DeploymentFiles.yaml("prometheus/prometheus.yml")))
                .as("problems of compose/docker-compose.yml and compose/prometheus/prometheus.yml")
                .isEmpty();
    }

    @Test
    void shouldFindAnUnpinnedImage() {
        Map<String, Object> compose = compose();
        service(compose, "redis").put("image", "redis");
        service(compose, "grafana").put("image", "grafana/grafana:latest");
        assertThat(checks(compose).unpinnedImages())
                .containsExactlyInAnyOrder(
                        "redis: image 'redis' is not pinned by a tag or digest",
                        "grafana: image 'grafana/grafana:latest' is not pinned by a tag or digest");
    }

    @Test
    void shouldFindAVariableThatIsNoConfigurationKeyOrAnInvalidValue() {
        Map<String, Object> compose = compose();
        environment(compose, "sink-postgres").put("FIELDLINE_SINK_POSTGRES_BATCH_SIZE", "500");
        environment(compose, "streams").put("FIELDLINE_EMBEDDED_POSTGRES_TIMESCALE", "true");
        environment(compose, "sink-redis").put("FIELDLINE_SINK_BATCH_SIZE", "lots");
        assertThat(checks(compose).unknownConfiguration())
                .anySatisfy(p -> assertThat(p)
                        .startsWith(
                                "sink-postgres: FIELDLINE_SINK_POSTGRES_BATCH_SIZE sets 'sink.postgres.batch.size'"))
                .as("a key of the developer build only is not one the image knows")
                .anySatisfy(p -> assertThat(p).startsWith("streams: FIELDLINE_EMBEDDED_POSTGRES_TIMESCALE"))
                .anySatisfy(p -> assertThat(p).startsWith("sink-redis: ").contains("sink.batch.size"))
                .hasSize(3);
    }

    @Test
    void shouldFindAHealthCheckOrTargetOnAPortOrPathTheServiceDoesNotServe() {
        Map<String, Object> compose = compose();
        Map<String, Object> prometheus = DeploymentFiles.yaml("prometheus/prometheus.yml");
        // The Fieldline services share one health check object (a YAML alias): give streams its own.
        service(compose, "streams")
                .put("healthcheck", Map.of("test", List.of("CMD", "curl", "-fsS", "http://localhost:9400/ready")));
        service(compose, "schema-registry")
                .put("healthcheck", Map.of("test", List.of("CMD", "curl", "-fsS", "http://localhost:8082/subjects")));
        environment(compose, "cdc").put("FIELDLINE_HTTP_PORT", "9500");
        ComposeChecks checks = checks(compose);
        assertThat(checks.healthChecks())
                .anySatisfy(p -> assertThat(p).startsWith("streams: a Fieldline component's health check must ask"))
                .anySatisfy(p -> assertThat(p).startsWith("streams: health check asks http://localhost:9400/ready"))
                .anySatisfy(p -> assertThat(p).startsWith("cdc: health check asks http://localhost:9400/health/ready"))
                .anySatisfy(p ->
                        assertThat(p).startsWith("schema-registry: health check asks http://localhost:8082/subjects"))
                .hasSize(4);
        assertThat(checks.prometheusTargets(prometheus))
                .containsExactlyInAnyOrder(
                        "prometheus job fieldline-cdc: scrapes cdc:9400/metrics, which the service does not serve (it"
                                + " serves [Endpoint[port=9500, paths=" + ComposeChecks.OPS_PATHS + "]])",
                        "cdc: a Fieldline component that Prometheus does not scrape");
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldFindATargetThatIsNoServiceAndAComponentNobodyScrapes() {
        Map<String, Object> prometheus = DeploymentFiles.yaml("prometheus/prometheus.yml");
        List<Map<String, Object>> jobs = (List<Map<String, Object>>) prometheus.get("scrape_configs");
        jobs.removeIf(job -> job.get("job_name").equals("fieldline-sink-redis"));
        Map<String, Object> sd = ((List<Map<String, Object>>) jobs.get(0).get("dns_sd_configs")).get(0);
        sd.put("names", List.of("bridge"));
        assertThat(checks(compose()).prometheusTargets(prometheus))
                .containsExactlyInAnyOrder(
                        "prometheus job fieldline-mqtt-bridge: target 'bridge' is not a service",
                        "mqtt-bridge: a Fieldline component that Prometheus does not scrape",
                        "sink-redis: a Fieldline component that Prometheus does not scrape");
    }

    @Test
    void shouldFindAHostPortPublishedTwiceAndAScalableComponentPublishingOne() {
        Map<String, Object> compose = compose();
        service(compose, "grafana").put("ports", List.of("9090:3000"));
        service(compose, "streams").put("ports", List.of("9400:9400"));
        assertThat(checks(compose).hostPorts())
                .containsExactlyInAnyOrder(
                        "host port 9090 is published by both prometheus and grafana",
                        "streams: publishes host port 9400, so it cannot be scaled (docker compose up --scale)");
    }

    @Test
    void shouldFindAServiceWaitedForThatCannotBeHealthyOrComplete() {
        Map<String, Object> compose = compose();
        service(compose, "redis").remove("healthcheck");
        service(compose, "kafka-init").put("restart", "on-failure");
        assertThat(checks(compose).healthChecks())
                .containsExactlyInAnyOrder(
                        "sink-redis: waits for 'redis' to be healthy, which has no health check",
                        "api: waits for 'redis' to be healthy, which has no health check",
                        "api: waits for 'kafka-init' to complete, which is restarted (restart: no expected)",
                        "sink-postgres: waits for 'kafka-init' to complete, which is restarted (restart: no expected)",
                        "sink-redis: waits for 'kafka-init' to complete, which is restarted (restart: no expected)",
                        "cdc: waits for 'kafka-init' to complete, which is restarted (restart: no expected)",
                        "streams: waits for 'kafka-init' to complete, which is restarted (restart: no expected)",
                        "mqtt-bridge: waits for 'kafka-init' to complete, which is restarted (restart: no expected)",
                        "can-bridge: waits for 'kafka-init' to complete, which is restarted (restart: no expected)");
    }

    @Test
    void shouldRunEachComponentOnceTheApiIncluded() {
        Map<String, Object> compose = compose();
        ComposeChecks checks = checks(compose);
        assertThat(checks.components()).isEmpty();
        assertThat(DeploymentFiles.services(compose)).as("the HTTP API").containsKey("api");
        DeploymentFiles.services(compose).remove("cdc");
        assertThat(checks(compose).components())
                .containsExactly("component cdc is run by 0 services [] (one expected, scaled with --scale)");
    }

    @Test
    void shouldCreateTheTopicsOfTheContractAsTheProvisionerOfUpDoes() {
        String script = DeploymentFiles.read("kafka/create-topics.sh");
        Map<String, String> scripted = new TreeMap<>();
        Matcher line =
                Pattern.compile("\"TOPIC (\\S+) (data|metadata|deadletter)\"").matcher(script);
        while (line.find()) {
            scripted.put(line.group(1), line.group(2));
        }
        Map<String, String> provisioned = new TreeMap<>();
        for (NewTopic topic : new TopicProvisioner(new TopicNames(""), 6, (short) 3).topics()) {
            boolean compacted = topic.configs() != null
                    && TopicConfig.CLEANUP_POLICY_COMPACT.equals(
                            topic.configs().get(TopicConfig.CLEANUP_POLICY_CONFIG));
            String kind = compacted ? "metadata" : topic.numPartitions() == 6 ? "data" : "deadletter";
            provisioned.put(topic.name(), kind);
        }
        assertThat(scripted).isEqualTo(provisioned);
        assertThat(script)
                .contains("data) count=\"$partitions\"; configs=() ;;")
                .contains("metadata) count=1; configs=(--config cleanup.policy=compact) ;;")
                .contains("deadletter) count=1; configs=() ;;")
                .contains("--replication-factor \"$replicas\"")
                .contains("--config \"min.insync.replicas=${min_isr}\"");
    }

    @Test
    void shouldReplicateEverythingThreeTimesWithTwoInSyncOnBrokersOfTheClientsKafkaVersion() {
        Map<String, Object> compose = compose();
        Map<String, Map<String, Object>> services = DeploymentFiles.services(compose);
        List<String> brokers = new ArrayList<>();
        services.forEach((name, service) -> {
            if (DeploymentFiles.environment(service).containsKey("KAFKA_NODE_ID")) {
                brokers.add(name);
            }
        });
        assertThat(brokers).containsExactly("kafka-1", "kafka-2", "kafka-3");
        for (String broker : brokers) {
            Map<String, String> env = DeploymentFiles.environment(services.get(broker));
            assertThat(services.get(broker).get("image"))
                    .as("the broker image is the Kafka version of the clients")
                    .isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
            assertThat(env)
                    .containsEntry("KAFKA_DEFAULT_REPLICATION_FACTOR", "3")
                    .containsEntry("KAFKA_MIN_INSYNC_REPLICAS", "2")
                    .containsEntry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3")
                    .containsEntry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3")
                    .containsEntry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2")
                    .containsEntry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                    .containsEntry("KAFKA_PROCESS_ROLES", "broker,controller")
                    .containsEntry("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093");
            assertThat(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS"))
                    .contains(env.get("KAFKA_NODE_ID") + "@" + broker + ":");
        }
        assertThat(DeploymentFiles.environment(services.get("kafka-init")))
                .containsEntry("TOPICS_REPLICATION_FACTOR", "3")
                .containsEntry("TOPICS_MIN_INSYNC_REPLICAS", "2");
        assertThat(DeploymentFiles.environment(services.get("streams")))
                .containsEntry("FIELDLINE_TOPICS_REPLICATION_FACTOR", "3")
                .containsEntry("FIELDLINE_STREAMS_REPLICATION_FACTOR", "3");
        assertThat(DeploymentFiles.environment(services.get("cdc")))
                .containsEntry("FIELDLINE_CDC_TOPIC_REPLICATION_FACTOR", "3");
        assertThat(DeploymentFiles.environment(services.get("timescaledb")))
                .doesNotContainKey("POSTGRES_HOST_AUTH_METHOD");
        assertThat(DeploymentFiles.strings(services.get("timescaledb").get("command")))
                .as("Debezium needs logical decoding")
                .contains("wal_level=logical");
    }

    @Test
    void shouldRunTheFieldlineImageThatTheImageProfileBuilds() {
        String pom = DeploymentFiles.read("../app/pom.xml");
        assertThat(pom).contains("<image.name>" + ComposeChecks.FIELDLINE_IMAGE + ":${project.version}</image.name>");
        Matcher version = Pattern.compile("<artifactId>fieldline-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(DeploymentFiles.read("../pom.xml"));
        assertThat(version.find()).isTrue();
        DeploymentFiles.services(compose()).forEach((name, service) -> {
            if (String.valueOf(service.get("image")).startsWith(ComposeChecks.FIELDLINE_IMAGE)) {
                assertThat(service.get("image"))
                        .as(name)
                        .isEqualTo(ComposeChecks.FIELDLINE_IMAGE + ":" + version.group(1));
            }
        });
    }

    @Test
    void shouldCommitNoSecret() {
        assertThat(DeploymentFiles.read(".gitignore")).contains(".env");
        assertThat(ENV)
                .containsKeys(
                        "POSTGRES_PASSWORD", "GRAFANA_DB_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "MQTT_BRIDGE_PASSWORD");
        ENV.forEach((key, value) -> {
            if (key.endsWith("PASSWORD") && !value.isEmpty()) {
                assertThat(value).as(key + " in .env.example is a placeholder").startsWith("change-me");
            }
        });
        // A password in the compose file itself is always a reference to .env, never a value.
        DeploymentFiles.services(compose())
                .forEach((name, service) -> DeploymentFiles.environment(service).forEach((variable, value) -> {
                    if (variable.endsWith("PASSWORD")) {
                        assertThat(value).as(name + " " + variable).startsWith("${");
                    }
                }));
    }

    @Test
    void shouldBeValidForDockerCompose() throws Exception {
        Path dockerCompose = DeploymentTools.require("docker-compose", "docker-compose");
        DeploymentTools.Result result = DeploymentTools.run(
                DeploymentFiles.dir(),
                60,
                dockerCompose.toString(),
                "--env-file",
                ".env.example",
                "-f",
                "docker-compose.yml",
                "--profile",
                "simulator",
                "--profile",
                "can",
                "config",
                "-q");
        assertThat(result.exitCode())
                .as("docker-compose config: %s", result.output())
                .isZero();
        DeploymentTools.Result services = DeploymentTools.run(
                DeploymentFiles.dir(),
                60,
                dockerCompose.toString(),
                "--env-file",
                ".env.example",
                "config",
                "--services");
        assertThat(services.output().lines().sorted().toList())
                .as("the services docker-compose sees are the ones this test parsed")
                .containsExactlyInAnyOrderElementsOf(
                        DeploymentFiles.services(compose()).keySet());
    }
}
