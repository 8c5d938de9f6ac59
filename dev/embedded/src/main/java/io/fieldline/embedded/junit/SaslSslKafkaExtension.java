package io.fieldline.embedded.junit;

import io.fieldline.embedded.KafkaBroker;
import io.fieldline.embedded.tls.LocalTls;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives integration tests a running Kafka broker whose only client listener is SASL_SSL with SCRAM-SHA-512 and
 * client certificates ({@link KafkaBroker#saslSsl(Map)}): ask for a {@link KafkaBroker} parameter.
 *
 * <p>One broker per test JVM, started on first use and closed when the test plan ends. Its user
 * {@value #USER} has a random password; {@link KafkaBroker#clientConfig()} logs in as it, and
 * {@link KafkaBroker#clientSettings(String, String)} gives the {@code kafka.*} keys for any user and password.
 *
 * <pre>{@code
 * @ExtendWith(SaslSslKafkaExtension.class)
 * class SecuredIT {
 *     @Test
 *     void shouldMoveReadings(KafkaBroker kafka) { ... kafka.clientConfig() ... }
 * }
 * }</pre>
 */
public final class SaslSslKafkaExtension implements ParameterResolver {

    /** The SCRAM user every Fieldline client of the broker logs in as. */
    public static final String USER = "fieldline";

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(SaslSslKafkaExtension.class);
    private static final String KEY = "shared-sasl-ssl-kafka";

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return sharedBroker(extensionContext);
    }

    /**
     * @param context any extension context of the running test plan
     * @return the SASL_SSL broker shared by every test in this JVM, started on first use
     */
    public static KafkaBroker sharedBroker(ExtensionContext context) {
        // The launcher session's store: Surefire and Failsafe run a JVM's test classes one launcher request each
        // when a module forks more than one JVM (forkCount 2), so the root store of a request would last one class.
        // The session spans them all and closes AutoCloseable values when it ends.
        return context.getStore(ExtensionContext.StoreScope.LAUNCHER_SESSION, NAMESPACE)
                .getOrComputeIfAbsent(
                        KEY,
                        key -> {
                            Map<String, String> users = new LinkedHashMap<>();
                            users.put(USER, LocalTls.randomSecret());
                            KafkaBroker broker = KafkaBroker.saslSsl(users);
                            broker.start();
                            return broker;
                        },
                        KafkaBroker.class);
    }
}
