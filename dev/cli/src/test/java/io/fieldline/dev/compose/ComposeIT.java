package io.fieldline.dev.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * The whole of compose/docker-compose.yml, brought up by Testcontainers' compose support: a device publishes through
 * Mosquitto with its own credentials, and its readings are rows in TimescaleDB's hypertable that a dashboard query
 * returns. Needs a Docker engine with the Fieldline image loaded ({@code mvn -Pimage -pl app -am package} then
 * {@code docker load -i app/target/jib-image.tar}); skipped, saying so, where either is missing (the development and
 * CI machines have no Docker engine: there, ComposeFileTest, PrometheusFilesTest, GrafanaDashboardsTest,
 * DashboardQueriesIT and MosquittoAuthIT prove the pieces).
 */
class ComposeIT {

    @Test
    void shouldStoreWhatADevicePublishesThroughMosquittoAndShowItOnADashboard() throws Exception {
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            docker = false;
        }
        Assumptions.assumeTrue(
                docker,
                "No Docker engine here: the compose stack was not brought up (ComposeFileTest, PrometheusFilesTest, "
                        + "GrafanaDashboardsTest, DashboardQueriesIT and MosquittoAuthIT check its pieces without one)");
        String image = DeploymentFiles.services(DeploymentFiles.yaml("docker-compose.yml"))
                .get("streams")
                .get("image")
                .toString();
        boolean loaded = !DockerClientFactory.instance()
                .client()
                .listImagesCmd()
                .withImageNameFilter(image)
                .exec()
                .isEmpty();
        Assumptions.assumeTrue(
                loaded,
                image + " is not in the Docker engine: build it with mvn -Pimage -pl app -am package and load it with"
                        + " docker load -i app/target/jib-image.tar");

        String postgresPassword = UUID.randomUUID().toString();
        String devicePassword = UUID.randomUUID().toString();
        Map<String, String> env = Map.of(
                "POSTGRES_PASSWORD",
                postgresPassword,
                "GRAFANA_DB_PASSWORD",
                UUID.randomUUID().toString(),
                "GRAFANA_ADMIN_PASSWORD",
                UUID.randomUUID().toString(),
                "MQTT_BRIDGE_PASSWORD",
                UUID.randomUUID().toString(),
                // The simulator profile's devices get this password in Mosquitto's password file; the test publishes
                // as one of them (the simulator service itself is not started).
                "SIMULATOR_DEVICES",
                "1",
                "SIMULATOR_DEVICE_PASSWORD",
                devicePassword);
        try (ComposeContainer stack = new ComposeContainer(
                        DeploymentFiles.file("docker-compose.yml").toFile())
                .withLocalCompose(true)
                .withEnv(env)
                .withExposedService("mosquitto", 1883, Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(8)))
                .withExposedService("timescaledb", 5432, Wait.forHealthcheck())
                .waitingFor("mqtt-bridge", Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(8)))
                .waitingFor("sink-postgres", Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(8)))
                .waitingFor("streams", Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(8)))) {
            stack.start();
            String mqtt =
                    "tcp://" + stack.getServiceHost("mosquitto", 1883) + ":" + stack.getServicePort("mosquitto", 1883);
            MqttClient device = new MqttClient(mqtt, "sim-1", new MemoryPersistence());
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setUserName("sim-1");
            options.setPassword(devicePassword.getBytes(StandardCharsets.UTF_8));
            device.connect(options);
            for (int i = 0; i < 10; i++) {
                String payload = "{\"ts\": " + Instant.now().toEpochMilli() + ", \"air_temperature\": " + (24 + i * 0.1)
                        + ", \"co2\": " + (800 + i) + "}";
                device.publish(
                        "sites/sim/rooms/sim-room-1/devices/sim-1/telemetry",
                        payload.getBytes(StandardCharsets.UTF_8),
                        1,
                        false);
            }
            device.disconnect();
            device.close();

            String jdbc = "jdbc:postgresql://" + stack.getServiceHost("timescaledb", 5432) + ":"
                    + stack.getServicePort("timescaledb", 5432) + "/fieldline";
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertThat(column(
                                    jdbc,
                                    postgresPassword,
                                    "SELECT count(*) FROM measurement WHERE device_id = 'sim-1'"))
                            .containsExactly("20"));
            assertThat(column(
                            jdbc, postgresPassword, "SELECT hypertable_name FROM timescaledb_information.hypertables"))
                    .contains("measurement");
            Dashboards.Query stored = Dashboards.queries().stream()
                    .filter(q -> q.panel().startsWith("Readings stored per second by source"))
                    .findFirst()
                    .orElseThrow();
            String sql = new GrafanaMacros(
                            Instant.now().minus(Duration.ofHours(1)),
                            Instant.now().plusSeconds(60),
                            "1m",
                            true,
                            Map.of())
                    .expand(stored.text());
            assertThat(column(jdbc, postgresPassword, sql)).as(sql).isNotEmpty();
        }
    }

    private static List<String> column(String jdbc, String password, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbc, "fieldline", password);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
