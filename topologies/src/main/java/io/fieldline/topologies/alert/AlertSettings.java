package io.fieldline.topologies.alert;

import io.fieldline.schemas.avro.Severity;
import io.fieldline.topologies.StoreType;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the alerts application.
 *
 * @param rulesRefresh           how often (wall clock) a task re-reads the rules global table; zero re-reads on every reading
 * @param offlineEnabled         whether silent series raise OFFLINE alerts
 * @param offlineFactor          N: a series is offline after N times its expected interval without data
 * @param offlineDefaultInterval expected interval of series whose sensor and device metadata give none
 * @param offlineCheckInterval   how often (wall clock) the offline check runs
 * @param offlineIdleGrace       how long (wall clock) a task's input may bring nothing at all before its time
 *                               follows the wall clock (see {@link InputClock})
 * @param offlineSeverity        severity of OFFLINE alerts
 * @param storeType              where the per-series alert state lives
 */
public record AlertSettings(
        Duration rulesRefresh,
        boolean offlineEnabled,
        double offlineFactor,
        Duration offlineDefaultInterval,
        Duration offlineCheckInterval,
        Duration offlineIdleGrace,
        Severity offlineSeverity,
        StoreType storeType) {

    public AlertSettings {
        Objects.requireNonNull(rulesRefresh, "rulesRefresh");
        Objects.requireNonNull(offlineDefaultInterval, "offlineDefaultInterval");
        Objects.requireNonNull(offlineCheckInterval, "offlineCheckInterval");
        Objects.requireNonNull(offlineIdleGrace, "offlineIdleGrace");
        Objects.requireNonNull(offlineSeverity, "offlineSeverity");
        Objects.requireNonNull(storeType, "storeType");
        if (rulesRefresh.isNegative()) {
            throw new IllegalArgumentException("rulesRefresh must not be negative: " + rulesRefresh);
        }
        if (!(offlineFactor >= 1.0)) {
            throw new IllegalArgumentException("offlineFactor must be at least 1: " + offlineFactor);
        }
        if (offlineDefaultInterval.toMillis() <= 0 || offlineCheckInterval.toMillis() <= 0) {
            throw new IllegalArgumentException("offline intervals must be positive");
        }
        if (offlineIdleGrace.isNegative()) {
            throw new IllegalArgumentException("offlineIdleGrace must not be negative: " + offlineIdleGrace);
        }
    }
}
