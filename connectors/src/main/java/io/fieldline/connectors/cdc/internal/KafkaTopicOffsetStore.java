package io.fieldline.connectors.cdc.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.KafkaOffsetBackingStore;
import org.apache.kafka.connect.util.SharedTopicAdmin;
import org.apache.kafka.connect.util.TopicAdmin;

/**
 * Kafka Connect's offsets-in-a-compacted-topic store, as the Debezium engine's
 * {@code offset.storage}, owning its admin client.
 *
 * <p>Why not name {@link KafkaOffsetBackingStore} directly: for that class the engine builds a
 * shared admin client that nothing closes when the engine stops, so each start would leave an
 * admin client thread behind (reconnecting forever once the broker is gone). This store creates
 * the admin client when configured and closes it when stopped. Offsets are the same JSON records
 * in the same topic layout, keyed by engine name.
 */
public final class KafkaTopicOffsetStore extends KafkaOffsetBackingStore {

    private final AdminHolder admin;

    /** Instantiated by the engine from the {@code offset.storage} class name. */
    public KafkaTopicOffsetStore() {
        this(new AdminHolder());
    }

    private KafkaTopicOffsetStore(AdminHolder admin) {
        super(admin, admin::clientIdBase, offsetConverter());
        this.admin = admin;
    }

    @Override
    public void configure(WorkerConfig config) {
        admin.configure(config.originals());
        super.configure(config);
    }

    @Override
    public void stop() {
        try {
            super.stop();
        } finally {
            admin.close();
        }
    }

    private static JsonConverter offsetConverter() {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), true);
        return converter;
    }

    /** Supplies the admin client once the store is configured, and closes it. */
    private static final class AdminHolder implements Supplier<TopicAdmin> {

        private volatile SharedTopicAdmin shared;
        private volatile String clientIdBase = "fieldline-cdc-";

        void configure(Map<String, Object> workerProps) {
            Object name = workerProps.get("name");
            if (name != null) {
                clientIdBase = name + "-";
            }
            Map<String, Object> adminProps = new HashMap<>();
            // Only admin settings: the worker config also carries the connector's (database password included).
            workerProps.forEach((key, value) -> {
                if (AdminClientConfig.configNames().contains(key)) {
                    adminProps.put(key, value);
                }
            });
            adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, clientIdBase + "offsets-admin");
            shared = new SharedTopicAdmin(adminProps);
        }

        String clientIdBase() {
            return clientIdBase;
        }

        @Override
        public TopicAdmin get() {
            SharedTopicAdmin current = shared;
            if (current == null) {
                throw new IllegalStateException("offset store used before it was configured");
            }
            return current.get();
        }

        void close() {
            SharedTopicAdmin current = shared;
            if (current != null) {
                current.close();
            }
        }
    }
}
