package io.fieldline.embedded;

import java.util.Objects;

/** Where clients reach the MQTT broker: an {@link MqttBroker} started here, or an external broker. */
public interface MqttEndpoint {

    /** @return the broker URI, e.g. {@code tcp://127.0.0.1:1883} */
    String url();

    /**
     * @param url the external broker's URI
     * @return an endpoint for a broker this process neither starts nor stops
     */
    static MqttEndpoint external(String url) {
        Objects.requireNonNull(url, "url");
        return new MqttEndpoint() {
            @Override
            public String url() {
                return url;
            }

            @Override
            public String toString() {
                return "external MQTT broker " + url;
            }
        };
    }
}
