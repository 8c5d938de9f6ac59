package io.fieldline.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.core.retry.RetryPolicy;
import io.fieldline.schemas.TopicNames;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class SinkConfigTest {

    @Test
    void shouldApplyDefaults() {
        SinkConfig config = new SinkConfig(Map.of());

        assertThat(config.topics(SinkStream.MEASUREMENTS)).containsExactly("telemetry.readings.enriched");
        assertThat(config.topics(SinkStream.AGGREGATES))
                .containsExactly("telemetry.aggregates.1m", "telemetry.aggregates.1h", "telemetry.readings.late");
        assertThat(new SinkConfig(Map.of(SinkConfig.TOPIC_LATE_READINGS, "")).topics(SinkStream.AGGREGATES))
                .as("no revisions")
                .containsExactly("telemetry.aggregates.1m", "telemetry.aggregates.1h");
        assertThat(config.dayZone()).isEqualTo(java.time.ZoneId.of("UTC"));
        assertThat(config.storageOptions().retention(TimeSeriesTable.AGGREGATE_1D))
                .isZero();
        assertThat(config.storageOptions().retention(TimeSeriesTable.LATE_READING))
                .as("as long as the hourly aggregates it revises: for ever")
                .isZero();
        assertThat(new SinkConfig(Map.of(SinkConfig.POSTGRES_RETENTION_AGGREGATE_1H_DAYS, "400"))
                        .storageOptions()
                        .retention(TimeSeriesTable.LATE_READING))
                .isEqualTo(Duration.ofDays(400));
        assertThat(config.getString(SinkConfig.TOPIC_DEADLETTER)).isEqualTo("deadletter.sink");
        assertThat(config.groupId("postgres", SinkStream.KPIS)).isEqualTo("fieldline-sink-postgres-kpis");
        assertThat(config.postgresStreams()).containsExactlyInAnyOrder(SinkStream.values());
        assertThat(config.redisStreams()).doesNotContain(SinkStream.AGGREGATES).hasSize(4);
        assertThat(config.storageOptions().compressAfter()).isEqualTo(Duration.ofDays(90));
        assertThat(config.storageOptions().retention(TimeSeriesTable.ALERT)).isZero();
        assertThat(config.writeMode()).isEqualTo(SinkConfig.WriteMode.DIRECT_FIRST);
        assertThat(config.timescaleMode()).isEqualTo(SinkConfig.TimescaleMode.AUTO);
        assertThat(config.postgresTimeouts())
                .isEqualTo(new SinkConfig.PostgresTimeouts(
                        Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(60)));
        assertThat(config.writeTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(new SinkConfig(Map.of(
                                SinkConfig.POSTGRES_STATEMENT_TIMEOUT_MS,
                                "0",
                                SinkConfig.POSTGRES_SOCKET_TIMEOUT_MS,
                                "0"))
                        .postgresTimeouts()
                        .socket())
                .isZero();
    }

    @Test
    void shouldPassKafkaClientPropertiesThrough() {
        SinkConfig config = new SinkConfig(Map.of(
                KafkaClientConfig.BOOTSTRAP_SERVERS,
                "b1:9092",
                "kafka.consumer.fetch.min.bytes",
                "1024",
                "kafka.producer.acks",
                "all"));

        assertThat(config.consumerProperties("postgres", SinkStream.MEASUREMENTS))
                .containsEntry("bootstrap.servers", "b1:9092")
                .containsEntry("fetch.min.bytes", "1024")
                .doesNotContainKey("acks");
        assertThat(config.producerProperties("postgres")).containsEntry("acks", "all");
    }

    @Test
    void shouldEnforceWhatTheSinksNeedNamingTheKeyThatContradictsIt() {
        SinkConfig config = new SinkConfig(Map.of(
                KafkaClientConfig.BOOTSTRAP_SERVERS,
                "b1:9092",
                "kafka.consumer.enable.auto.commit",
                "true",
                "kafka.consumer.max.poll.records",
                "50"));

        assertThatThrownBy(() -> config.consumerProperties("postgres", SinkStream.MEASUREMENTS))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.consumer.enable.auto.commit");
        SinkConfig group = new SinkConfig(
                Map.of(KafkaClientConfig.BOOTSTRAP_SERVERS, "b1:9092", "kafka.consumer.group.id", "mine"));
        assertThatThrownBy(() -> group.consumerProperties("redis", SinkStream.KPIS))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.consumer.group.id");
        SinkConfig tuned = new SinkConfig(Map.of(
                KafkaClientConfig.BOOTSTRAP_SERVERS,
                "b1:9092",
                "kafka.consumer.max.poll.records",
                "50",
                "kafka.security.protocol",
                "SSL"));
        assertThat(tuned.consumerProperties("redis", SinkStream.KPIS))
                .containsEntry("group.id", "fieldline-sink-redis-kpis")
                .containsEntry("max.poll.records", "50")
                .containsEntry("isolation.level", "read_committed")
                .containsEntry("security.protocol", "SSL");
        assertThat(tuned.producerProperties("redis")).containsEntry("security.protocol", "SSL");
    }

    @Test
    void shouldFollowPrefixedTopicNames() {
        SinkConfig config = new SinkConfig(SinkConfig.topicsFrom(new TopicNames("site1.")));

        assertThat(config.topics(SinkStream.KPIS)).containsExactly("site1.telemetry.kpis");
        assertThat(config.getString(SinkConfig.TOPIC_DEADLETTER)).isEqualTo("site1.deadletter.sink");
    }

    @Test
    void shouldRejectInvalidValuesNamingTheKey() {
        assertThatThrownBy(() -> new SinkConfig(Map.of(
                        SinkConfig.POSTGRES_STATEMENT_TIMEOUT_MS,
                        "30000",
                        SinkConfig.POSTGRES_SOCKET_TIMEOUT_MS,
                        "30000")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SinkConfig.POSTGRES_SOCKET_TIMEOUT_MS);
        assertThatThrownBy(() -> new SinkConfig(Map.of(SinkConfig.POSTGRES_STATEMENT_TIMEOUT_MS, "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SinkConfig.POSTGRES_SOCKET_TIMEOUT_MS);
        assertThatThrownBy(() -> new SinkConfig(Map.of(SinkConfig.POSTGRES_CONNECT_TIMEOUT_MS, "10")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SinkConfig.POSTGRES_CONNECT_TIMEOUT_MS);
        assertThatThrownBy(() -> new SinkConfig(Map.of(SinkConfig.BATCH_SIZE, "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SinkConfig.BATCH_SIZE);
        assertThatThrownBy(() -> new SinkConfig(Map.of(SinkConfig.POSTGRES_TIMESCALE, "maybe")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SinkConfig.POSTGRES_TIMESCALE);
        assertThatThrownBy(() -> new SinkConfig(Map.of(SinkConfig.REDIS_STREAMS, "aggregates")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SinkConfig.REDIS_STREAMS);
        assertThatThrownBy(() -> new SinkConfig(Map.of(SinkConfig.POSTGRES_STREAMS, "measurements,bogus")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SinkConfig.POSTGRES_STREAMS);
        assertThatThrownBy(() -> new SinkConfig(
                        Map.of(SinkConfig.RETRY_BACKOFF_INITIAL_MS, "5000", SinkConfig.RETRY_BACKOFF_MAX_MS, "100")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SinkConfig.RETRY_BACKOFF_MAX_MS);
        for (String zone : List.of("Mars/Olympus", "+02:00", "UTC+2", "")) {
            assertThatThrownBy(() -> new SinkConfig(Map.of(SinkConfig.POSTGRES_DAY_ZONE, zone)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(SinkConfig.POSTGRES_DAY_ZONE);
        }
        assertThat(new SinkConfig(Map.of(SinkConfig.POSTGRES_DAY_ZONE, "Europe/Amsterdam")).dayZone())
                .isEqualTo(java.time.ZoneId.of("Europe/Amsterdam"));
    }

    @Test
    void shouldBackOffExponentiallyUpToTheCap() {
        RetryPolicy policy = new SinkConfig(
                        Map.of(SinkConfig.RETRY_BACKOFF_INITIAL_MS, "100", SinkConfig.RETRY_BACKOFF_MAX_MS, "2000"))
                .retryPolicy();

        assertThat(policy.backoff(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.backoff(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(policy.backoff(6)).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy.backoff(200)).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy.jitter()).as("the pauses configured, not shorter").isZero();
        assertThat(policy.givesUp(1_000_000, Duration.ofDays(365))).isFalse();
        assertThat(new SinkConfig(Map.of(
                                SinkConfig.RETRY_BACKOFF_INITIAL_MS,
                                "1",
                                SinkConfig.RETRY_BACKOFF_MAX_MS,
                                "1",
                                SinkConfig.RETRY_GIVE_UP_MS,
                                "5000"))
                        .retryPolicy()
                        .givesUp(1, Duration.ofSeconds(5)))
                .isTrue();
    }

    @Test
    void shouldExposeEveryKeyInTheConfigDef() {
        assertThat(SinkConfig.configDef().names())
                .allMatch(name -> name.startsWith("sink."))
                .contains(
                        SinkConfig.BATCH_SIZE, SinkConfig.POSTGRES_COMPRESSION_AFTER_DAYS, SinkConfig.REDIS_KPI_TTL_MS);
    }

    @Test
    void shouldKeepRedissAndRefuseAPasswordInBothTheUrlAndTheKey() {
        SinkConfig tls = new SinkConfig(Map.of(SinkConfig.REDIS_URL, "rediss://cache.farm:6380/2"));
        assertThat(tls.redisUri().isSsl()).isTrue();
        assertThat(tls.redisUri().getDatabase()).isEqualTo(2);
        assertThatThrownBy(() -> new SinkConfig(Map.of(
                                SinkConfig.REDIS_URL, "redis://u:in-url@cache:6379",
                                SinkConfig.REDIS_PASSWORD, "in-key"))
                        .redisUri())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SinkConfig.REDIS_PASSWORD)
                .hasMessageNotContaining("in-key")
                .hasMessageNotContaining("in-url");
        assertThatThrownBy(() -> new SinkConfig(Map.of(SinkConfig.REDIS_USER, "sink")).redisUri())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SinkConfig.REDIS_PASSWORD);
        assertThatThrownBy(() -> new SinkConfig(Map.of(SinkConfig.REDIS_SSL_TRUSTSTORE_LOCATION, "/no/such.p12"))
                        .redisSslOptions())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SinkConfig.REDIS_SSL_TRUSTSTORE_LOCATION);
    }
}
