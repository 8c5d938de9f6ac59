package io.fieldline.topologies.enrich;

import io.fieldline.topologies.StoreType;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the enrichment application.
 *
 * @param storeType      where the device and sensor global tables, and the seen readings, live
 * @param dedupRetention how long a reading is remembered to drop a second copy of it; zero turns that off
 */
public record EnrichmentSettings(StoreType storeType, Duration dedupRetention) {

    /** The default: ten minutes. */
    public static final Duration DEFAULT_DEDUP_RETENTION = Duration.ofMinutes(10);

    public EnrichmentSettings {
        Objects.requireNonNull(storeType, "storeType");
        Objects.requireNonNull(dedupRetention, "dedupRetention");
        if (dedupRetention.isNegative()) {
            throw new IllegalArgumentException("dedupRetention must not be negative");
        }
    }

    /** With the default duplicate window. */
    public EnrichmentSettings(StoreType storeType) {
        this(storeType, DEFAULT_DEDUP_RETENTION);
    }
}
