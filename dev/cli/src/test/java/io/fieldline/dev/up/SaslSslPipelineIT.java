package io.fieldline.dev.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.app.AppConfig;
import io.fieldline.app.TopicProvisioner;
import io.fieldline.app.service.ServiceComponents;
import io.fieldline.app.service.ServiceConfig;
import io.fieldline.app.service.ServiceContext;
import io.fieldline.app.service.ServiceRuntime;
import io.fieldline.app.service.Supervisor;
import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.KafkaBroker;
import io.fieldline.embedded.StackOptions;
import io.fieldline.embedded.junit.SaslSslKafkaExtension;
import io.fieldline.schemas.TopicNames;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Kafka-facing component of {@code fieldline up} against a broker that has only a SASL_SSL listener (SCRAM-SHA-512,
 * client certificates required): the embedded Schema Registry's store, the topic provisioner, CDC (engine, offset store
 * and producer), the MQTT bridge, the Streams applications, both sinks, the health check and the lag monitor. Readings
 * travel MQTT -> bridge -> readings -> Streams -> enriched readings, and become rows in PostgreSQL; a wrong password
 * stops the start with a message naming {@code kafka.sasl.jaas.config} and showing no password.
 */
@ExtendWith(SaslSslKafkaExtension.class)
class SaslSslPipelineIT {

    @Test
    void shouldMoveReadingsEndToEndOverSaslSsl(KafkaBroker kafka, @TempDir Path dataDir) throws Exception {
        Map<String, String> config =
                new LinkedHashMap<>(kafka.clientSettings(SaslSslKafkaExtension.USER, password(kafka)));
        config.put(AppConfig.DATA_DIR, dataDir.toString());
        config.put(ServiceConfig.HTTP_PORT, "-1");
        AppConfig app = new AppConfig(config);
        PrometheusMeterRegistry meters = ServiceRuntime.registry();
        // The registry's store is on the SASL_SSL broker too: it is started on the endpoint's client block.
        try (EmbeddedStack stack = EmbeddedStack.start(StackOptions.builder()
                .externalKafka(new KafkaClientConfig(config))
                .dataDir(dataDir.resolve("servers"))
                .build())) {
            TopicNames topics = new TopicNames(app.getString(AppConfig.TOPICS_PREFIX));
            UpContext context = new UpContext(config, app, stack, topics, meters, dataDir);
            try (Admin admin = Admin.create(context.service().kafka().adminProperties(ClientRules.of("test")));
                    ServiceRuntime runtime = new ServiceRuntime(context.service(), meters, code -> {})) {
                new TopicProvisioner(topics, 2, (short) 1).createMissing(admin);
                List<Supervisor.Spec> specs =
                        Pipeline.components(context, new Pipeline.Options(3, 30, 0, false, Duration.ofSeconds(5)));
                runtime.start(specs, "127.0.0.1");

                DataSource db = stack.postgres().dataSource();
                waitFor("rows in measurement", () -> count(db) > 0);
                waitFor("enriched readings from Streams", () -> records(admin, topics.enrichedReadings()) > 0);
                waitFor("device metadata from CDC", () -> records(admin, topics.devices()) > 0);
                waitFor("the health check's Kafka UP", () -> kafkaUp(runtime));
                assertThat(records(admin, topics.readings())).isPositive();
                assertThat(runtime.supervisor().running())
                        .extracting(component -> component.name())
                        .contains(
                                ServiceComponents.CDC,
                                ServiceComponents.STREAMS,
                                ServiceComponents.SINK_POSTGRES,
                                ServiceComponents.SINK_REDIS,
                                ServiceComponents.MQTT_BRIDGE);
            }
        }
    }

    @Test
    void shouldStopTheStartNamingTheKeyWhenKafkaRefusesThePassword(KafkaBroker kafka, @TempDir Path dataDir)
            throws Exception {
        Map<String, String> config =
                new LinkedHashMap<>(kafka.clientSettings(SaslSslKafkaExtension.USER, "wrong-password-4711"));
        config.put(AppConfig.DATA_DIR, dataDir.toString());
        config.put(ServiceConfig.HTTP_PORT, "-1");
        ServiceContext service = new ServiceContext(config, Map.of(), ServiceRuntime.registry());
        try (ServiceRuntime runtime = new ServiceRuntime(service, ServiceRuntime.registry(), code -> {})) {
            assertThatThrownBy(() -> runtime.start(
                            List.of(ServiceComponents.spec(ServiceComponents.STREAMS, service)), "127.0.0.1"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(KafkaClientConfig.SASL_JAAS_CONFIG)
                    .hasMessageContaining("refused the SASL login")
                    .hasMessageNotContaining("wrong-password-4711");
            assertThat(runtime.supervisor().running()).isEmpty();
        }
    }

    private static String password(KafkaBroker kafka) {
        String jaas = kafka.clientConfig().commonPropertiesAsStrings().get("sasl.jaas.config");
        return jaas.replaceAll("(?s).*password=\"([^\"]*)\".*", "$1");
    }

    private static boolean kafkaUp(ServiceRuntime runtime) {
        Object dependencies = runtime.health().get("dependencies");
        return dependencies instanceof Map<?, ?> map
                && map.get("kafka") instanceof Map<?, ?> kafka
                && "UP".equals(String.valueOf(kafka.get("status")));
    }

    private static long records(Admin admin, String topic) {
        try {
            return TopicCounts.of(admin, topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static long count(DataSource db) {
        try (Connection connection = db.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT count(*) FROM measurement")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return 0; // not migrated yet
        }
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within 120 s");
            }
            Thread.sleep(250);
        }
    }
}
