package io.fieldline.bridge.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class IngressSettingsTest {

    @Test
    void shouldTakeTheEdgesOwnKeysFromTheProducerPropertiesAndKeepTheRestAsOverrides() {
        Map<String, Object> props = Map.of(
                ProducerConfig.CLIENT_ID_CONFIG,
                "fieldline-csv-1",
                ProducerConfig.LINGER_MS_CONFIG,
                " 20 ",
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "zstd",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                "45000",
                "security.protocol",
                "SSL");

        Map<String, Object> producer = IngressSettings.fromProducerProperties("csv", "broker:9092", props)
                .producerProperties();

        assertThat(producer)
                .containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "fieldline-csv-1")
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 20)
                .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd")
                .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 45_000)
                .containsEntry("security.protocol", "SSL")
                .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092");
    }

    @Test
    void shouldKeepTheDefaultDeliveryTimeoutWhenNoneIsSet() {
        Map<String, Object> props = Map.of(
                ProducerConfig.CLIENT_ID_CONFIG, "fieldline-can",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");

        assertThat(IngressSettings.fromProducerProperties("can", "broker:9092", props)
                        .producerProperties())
                .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
    }
}
