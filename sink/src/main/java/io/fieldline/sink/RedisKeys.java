package io.fieldline.sink;

import java.time.Duration;
import java.util.Objects;

/**
 * The Redis key layout of the sink (documented in docs/storage.md), all under one prefix.
 *
 * @param prefix      first key segment, {@code fieldline} by default
 * @param latestTtl   expiry of a device's latest-value hash, renewed on write; zero never expires
 * @param kpiTtl      expiry of a room's KPI hash, renewed on write; zero never expires
 * @param anomalyTtl  how long an anomaly flag lives after its reading's event time
 */
public record RedisKeys(String prefix, Duration latestTtl, Duration kpiTtl, Duration anomalyTtl) {

    public RedisKeys {
        Objects.requireNonNull(prefix, "prefix");
    }

    /** Hash: sensor -> {"value":..,"time":..,"unit":..,"quality":..} of the device's newest reading per sensor. */
    public String deviceLatest(String deviceId) {
        return prefix + ":device:" + deviceId + ":latest";
    }

    /** String with expiry: the newest flagged anomaly of one series, as JSON. */
    public String anomalyFlag(String deviceId, String sensor) {
        return prefix + ":device:" + deviceId + ":anomaly:" + sensor;
    }

    /** Sorted set: deviceId/sensor of currently flagged series, scored by event time. */
    public String anomaliesFlagged() {
        return prefix + ":anomalies:flagged";
    }

    /** Hash: KPI name -> {"value":..,"unit":..,"time":..,"windowStart":..,"windowEnd":..} of one room. */
    public String roomKpis(String room) {
        return prefix + ":room:" + room + ":kpis";
    }

    /** Set of the ids of active (raised or escalated, not cleared) alerts. */
    public String alertsActive() {
        return prefix + ":alerts:active";
    }

    /** Hash: alertId -> JSON details of the active alert. */
    public String alertDetails() {
        return prefix + ":alerts:details";
    }

    /** Hash: alertId -> event time of the last applied transition, so a replayed older one is ignored. */
    public String alertsApplied() {
        return prefix + ":alerts:applied";
    }

    /** Set of active alert ids of one facility. */
    public String siteAlertsActive(String site) {
        return prefix + ":site:" + site + ":alerts:active";
    }

    /** Set of active alert ids of one room. */
    public String roomAlertsActive(String room) {
        return prefix + ":room:" + room + ":alerts:active";
    }

    /** Set of facility ids seen. */
    public String sites() {
        return prefix + ":sites";
    }

    /** Set of device ids seen in one facility. */
    public String siteDevices(String site) {
        return prefix + ":site:" + site + ":devices";
    }

    /** Set of room ids seen in one facility. */
    public String siteRooms(String site) {
        return prefix + ":site:" + site + ":rooms";
    }

    /** Set of device ids seen in one room. */
    public String roomDevices(String room) {
        return prefix + ":room:" + room + ":devices";
    }
}
