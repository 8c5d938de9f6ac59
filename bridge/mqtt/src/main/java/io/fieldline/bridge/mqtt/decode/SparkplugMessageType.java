package io.fieldline.bridge.mqtt.decode;

/** Sparkplug B message types that travel on {@code spBv1.0/<group>/<type>/...} topics. */
public enum SparkplugMessageType {
    NBIRTH(false),
    NDEATH(false),
    NDATA(false),
    NCMD(false),
    DBIRTH(true),
    DDEATH(true),
    DDATA(true),
    DCMD(true);

    private final boolean deviceLevel;

    SparkplugMessageType(boolean deviceLevel) {
        this.deviceLevel = deviceLevel;
    }

    /** Whether the topic carries a device id level. */
    public boolean deviceLevel() {
        return deviceLevel;
    }

    boolean isBirth() {
        return this == NBIRTH || this == DBIRTH;
    }

    boolean isDeath() {
        return this == NDEATH || this == DDEATH;
    }

    boolean isData() {
        return this == NDATA || this == DDATA;
    }
}
