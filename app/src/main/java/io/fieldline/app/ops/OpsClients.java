package io.fieldline.app.ops;

import io.fieldline.core.kafka.ClientRules;
import io.fieldline.core.kafka.KafkaClientConfig;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaFuture;

/** The Kafka clients of the operator commands, from their endpoint and configuration options. */
final class OpsClients {

    /** How long one request of an operator command may take. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private OpsClients() {}

    static Admin admin(KafkaClientConfig kafka, String command) {
        return Admin.create(kafka.adminProperties(ClientRules.of(command)
                .byDefault(AdminClientConfig.CLIENT_ID_CONFIG, command.replace(' ', '-'))
                .byDefault(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis())
                .byDefault(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis())));
    }

    /** The future's value; Kafka's own error, not the ExecutionException around it. */
    static <T> T get(KafkaFuture<T> future) throws Exception {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            throw new TimeoutException("Kafka did not answer within " + TIMEOUT.toSeconds() + " s");
        }
    }

    /** Bytes as B, KiB, MiB or GiB, one decimal. */
    static String size(long bytes) {
        if (bytes < 0) {
            return "?";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** A retention in milliseconds as days, hours, minutes or seconds; -1 as "forever". */
    static String retention(String millis) {
        if (millis == null) {
            return "-";
        }
        long ms;
        try {
            ms = Long.parseLong(millis);
        } catch (NumberFormatException e) {
            return millis;
        }
        if (ms < 0) {
            return "forever";
        }
        Duration d = Duration.ofMillis(ms);
        if (d.toDays() > 0 && d.equals(Duration.ofDays(d.toDays()))) {
            return d.toDays() + " d";
        }
        if (d.toHours() > 0 && d.equals(Duration.ofHours(d.toHours()))) {
            return d.toHours() + " h";
        }
        if (d.toMinutes() > 0 && d.equals(Duration.ofMinutes(d.toMinutes()))) {
            return d.toMinutes() + " min";
        }
        return ms + " ms";
    }
}
