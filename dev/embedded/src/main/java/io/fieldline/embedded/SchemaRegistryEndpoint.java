package io.fieldline.embedded;

import java.util.Objects;

/** Where clients reach the Schema Registry: the embedded one, or an external (Confluent) registry. */
public interface SchemaRegistryEndpoint {

    /** @return the base URL, e.g. {@code http://127.0.0.1:8081} */
    String url();

    /**
     * @param url the external registry's base URL
     * @return an endpoint for a registry this process neither starts nor stops
     */
    static SchemaRegistryEndpoint external(String url) {
        Objects.requireNonNull(url, "url");
        return new SchemaRegistryEndpoint() {
            @Override
            public String url() {
                return url;
            }

            @Override
            public String toString() {
                return "external Schema Registry " + url;
            }
        };
    }
}
