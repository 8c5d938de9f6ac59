package io.fieldline.core.kafka;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * Logs in to Kafka once, before a process starts its components, so that credentials Kafka refuses stop the start
 * with the key to fix instead of every client retrying, or failing later, each with its own message.
 *
 * <p>Only an authentication failure fails: a broker that does not answer yet is the components' business (they wait
 * and retry, and the health check reports it).
 */
public final class KafkaLogin {

    private KafkaLogin() {}

    /**
     * Connects with an admin client of {@code kafka} and asks for the cluster's brokers.
     *
     * @param kafka     the shared client block
     * @param component who logs in, for the client id
     * @param timeout   how long to wait for an answer; no answer is not a failure
     * @throws ConfigException naming {@value KafkaClientConfig#SASL_JAAS_CONFIG} when Kafka refused the SASL login,
     *                         or the TLS keys when the TLS handshake failed
     */
    public static void verify(KafkaClientConfig kafka, String component, Duration timeout) throws InterruptedException {
        int millis = (int) Math.max(1, timeout.toMillis());
        try (Admin admin = Admin.create(kafka.adminProperties(ClientRules.of(component)
                .byDefault(AdminClientConfig.CLIENT_ID_CONFIG, component.replace(' ', '-') + "-login")
                .byDefault(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis)
                .byDefault(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis)))) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(millis))
                    .nodes()
                    .get(millis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SaslAuthenticationException
                    || e.getCause() instanceof SslAuthenticationException) {
                throw refusal(kafka, e.getCause());
            }
            // Any other failure (no broker yet, a timeout) is for the components to wait out.
        } catch (TimeoutException e) {
            // Not reachable (yet): not a configuration error.
        }
    }

    /** The configuration error for an authentication failure. */
    static ConfigException refusal(KafkaClientConfig kafka, Throwable cause) {
        if (cause instanceof SaslAuthenticationException) {
            Password jaas = kafka.getPassword(KafkaClientConfig.SASL_JAAS_CONFIG);
            return new ConfigException(
                    KafkaClientConfig.SASL_JAAS_CONFIG,
                    jaas,
                    "Kafka at " + kafka.bootstrapServers() + " refused the SASL login ("
                            + kafka.getString(KafkaClientConfig.SASL_MECHANISM) + "): " + cause.getMessage()
                            + ". Check the user and password of " + KafkaClientConfig.SASL_JAAS_CONFIG + " and "
                            + KafkaClientConfig.SASL_MECHANISM);
        }
        return new ConfigException(
                KafkaClientConfig.SSL_TRUSTSTORE_LOCATION,
                kafka.getString(KafkaClientConfig.SSL_TRUSTSTORE_LOCATION),
                "the TLS handshake with Kafka at " + kafka.bootstrapServers() + " failed: " + rootMessage(cause)
                        + ". Check " + KafkaClientConfig.SSL_TRUSTSTORE_LOCATION + " (the CA of the brokers) and, "
                        + "where brokers require client certificates, " + KafkaClientConfig.SSL_KEYSTORE_LOCATION);
    }

    private static String rootMessage(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
