package io.fieldline.embedded;

import io.fieldline.core.kafka.KafkaClientConfig;
import java.util.Objects;

/** Where clients reach Kafka: an {@link KafkaBroker} started here, or an external cluster. */
public interface KafkaEndpoint {

    /** @return the {@code bootstrap.servers} list, e.g. {@code 127.0.0.1:9092} */
    String bootstrapServers();

    /**
     * @return the client settings that reach this Kafka: the bootstrap servers of a broker started here
     *         (plaintext on loopback), the whole {@code kafka.*} block (TLS, SASL) of an external cluster
     */
    default KafkaClientConfig clientConfig() {
        return KafkaClientConfig.forBootstrapServers(bootstrapServers());
    }

    /**
     * @param bootstrapServers the external cluster's bootstrap list
     * @return an endpoint for a plaintext cluster this process neither starts nor stops
     */
    static KafkaEndpoint external(String bootstrapServers) {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        return external(KafkaClientConfig.forBootstrapServers(bootstrapServers));
    }

    /**
     * @param clients how to reach the external cluster: bootstrap servers and security settings
     * @return an endpoint for a cluster this process neither starts nor stops
     */
    static KafkaEndpoint external(KafkaClientConfig clients) {
        Objects.requireNonNull(clients, "clients");
        return new KafkaEndpoint() {
            @Override
            public String bootstrapServers() {
                return clients.bootstrapServers();
            }

            @Override
            public KafkaClientConfig clientConfig() {
                return clients;
            }

            @Override
            public String toString() {
                return "external Kafka " + clients.bootstrapServers();
            }
        };
    }
}
