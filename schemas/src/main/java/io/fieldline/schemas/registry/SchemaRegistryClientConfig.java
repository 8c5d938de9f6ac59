package io.fieldline.schemas.registry;

import io.fieldline.core.retry.RetryPolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Settings of {@link HttpSchemaRegistryClient}. The URL key is Confluent's own
 * ({@code schema.registry.url}), so an existing serde configuration works unchanged.
 * Invalid values fail at construction with a {@link ConfigException} naming the key.
 */
public final class SchemaRegistryClientConfig extends AbstractConfig {

    /** Comma-separated registry base URLs; on a connection failure the client tries the next one. */
    public static final String URL = "schema.registry.url";
    /** Timeout of one HTTP request (connect and answer), in milliseconds. */
    public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";
    /** How many times a transiently failed request is retried. */
    public static final String RETRIES = "schema.registry.retries";
    /** Backoff before the first retry, in milliseconds; it doubles at each further retry. */
    public static final String RETRY_BACKOFF_MS = "schema.registry.retry.backoff.ms";
    /** Upper bound of the doubling retry backoff, in milliseconds. */
    public static final String RETRY_BACKOFF_MAX_MS = "schema.registry.retry.backoff.max.ms";

    private static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(
                    URL,
                    Type.LIST,
                    ConfigDef.NO_DEFAULT_VALUE,
                    new UrlListValidator(),
                    Importance.HIGH,
                    "Comma-separated base URLs of the Schema Registry (Confluent REST API), for example "
                            + "http://localhost:8081. On a connection failure the next URL is tried.")
            .define(
                    REQUEST_TIMEOUT_MS,
                    Type.INT,
                    10_000,
                    ConfigDef.Range.atLeast(1),
                    Importance.MEDIUM,
                    "Timeout of one registry HTTP request, connect included, in milliseconds.")
            .define(
                    RETRIES,
                    Type.INT,
                    5,
                    ConfigDef.Range.between(0, 100),
                    Importance.MEDIUM,
                    "How many times a request is retried after a transient failure (connection error, "
                            + "timeout, HTTP 5xx or 429). Client errors (4xx) are never retried.")
            .define(
                    RETRY_BACKOFF_MS,
                    Type.LONG,
                    100L,
                    ConfigDef.Range.atLeast(0),
                    Importance.LOW,
                    "Backoff before the first retry, in milliseconds; doubled at each further retry.")
            .define(
                    RETRY_BACKOFF_MAX_MS,
                    Type.LONG,
                    5_000L,
                    ConfigDef.Range.atLeast(0),
                    Importance.LOW,
                    "Upper bound of the retry backoff, in milliseconds.");

    /**
     * Parses and validates the settings; unknown keys are ignored so a whole serde or producer
     * configuration can be passed.
     *
     * @throws ConfigException naming the offending key
     */
    public SchemaRegistryClientConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals, false);
    }

    /** The definitions of the keys, for generated documentation. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG_DEF);
    }

    /** The base URLs, without trailing slashes, in the configured order. */
    public List<URI> urls() {
        return getList(URL).stream()
                .map(String::trim)
                .map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u)
                .map(URI::create)
                .toList();
    }

    /** Timeout of one request. */
    public Duration requestTimeout() {
        return Duration.ofMillis(getInt(REQUEST_TIMEOUT_MS));
    }

    /** Retries after a transient failure. */
    public int retries() {
        return getInt(RETRIES);
    }

    /** Backoff before the first retry. */
    public Duration retryBackoff() {
        return Duration.ofMillis(getLong(RETRY_BACKOFF_MS));
    }

    /** Upper bound of the retry backoff. */
    public Duration retryBackoffMax() {
        return Duration.ofMillis(getLong(RETRY_BACKOFF_MAX_MS));
    }

    /**
     * These settings as Fieldline's one {@link RetryPolicy}: {@value #RETRIES} + 1 attempts in all, pauses
     * doubling from {@value #RETRY_BACKOFF_MS} up to {@value #RETRY_BACKOFF_MAX_MS} (a maximum below the first
     * pause is raised to it), with the policy's jitter, which only shortens a pause.
     */
    public RetryPolicy retryPolicy() {
        Duration first = retryBackoff();
        Duration max = retryBackoffMax().compareTo(first) < 0 ? first : retryBackoffMax();
        return RetryPolicy.exponential(first, max, Duration.ZERO).withMaxAttempts(retries() + 1);
    }

    private static final class UrlListValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (!(value instanceof List<?> list) || list.isEmpty()) {
                throw new ConfigException(name, value, "at least one registry URL is required");
            }
            for (Object item : list) {
                String url = String.valueOf(item).trim();
                try {
                    URI uri = new URI(url);
                    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                        throw new ConfigException(name, value, "not an http(s) URL: " + url);
                    }
                } catch (URISyntaxException e) {
                    throw new ConfigException(name, value, "not a URL: " + url + " (" + e.getMessage() + ")");
                }
            }
        }

        @Override
        public String toString() {
            return "non-empty list of http(s) URLs";
        }
    }
}
