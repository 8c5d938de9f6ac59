package io.fieldline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.core.kafka.KafkaClientConfig;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class EmbeddedConfigTest {

    @Test
    void shouldStartEverythingEmbeddedByDefault() {
        StackOptions options = StackOptions.from(new EmbeddedConfig(Map.of()));
        assertThat(options.kafka()).isEmpty();
        assertThat(options.schemaRegistry()).isEmpty();
        assertThat(options.postgres()).isEmpty();
        assertThat(options.redis()).isEmpty();
        assertThat(options.mqtt()).isEmpty();
        assertThat(options.dataDir()).isEmpty();
        assertThat(options.schemasTopic()).isEqualTo("_schemas");
    }

    @Test
    void shouldAskForTimescaleFromConfigurationAndFailBeforeStartingAnyServerWhenItIsNotInstalled() {
        StackOptions options = StackOptions.from(new EmbeddedConfig(Map.of(
                EmbeddedConfig.POSTGRES_TIMESCALE, "true", EmbeddedConfig.POSTGRES_BIN_DIR, "/nonexistent/bin")));
        assertThat(options.postgresServer())
                .isEqualTo(new StackOptions.PostgresChoice(java.util.Optional.of(Path.of("/nonexistent/bin")), true));
        assertThat(StackOptions.from(new EmbeddedConfig(Map.of())).postgresServer())
                .isEqualTo(StackOptions.PostgresChoice.zonky());

        long begin = System.nanoTime();
        assertThatThrownBy(() -> EmbeddedStack.start(options))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("No PostgreSQL in /nonexistent/bin")
                .hasMessageContaining("shared/tools/timescaledb/install.sh");
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - begin))
                .as("no Kafka broker started first")
                .isLessThan(java.time.Duration.ofSeconds(3));
    }

    @Test
    void shouldPointAtExternalServersWhenGivenTheirUrls() {
        StackOptions options = StackOptions.from(new EmbeddedConfig(Map.of(
                KafkaClientConfig.BOOTSTRAP_SERVERS, "kafka-1:9092,kafka-2:9092",
                EmbeddedConfig.SCHEMA_REGISTRY_URL, "http://registry:8081",
                EmbeddedConfig.JDBC_URL, "jdbc:postgresql://db:5432/fieldline",
                EmbeddedConfig.JDBC_USER, "fieldline",
                EmbeddedConfig.JDBC_PASSWORD, "secret",
                EmbeddedConfig.REDIS_URL, "redis://cache:6379",
                EmbeddedConfig.MQTT_URL, "tcp://mosquitto:1883",
                EmbeddedConfig.DATA_DIR, "/var/lib/fieldline",
                EmbeddedConfig.SCHEMA_REGISTRY_TOPIC, "_fieldline_schemas")));
        assertThat(options.kafka())
                .get()
                .extracting(KafkaEndpoint::bootstrapServers)
                .isEqualTo("kafka-1:9092,kafka-2:9092");
        assertThat(options.schemaRegistry())
                .get()
                .extracting(SchemaRegistryEndpoint::url)
                .isEqualTo("http://registry:8081");
        assertThat(options.postgres()).get().satisfies(postgres -> {
            assertThat(postgres.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/fieldline");
            assertThat(postgres.user()).isEqualTo("fieldline");
            assertThat(postgres.password()).isEqualTo("secret");
        });
        assertThat(options.redis()).get().extracting(RedisEndpoint::url).isEqualTo("redis://cache:6379");
        assertThat(options.mqtt()).get().extracting(MqttEndpoint::url).isEqualTo("tcp://mosquitto:1883");
        assertThat(options.dataDir()).contains(Path.of("/var/lib/fieldline"));
        assertThat(options.schemasTopic()).isEqualTo("_fieldline_schemas");
    }

    @Test
    void shouldPassJavaOptionsToTheNodesOfAThreeNodeClusterOnly() {
        StackOptions options = StackOptions.from(new EmbeddedConfig(Map.of(
                EmbeddedConfig.KAFKA_BROKERS, "3",
                EmbeddedConfig.KAFKA_JAVA_OPTIONS, "  -XX:TieredStopAtLevel=1   -Xss512k ")));
        assertThat(options.kafkaJavaOptions()).containsExactly("-XX:TieredStopAtLevel=1", "-Xss512k");
        assertThat(StackOptions.from(new EmbeddedConfig(Map.of())).kafkaJavaOptions())
                .isEmpty();

        assertThatThrownBy(() -> new EmbeddedConfig(
                        Map.of(EmbeddedConfig.KAFKA_BROKERS, "3", EmbeddedConfig.KAFKA_JAVA_OPTIONS, "-Xmx1g Main")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(EmbeddedConfig.KAFKA_JAVA_OPTIONS)
                .hasMessageContaining("'Main' is not a JVM option");
        assertThatThrownBy(() -> new EmbeddedConfig(Map.of(EmbeddedConfig.KAFKA_JAVA_OPTIONS, "-Xmx1g")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(EmbeddedConfig.KAFKA_JAVA_OPTIONS)
                .hasMessageContaining(EmbeddedConfig.KAFKA_BROKERS + " is 1");
    }

    @Test
    void shouldNameTheKeyOfAnInvalidUrl() {
        assertThatThrownBy(() -> new EmbeddedConfig(Map.of(EmbeddedConfig.REDIS_URL, "http://cache:6379")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(EmbeddedConfig.REDIS_URL);
        assertThatThrownBy(() -> new EmbeddedConfig(Map.of(EmbeddedConfig.JDBC_URL, "jdbc:mysql://db/x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(EmbeddedConfig.JDBC_URL);
        assertThatThrownBy(() -> new EmbeddedConfig(Map.of(EmbeddedConfig.MQTT_URL, "mqtt://broker")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(EmbeddedConfig.MQTT_URL);
        assertThatThrownBy(() -> new EmbeddedConfig(Map.of(EmbeddedConfig.SCHEMA_REGISTRY_URL, "registry:8081")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(EmbeddedConfig.SCHEMA_REGISTRY_URL);
    }

    @Test
    void shouldDocumentEveryKey() {
        assertThat(EmbeddedConfig.configDef().names()).allMatch(name -> name.startsWith("embedded."));
        EmbeddedConfig.configDef()
                .configKeys()
                .values()
                .forEach(key -> assertThat(key.documentation).as(key.name).isNotBlank());
    }
}
