package io.fieldline.connectors.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.core.kafka.KafkaClientConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class CdcConfigTest {

    static Map<String, Object> minimal() {
        Map<String, Object> props = new HashMap<>();
        props.put(CdcConfig.JDBC_URL, "jdbc:postgresql://127.0.0.1:5433/fieldline");
        props.put(CdcConfig.JDBC_USER, "postgres");
        props.put(KafkaClientConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9092");
        return props;
    }

    @Test
    void shouldApplyDefaults() {
        CdcConfig config = new CdcConfig(minimal());

        assertThat(config.slotName()).isEqualTo("fieldline_metadata");
        assertThat(config.publicationName()).isEqualTo("fieldline_metadata");
        assertThat(config.schema()).isEqualTo("public");
        assertThat(config.snapshotMode()).isEqualTo("initial");
        assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.offsetsTopic()).isEqualTo("cdc.offsets");
        assertThat(config.topicReplicationFactor()).isEqualTo((short) -1);
        assertThat(config.jdbcPassword()).isEmpty();
        assertThat(config.topicNames().alertRules()).isEqualTo("metadata.alert-rules");
    }

    @Test
    void shouldPrefixTheOffsetsTopicLikeEveryOtherTopic() {
        Map<String, Object> props = minimal();
        props.put(CdcConfig.TOPIC_PREFIX, "site1.");

        CdcConfig config = new CdcConfig(props);

        assertThat(config.offsetsTopic()).isEqualTo("site1.cdc.offsets");
        assertThat(config.topicNames().devices()).isEqualTo("site1.metadata.devices");
    }

    @Test
    void shouldRejectInvalidValuesNamingTheKey() {
        assertRejected(CdcConfig.SLOT_NAME, "Fieldline-Slot");
        assertRejected(CdcConfig.PUBLICATION_NAME, "bad name");
        assertRejected(CdcConfig.JDBC_URL, "jdbc:mysql://localhost/db");
        assertRejected(CdcConfig.SNAPSHOT_MODE, "sometimes");
        assertRejected(CdcConfig.TOPIC_REPLICATION_FACTOR, "0");
        assertRejected(CdcConfig.HEARTBEAT_INTERVAL_MS, "0");
        assertRejected(CdcConfig.ENGINE_NAME, "with space");
        assertRejected(CdcConfig.ENGINE_NAME, "with-dash");
    }

    @Test
    void shouldRequireTheDatabaseAndKafka() {
        for (String key : new String[] {CdcConfig.JDBC_URL, CdcConfig.JDBC_USER, KafkaClientConfig.BOOTSTRAP_SERVERS}) {
            Map<String, Object> props = minimal();
            props.remove(key);
            assertThatThrownBy(() -> new CdcConfig(props))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(key);
        }
    }

    @Test
    void shouldExposeItsDefinitionsForTheDocs() {
        assertThat(CdcConfig.configDef().names())
                .allMatch(name -> name.startsWith("cdc."))
                .contains(CdcConfig.SLOT_NAME, CdcConfig.HEARTBEAT_INTERVAL_MS, CdcConfig.OFFSETS_TOPIC);
    }

    private static void assertRejected(String key, String value) {
        Map<String, Object> props = minimal();
        props.put(key, value);
        assertThatThrownBy(() -> new CdcConfig(props))
                .as(key)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(key);
    }
}
