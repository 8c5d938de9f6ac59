package io.fieldline.embedded;

import java.util.Objects;

/** Where clients reach Kafka: an {@link KafkaBroker} started here, or an external cluster. */
public interface KafkaEndpoint {

    /** @return the {@code bootstrap.servers} list, e.g. {@code 127.0.0.1:9092} */
    String bootstrapServers();

    /**
     * @param bootstrapServers the external cluster's bootstrap list
     * @return an endpoint for a cluster this process neither starts nor stops
     */
    static KafkaEndpoint external(String bootstrapServers) {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        return new KafkaEndpoint() {
            @Override
            public String bootstrapServers() {
                return bootstrapServers;
            }

            @Override
            public String toString() {
                return "external Kafka " + bootstrapServers;
            }
        };
    }
}
