package io.fieldline.bridge.mqtt.decode;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Event times of readings that carry none: the bridge's receive time, unique per series. Readings are
 * stored under (device, sensor, event time) at millisecond precision, so two readings of one series received
 * in the same millisecond would share a key and one of them would be lost; here the later one gets the next
 * millisecond free for its series instead. Stamps of a series never go backwards while it is remembered, and
 * run ahead of the clock only while a series reports faster than one reading per millisecond.
 *
 * <p>Thread-safe. A series is remembered while its last stamp is within {@link #HORIZON_MS} of the receive
 * times seen, so memory follows the series that report without timestamps, not every series ever seen.
 * Stamps are unique within one decoder of one bridge: a series whose messages reach several bridge instances
 * (a shared subscription) can still collide, which the sink then reports as a conflicting duplicate.
 */
final class ReceiveTimeStamps {

    /** How long a series' last stamp is remembered, in receive-time milliseconds. */
    static final long HORIZON_MS = 10_000;
    /** Forgetting runs once per this many stamps (a power of two). */
    private static final int SWEEP_EVERY = 4096;

    private record Series(String deviceId, String sensor) {}

    private final Map<Series, Long> last = new ConcurrentHashMap<>();
    private final AtomicInteger stamps = new AtomicInteger();

    /** The event time of a reading of ({@code deviceId}, {@code sensor}) received at {@code received}. */
    Instant stamp(String deviceId, String sensor, Instant received) {
        long receivedMs = received.toEpochMilli();
        long stamp = last.merge(
                new Series(deviceId, sensor), receivedMs, (previous, now) -> previous >= now ? previous + 1 : now);
        if ((stamps.incrementAndGet() & (SWEEP_EVERY - 1)) == 0) {
            forgetBefore(receivedMs - HORIZON_MS);
        }
        return Instant.ofEpochMilli(stamp);
    }

    private void forgetBefore(long cutoffMs) {
        for (Map.Entry<Series, Long> entry : last.entrySet()) {
            if (entry.getValue() < cutoffMs) {
                // only if unchanged: a series stamped meanwhile stays
                last.remove(entry.getKey(), entry.getValue());
            }
        }
    }

    /** Series remembered (for tests). */
    int size() {
        return last.size();
    }
}
