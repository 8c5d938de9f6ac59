package io.fieldline.app.service;

import io.fieldline.app.AppConfig;
import io.fieldline.bridge.mqtt.MqttBridgeConfig;
import io.fieldline.connectors.cdc.CdcConfig;
import io.fieldline.core.kafka.KafkaClientConfig;
import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.registry.SchemaRegistryClientConfig;
import io.fieldline.sink.SinkConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What every component of a process is built from: the merged configuration (file, {@code FIELDLINE_*},
 * {@code --set}), the endpoints of the servers where the configuration names none (those of a running
 * {@code fieldline up}, from its {@code endpoints.env}), the topic names and the process's meter registry.
 *
 * @param config    the merged configuration keys
 * @param endpoints endpoint variables ({@code KAFKA_BOOTSTRAP_SERVERS}, {@code SCHEMA_REGISTRY_URL}, {@code JDBC_URL},
 *                  {@code JDBC_USER}, {@code JDBC_PASSWORD}, {@code REDIS_URL}, {@code MQTT_URL}, and the MQTT
 *                  service user {@code MQTT_USERNAME}, {@code MQTT_PASSWORD}); each only fills a key the
 *                  configuration leaves unset
 * @param meters    where every component registers its metrics
 */
public record ServiceContext(Map<String, String> config, Map<String, String> endpoints, MeterRegistry meters) {

    /** Configuration key filled by each endpoint variable. */
    private static final Map<String, String[]> FILLS = Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", new String[] {KafkaClientConfig.BOOTSTRAP_SERVERS},
            "SCHEMA_REGISTRY_URL", new String[] {SchemaRegistryClientConfig.URL},
            "JDBC_URL", new String[] {SinkConfig.POSTGRES_URL, CdcConfig.JDBC_URL},
            "JDBC_USER", new String[] {SinkConfig.POSTGRES_USER, CdcConfig.JDBC_USER},
            "JDBC_PASSWORD", new String[] {SinkConfig.POSTGRES_PASSWORD, CdcConfig.JDBC_PASSWORD},
            "REDIS_URL", new String[] {SinkConfig.REDIS_URL},
            "MQTT_URL", new String[] {MqttBridgeConfig.SERVER_URIS},
            "MQTT_USERNAME", new String[] {MqttBridgeConfig.USERNAME},
            "MQTT_PASSWORD", new String[] {MqttBridgeConfig.PASSWORD});

    public ServiceContext {
        config = Map.copyOf(config);
        endpoints = Map.copyOf(endpoints);
    }

    /** The configuration with the endpoints filled in, as the modules' configs expect it. */
    public Map<String, Object> settings() {
        Map<String, Object> merged = new HashMap<>(config);
        endpoints.forEach((variable, value) -> {
            for (String key : FILLS.getOrDefault(variable, new String[0])) {
                merged.putIfAbsent(key, value);
            }
        });
        return merged;
    }

    public AppConfig app() {
        return new AppConfig(config);
    }

    public TopicNames topics() {
        return new TopicNames(app().getString(AppConfig.TOPICS_PREFIX));
    }

    public Path dataDir() {
        return Path.of(app().getString(AppConfig.DATA_DIR)).toAbsolutePath();
    }

    public KafkaClientConfig kafka() {
        return new KafkaClientConfig(settings());
    }

    public ServiceConfig service() {
        return new ServiceConfig(config);
    }
}
