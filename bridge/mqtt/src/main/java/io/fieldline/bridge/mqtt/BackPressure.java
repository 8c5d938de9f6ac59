package io.fieldline.bridge.mqtt;

import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells when the bridge is the bottleneck. The broker sends at most the receive maximum of
 * unacknowledged messages; a window that stays (nearly) full means messages wait in the broker
 * because the bridge, or Kafka behind it, does not acknowledge them as fast as devices publish.
 * A full window for {@link #SUSTAINED_NANOS} logs one WARN; the all-clear, once the window is back
 * under half, one INFO. Checked on every message arrival, so it costs a comparison and needs no
 * thread of its own.
 */
final class BackPressure {

    private static final Logger LOG = LoggerFactory.getLogger(BackPressure.class);
    /** How long the window must stay full before the WARN: longer than a burst the window absorbs. */
    static final long SUSTAINED_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String clientId;
    private final int receiveMaximum;
    private final int fullAt;
    private final IntSupplier inFlight;
    private long fullSince = -1;
    private boolean warned;
    private volatile boolean saturated;

    BackPressure(String clientId, int receiveMaximum, IntSupplier inFlight) {
        this.clientId = clientId;
        this.receiveMaximum = receiveMaximum;
        // "Full" leaves room for the acknowledgements on their way back.
        this.fullAt = Math.max(1, receiveMaximum - Math.max(1, receiveMaximum / 20));
        this.inFlight = inFlight;
    }

    /** Called from the MQTT callback thread only. */
    void check(long nowNanos) {
        int size = inFlight.getAsInt();
        if (size >= fullAt) {
            saturated = true;
            if (fullSince < 0) {
                fullSince = nowNanos;
            } else if (!warned && nowNanos - fullSince >= SUSTAINED_NANOS) {
                warned = true;
                LOG.warn(
                        "MQTT bridge {}: back-pressure: its in-flight window has been full ({} of {} messages "
                                + "unacknowledged) for {} s; the broker is queueing the rest. The bridge or Kafka is the "
                                + "bottleneck: add bridge instances in the share group, or workers (mqtt.workers).",
                        clientId,
                        size,
                        receiveMaximum,
                        TimeUnit.NANOSECONDS.toSeconds(nowNanos - fullSince));
            }
        } else if (size < receiveMaximum / 2) {
            saturated = false;
            fullSince = -1;
            if (warned) {
                warned = false;
                LOG.info(
                        "MQTT bridge {}: back-pressure over: {} of {} messages in flight",
                        clientId,
                        size,
                        receiveMaximum);
            }
        }
    }

    /** Whether the window is full now (a gauge reads it from any thread). */
    boolean saturated() {
        return saturated;
    }
}
