package io.fieldline.dev.up;

import io.fieldline.bridge.mqtt.MqttBridgeConfig;
import io.fieldline.core.device.DevicePasswords;
import io.fieldline.embedded.EmbeddedConfig;
import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.MqttAccessControl;
import io.fieldline.embedded.MqttBroker;
import io.fieldline.embedded.StackOptions;
import io.fieldline.embedded.tls.LocalTls;
import io.fieldline.sink.device.DeviceCredentials;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What makes {@code fieldline up}'s embedded MQTT broker secure by default: device authentication and the topic
 * ACL ({@link MqttAccessControl}, device hashes from PostgreSQL's {@code device_credential}), a service user for the
 * bridge ({@code mqtt.username} and {@code mqtt.password}, the password generated when unset and never printed),
 * and a TLS listener with a certificate from a CA generated for this run ({@link LocalTls}, in
 * {@code <data dir>/mqtt-tls/}, the CA as {@code ca.pem}).
 */
final class UpMqttSecurity {

    /** The bridge's user name when {@code mqtt.username} is not set. */
    static final String DEFAULT_SERVICE_USER = "fieldline-bridge";

    /** Keys of {@code endpoints.env} this adds. */
    static final String MQTT_TLS_URL = "MQTT_TLS_URL";

    static final String MQTT_CA_FILE = "MQTT_CA_FILE";
    static final String MQTT_USERNAME = "MQTT_USERNAME";
    static final String MQTT_PASSWORD = "MQTT_PASSWORD";

    /** PostgreSQL's SQLSTATE for a missing table. */
    private static final String UNDEFINED_TABLE = "42P01";

    private final String serviceUser;
    private final String servicePassword;
    private final LocalTls tls;
    private final AtomicReference<DeviceCredentials> credentials = new AtomicReference<>();
    private final MqttAccessControl accessControl;

    private UpMqttSecurity(String serviceUser, String servicePassword, LocalTls tls) {
        this.serviceUser = serviceUser;
        this.servicePassword = servicePassword;
        this.tls = tls;
        // Until the stack is up, no device is known; the service user is.
        this.accessControl = new MqttAccessControl(
                Map.of(serviceUser, servicePassword),
                () -> {
                    DeviceCredentials store = credentials.get();
                    try {
                        return store == null ? Map.of() : store.activeHashes();
                    } catch (SQLException e) {
                        // Until the database step has applied the migrations, there is no device to know.
                        if (UNDEFINED_TABLE.equals(e.getSQLState())) {
                            return Map.of();
                        }
                        throw e;
                    }
                },
                MqttAccessControl.DEFAULT_REFRESH);
    }

    /**
     * The security of the embedded broker, unless the broker is external or {@value EmbeddedConfig#MQTT_AUTH} is
     * false. Puts the service user into {@code settings} (for the bridge) where they are unset.
     */
    static Optional<UpMqttSecurity> create(Map<String, String> settings, EmbeddedConfig embedded, Path dataDir) {
        if (!embedded.getString(EmbeddedConfig.MQTT_URL).isBlank() || !embedded.getBoolean(EmbeddedConfig.MQTT_AUTH)) {
            return Optional.empty();
        }
        String user = settings.computeIfAbsent(MqttBridgeConfig.USERNAME, key -> DEFAULT_SERVICE_USER);
        String password = settings.computeIfAbsent(MqttBridgeConfig.PASSWORD, key -> DevicePasswords.generate());
        LocalTls tls = LocalTls.generate(dataDir.resolve("mqtt-tls"), "fieldline-mqtt-client");
        return Optional.of(new UpMqttSecurity(user, password, tls));
    }

    /** The stack options with the broker's authentication and TLS listener. */
    StackOptions apply(StackOptions options) {
        return options.withMqttSecurity(accessControl, new MqttBroker.Tls(tls.serverKeystore(), tls.password()));
    }

    /** Starts reading the device hashes from the stack's database ({@code schema}: {@code sink.postgres.schema}). */
    void connect(EmbeddedStack stack, String schema) {
        credentials.set(new DeviceCredentials(stack.postgres().dataSource(), schema));
    }

    /**
     * The endpoints this adds: the TLS listener, its CA file, and the service user (for {@code fieldline run
     * mqtt-bridge} next to {@code up --servers-only}; the file is the owner's only, and keys ending in PASSWORD are
     * not printed).
     */
    Map<String, String> endpoints(EmbeddedStack stack) {
        Map<String, String> endpoints = new LinkedHashMap<>();
        stack.startedServer("mqtt")
                .filter(MqttBroker.class::isInstance)
                .map(MqttBroker.class::cast)
                .flatMap(MqttBroker::tlsUrl)
                .ifPresent(url -> endpoints.put(MQTT_TLS_URL, url));
        endpoints.put(MQTT_CA_FILE, tls.caCertificate().toAbsolutePath().toString());
        endpoints.put(MQTT_USERNAME, serviceUser);
        endpoints.put(MQTT_PASSWORD, servicePassword);
        return endpoints;
    }
}
