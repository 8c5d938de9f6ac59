package io.fieldline.topologies.runtime;

import io.fieldline.schemas.registry.SchemaRegistryException;
import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Tells failures that are not the record's fault (a registry or broker that cannot be reached, an
 * interrupt) from those that are. The former must never dead-letter a record: the task fails, is
 * restarted from its last commit and reads the record again once the outage is over.
 */
final class TransientFailures {

    private TransientFailures() {}

    /** Whether the failure, or any of its causes, is one that retrying later may cure. */
    static boolean isTransient(Throwable failure) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (t instanceof SchemaRegistryException registry && registry.isTransient()) {
                return true;
            }
            if (t instanceof RetriableException
                    || t instanceof InterruptException
                    || t instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }
}
