package io.fieldline.bridge.mqtt.route;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How a route's payloads are decoded. */
public enum PayloadFormat {
    /** JSON: an object of metrics, a single reading, an array of either, or a bare number. */
    JSON("json"),
    /** Sparkplug B protobuf on {@code spBv1.0/...} topics. */
    SPARKPLUG_B("sparkplug-b");

    private final String configName;

    PayloadFormat(String configName) {
        this.configName = configName;
    }

    /** The name used in configuration. */
    public String configName() {
        return configName;
    }

    /** The format with that configuration name (case-insensitive). */
    public static PayloadFormat fromConfigName(String name) {
        for (PayloadFormat format : values()) {
            if (format.configName.equalsIgnoreCase(name.trim())) {
                return format;
            }
        }
        throw new IllegalArgumentException("unknown payload format '" + name + "', expected one of " + names());
    }

    /** All configuration names, comma-separated. */
    public static String names() {
        return Arrays.stream(values()).map(PayloadFormat::configName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return configName.toLowerCase(Locale.ROOT);
    }
}
