package io.fieldline.bridge.can;

import io.fieldline.bridge.can.candump.FrameListener;
import io.fieldline.bridge.ingress.IngressPublisher;
import io.fieldline.bridge.ingress.Origin;
import io.fieldline.can.CanFrame;
import io.fieldline.schemas.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes what the CAN inputs read: each frame is decoded ({@link CanReadingMapper}) and its readings sent to
 * the readings topic keyed by device id, with the reading's event time as record timestamp; optionally the raw
 * frame goes to {@code can.frames}. Malformed lines, undecodable frames, frames dated in the future and
 * (optionally) unknown ids go to the {@code deadletter.can} topic with the reason, the source and the line number in
 * {@link io.fieldline.schemas.DeadLetterHeaders}; all of them are counted, none stops the input.
 *
 * <p>Everything goes through the shared {@link IngressPublisher} (source {@code can}), one batch per frame or
 * line, and follows its one failure policy: a record Kafka refuses for itself (too large) dead-letters its frame
 * and the input goes on; when the producer gives up on a transient error (after retrying in place for its
 * delivery timeout) the publisher fails, and the next {@link #onFrame} throws, so that an input fails loudly
 * rather than losing data or sending out of order. Thread-safe: calls are serialized.
 *
 * <p>Meters: {@code fieldline.can.frames} (tag {@code outcome}: decoded, truncated, unknown_id, remote,
 * undecodable, future_timestamp), {@code fieldline.can.signals}, {@code fieldline.can.malformed.lines},
 * {@code fieldline.can.deadletters} (tag {@code reason}), and the publisher's {@code fieldline.ingress.*} meters
 * tagged {@code source=can}.
 */
public final class CanFramePublisher implements FrameListener {

    private static final Logger LOG = LoggerFactory.getLogger(CanFramePublisher.class);
    /** Stage name of this bridge's dead letters ({@code deadletter.can}) and its ingress source. */
    public static final String STAGE = "can";

    /** Counter, tagged {@code outcome} ({@link CanReadingMapper.Outcome}, lower case): CAN frames read. */
    public static final String METER_FRAMES = "fieldline.can.frames";
    /** Counter: signals published as readings. */
    public static final String METER_SIGNALS = "fieldline.can.signals";
    /** Counter: input lines that are not CAN frames. */
    public static final String METER_MALFORMED_LINES = "fieldline.can.malformed.lines";
    /** Counter, tagged {@code reason} (one of {@link #DEAD_LETTER_REASONS}): records written to the dead-letter topic. */
    public static final String METER_DEAD_LETTERS = "fieldline.can.deadletters";
    /** The {@code reason} tags of {@link #METER_DEAD_LETTERS}, also the dead letters' reason tags at the publisher. */
    public static final List<String> DEAD_LETTER_REASONS =
            List.of("malformed", "unknown_id", "undecodable", "future_timestamp");

    private final CanReadingMapper mapper;
    private final IngressPublisher publisher;
    private final Topics topics;
    private final boolean publishFrames;
    private final boolean deadLetterUnknown;
    private final Clock clock;
    private final Serializer<io.fieldline.schemas.avro.CanFrame> frameSerializer;

    private final Map<CanReadingMapper.Outcome, Counter> frameCounters = new LinkedHashMap<>();
    private final Counter signalCounter;
    private final Counter malformedCounter;
    private final Map<String, Counter> deadLetterCounters = new LinkedHashMap<>();

    private final Map<CanReadingMapper.Outcome, LongAdder> frames = new LinkedHashMap<>();
    private final LongAdder signals = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder deadLetters = new LongAdder();

    /**
     * @param mapper            frame to readings
     * @param publisher         the ingress publisher (source {@code can}) that owns the Kafka producer
     * @param topics            topic catalogue: names and the raw frames' serde
     * @param publishFrames     also send raw frames to {@code can.frames}
     * @param deadLetterUnknown dead-letter frames of unknown ids (they are counted either way)
     * @param registry          meters
     * @param clock             ingest time
     */
    public CanFramePublisher(
            CanReadingMapper mapper,
            IngressPublisher publisher,
            Topics topics,
            boolean publishFrames,
            boolean deadLetterUnknown,
            MeterRegistry registry,
            Clock clock) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.publishFrames = publishFrames;
        this.deadLetterUnknown = deadLetterUnknown;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.frameSerializer = topics.canFrames().valueSerde().serializer();
        for (CanReadingMapper.Outcome o : CanReadingMapper.Outcome.values()) {
            frameCounters.put(
                    o,
                    Counter.builder(METER_FRAMES)
                            .tag("outcome", o.name().toLowerCase(java.util.Locale.ROOT))
                            .description("CAN frames read, by what became of them")
                            .register(registry));
            frames.put(o, new LongAdder());
        }
        signalCounter = Counter.builder(METER_SIGNALS)
                .description("Signals published as readings")
                .register(registry);
        malformedCounter = Counter.builder(METER_MALFORMED_LINES)
                .description("Input lines that are not CAN frames")
                .register(registry);
        for (String reason : DEAD_LETTER_REASONS) {
            deadLetterCounters.put(
                    reason,
                    Counter.builder(METER_DEAD_LETTERS)
                            .tag("reason", reason)
                            .description("Records written to the CAN dead-letter topic")
                            .register(registry));
        }
    }

    @Override
    public void onFrame(CanFrame frame, String source, long line) {
        checkNoSendFailure();
        publish(frame, source, line);
    }

    @Override
    public void onMalformed(String text, String source, long line, String reason) {
        publishMalformed(text, source, line, reason);
    }

    /**
     * Decodes and sends one frame.
     *
     * @return completes when Kafka acknowledged every record of the frame (at once when there were none),
     *         exceptionally when one was rejected
     */
    public synchronized CompletableFuture<Void> publish(CanFrame frame, String source, long line) {
        IngressPublisher.Batch batch = publisher.batch(
                Origin.line(source, line, () -> frame.toCandumpLog().getBytes(StandardCharsets.UTF_8)));
        Instant ingest = clock.instant();
        String readingsTopic = topics.readings().name();
        CanReadingMapper.Outcome outcome = mapper.map(frame, ingest, reading -> {
            batch.reading(readingsTopic, reading);
            signals.increment();
            signalCounter.increment();
        });
        // After the mapping, which refuses frames dated in the future: the raw frame would carry that time too.
        if (publishFrames && outcome != CanReadingMapper.Outcome.FUTURE_TIMESTAMP) {
            batch.record(
                    topics.canFrames().name(),
                    (frame.iface() + "/" + frame.idText()).getBytes(StandardCharsets.UTF_8),
                    toAvro(frame, ingest),
                    frameSerializer,
                    frameTimestamp(frame, ingest));
        }
        frames.get(outcome).increment();
        frameCounters.get(outcome).increment();
        switch (outcome) {
            case UNKNOWN_ID -> {
                if (deadLetterUnknown) {
                    deadLetter(batch, mapper.lastProblem(), "unknown_id");
                }
            }
            case UNDECODABLE -> deadLetter(batch, mapper.lastProblem(), "undecodable");
            case FUTURE_TIMESTAMP -> deadLetter(batch, mapper.lastProblem(), "future_timestamp");
            default -> {
                // decoded, truncated or remote: nothing more to say
            }
        }
        return batch.seal().thenApply(sent -> null);
    }

    /** Dead-letters a line that is not a frame. */
    public synchronized CompletableFuture<Void> publishMalformed(String text, String source, long line, String reason) {
        IngressPublisher.Batch batch =
                publisher.batch(Origin.line(source, line, () -> text.getBytes(StandardCharsets.UTF_8)));
        malformed.increment();
        malformedCounter.increment();
        LOG.debug("Malformed CAN input {} line {}: {}", source, line, reason);
        deadLetter(batch, reason, "malformed");
        return batch.seal().thenApply(sent -> null);
    }

    private void deadLetter(IngressPublisher.Batch batch, String reason, String kind) {
        deadLetters.increment();
        deadLetterCounters.get(kind).increment();
        batch.deadLetter(kind, reason, null);
    }

    /** Throws when the publisher failed: Kafka did not take a record within the producer's delivery timeout. */
    public void checkNoSendFailure() {
        if (publisher.state() == IngressPublisher.State.FAILED) {
            Throwable e = publisher.failureCause();
            throw new IllegalStateException(
                    "Kafka rejected CAN bridge records: " + (e == null ? "" : e.getMessage()), e);
        }
    }

    /** Sends everything buffered and waits for the acknowledgements. */
    public void flush() {
        publisher.flush();
    }

    /** What was read and sent so far. */
    public Counts counts() {
        return new Counts(
                frames.values().stream().mapToLong(LongAdder::sum).sum(),
                frames.get(CanReadingMapper.Outcome.DECODED).sum(),
                frames.get(CanReadingMapper.Outcome.TRUNCATED).sum(),
                frames.get(CanReadingMapper.Outcome.UNKNOWN_ID).sum(),
                frames.get(CanReadingMapper.Outcome.REMOTE).sum(),
                frames.get(CanReadingMapper.Outcome.UNDECODABLE).sum(),
                frames.get(CanReadingMapper.Outcome.FUTURE_TIMESTAMP).sum(),
                signals.sum(),
                malformed.sum(),
                deadLetters.sum(),
                publisher.sendErrors());
    }

    /**
     * Counters of the bridge.
     *
     * @param frames         frames read
     * @param decoded        frames fully decoded
     * @param truncated      frames partly decoded (shorter than their message)
     * @param unknownIds     frames whose id the DBC does not know
     * @param remote         remote frames (nothing to decode)
     * @param undecodable    frames too short or with an unknown multiplexer value
     * @param futureTimes    frames dated further ahead of their receipt than the tolerance
     * @param signals        readings sent
     * @param malformedLines input lines that were not frames
     * @param deadLetters    records sent to the dead-letter topic
     * @param sendFailures   records Kafka did not take (dead-lettered or failing the publisher), from the publisher
     */
    public record Counts(
            long frames,
            long decoded,
            long truncated,
            long unknownIds,
            long remote,
            long undecodable,
            long futureTimes,
            long signals,
            long malformedLines,
            long deadLetters,
            long sendFailures) {

        /** As an ordered map, for summaries. */
        public Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("frames", frames);
            m.put("decoded", decoded);
            m.put("truncated", truncated);
            m.put("unknownIds", unknownIds);
            m.put("remote", remote);
            m.put("undecodable", undecodable);
            m.put("futureTimes", futureTimes);
            m.put("signals", signals);
            m.put("malformedLines", malformedLines);
            m.put("deadLetters", deadLetters);
            m.put("sendFailures", sendFailures);
            return m;
        }
    }

    /** The Avro form of a frame for the can.frames topic. */
    static io.fieldline.schemas.avro.CanFrame toAvro(CanFrame frame, Instant ingest) {
        Instant ts = frame.hasTimestamp()
                ? Instant.ofEpochSecond(
                        Math.floorDiv(frame.timestampMicros(), 1_000_000L),
                        Math.floorMod(frame.timestampMicros(), 1_000_000L) * 1000L)
                : ingest;
        return new io.fieldline.schemas.avro.CanFrame(
                frame.iface(),
                frame.id(),
                frame.extended(),
                frame.fd(),
                frame.remote(),
                frame.fdFlags(),
                ByteBuffer.wrap(frame.data()),
                ts);
    }

    private static long frameTimestamp(CanFrame frame, Instant ingest) {
        return frame.hasTimestamp() ? Math.floorDiv(frame.timestampMicros(), 1000L) : ingest.toEpochMilli();
    }
}
