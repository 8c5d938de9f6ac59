package io.fieldline.topologies.internal;

/** Keys of the compacted metadata topics and of the alert records. */
public final class MetadataKeys {

    private MetadataKeys() {}

    /** Key of metadata.sensors: {@code deviceId/sensor}. */
    public static String sensor(String deviceId, String sensor) {
        return deviceId + "/" + sensor;
    }

    /** Key of telemetry.alerts: {@code ruleId/deviceId/sensor}. */
    public static String alert(String ruleId, String deviceId, String sensor) {
        return ruleId + "/" + deviceId + "/" + sensor;
    }
}
