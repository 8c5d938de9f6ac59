package io.fieldline.topologies.enrich;

import io.fieldline.topologies.StoreType;
import java.util.Objects;

/**
 * Settings of the enrichment application.
 *
 * @param storeType where the device and sensor global tables live
 */
public record EnrichmentSettings(StoreType storeType) {

    public EnrichmentSettings {
        Objects.requireNonNull(storeType, "storeType");
    }
}
