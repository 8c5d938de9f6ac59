package io.fieldline.connectors.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.core.retry.RetryPolicy;
import java.io.Closeable;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class MetadataCdcTest {

    @Test
    void shouldConfigureThePostgresConnectorForPgoutputWithAFilteredPublication() {
        Map<String, Object> settings = CdcConfigTest.minimal();
        settings.put(CdcConfig.JDBC_URL, "jdbc:postgresql://db.local:6543/farm?sslmode=disable");
        settings.put(CdcConfig.SLOT_NAME, "farm_slot");
        settings.put(CdcConfig.PUBLICATION_NAME, "farm_pub");

        Properties props = MetadataCdc.debeziumProperties(new CdcConfig(settings));

        assertThat(props.getProperty("connector.class"))
                .isEqualTo("io.debezium.connector.postgresql.PostgresConnector");
        assertThat(props.getProperty("plugin.name")).isEqualTo("pgoutput");
        assertThat(props.getProperty("database.hostname")).isEqualTo("db.local");
        assertThat(props.getProperty("database.port")).isEqualTo("6543");
        assertThat(props.getProperty("database.dbname")).isEqualTo("farm");
        assertThat(props.getProperty("slot.name")).isEqualTo("farm_slot");
        assertThat(props.getProperty("publication.name")).isEqualTo("farm_pub");
        assertThat(props.getProperty("publication.autocreate.mode")).isEqualTo("filtered");
        assertThat(props.getProperty("snapshot.mode")).isEqualTo("initial");
        assertThat(props.getProperty("tombstones.on.delete")).isEqualTo("false");
    }

    @Test
    void shouldKeepTheTlsOptionsOfTheJdbcUrlForTheReplicationConnection() {
        Map<String, Object> settings = CdcConfigTest.minimal();
        settings.put(
                CdcConfig.JDBC_URL,
                "jdbc:postgresql://db.local:5432/farm?sslmode=verify-full&sslrootcert=/run/secrets/ca.pem"
                        + "&sslcert=/run/secrets/client.crt&sslkey=/run/secrets/client.pk8&sslpassword=key-secret");

        Properties props = MetadataCdc.debeziumProperties(new CdcConfig(settings));

        assertThat(props.getProperty("database.sslmode")).isEqualTo("verify-full");
        assertThat(props.getProperty("database.sslrootcert")).isEqualTo("/run/secrets/ca.pem");
        assertThat(props.getProperty("database.sslcert")).isEqualTo("/run/secrets/client.crt");
        assertThat(props.getProperty("database.sslkey")).isEqualTo("/run/secrets/client.pk8");
        assertThat(props.getProperty("database.sslpassword")).isEqualTo("key-secret");
    }

    @Test
    void shouldReadSslTrueWithoutAModeAsVerifyFullAsPgjdbcDoes() {
        Map<String, Object> settings = CdcConfigTest.minimal();
        settings.put(CdcConfig.JDBC_URL, "jdbc:postgresql://db.local:5432/farm?ssl=true");
        assertThat(MetadataCdc.debeziumProperties(new CdcConfig(settings)).getProperty("database.sslmode"))
                .isEqualTo("verify-full");
        settings.put(CdcConfig.JDBC_URL, "jdbc:postgresql://db.local:5432/farm?sslmode=disable");
        assertThat(MetadataCdc.debeziumProperties(new CdcConfig(settings)).getProperty("database.sslmode"))
                .isEqualTo("disable");
        settings.put(CdcConfig.JDBC_URL, "jdbc:postgresql://db.local:5432/farm");
        assertThat(MetadataCdc.debeziumProperties(new CdcConfig(settings)).getProperty("database.sslmode"))
                .isNull();
    }

    @Test
    void shouldLimitCaptureToTheMetadataAndAlertRuleTables() {
        Properties props = MetadataCdc.debeziumProperties(new CdcConfig(CdcConfigTest.minimal()));

        String[] patterns = props.getProperty("table.include.list").split(",");
        assertThat(patterns).hasSize(CapturedTable.values().length);
        for (CapturedTable table : CapturedTable.values()) {
            assertThat(patterns).anyMatch(p -> Pattern.matches(p, "public." + table.tableName()));
        }
        assertThat(patterns).noneMatch(p -> Pattern.matches(p, "public.measurement"));
        assertThat(patterns).noneMatch(p -> Pattern.matches(p, "publicXdevice"));
    }

    @Test
    void shouldStoreOffsetsInAKafkaTopic() {
        Map<String, Object> settings = CdcConfigTest.minimal();
        settings.put(CdcConfig.TOPIC_PREFIX, "t.");

        Properties props = MetadataCdc.debeziumProperties(new CdcConfig(settings));

        assertThat(props.getProperty("offset.storage"))
                .isEqualTo(io.fieldline.connectors.cdc.internal.KafkaTopicOffsetStore.class.getName());
        assertThat(props.getProperty("offset.storage.topic")).isEqualTo("t.cdc.offsets");
        assertThat(props.getProperty("bootstrap.servers")).isEqualTo("127.0.0.1:9092");
        assertThat(props.getProperty("offset.storage.replication.factor")).isEqualTo("-1");
    }

    @Test
    void shouldGiveTheOffsetStoreAndThePublisherTheSharedSecuritySettings() {
        Map<String, Object> settings = CdcConfigTest.minimal();
        settings.put(KafkaClientConfig.SECURITY_PROTOCOL, "SASL_SSL");
        settings.put(KafkaClientConfig.SASL_MECHANISM, "SCRAM-SHA-512");
        settings.put(KafkaClientConfig.SASL_JAAS_CONFIG, "jaas-secret");
        settings.put("kafka.producer.linger.ms", "20");
        CdcConfig config = new CdcConfig(settings);

        Properties props = MetadataCdc.debeziumProperties(config);
        Map<String, Object> producer = MetadataCdc.producerProperties(config);

        assertThat(props.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(props.getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
        assertThat(props.getProperty("sasl.jaas.config")).isEqualTo("jaas-secret");
        assertThat(producer)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("linger.ms", "20")
                .containsEntry("acks", "all")
                .containsKey("sasl.jaas.config");
        assertThat(producer.toString()).doesNotContain("jaas-secret");
    }

    @Test
    void shouldRejectAProducerSettingThatContradictsCdcNamingTheKey() {
        Map<String, Object> settings = CdcConfigTest.minimal();
        settings.put("kafka.producer.enable.idempotence", "false");

        assertThatThrownBy(() -> MetadataCdc.producerProperties(new CdcConfig(settings)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.producer.enable.idempotence");
    }

    @Test
    void shouldHeartbeatWithALogicalDecodingMessageSoTheSlotAdvancesWhileTablesAreQuiet() {
        Properties props = MetadataCdc.debeziumProperties(new CdcConfig(CdcConfigTest.minimal()));

        assertThat(props.getProperty("heartbeat.interval.ms")).isEqualTo("10000");
        assertThat(props.getProperty("heartbeat.action.query"))
                .contains("pg_logical_emit_message(false, '" + MetadataCdc.HEARTBEAT_MESSAGE_PREFIX + "'");
    }

    private static final RetryPolicy FAST =
            new RetryPolicy(Duration.ofMillis(5), Duration.ofMillis(5), 1.0, 0.0, 0, Duration.ofSeconds(5));

    @Test
    void shouldAskAStartingEngineToStopAgainUntilItStops() {
        AtomicInteger calls = new AtomicInteger();
        Closeable startingTwice = () -> {
            if (calls.incrementAndGet() <= 2) {
                throw new IllegalStateException("Cannot stop engine while tasks are starting");
            }
        };

        MetadataCdc.closeEngine(startingTwice, () -> false, FAST, "test");

        assertThat(calls).hasValue(3);
    }

    @Test
    void shouldStopAskingOnceTheEngineFinishedByItself() {
        AtomicInteger calls = new AtomicInteger();
        boolean[] finished = {false};
        Closeable finishesWhileRefusing = () -> {
            calls.incrementAndGet();
            finished[0] = true;
            throw new IllegalStateException("Cannot stop engine while tasks are starting");
        };

        MetadataCdc.closeEngine(finishesWhileRefusing, () -> finished[0], FAST, "test");

        assertThat(calls).hasValue(1);
    }

    @Test
    void shouldGiveUpStoppingWhenThePolicyGivesUp() {
        AtomicInteger calls = new AtomicInteger();
        Closeable neverStops = () -> {
            calls.incrementAndGet();
            throw new IllegalStateException("Cannot stop engine while tasks are starting");
        };

        MetadataCdc.closeEngine(neverStops, () -> false, FAST.withMaxAttempts(4), "test");

        assertThat(calls).hasValue(4);
        assertThat(MetadataCdc.STOP_RETRY.giveUpAfter())
                .as("bounded like the whole stop")
                .isEqualTo(Duration.ofSeconds(60));
    }
}
