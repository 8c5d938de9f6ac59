package io.fieldline.core.device;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What an authenticated MQTT client may do, by topic: the access control list that the embedded broker
 * enforces and that {@code fieldline devices export-mosquitto} writes for Mosquitto.
 *
 * <p>A device publishes only under its own id, on the two routes the MQTT bridge has built in (docs/mqtt.md):
 * its telemetry topic {@code sites/+/rooms/+/devices/<id>/telemetry}, and as a Sparkplug B edge node named
 * {@code <id>} its node and device messages {@code spBv1.0/+/NBIRTH|NDEATH|NDATA/<id>} and
 * {@code spBv1.0/+/DBIRTH|DDEATH|DDATA/<id>/+}. The device id the bridge derives (the {@code {device}} segment, or
 * {@code {edge}} and {@code {edge}/{device}} for Sparkplug) is therefore the authenticated one, or, for Sparkplug
 * devices behind an edge node, prefixed by it. A device may subscribe only to the commands sent to it
 * ({@code spBv1.0/+/NCMD/<id>}, {@code spBv1.0/+/DCMD/<id>/+}).
 *
 * <p>A service user (the bridge) subscribes to everything and publishes only Sparkplug commands (the bridge's
 * rebirth requests): it never publishes telemetry in a device's name.
 */
public final class DeviceTopics {

    /**
     * Device ids that may hold credentials: letters, digits, {@code . _ -}, starting with a letter or digit, at
     * most 128 characters. Such an id is one MQTT topic level with no wildcard, and a user name a Mosquitto
     * password file and ACL take as it is (no {@code :}, space or {@code %}).
     */
    public static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /** What a service user may publish: Sparkplug node and device commands. */
    public static final List<String> SERVICE_PUBLISH = List.of("spBv1.0/+/NCMD/+", "spBv1.0/+/DCMD/+/+");

    /** What a service user may subscribe to: everything. */
    public static final List<String> SERVICE_SUBSCRIBE = List.of("#");

    private DeviceTopics() {}

    /**
     * @throws IllegalArgumentException naming the rule when {@code deviceId} cannot hold credentials
     */
    public static String requireValidDeviceId(String deviceId) {
        if (deviceId == null || !DEVICE_ID.matcher(deviceId).matches()) {
            throw new IllegalArgumentException("device id '" + deviceId + "' cannot hold MQTT credentials: it must be "
                    + "1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return deviceId;
    }

    /** The topic filters device {@code deviceId} may publish on. */
    public static List<String> publishFilters(String deviceId) {
        requireValidDeviceId(deviceId);
        return List.of(
                "sites/+/rooms/+/devices/" + deviceId + "/telemetry",
                "spBv1.0/+/NBIRTH/" + deviceId,
                "spBv1.0/+/NDEATH/" + deviceId,
                "spBv1.0/+/NDATA/" + deviceId,
                "spBv1.0/+/DBIRTH/" + deviceId + "/+",
                "spBv1.0/+/DDEATH/" + deviceId + "/+",
                "spBv1.0/+/DDATA/" + deviceId + "/+");
    }

    /** The topic filters device {@code deviceId} may subscribe to. */
    public static List<String> subscribeFilters(String deviceId) {
        requireValidDeviceId(deviceId);
        return List.of("spBv1.0/+/NCMD/" + deviceId, "spBv1.0/+/DCMD/" + deviceId + "/+");
    }

    /** Whether device {@code deviceId} may publish on {@code topic}. */
    public static boolean devicePublishes(String deviceId, String topic) {
        return publishFilters(deviceId).stream().anyMatch(filter -> matches(filter, topic));
    }

    /** Whether device {@code deviceId} may subscribe to {@code filter}. */
    public static boolean deviceSubscribes(String deviceId, String filter) {
        return covered(subscribeFilters(deviceId), filter);
    }

    /** Whether a service user may publish on {@code topic}. */
    public static boolean servicePublishes(String topic) {
        return SERVICE_PUBLISH.stream().anyMatch(filter -> matches(filter, topic));
    }

    /**
     * Whether every topic {@code requested} matches is matched by one of {@code allowed}, level by level (a
     * shared subscription {@code $share/<group>/<filter>} is judged by its filter).
     */
    public static boolean covered(List<String> allowed, String requested) {
        String filter = sharedFilter(requested);
        return allowed.stream().anyMatch(a -> covers(a, filter));
    }

    /** Whether topic filter {@code filter} matches topic name {@code topic} (MQTT 3.1.1, 4.7). */
    public static boolean matches(String filter, String topic) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(topic, "topic");
        if (topic.isEmpty() || topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            return false;
        }
        // Wildcards at the first level do not match topics starting with '$'.
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length) {
                return false;
            }
            if (!f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }

    /** Whether every topic {@code inner} matches is also matched by {@code outer}. */
    static boolean covers(String outer, String inner) {
        String[] o = outer.split("/", -1);
        String[] n = inner.split("/", -1);
        for (int i = 0; i < o.length; i++) {
            if (o[i].equals("#")) {
                return true;
            }
            if (i >= n.length) {
                return false;
            }
            if (n[i].equals("#")) {
                return false;
            }
            if (o[i].equals("+")) {
                continue;
            }
            if (n[i].equals("+") || !o[i].equals(n[i])) {
                return false;
            }
        }
        return o.length == n.length;
    }

    private static String sharedFilter(String filter) {
        if (filter.startsWith("$share/")) {
            int slash = filter.indexOf('/', "$share/".length());
            return slash < 0 ? filter : filter.substring(slash + 1);
        }
        return filter;
    }
}
