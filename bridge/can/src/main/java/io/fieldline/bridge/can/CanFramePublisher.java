package io.fieldline.bridge.can;

import io.fieldline.can.CanFrame;
import io.fieldline.bridge.can.candump.FrameListener;
import io.fieldline.schemas.Topics;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.deadletter.DeadLetterRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes what the CAN inputs read: each frame is decoded ({@link CanReadingMapper}) and its readings sent to
 * the readings topic keyed by device id, with the reading's event time as record timestamp; optionally the raw
 * frame goes to {@code can.frames}. Malformed lines, undecodable frames, frames dated in the future and (optionally) unknown ids go to the
 * {@code deadletter.can} topic with the reason, the source and the line number in
 * {@link io.fieldline.schemas.DeadLetterHeaders}; all of them are counted, none stops the input.
 *
 * <p>A send that Kafka finally rejects (the idempotent producer retries up to its delivery timeout) is
 * counted and makes the next {@link #onFrame} throw, so that an input fails loudly rather than losing data.
 * Thread-safe: calls are serialized.
 *
 * <p>Meters: {@code fieldline.can.frames} (tag {@code outcome}: decoded, truncated, unknown_id, remote,
 * undecodable, future_timestamp), {@code fieldline.can.signals}, {@code fieldline.can.malformed.lines},
 * {@code fieldline.can.deadletters} (tag {@code reason}) and {@code fieldline.can.send.failures}.
 */
public final class CanFramePublisher implements FrameListener {

    private static final Logger LOG = LoggerFactory.getLogger(CanFramePublisher.class);
    private static final String STAGE = "can";
    /** Largest dead-letter value, well under Kafka's default 1 MB record limit. */
    static final int DEAD_LETTER_VALUE_LIMIT = 64 * 1024;

    private final CanReadingMapper mapper;
    private final Producer<byte[], byte[]> producer;
    private final Topics topics;
    private final boolean publishFrames;
    private final boolean deadLetterUnknown;
    private final Clock clock;
    private final Serializer<Reading> readingSerializer;
    private final Serializer<io.fieldline.schemas.avro.CanFrame> frameSerializer;

    private final Map<CanReadingMapper.Outcome, Counter> frameCounters = new LinkedHashMap<>();
    private final Counter signalCounter;
    private final Counter malformedCounter;
    private final Counter sendFailureCounter;
    private final Map<String, Counter> deadLetterCounters = new LinkedHashMap<>();

    private final Map<CanReadingMapper.Outcome, LongAdder> frames = new LinkedHashMap<>();
    private final LongAdder signals = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder deadLetters = new LongAdder();
    private final LongAdder sendFailures = new LongAdder();
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    /**
     * @param mapper            frame to readings
     * @param producer          a byte-array producer (idempotent, acks=all); values are serialized here
     * @param topics            topic catalogue: names and serdes
     * @param publishFrames     also send raw frames to {@code can.frames}
     * @param deadLetterUnknown dead-letter frames of unknown ids (they are counted either way)
     * @param registry          meters
     * @param clock             ingest time
     */
    public CanFramePublisher(CanReadingMapper mapper, Producer<byte[], byte[]> producer, Topics topics,
                             boolean publishFrames, boolean deadLetterUnknown, MeterRegistry registry, Clock clock) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.publishFrames = publishFrames;
        this.deadLetterUnknown = deadLetterUnknown;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.readingSerializer = topics.readings().valueSerde().serializer();
        this.frameSerializer = topics.canFrames().valueSerde().serializer();
        for (CanReadingMapper.Outcome o : CanReadingMapper.Outcome.values()) {
            frameCounters.put(o, Counter.builder("fieldline.can.frames").tag("outcome", o.name().toLowerCase(java.util.Locale.ROOT))
                    .description("CAN frames read, by what became of them").register(registry));
            frames.put(o, new LongAdder());
        }
        signalCounter = Counter.builder("fieldline.can.signals").description("Signals published as readings")
                .register(registry);
        malformedCounter = Counter.builder("fieldline.can.malformed.lines")
                .description("Input lines that are not CAN frames").register(registry);
        sendFailureCounter = Counter.builder("fieldline.can.send.failures")
                .description("Records Kafka finally rejected").register(registry);
        for (String reason : new String[] {"malformed", "unknown_id", "undecodable", "future_timestamp"}) {
            deadLetterCounters.put(reason, Counter.builder("fieldline.can.deadletters").tag("reason", reason)
                    .description("Records written to the CAN dead-letter topic").register(registry));
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
        Completion done = new Completion();
        Instant ingest = clock.instant();
        String readingsTopic = topics.readings().name();
        CanReadingMapper.Outcome outcome = mapper.map(frame, ingest, reading -> {
            byte[] value = readingSerializer.serialize(readingsTopic, reading);
            send(new ProducerRecord<>(readingsTopic, null, reading.getEventTime().toEpochMilli(),
                    reading.getDeviceId().getBytes(StandardCharsets.UTF_8), value), done);
            signals.increment();
            signalCounter.increment();
        });
        // After the mapping, which refuses frames dated in the future: the raw frame would carry that time too.
        if (publishFrames && outcome != CanReadingMapper.Outcome.FUTURE_TIMESTAMP) {
            String topic = topics.canFrames().name();
            byte[] value = frameSerializer.serialize(topic, toAvro(frame, ingest));
            send(new ProducerRecord<>(topic, null, frameTimestamp(frame, ingest),
                    (frame.iface() + "/" + frame.idText()).getBytes(StandardCharsets.UTF_8), value), done);
        }
        frames.get(outcome).increment();
        frameCounters.get(outcome).increment();
        switch (outcome) {
            case UNKNOWN_ID -> {
                if (deadLetterUnknown) {
                    deadLetter(frame.toCandumpLog(), source, line, mapper.lastProblem(), "unknown_id", done);
                }
            }
            case UNDECODABLE -> deadLetter(frame.toCandumpLog(), source, line, mapper.lastProblem(), "undecodable", done);
            case FUTURE_TIMESTAMP -> deadLetter(frame.toCandumpLog(), source, line, mapper.lastProblem(),
                    "future_timestamp", done);
            default -> {
                // decoded, truncated or remote: nothing more to say
            }
        }
        return done.seal();
    }

    /** Dead-letters a line that is not a frame. */
    public synchronized CompletableFuture<Void> publishMalformed(String text, String source, long line, String reason) {
        Completion done = new Completion();
        malformed.increment();
        malformedCounter.increment();
        LOG.debug("Malformed CAN input {} line {}: {}", source, line, reason);
        deadLetter(text, source, line, reason, "malformed", done);
        return done.seal();
    }

    private void deadLetter(String text, String source, long line, String reason, String kind, Completion done) {
        byte[] value = text.getBytes(StandardCharsets.UTF_8);
        if (value.length > DEAD_LETTER_VALUE_LIMIT) {
            // A record Kafka refuses stops the input: keep the evidence that fits (a huge Redis entry, say).
            reason = reason + " (dead letter holds the first " + DEAD_LETTER_VALUE_LIMIT + " of " + value.length + " bytes)";
            value = java.util.Arrays.copyOf(value, DEAD_LETTER_VALUE_LIMIT);
        }
        ProducerRecord<byte[], byte[]> record = DeadLetterRecords.builder(topics.names(), STAGE)
                .value(value)
                .reason(reason, null)
                .source(source, null, line)
                .clock(clock)
                .build();
        deadLetters.increment();
        deadLetterCounters.get(kind).increment();
        send(record, done);
    }

    private void send(ProducerRecord<byte[], byte[]> record, Completion done) {
        done.pending.incrementAndGet();
        Callback callback = (metadata, exception) -> {
            if (exception != null) {
                sendFailures.increment();
                sendFailureCounter.increment();
                if (failure.compareAndSet(null, exception)) {
                    LOG.error("Kafka rejected a record for topic {}; the CAN input will stop", record.topic(), exception);
                }
                done.future.completeExceptionally(exception);
            } else {
                done.arrive();
            }
        };
        producer.send(record, callback);
    }

    /** Throws when Kafka finally rejected a record earlier. */
    public void checkNoSendFailure() {
        Exception e = failure.get();
        if (e != null) {
            throw new IllegalStateException("Kafka rejected CAN bridge records: " + e.getMessage(), e);
        }
    }

    /** Sends everything buffered and waits for the acknowledgements. */
    public void flush() {
        producer.flush();
    }

    /** What was read and sent so far. */
    public Counts counts() {
        return new Counts(frames.values().stream().mapToLong(LongAdder::sum).sum(),
                frames.get(CanReadingMapper.Outcome.DECODED).sum(), frames.get(CanReadingMapper.Outcome.TRUNCATED).sum(),
                frames.get(CanReadingMapper.Outcome.UNKNOWN_ID).sum(), frames.get(CanReadingMapper.Outcome.REMOTE).sum(),
                frames.get(CanReadingMapper.Outcome.UNDECODABLE).sum(),
                frames.get(CanReadingMapper.Outcome.FUTURE_TIMESTAMP).sum(), signals.sum(), malformed.sum(),
                deadLetters.sum(), sendFailures.sum());
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
     * @param sendFailures   records Kafka finally rejected
     */
    public record Counts(long frames, long decoded, long truncated, long unknownIds, long remote, long undecodable,
                         long futureTimes, long signals, long malformedLines, long deadLetters, long sendFailures) {

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
                ? Instant.ofEpochSecond(Math.floorDiv(frame.timestampMicros(), 1_000_000L),
                        Math.floorMod(frame.timestampMicros(), 1_000_000L) * 1000L)
                : ingest;
        return new io.fieldline.schemas.avro.CanFrame(frame.iface(), frame.id(), frame.extended(), frame.fd(),
                frame.remote(), frame.fdFlags(), ByteBuffer.wrap(frame.data()), ts);
    }

    private static long frameTimestamp(CanFrame frame, Instant ingest) {
        return frame.hasTimestamp() ? Math.floorDiv(frame.timestampMicros(), 1000L) : ingest.toEpochMilli();
    }

    /** Completes when every record of one frame is acknowledged. */
    private static final class Completion {
        // Starts at one: the frame itself, released by seal() once every record was handed to the producer.
        final AtomicInteger pending = new AtomicInteger(1);
        final CompletableFuture<Void> future = new CompletableFuture<>();

        void arrive() {
            if (pending.decrementAndGet() == 0) {
                future.complete(null);
            }
        }

        CompletableFuture<Void> seal() {
            arrive();
            return future;
        }
    }
}
