package io.fieldline.bridge.mqtt.internal;

import io.fieldline.bridge.mqtt.MqttBridgeConfig;
import io.fieldline.core.net.ClientSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.types.Password;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;

/** Turns {@link MqttBridgeConfig} into Paho connection options, TLS included. */
public final class ConnectionOptionsFactory {

    private ConnectionOptionsFactory() {}

    /**
     * The connection options: persistent session, automatic reconnect with backoff, receive
     * maximum, credentials, TCP_NODELAY and, for {@code ssl://} or {@code wss://} brokers, TLS.
     *
     * @throws IllegalStateException when the key or trust store cannot be read
     */
    public static MqttConnectionOptions create(MqttBridgeConfig config) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        List<String> uris = config.serverUris();
        options.setServerURIs(uris.toArray(new String[0]));
        options.setCleanStart(config.getBoolean(MqttBridgeConfig.CLEAN_START));
        options.setSessionExpiryInterval(config.getLong(MqttBridgeConfig.SESSION_EXPIRY_SECONDS));
        options.setKeepAliveInterval(config.getInt(MqttBridgeConfig.KEEP_ALIVE_SECONDS));
        options.setConnectionTimeout(config.getInt(MqttBridgeConfig.CONNECT_TIMEOUT_SECONDS));
        options.setAutomaticReconnect(true);
        options.setAutomaticReconnectDelay(
                config.getInt(MqttBridgeConfig.RECONNECT_MIN_SECONDS),
                config.getInt(MqttBridgeConfig.RECONNECT_MAX_SECONDS));
        options.setReceiveMaximum(config.getInt(MqttBridgeConfig.RECEIVE_MAXIMUM));
        String username = config.getString(MqttBridgeConfig.USERNAME);
        if (username != null && !username.isEmpty()) {
            options.setUserName(username);
        }
        Password password = config.getPassword(MqttBridgeConfig.PASSWORD);
        if (password != null) {
            options.setPassword(password.value().getBytes(StandardCharsets.UTF_8));
        }
        boolean tls = uris.stream()
                .map(u -> u.toLowerCase(Locale.ROOT))
                .anyMatch(u -> u.startsWith("ssl://") || u.startsWith("wss://"));
        boolean noDelay = config.getBoolean(MqttBridgeConfig.TCP_NODELAY);
        if (tls) {
            SSLSocketFactory factory = socketFactory(config);
            options.setSocketFactory(noDelay ? ClientSocketFactory.tls(factory) : factory);
            options.setHttpsHostnameVerificationEnabled(config.getBoolean(MqttBridgeConfig.TLS_HOSTNAME_VERIFICATION));
        } else {
            options.setSocketFactory(ClientSocketFactory.plain(noDelay));
        }
        return options;
    }

    /** A socket factory trusting the configured trust store (or the JVM's CAs) and presenting the key store, if any. */
    static SSLSocketFactory socketFactory(MqttBridgeConfig config) {
        try {
            TrustManagerFactory trust = null;
            String truststore = config.getString(MqttBridgeConfig.TLS_TRUSTSTORE_LOCATION);
            if (truststore != null) {
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(load(
                        truststore,
                        config.getString(MqttBridgeConfig.TLS_TRUSTSTORE_TYPE),
                        config.getPassword(MqttBridgeConfig.TLS_TRUSTSTORE_PASSWORD)));
            }
            KeyManagerFactory keys = null;
            String keystore = config.getString(MqttBridgeConfig.TLS_KEYSTORE_LOCATION);
            if (keystore != null) {
                Password password = config.getPassword(MqttBridgeConfig.TLS_KEYSTORE_PASSWORD);
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(
                        load(keystore, config.getString(MqttBridgeConfig.TLS_KEYSTORE_TYPE), password),
                        password == null ? null : password.value().toCharArray());
            }
            SSLContext context = SSLContext.getInstance(config.getString(MqttBridgeConfig.TLS_PROTOCOL));
            context.init(
                    keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot set up TLS for the MQTT connection: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(String location, String type, Password password)
            throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            store.load(in, password == null ? null : password.value().toCharArray());
        }
        return store;
    }
}
