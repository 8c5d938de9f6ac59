package io.fieldline.topologies.kpi;

/** The quantities the room KPIs are computed from; sensors are mapped to them by configuration. */
public enum KpiInput {
    TEMPERATURE,
    HUMIDITY,
    PPFD,
    FEED,
    WEIGHT,
    BIRDS,
    DEATHS,
    EGGS
}
