package io.fieldline.bridge.mqtt.decode;

import io.fieldline.schemas.avro.Reading;
import java.util.List;
import java.util.Objects;

/**
 * What a payload decoder made of one MQTT message: readings, or the precise reason why none
 * could be made. Decoders return a {@link Failed} for bad input and never throw for it, so the
 * bridge can dead-letter the message and carry on.
 */
public sealed interface DecodeResult permits DecodeResult.Decoded, DecodeResult.Failed {

    /** Decoded readings, in payload order. */
    static DecodeResult decoded(List<Reading> readings) {
        return new Decoded(readings, 0);
    }

    /** A decode failure; {@code reason} is written to the dead-letter headers as it is. */
    static DecodeResult failed(String reason) {
        return new Failed(reason);
    }

    /**
     * The message decoded. {@code readings} may be empty (a stale Sparkplug death certificate, a
     * birth with only non-numeric metrics): the message is then acknowledged with nothing written.
     *
     * @param readings       the readings, in payload order
     * @param skippedMetrics metrics deliberately not turned into readings (non-numeric Sparkplug
     *                       metrics, transient or null ones); counted, not dead-lettered
     */
    record Decoded(List<Reading> readings, int skippedMetrics) implements DecodeResult {
        public Decoded {
            readings = List.copyOf(readings);
            if (skippedMetrics < 0) {
                throw new IllegalArgumentException("skippedMetrics < 0");
            }
        }
    }

    /** The message cannot be decoded; {@code reason} says why in words, naming the offending field. */
    record Failed(String reason) implements DecodeResult {
        public Failed {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
