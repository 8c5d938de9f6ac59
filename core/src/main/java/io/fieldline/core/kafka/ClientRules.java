package io.fieldline.core.kafka;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.config.AbstractConfig;

/**
 * What one component requires of one of its Kafka clients, on top of the shared {@link KafkaClientConfig}
 * block: the properties it enforces (a user value that differs fails), the properties its own module keys
 * set (a pass-through of the same property fails when both are set), and its defaults (a pass-through
 * replaces them). Property names are the client's own ({@code acks}, {@code linger.ms}; for Streams also
 * the prefixed ones such as {@code producer.linger.ms}).
 *
 * <pre>{@code
 * ClientRules rules = ClientRules.of("the MQTT bridge")
 *         .enforce(ProducerConfig.ACKS_CONFIG, "all")
 *         .fromKey(ProducerConfig.LINGER_MS_CONFIG, config, "mqtt.kafka.linger.ms")
 *         .byDefault(ProducerConfig.CLIENT_ID_CONFIG, "fieldline-mqtt");
 * Map<String, Object> props = kafka.producerProperties(rules);
 * }</pre>
 */
public final class ClientRules {

    /**
     * A client property set by a component's own configuration key.
     *
     * @param key       the component's key, e.g. {@code mqtt.kafka.linger.ms}
     * @param value     its value
     * @param setByUser whether the user set the key (otherwise the value is the key's default)
     */
    public record FromKey(String key, Object value, boolean setByUser) {
        public FromKey {
            Objects.requireNonNull(key, "key");
        }
    }

    private final String component;
    private final Map<String, Object> enforced = new LinkedHashMap<>();
    private final Map<String, FromKey> fromKeys = new LinkedHashMap<>();
    private final Map<String, Object> defaults = new LinkedHashMap<>();

    private ClientRules(String component) {
        this.component = Objects.requireNonNull(component, "component");
    }

    /**
     * @param component who owns the client, for error messages ("the MQTT bridge")
     * @return rules that enforce nothing yet
     */
    public static ClientRules of(String component) {
        return new ClientRules(component);
    }

    /** The client always gets {@code property=value}; a pass-through with another value fails. */
    public ClientRules enforce(String property, Object value) {
        enforced.put(Objects.requireNonNull(property, "property"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * The client gets {@code property} from the component's own key. When the user set that key, a
     * pass-through of the same property fails naming both keys; when the key has its default, a
     * pass-through replaces it.
     */
    public ClientRules fromKey(String property, String key, Object value, boolean setByUser) {
        fromKeys.put(Objects.requireNonNull(property, "property"), new FromKey(key, value, setByUser));
        return this;
    }

    /** As {@link #fromKey(String, String, Object, boolean)}, reading the key's value from its config. */
    public ClientRules fromKey(String property, AbstractConfig config, String key) {
        return fromKey(
                property, key, config.values().get(key), config.originals().containsKey(key));
    }

    /** The client gets {@code property=value} unless a pass-through sets it. */
    public ClientRules byDefault(String property, Object value) {
        defaults.put(Objects.requireNonNull(property, "property"), value);
        return this;
    }

    /** Who owns the client. */
    public String component() {
        return component;
    }

    /** Enforced properties. */
    public Map<String, Object> enforced() {
        return Collections.unmodifiableMap(enforced);
    }

    /** Properties set by the component's own keys. */
    public Map<String, FromKey> fromKeys() {
        return Collections.unmodifiableMap(fromKeys);
    }

    /** Default properties. */
    public Map<String, Object> defaults() {
        return Collections.unmodifiableMap(defaults);
    }
}
