package io.fieldline.bridge.ingress;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What an {@link IngressPublisher} needs to know, immutable. The edges build it from their own configuration
 * class (the {@code mqtt.kafka.*} keys of the MQTT bridge, for example): the publisher has no keys of its own.
 *
 * @param source            which edge publishes: {@code mqtt}, {@code can}, {@code http}, {@code csv}; tags every
 *                          meter and names the dead-letter topic ({@code deadletter.<source>})
 * @param clientId          Kafka producer {@code client.id} (unless the overrides set one), and a meter tag
 * @param bootstrapServers  Kafka bootstrap servers
 * @param lingerMs          producer {@code linger.ms}
 * @param compressionType   producer {@code compression.type}
 * @param deliveryTimeoutMs producer {@code delivery.timeout.ms}: how long the producer retries a record in place
 *                          before it gives up, after which the publisher fails
 * @param producerOverrides further producer settings; those the failure policy rests on cannot be set here
 * @param clock             stamps dead letters
 */
public record IngressSettings(
        String source,
        String clientId,
        String bootstrapServers,
        int lingerMs,
        String compressionType,
        int deliveryTimeoutMs,
        Map<String, Object> producerOverrides,
        Clock clock) {

    /**
     * Producer settings the failure policy rests on: acknowledged by every in-sync replica, idempotent (so the
     * producer's own retries neither duplicate nor reorder a partition's records), bytes in and out.
     */
    public static final Set<String> ENFORCED_PRODUCER_KEYS = Set.of(
            ProducerConfig.ACKS_CONFIG,
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
            ProducerConfig.RETRIES_CONFIG,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG);

    private static final Pattern SOURCE = Pattern.compile("[a-z][a-z0-9_-]*");

    public IngressSettings {
        Objects.requireNonNull(source, "source");
        if (!SOURCE.matcher(source).matches()) {
            throw new IllegalArgumentException(
                    "source must be lower-case letters, digits, _ and -, got '" + source + "'");
        }
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(compressionType, "compressionType");
        Objects.requireNonNull(clock, "clock");
        if (lingerMs < 0) {
            throw new IllegalArgumentException("lingerMs must not be negative, got " + lingerMs);
        }
        if (deliveryTimeoutMs < 1) {
            throw new IllegalArgumentException("deliveryTimeoutMs must be positive, got " + deliveryTimeoutMs);
        }
        producerOverrides = Map.copyOf(Objects.requireNonNull(producerOverrides, "producerOverrides"));
        for (String key : producerOverrides.keySet()) {
            if (ENFORCED_PRODUCER_KEYS.contains(key)) {
                throw new ConfigException(
                        key,
                        producerOverrides.get(key),
                        "set by the ingress publisher (acks=all, "
                                + "idempotence on, at most 5 requests in flight, unbounded retries within the delivery timeout, "
                                + "byte-array serializers) and cannot be overridden");
            }
        }
    }

    /**
     * Defaults for one edge: client id {@code fieldline-<source>}, linger 5 ms, lz4, a two-minute delivery
     * timeout, no overrides, the system UTC clock.
     */
    public static IngressSettings of(String source, String bootstrapServers) {
        return new IngressSettings(
                source, "fieldline-" + source, bootstrapServers, 5, "lz4", 120_000, Map.of(), Clock.systemUTC());
    }

    /**
     * The settings for one edge from a full set of producer properties built from the shared {@code kafka.*} block
     * (with the edge's own defaults and enforced keys applied): its client id, linger, compression and, when set,
     * delivery timeout; the rest as overrides ({@link #overridesFrom}).
     */
    public static IngressSettings fromProducerProperties(
            String source, String bootstrapServers, Map<String, Object> producerProperties) {
        IngressSettings settings = of(source, bootstrapServers)
                .withClientId(String.valueOf(producerProperties.get(ProducerConfig.CLIENT_ID_CONFIG)))
                .withLingerMs(intValue(producerProperties, ProducerConfig.LINGER_MS_CONFIG))
                .withCompressionType(producerProperties
                        .get(ProducerConfig.COMPRESSION_TYPE_CONFIG)
                        .toString()
                        .trim())
                .withProducerOverrides(overridesFrom(producerProperties));
        return producerProperties.containsKey(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)
                ? settings.withDeliveryTimeoutMs(
                        intValue(producerProperties, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG))
                : settings;
    }

    private static int intValue(Map<String, Object> properties, String key) {
        return Integer.parseInt(properties.get(key).toString().trim());
    }

    public IngressSettings withClientId(String id) {
        return new IngressSettings(
                source, id, bootstrapServers, lingerMs, compressionType, deliveryTimeoutMs, producerOverrides, clock);
    }

    public IngressSettings withLingerMs(int linger) {
        return new IngressSettings(
                source,
                clientId,
                bootstrapServers,
                linger,
                compressionType,
                deliveryTimeoutMs,
                producerOverrides,
                clock);
    }

    public IngressSettings withCompressionType(String compression) {
        return new IngressSettings(
                source, clientId, bootstrapServers, lingerMs, compression, deliveryTimeoutMs, producerOverrides, clock);
    }

    public IngressSettings withDeliveryTimeoutMs(int timeout) {
        return new IngressSettings(
                source, clientId, bootstrapServers, lingerMs, compressionType, timeout, producerOverrides, clock);
    }

    /**
     * The overrides in a full set of producer properties built from the shared {@code kafka.*} block
     * (security, {@code kafka.producer.*}): everything but the keys this record holds itself or enforces.
     * The caller has already failed on a user value that contradicts the enforced ones.
     */
    public static Map<String, Object> overridesFrom(Map<String, Object> producerProperties) {
        Map<String, Object> overrides = new HashMap<>(producerProperties);
        overrides.keySet().removeAll(ENFORCED_PRODUCER_KEYS);
        overrides
                .keySet()
                .removeAll(Set.of(
                        ProducerConfig.LINGER_MS_CONFIG,
                        ProducerConfig.COMPRESSION_TYPE_CONFIG,
                        ProducerConfig.CLIENT_ID_CONFIG));
        return overrides;
    }

    public IngressSettings withProducerOverrides(Map<String, Object> overrides) {
        return new IngressSettings(
                source, clientId, bootstrapServers, lingerMs, compressionType, deliveryTimeoutMs, overrides, clock);
    }

    public IngressSettings withClock(Clock c) {
        return new IngressSettings(
                source, clientId, bootstrapServers, lingerMs, compressionType, deliveryTimeoutMs, producerOverrides, c);
    }

    /** The Kafka producer's settings: the overrides, then what the failure policy needs. */
    public Map<String, Object> producerProperties() {
        Map<String, Object> props = new HashMap<>(producerOverrides);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // Idempotence keeps a partition's records in order across the producer's retries with up to 5 requests
        // in flight; the retries themselves are bounded by the delivery timeout, not by a count.
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        props.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compressionType);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, deliveryTimeoutMs);
        // delivery.timeout.ms must cover linger.ms + request.timeout.ms
        props.putIfAbsent(
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                Math.min(30_000, Math.max(1, deliveryTimeoutMs - lingerMs - 1)));
        // send() waits for the topic's metadata (a broker that is down has none to give) up to max.block.ms
        // before failing the publisher: never longer than a record may be retried in all (the client's 60 s
        // default kept a publisher with a shorter delivery timeout blocked, and alive, that long).
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(60_000, deliveryTimeoutMs));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return props;
    }
}
