package io.fieldline.bridge.can;

import io.fieldline.can.CanFrame;
import io.fieldline.can.dbc.DbcMessage;
import io.fieldline.can.dbc.DbcSignal;
import io.fieldline.can.decode.DbcDecoder;
import io.fieldline.can.decode.DecodeStatus;
import io.fieldline.can.decode.DecodedSignals;
import io.fieldline.can.decode.MessageDecoder;
import io.fieldline.schemas.avro.Quality;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.avro.Source;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * CAN frame + DBC to {@link Reading}s: a pure decoder, no I/O. One reading per decoded signal, keyed by the
 * mapped device id; source CAN; event time from the frame's receive time (the ingest time when the frame has
 * none); unit from the DBC; attributes {@code can.id} (candump-style hex), {@code can.message},
 * {@code can.interface} and, when the raw value has a value description, {@code label}. Quality is BAD when the
 * value lies outside the signal's DBC {@code [min|max]} range (with range checking on), GOOD otherwise.
 *
 * <p>A frame whose receive time lies further after the ingest time than the tolerance
 * ({@code can.event.time.max.future.ms}) is refused as {@link Outcome#FUTURE_TIMESTAMP}: one reading dated years
 * ahead would advance the stream time of its partition, close every open window and pin its series' latest value.
 * Old times are fine: replaying a log with its original timestamps is what they are for.
 *
 * <p>Not thread-safe: it reuses one decode buffer. Use one per input thread.
 */
public final class CanReadingMapper {

    /** What became of a frame. */
    public enum Outcome {
        /** Every selected signal decoded. */
        DECODED,
        /** Shorter than its message: the signals that fit were decoded. */
        TRUNCATED,
        /** The DBC has no message with this id. */
        UNKNOWN_ID,
        /** A remote transmission request: no data to decode. */
        REMOTE,
        /** Too short (truncation not allowed) or an unknown multiplexer value: nothing decoded. */
        UNDECODABLE,
        /** Dated further ahead of its ingest time than the tolerance: nothing decoded. */
        FUTURE_TIMESTAMP
    }

    /** How far ahead of the ingest time a frame's timestamp may be unless configured otherwise: five minutes. */
    public static final Duration DEFAULT_MAX_FUTURE = Duration.ofMinutes(5);

    private static final String ATTR_ID = "can.id";
    private static final String ATTR_MESSAGE = "can.message";
    private static final String ATTR_INTERFACE = "can.interface";
    private static final String ATTR_LABEL = "label";

    private final DbcDecoder decoder;
    private final SignalMapping mapping;
    private final boolean allowTruncated;
    private final boolean rangeCheck;
    private final Duration maxFuture;
    private final DecodedSignals buffer = new DecodedSignals();
    private final byte[] payload = new byte[64];
    private final Map<MessageDecoder, Map<String, Resolved[]>> cache = new IdentityHashMap<>();
    private String lastProblem;

    /** Per signal and interface: where it goes and the attributes every reading of it carries. */
    private record Resolved(
            SignalMapping.Target target,
            Map<String, String> attributes,
            String idText,
            String messageName,
            String iface,
            Double min,
            Double max) {}

    /**
     * @param decoder        compiled DBC
     * @param mapping        device and sensor names
     * @param allowTruncated decode the signals that fit in frames shorter than their message
     * @param rangeCheck     mark values outside the DBC range BAD
     * @param maxFuture      how far after the ingest time a frame's timestamp may lie
     */
    public CanReadingMapper(
            DbcDecoder decoder, SignalMapping mapping, boolean allowTruncated, boolean rangeCheck, Duration maxFuture) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.mapping = Objects.requireNonNull(mapping, "mapping");
        this.allowTruncated = allowTruncated;
        this.rangeCheck = rangeCheck;
        this.maxFuture = Objects.requireNonNull(maxFuture, "maxFuture");
        if (maxFuture.isNegative()) {
            throw new IllegalArgumentException("maxFuture < 0: " + maxFuture);
        }
    }

    /** As above, with the {@link #DEFAULT_MAX_FUTURE default} tolerance for timestamps ahead of the ingest time. */
    public CanReadingMapper(DbcDecoder decoder, SignalMapping mapping, boolean allowTruncated, boolean rangeCheck) {
        this(decoder, mapping, allowTruncated, rangeCheck, DEFAULT_MAX_FUTURE);
    }

    /** The compiled DBC. */
    public DbcDecoder decoder() {
        return decoder;
    }

    /**
     * Decodes a frame and hands each reading to {@code out}.
     *
     * @param ingestTime when Fieldline received the frame; also the event time of frames without a timestamp
     */
    public Outcome map(CanFrame frame, Instant ingestTime, Consumer<Reading> out) {
        lastProblem = null;
        // Checked first: the raw frame (can.frames) carries the same time as its readings would.
        Instant eventTime = frame.hasTimestamp() ? frameTime(frame) : ingestTime;
        if (eventTime.isAfter(ingestTime.plus(maxFuture))) {
            long millis = maxFuture.toMillis();
            lastProblem = "frame timestamp is in the future: " + eventTime + " is more than "
                    + (millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms") + " after the frame was received ("
                    + ingestTime + ") (CAN id " + frame.idText() + " on " + frame.iface() + ")";
            return Outcome.FUTURE_TIMESTAMP;
        }
        if (frame.remote()) {
            return Outcome.REMOTE;
        }
        MessageDecoder d = decoder.find(frame.id(), frame.extended());
        if (d == null) {
            lastProblem = "unknown CAN id " + frame.idText() + " on " + frame.iface() + ": no message in the DBC";
            return Outcome.UNKNOWN_ID;
        }
        int len = frame.copyData(payload, 0);
        DecodeStatus status = d.decode(payload, 0, len, allowTruncated, buffer);
        if (!status.decoded()) {
            lastProblem = buffer.problem() + " (CAN id " + frame.idText() + " on " + frame.iface() + ")";
            return Outcome.UNDECODABLE;
        }
        Resolved[] resolved = resolved(d, frame.iface());
        for (int i = 0; i < buffer.count(); i++) {
            Resolved r = resolved[buffer.position(i)];
            double value = buffer.value(i);
            String label = buffer.label(i);
            Map<String, String> attributes = label == null
                    ? r.attributes()
                    : Map.of(
                            ATTR_ID,
                            r.idText(),
                            ATTR_MESSAGE,
                            r.messageName(),
                            ATTR_INTERFACE,
                            r.iface(),
                            ATTR_LABEL,
                            label);
            Quality quality =
                    rangeCheck && ((r.min() != null && value < r.min()) || (r.max() != null && value > r.max()))
                            ? Quality.BAD
                            : Quality.GOOD;
            out.accept(new Reading(
                    r.target().deviceId(),
                    r.target().sensor(),
                    value,
                    buffer.unit(i),
                    eventTime,
                    ingestTime,
                    Source.CAN,
                    quality,
                    null,
                    null,
                    null,
                    attributes));
        }
        return status == DecodeStatus.TRUNCATED ? Outcome.TRUNCATED : Outcome.DECODED;
    }

    /** A frame's receive time as an instant. */
    static Instant frameTime(CanFrame frame) {
        return Instant.ofEpochSecond(
                Math.floorDiv(frame.timestampMicros(), 1_000_000L),
                Math.floorMod(frame.timestampMicros(), 1_000_000L) * 1000L);
    }

    /** Why the last frame was not decoded (unknown id, undecodable, dated in the future), else null. */
    public String lastProblem() {
        return lastProblem;
    }

    /** The message of a frame id, or null. */
    public DbcMessage message(CanFrame frame) {
        MessageDecoder d = decoder.find(frame.id(), frame.extended());
        return d == null ? null : d.message();
    }

    private Resolved[] resolved(MessageDecoder d, String iface) {
        return cache.computeIfAbsent(d, k -> new HashMap<>()).computeIfAbsent(iface, k -> {
            DbcMessage m = d.message();
            Resolved[] r = new Resolved[d.signalCount()];
            Map<String, String> attributes = Map.of(ATTR_ID, m.idText(), ATTR_MESSAGE, m.name(), ATTR_INTERFACE, iface);
            for (int p = 0; p < r.length; p++) {
                DbcSignal s = d.signalAt(p);
                r[p] = new Resolved(
                        mapping.resolve(iface, m, s),
                        attributes,
                        m.idText(),
                        m.name(),
                        iface,
                        s.minimum(),
                        s.maximum());
            }
            return r;
        });
    }
}
