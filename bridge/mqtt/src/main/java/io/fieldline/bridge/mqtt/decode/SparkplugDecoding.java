package io.fieldline.bridge.mqtt.decode;

import java.util.Objects;

/**
 * The outcome of decoding one Sparkplug B message: the readings (or the failure) and how the
 * bridge's alias state must change.
 *
 * @param result the readings or the failure reason
 * @param change state to apply, {@link SparkplugStateChange.Kind#NONE} on failures
 */
public record SparkplugDecoding(DecodeResult result, SparkplugStateChange change) {

    public SparkplugDecoding {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(change, "change");
    }

    static SparkplugDecoding failed(String reason) {
        return new SparkplugDecoding(DecodeResult.failed(reason), SparkplugStateChange.NONE);
    }
}
