package io.fieldline.schemas.registry;

import io.fieldline.core.retry.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

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
    /** {@code user:password} for HTTP basic authentication (Confluent's {@code basic.auth.user.info}). */
    public static final String BASIC_AUTH_USER_INFO = "schema.registry.basic.auth.user.info";
    /** Trust store with the CA of the registry's certificate, for https URLs. */
    public static final String SSL_TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";

    public static final String SSL_TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
    public static final String SSL_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
    /** Key store with a client certificate, for a registry that requires one. */
    public static final String SSL_KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";

    public static final String SSL_KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
    public static final String SSL_KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
    public static final String SSL_KEY_PASSWORD = "schema.registry.ssl.key.password";

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
                    "Upper bound of the retry backoff, in milliseconds.")
            .define(
                    BASIC_AUTH_USER_INFO,
                    Type.PASSWORD,
                    null,
                    ConfigDef.LambdaValidator.with(
                            SchemaRegistryClientConfig::validateUserInfo, () -> "null or user:password"),
                    Importance.HIGH,
                    "Credentials for HTTP basic authentication, user:password (Confluent's basic.auth.user.info); "
                            + "sent with every request, so use https URLs beyond loopback. Null sends none. Never logged.")
            .define(
                    SSL_TRUSTSTORE_LOCATION,
                    Type.STRING,
                    null,
                    ConfigDef.LambdaValidator.with(SchemaRegistryClientConfig::validateFile, () -> "an existing file"),
                    Importance.HIGH,
                    "Trust store with the CA certificates that sign the registry's certificate (https URLs); null "
                            + "trusts the JVM's default CAs.")
            .define(SSL_TRUSTSTORE_PASSWORD, Type.PASSWORD, null, Importance.HIGH, "Trust store password.")
            .define(
                    SSL_TRUSTSTORE_TYPE,
                    Type.STRING,
                    "PKCS12",
                    ConfigDef.CaseInsensitiveValidString.in("PKCS12", "JKS"),
                    Importance.LOW,
                    "Trust store type: PKCS12 or JKS.")
            .define(
                    SSL_KEYSTORE_LOCATION,
                    Type.STRING,
                    null,
                    ConfigDef.LambdaValidator.with(SchemaRegistryClientConfig::validateFile, () -> "an existing file"),
                    Importance.MEDIUM,
                    "Key store with a client certificate, for a registry that requires one (mutual TLS); null for none.")
            .define(SSL_KEYSTORE_PASSWORD, Type.PASSWORD, null, Importance.MEDIUM, "Key store password.")
            .define(
                    SSL_KEYSTORE_TYPE,
                    Type.STRING,
                    "PKCS12",
                    ConfigDef.CaseInsensitiveValidString.in("PKCS12", "JKS"),
                    Importance.LOW,
                    "Key store type: PKCS12 or JKS.")
            .define(
                    SSL_KEY_PASSWORD,
                    Type.PASSWORD,
                    null,
                    Importance.LOW,
                    "Password of the private key in the key store, when it differs from the store's.");

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

    /**
     * The {@code Authorization} header value for {@value #BASIC_AUTH_USER_INFO}, if set. Never log it.
     */
    public Optional<String> authorization() {
        Password userInfo = getPassword(BASIC_AUTH_USER_INFO);
        if (userInfo == null) {
            return Optional.empty();
        }
        return Optional.of(
                "Basic " + Base64.getEncoder().encodeToString(userInfo.value().getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The TLS context for https URLs built from the {@code schema.registry.ssl.*} stores, or empty when none is
     * set (the JVM's default trust).
     *
     * @throws ConfigException naming the key of a store that cannot be read
     */
    public Optional<SSLContext> sslContext() {
        String trustLocation = getString(SSL_TRUSTSTORE_LOCATION);
        String keyLocation = getString(SSL_KEYSTORE_LOCATION);
        if (trustLocation == null && keyLocation == null) {
            return Optional.empty();
        }
        try {
            TrustManager[] trust = null;
            if (trustLocation != null) {
                KeyStore store =
                        load(SSL_TRUSTSTORE_LOCATION, trustLocation, SSL_TRUSTSTORE_TYPE, SSL_TRUSTSTORE_PASSWORD);
                TrustManagerFactory factory =
                        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(store);
                trust = factory.getTrustManagers();
            }
            KeyManager[] keys = null;
            if (keyLocation != null) {
                KeyStore store = load(SSL_KEYSTORE_LOCATION, keyLocation, SSL_KEYSTORE_TYPE, SSL_KEYSTORE_PASSWORD);
                Password keyPassword = getPassword(SSL_KEY_PASSWORD) != null
                        ? getPassword(SSL_KEY_PASSWORD)
                        : getPassword(SSL_KEYSTORE_PASSWORD);
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(
                        store,
                        keyPassword == null ? new char[0] : keyPassword.value().toCharArray());
                keys = factory.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return Optional.of(context);
        } catch (GeneralSecurityException e) {
            throw new ConfigException(
                    trustLocation != null ? SSL_TRUSTSTORE_LOCATION : SSL_KEYSTORE_LOCATION,
                    trustLocation != null ? trustLocation : keyLocation,
                    "cannot set up TLS with it: " + e.getMessage());
        }
    }

    private KeyStore load(String locationKey, String location, String typeKey, String passwordKey) {
        Password password = getPassword(passwordKey);
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            KeyStore store = KeyStore.getInstance(getString(typeKey).toUpperCase(Locale.ROOT));
            store.load(in, password == null ? null : password.value().toCharArray());
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(
                    locationKey,
                    location,
                    "cannot read it as " + getString(typeKey) + " (check " + passwordKey + "): " + e.getMessage());
        }
    }

    private static void validateUserInfo(String name, Object value) {
        if (value != null && !((Password) value).value().contains(":")) {
            throw new ConfigException(name, value, "must be user:password");
        }
    }

    private static void validateFile(String name, Object value) {
        if (value != null && !Files.isRegularFile(Path.of((String) value))) {
            throw new ConfigException(name, value, "no such file");
        }
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
