package io.fieldline.bridge.mqtt.decode;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * Turns the timestamps devices send into instants. Numbers are epoch-based and their unit is
 * told by their magnitude, because devices rarely say which one they use:
 * <ul>
 *   <li>below 10<sup>11</sup>: seconds (fractions allowed), up to the year 5138;</li>
 *   <li>below 10<sup>14</sup>: milliseconds;</li>
 *   <li>below 10<sup>17</sup>: microseconds;</li>
 *   <li>otherwise: nanoseconds.</li>
 * </ul>
 * Strings are ISO-8601 instants with an offset ({@code 2024-05-01T12:00:00Z},
 * {@code 2024-05-01T14:00:00.250+02:00}) or digits read as a number. Instants before
 * {@link #EARLIEST} are refused: they come from devices whose clock was never set. So are instants
 * after the message's {@link DecodeContext#latestEventTime() latest event time}: one reading dated
 * years ahead would advance the stream time of its partition and close every open window, and pin
 * the latest value and last-seen time of its series. Old times are fine (a device sending its
 * buffer after an outage). Results are truncated to milliseconds, the precision of
 * {@code Reading.eventTime}.
 */
final class EventTimes {

    /** Earliest plausible event time: 2000-01-01T00:00:00Z. */
    static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");

    private static final BigDecimal SECONDS_BELOW = new BigDecimal("1e11");
    private static final BigDecimal MILLIS_BELOW = new BigDecimal("1e14");
    private static final BigDecimal MICROS_BELOW = new BigDecimal("1e17");

    private EventTimes() {}

    /**
     * The instant, truncated to milliseconds (the precision of {@code Reading.eventTime}), or
     * throws {@link BadPayloadException} with the reason. Exact decimal arithmetic: a double
     * cannot hold epoch microseconds exactly.
     */
    static Instant fromNumber(BigDecimal value, String field, DecodeContext context) {
        BigDecimal magnitude = value.abs();
        BigDecimal millis;
        if (magnitude.compareTo(SECONDS_BELOW) < 0) {
            millis = value.movePointRight(3);
        } else if (magnitude.compareTo(MILLIS_BELOW) < 0) {
            millis = value;
        } else if (magnitude.compareTo(MICROS_BELOW) < 0) {
            millis = value.movePointLeft(3);
        } else {
            millis = value.movePointLeft(6);
        }
        long epochMillis;
        try {
            epochMillis = millis.setScale(0, RoundingMode.FLOOR).longValueExact();
        } catch (ArithmeticException e) {
            throw new BadPayloadException("timestamp '" + field + "' is out of range: " + value.toPlainString());
        }
        return plausible(Instant.ofEpochMilli(epochMillis), "'" + field + "'", value.toPlainString(), context);
    }

    /** The instant, or throws {@link BadPayloadException} with the reason. */
    static Instant fromText(String text, String field, DecodeContext context) {
        String trimmed = text.trim();
        if (!trimmed.isEmpty() && trimmed.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.')) {
            try {
                return fromNumber(new BigDecimal(trimmed), field, context);
            } catch (NumberFormatException e) {
                throw new BadPayloadException("timestamp '" + field + "' is not a number: \"" + text + "\"");
            }
        }
        Instant instant;
        try {
            instant = OffsetDateTime.parse(trimmed).toInstant().truncatedTo(ChronoUnit.MILLIS);
        } catch (DateTimeParseException e) {
            if (isLocalDateTime(trimmed)) {
                throw new BadPayloadException(
                        "timestamp '" + field + "' has no UTC offset: \"" + text + "\" (add Z or +hh:mm)");
            }
            throw new BadPayloadException(
                    "timestamp '" + field + "' is neither epoch time nor ISO-8601: \"" + text + "\"");
        }
        return plausible(instant, "'" + field + "'", text, context);
    }

    private static boolean isLocalDateTime(String text) {
        try {
            LocalDateTime.parse(text);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /**
     * The instant when it lies between {@link #EARLIEST} and the context's latest event time, else
     * throws {@link BadPayloadException} with the reason.
     *
     * @param what what the timestamp belongs to, as the reason names it ({@code 'ts'}, {@code of payload})
     * @param raw  the timestamp as the payload wrote it
     */
    static Instant plausible(Instant instant, String what, String raw, DecodeContext context) {
        if (instant.isBefore(EARLIEST)) {
            throw new BadPayloadException(
                    "timestamp " + what + " is before 2000-01-01 (" + raw + "): device clock not set?");
        }
        if (instant.isAfter(context.latestEventTime())) {
            throw new BadPayloadException("timestamp " + what + " is in the future: " + instant + " is more than "
                    + describe(context.maxFuture()) + " after the message was received (" + context.ingestTime()
                    + "): device clock wrong?");
        }
        return instant;
    }

    private static String describe(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
