package io.fieldline.topologies.enrich;

import java.util.Objects;

import io.fieldline.topologies.StoreType;

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
