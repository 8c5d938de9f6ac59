package io.fieldline.embedded;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.PublishAuthorizer;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.SubscriptionAuthorizer;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerOutput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerOutput;
import com.hivemq.extension.sdk.api.client.parameter.ConnectionAttributeStore;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.subscribe.SubackReasonCode;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import io.fieldline.core.device.DeviceTopics;
import io.fieldline.core.device.MosquittoPasswordHash;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authentication and authorization of the embedded {@link MqttBroker}, as a HiveMQ extension registered in process
 * (an {@link EmbeddedExtension}): devices log in with their own password, whose hash (Mosquitto's {@code $7$}
 * form) comes from a {@link DeviceCredentialSource} (in {@code fieldline up}, PostgreSQL's {@code device_credential}),
 * and service users (the MQTT bridge) with a password from configuration.
 *
 * <ul>
 *   <li>A CONNECT without user name, with a wrong password, or from an unknown or revoked device is refused
 *       ({@code NOT_AUTHORIZED}, {@code BAD_USER_NAME_OR_PASSWORD}). A device must use its device id as client id,
 *       or {@code <device id>:<anything>}: otherwise it could take over another client's session (the bridge's,
 *       with every queued message).</li>
 *   <li>A device publishes only on its own topics ({@link DeviceTopics#publishFilters}) and subscribes only to its
 *       commands. A refused PUBLISH is dropped and answered with {@code NOT_AUTHORIZED}, and HiveMQ CE closes the
 *       connection; a refused subscription gets {@code NOT_AUTHORIZED} in its SUBACK; both are counted and logged (at most one line per second). A service user subscribes to everything
 *       and publishes only Sparkplug commands.</li>
 *   <li>The device hashes are read every {@code refresh} interval (and on {@link #refresh()}): a revoked or rotated
 *       password is refused from the next read on, and a connected device whose password was revoked or rotated is
 *       disconnected at its next PUBLISH. When a read fails the last good set stays in use.</li>
 * </ul>
 *
 * <p>Checking a password costs a PBKDF2 derivation (milliseconds); a password already verified against the same
 * stored hash is remembered (as an HMAC under a key of this process, never in clear) so reconnects stay cheap.
 * Passwords are never logged; refusals name the user and the reason only.
 */
public final class MqttAccessControl implements AutoCloseable {

    /** Where device password hashes come from: device id to {@code $7$...} hash, revoked devices left out. */
    @FunctionalInterface
    public interface DeviceCredentialSource {
        Map<String, String> activeHashes() throws Exception;
    }

    /** How often the device hashes are read when nothing asks sooner. */
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(2);

    /** Connection attributes this extension keeps for a client it authenticated. */
    private static final String ROLE = "fieldline.role";

    private static final String USER = "fieldline.user";
    private static final String HASH = "fieldline.hash";
    private static final String DEVICE = "device";
    private static final String SERVICE = "service";

    private static final Logger LOG = LoggerFactory.getLogger(MqttAccessControl.class);

    private final Map<String, MosquittoPasswordHash> serviceUsers;
    private final DeviceCredentialSource source;
    private final Duration refreshInterval;
    private final byte[] rememberKey = new byte[32];
    /** User name to the stored hash and the HMAC of the password last verified against it. */
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    private final AtomicLong connectsAccepted = new AtomicLong();
    private final AtomicLong connectsRefused = new AtomicLong();
    private final AtomicLong publishesDenied = new AtomicLong();
    private final AtomicLong subscriptionsDenied = new AtomicLong();
    private final AtomicLong lastRefusalLog = new AtomicLong();
    private final AtomicLong refusalsNotLogged = new AtomicLong();

    private volatile Map<String, String> devices = Map.of();
    private volatile boolean loadedOnce;
    private volatile boolean lastLoadFailed;
    private ScheduledExecutorService refresher;

    private record Verified(String storedHash, byte[] passwordMac) {}

    /**
     * @param serviceUsers    service user names and their passwords (kept only as hashes here)
     * @param source          the devices' password hashes
     * @param refreshInterval how often to read them
     */
    public MqttAccessControl(
            Map<String, String> serviceUsers, DeviceCredentialSource source, Duration refreshInterval) {
        this.source = Objects.requireNonNull(source, "source");
        this.refreshInterval = Objects.requireNonNull(refreshInterval, "refreshInterval");
        if (refreshInterval.isNegative() || refreshInterval.isZero()) {
            throw new IllegalArgumentException("refreshInterval must be positive, got " + refreshInterval);
        }
        Map<String, MosquittoPasswordHash> users = new HashMap<>();
        serviceUsers.forEach((user, password) -> {
            if (user == null || user.isEmpty() || password == null || password.isEmpty()) {
                throw new IllegalArgumentException("a service user needs a name and a password");
            }
            users.put(user, MosquittoPasswordHash.of(password, MosquittoPasswordHash.MIN_ITERATIONS * 10));
        });
        this.serviceUsers = Map.copyOf(users);
        new SecureRandom().nextBytes(rememberKey);
    }

    /** Counts since start. */
    public record Counts(long connectsAccepted, long connectsRefused, long publishesDenied, long subscriptionsDenied) {}

    /** @return what was accepted and refused so far */
    public Counts counts() {
        return new Counts(
                connectsAccepted.get(), connectsRefused.get(), publishesDenied.get(), subscriptionsDenied.get());
    }

    /** @return the service user names (never their passwords) */
    public java.util.Set<String> serviceUserNames() {
        return serviceUsers.keySet();
    }

    /**
     * Reads the device hashes now.
     *
     * @return whether the read succeeded (else the previous set stays in use)
     */
    public synchronized boolean refresh() {
        try {
            Map<String, String> read = new LinkedHashMap<>();
            source.activeHashes().forEach((device, hash) -> {
                if (serviceUsers.containsKey(device)) {
                    LOG.warn("Device {} has the name of a service user: the device is refused", device);
                } else {
                    read.put(device, hash);
                }
            });
            devices = Map.copyOf(read);
            verified.keySet().removeIf(user -> !serviceUsers.containsKey(user) && !read.containsKey(user));
            if (lastLoadFailed || !loadedOnce) {
                LOG.info("MQTT device credentials loaded: {} devices may connect", read.size());
            }
            loadedOnce = true;
            lastLoadFailed = false;
            return true;
        } catch (Exception e) {
            if (!lastLoadFailed) {
                LOG.warn(
                        "Cannot read the MQTT device credentials ({}); {}",
                        e.toString(),
                        loadedOnce ? "the last ones read stay in use" : "no device can connect until they are read");
            }
            lastLoadFailed = true;
            return false;
        }
    }

    /** The HiveMQ extension to hand to {@code EmbeddedHiveMQ.builder().withEmbeddedExtension}. */
    EmbeddedExtension extension() {
        return EmbeddedExtension.builder()
                .withId("fieldline-access-control")
                .withName("Fieldline device authentication and topic ACL")
                .withVersion("1")
                .withAuthor("Fieldline")
                .withPriority(1000)
                .withStartPriority(1000)
                .withExtensionMain(new Main())
                .build();
    }

    /** Starts reading the device hashes, once now and then every refresh interval. */
    synchronized void start() {
        if (refresher != null) {
            return;
        }
        refresh();
        refresher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fieldline-mqtt-credentials");
            thread.setDaemon(true);
            return thread;
        });
        long every = refreshInterval.toMillis();
        refresher.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (refresher != null) {
            refresher.shutdownNow();
            refresher = null;
        }
    }

    private final class Main implements ExtensionMain {
        @Override
        public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
            Authenticator authenticator = new Authenticator();
            Authorizer authorizer = new Authorizer();
            Services.securityRegistry().setAuthenticatorProvider(providerInput -> authenticator);
            Services.securityRegistry().setAuthorizerProvider(providerInput -> authorizer);
        }

        @Override
        public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {}
    }

    private final class Authenticator implements SimpleAuthenticator {
        @Override
        public void onConnect(SimpleAuthInput input, SimpleAuthOutput output) {
            var connect = input.getConnectPacket();
            String clientId = input.getClientInformation().getClientId();
            Optional<String> user = connect.getUserName();
            if (user.isEmpty() || user.get().isEmpty()) {
                refuse(output, ConnackReasonCode.NOT_AUTHORIZED, "anonymous client " + clientId);
                return;
            }
            String name = user.get();
            Optional<ByteBuffer> password = connect.getPassword();
            if (password.isEmpty()) {
                refuse(output, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "user " + name + " without a password");
                return;
            }
            String role;
            String stored;
            MosquittoPasswordHash serviceHash = serviceUsers.get(name);
            if (serviceHash != null) {
                role = SERVICE;
                stored = serviceHash.encoded();
            } else {
                role = DEVICE;
                stored = devices.get(name);
                if (stored == null) {
                    refuse(output, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "unknown or revoked device " + name);
                    return;
                }
                if (!clientId.equals(name) && !clientId.startsWith(name + ":")) {
                    refuse(
                            output,
                            ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                            "device " + name + " with client id " + clientId + " (must be " + name + " or " + name
                                    + ":<suffix>)");
                    return;
                }
            }
            byte[] secret = bytes(password.get());
            try {
                if (!verify(name, stored, secret)) {
                    refuse(output, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "wrong password for " + name);
                    return;
                }
            } catch (IllegalArgumentException e) {
                refuse(
                        output,
                        ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD,
                        "unreadable password hash of " + name + ": " + e.getMessage());
                return;
            } finally {
                java.util.Arrays.fill(secret, (byte) 0);
            }
            ConnectionAttributeStore attributes =
                    input.getConnectionInformation().getConnectionAttributeStore();
            attributes.putAsString(ROLE, role);
            attributes.putAsString(USER, name);
            attributes.putAsString(HASH, stored);
            connectsAccepted.incrementAndGet();
            output.authenticateSuccessfully();
        }

        private void refuse(SimpleAuthOutput output, ConnackReasonCode code, String why) {
            connectsRefused.incrementAndGet();
            logRefusal("MQTT connect refused: {}", why);
            output.failAuthentication(code, "not authorized");
        }
    }

    private final class Authorizer implements PublishAuthorizer, SubscriptionAuthorizer {
        @Override
        public void authorizePublish(PublishAuthorizerInput input, PublishAuthorizerOutput output) {
            ConnectionAttributeStore attributes =
                    input.getConnectionInformation().getConnectionAttributeStore();
            String role = attributes.getAsString(ROLE).orElse("");
            String user = attributes.getAsString(USER).orElse("");
            String topic = input.getPublishPacket().getTopic();
            if (SERVICE.equals(role)) {
                if (DeviceTopics.servicePublishes(topic)) {
                    output.authorizeSuccessfully();
                } else {
                    deny(output, user, topic);
                }
                return;
            }
            if (!DEVICE.equals(role)) {
                deny(output, user, topic);
                return;
            }
            if (!Objects.equals(devices.get(user), attributes.getAsString(HASH).orElse(null))) {
                publishesDenied.incrementAndGet();
                logRefusal("MQTT device {} disconnected: its password was revoked or rotated", user);
                output.disconnectClient(DisconnectReasonCode.NOT_AUTHORIZED, "credentials revoked");
                return;
            }
            if (DeviceTopics.devicePublishes(user, topic)) {
                output.authorizeSuccessfully();
            } else {
                deny(output, user, topic);
            }
        }

        private void deny(PublishAuthorizerOutput output, String user, String topic) {
            publishesDenied.incrementAndGet();
            logRefusal("MQTT publish refused: {}", user + " may not publish on " + topic);
            output.failAuthorization(AckReasonCode.NOT_AUTHORIZED, "not authorized");
        }

        @Override
        public void authorizeSubscribe(SubscriptionAuthorizerInput input, SubscriptionAuthorizerOutput output) {
            ConnectionAttributeStore attributes =
                    input.getConnectionInformation().getConnectionAttributeStore();
            String role = attributes.getAsString(ROLE).orElse("");
            String user = attributes.getAsString(USER).orElse("");
            String filter = input.getSubscription().getTopicFilter();
            boolean allowed = SERVICE.equals(role)
                    ? DeviceTopics.covered(DeviceTopics.SERVICE_SUBSCRIBE, filter)
                    : DEVICE.equals(role) && DeviceTopics.deviceSubscribes(user, filter);
            if (allowed) {
                output.authorizeSuccessfully();
            } else {
                subscriptionsDenied.incrementAndGet();
                logRefusal("MQTT subscription refused: {}", user + " may not subscribe to " + filter);
                output.failAuthorization(SubackReasonCode.NOT_AUTHORIZED, "not authorized");
            }
        }
    }

    private boolean verify(String user, String stored, byte[] password) {
        byte[] mac = mac(password);
        Verified known = verified.get(user);
        if (known != null && known.storedHash().equals(stored) && MessageDigest.isEqual(known.passwordMac(), mac)) {
            return true;
        }
        boolean ok = MosquittoPasswordHash.parse(stored).matches(password);
        if (ok) {
            verified.put(user, new Verified(stored, mac));
        }
        return ok;
    }

    private byte[] mac(byte[] password) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(rememberKey, "HmacSHA256"));
            return mac.doFinal(password);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    /** A refusal at WARN, at most one line a second, saying how many were not logged since the last. */
    private void logRefusal(String format, String what) {
        long now = System.nanoTime();
        long last = lastRefusalLog.get();
        if (now - last >= TimeUnit.SECONDS.toNanos(1) && lastRefusalLog.compareAndSet(last, now)) {
            long skipped = refusalsNotLogged.getAndSet(0);
            if (skipped > 0) {
                LOG.warn(format + " ({} more refusals not logged in the last second)", what, skipped);
            } else {
                LOG.warn(format, what);
            }
        } else {
            refusalsNotLogged.incrementAndGet();
            LOG.debug(format, what);
        }
    }
}
