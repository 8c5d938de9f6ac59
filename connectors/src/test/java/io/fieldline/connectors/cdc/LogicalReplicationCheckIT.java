package io.fieldline.connectors.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.embedded.PostgresServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A dedicated PostgreSQL with {@code wal_level=replica}: the connector must refuse to start, naming the setting. */
class LogicalReplicationCheckIT {

    @Test
    void shouldRefuseToStartNamingWalLevelWhenPostgresIsNotSetUpForLogicalReplication() throws Exception {
        Path dataDir = Files.createTempDirectory("cdc-replica-pg");
        try (PostgresServer postgres = new PostgresServer(dataDir, Map.of("wal_level", "replica"))) {
            postgres.start();
            Map<String, Object> props = new HashMap<>();
            props.put(CdcConfig.JDBC_URL, postgres.jdbcUrl());
            props.put(CdcConfig.JDBC_USER, postgres.user());
            props.put(CdcConfig.JDBC_PASSWORD, postgres.password());
            // Nothing listens here: the check must fail before Kafka is ever contacted.
            props.put(KafkaClientConfig.BOOTSTRAP_SERVERS, "127.0.0.1:1");
            MetadataCdc cdc = new MetadataCdc(
                    new CdcConfig(props), AvroBinarySerializer.metadataSerializers(), new SimpleMeterRegistry());

            assertThatThrownBy(cdc::start)
                    .isInstanceOf(LogicalReplicationNotConfiguredException.class)
                    .hasMessageContaining("wal_level is 'replica' but must be 'logical'")
                    .satisfies(e -> assertThat(((LogicalReplicationNotConfiguredException) e).problems())
                            .hasSize(1));
            cdc.close();
        }
    }
}
