package io.fieldline.bridge.ingress;

import io.fieldline.schemas.TopicNames;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.schemas.deadletter.DeadLetterRecords;
import io.fieldline.schemas.registry.SchemaRegistryClient;
import io.fieldline.schemas.serde.AvroSerdes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way an edge (MQTT, CAN, later HTTP ingest and CSV import) puts what it receives on Kafka: it owns the
 * Kafka producer, writes {@link Reading}s (Avro, Confluent wire format, key = device id, record timestamp = event
 * time) and other records, writes dead letters ({@link DeadLetterRecords}, topic {@code deadletter.<source>}), and
 * applies one failure policy.
 *
 * <h2>Batches</h2>
 * Everything made from one source message (an MQTT message, a CAN frame, an HTTP request) goes into one
 * {@link Batch}; {@link Batch#seal()} returns a future that completes when Kafka has acknowledged every record of
 * the batch (or the dead letter that replaced them). Edges acknowledge their source message upstream (MQTT PUBACK,
 * Redis XACK) only then.
 *
 * <h2>Failure policy</h2>
 * <ul>
 *   <li><b>Transient errors</b> are retried in place by the producer: idempotent, {@code acks=all}, at most five
 *       requests in flight, unbounded retries within {@code delivery.timeout.ms}. Kafka keeps a partition's
 *       records in order across those retries, so a retried record never overtakes, nor falls behind, another
 *       record of its key. Nothing is ever sent again later by the publisher: by then newer records of the key
 *       may be in Kafka.</li>
 *   <li>When the producer <b>gives up</b> on a transient error (the delivery timeout passed), or meets an error
 *       that is neither transient nor the record's fault (authorization, a fenced producer), the publisher
 *       <b>fails</b>: {@link #state()} is {@link State#FAILED}, {@link #failure()} completes exceptionally with the
 *       cause, every batch not yet complete and every later one completes exceptionally, and nothing more is sent.
 *       The edge stops without acknowledging anything more, so its source redelivers in order after a restart.</li>
 *   <li><b>Permanent errors</b> belong to one record ({@link SendErrorKind#permanent()}: too large, not
 *       serializable, refused as invalid): the batch's source message goes to the dead-letter topic with the reason,
 *       the batch's remaining records are not sent, and publishing goes on. A dead letter that is itself too large
 *       is cut down (its payload to {@value #DEAD_LETTER_PAYLOAD_LIMIT} bytes, then without the source's headers,
 *       then without payload), saying so in headers, rather than stopping anything.</li>
 * </ul>
 *
 * <h2>Meters</h2>
 * The same names for every edge, tagged {@code source} ({@code mqtt}, {@code can}, ...) and {@code client.id}:
 * {@value #METER_SENT} (records Kafka acknowledged, dead letters excepted), {@value #METER_ERRORS} (tag {@code kind},
 * see {@link SendErrorKind}), {@value #METER_DEAD_LETTERS} (dead letters Kafka acknowledged, tag {@code reason}) and
 * {@value #METER_IN_FLIGHT} (records handed to the producer and not yet acknowledged).
 *
 * <p>Thread-safe; one batch is filled by one thread at a time.
 */
public final class IngressPublisher implements AutoCloseable {

    public static final String METER_SENT = "fieldline.ingress.records.sent";
    public static final String METER_ERRORS = "fieldline.ingress.send.errors";
    public static final String METER_DEAD_LETTERS = "fieldline.ingress.deadletters";
    public static final String METER_IN_FLIGHT = "fieldline.ingress.inflight";

    /** Payload bytes a dead letter keeps when the whole payload is too large for Kafka. */
    public static final int DEAD_LETTER_PAYLOAD_LIMIT = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(IngressPublisher.class);

    /** Lifecycle of a publisher. */
    public enum State {
        RUNNING,
        FAILED,
        CLOSED
    }

    /**
     * What became of a batch.
     *
     * @param records     records Kafka acknowledged (dead letters excepted)
     * @param deadLetter  the reason tag of the batch's dead letter, or null when there was none
     */
    public record Outcome(int records, String deadLetter) {

        /** Whether the source message went to the dead-letter topic. */
        public boolean deadLettered() {
            return deadLetter != null;
        }
    }

    private final IngressSettings settings;
    private final TopicNames topicNames;
    private final Serializer<Reading> readingSerializer;
    private final Producer<byte[], byte[]> producer;
    /** The producer's own metrics (retries, errors, batch sizes, latencies) as {@code kafka_producer_*}. */
    private final KafkaClientMetrics producerMetrics;

    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter sent;
    private final Map<SendErrorKind, Counter> errors = new EnumMap<>(SendErrorKind.class);
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Gauge inFlightGauge;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
    private final AtomicReference<Throwable> cause = new AtomicReference<>();
    private final CompletableFuture<Void> failure = new CompletableFuture<>();
    // Dead letters decided in a producer callback are sent from here: the producer's I/O thread must not
    // block in send() (metadata of the dead-letter topic, a full buffer). It never re-sends a failed record.
    private final ExecutorService deadLetterSender;

    /**
     * A publisher writing readings with the given serializer.
     *
     * @param settings          producer settings and the source's name
     * @param topicNames        the readings topic and {@code deadletter.<source>}
     * @param readingSerializer value serializer of {@link Reading} (Confluent wire-format Avro in production)
     * @param registry          where the meters go
     */
    public IngressPublisher(
            IngressSettings settings,
            TopicNames topicNames,
            Serializer<Reading> readingSerializer,
            MeterRegistry registry) {
        this(settings, topicNames, readingSerializer, registry, new KafkaProducer<>(settings.producerProperties()));
    }

    IngressPublisher(
            IngressSettings settings,
            TopicNames topicNames,
            Serializer<Reading> readingSerializer,
            MeterRegistry registry,
            Producer<byte[], byte[]> producer) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.topicNames = Objects.requireNonNull(topicNames, "topicNames");
        this.readingSerializer = Objects.requireNonNull(readingSerializer, "readingSerializer");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.producer = Objects.requireNonNull(producer, "producer");
        this.producerMetrics = new KafkaClientMetrics(producer);
        producerMetrics.bindTo(registry);
        this.tags = Tags.of("source", settings.source(), "client.id", settings.clientId());
        this.sent = Counter.builder(METER_SENT)
                .tags(tags)
                .description("Records Kafka acknowledged (dead letters excepted)")
                .register(registry);
        for (SendErrorKind kind : SendErrorKind.values()) {
            errors.put(
                    kind,
                    Counter.builder(METER_ERRORS)
                            .tags(tags.and("kind", kind.tag()))
                            .description("Records Kafka did not take, by kind of error")
                            .register(registry));
        }
        this.inFlightGauge = Gauge.builder(METER_IN_FLIGHT, inFlight, AtomicInteger::get)
                .tags(tags)
                .description("Records handed to the Kafka producer and not yet acknowledged")
                .register(registry);
        this.deadLetterSender = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fieldline-ingress-deadletters-" + settings.clientId());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A publisher registering the reading schema with the given registry. */
    public static IngressPublisher withSchemaRegistry(
            IngressSettings settings,
            TopicNames topicNames,
            SchemaRegistryClient schemaRegistry,
            MeterRegistry registry) {
        return new IngressPublisher(
                settings,
                topicNames,
                AvroSerdes.specific(Reading.class, schemaRegistry, false).serializer(),
                registry);
    }

    /** The header saying a dead letter's payload was cut, holding its original size: {@code fieldline.<source>.payload.truncated}. */
    public static String payloadTruncatedHeader(String source) {
        return "fieldline." + source + ".payload.truncated";
    }

    /** The header saying a dead letter lost its source headers, holding how many: {@code fieldline.<source>.headers.dropped}. */
    public static String headersDroppedHeader(String source) {
        return "fieldline." + source + ".headers.dropped";
    }

    /** Starts the batch of one source message. */
    public Batch batch(Origin origin) {
        return new Batch(Objects.requireNonNull(origin, "origin"));
    }

    /** The source's name: {@code mqtt}, {@code can}, ... */
    public String source() {
        return settings.source();
    }

    /** The current state. */
    public State state() {
        return state.get();
    }

    /** Why the publisher failed, or null. */
    public Throwable failureCause() {
        return cause.get();
    }

    /** Completes exceptionally when the publisher fails; normally when it is closed without failing. */
    public CompletableFuture<Void> failure() {
        return failure;
    }

    /** Records handed to the producer and not yet acknowledged. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Records Kafka acknowledged so far, dead letters excepted. */
    public long recordsSent() {
        return (long) sent.count();
    }

    /** Records Kafka did not take so far, of every kind. */
    public long sendErrors() {
        return (long) errors.values().stream().mapToDouble(Counter::count).sum();
    }

    /** Dead letters Kafka acknowledged so far. */
    public long deadLettersSent() {
        return (long) deadLetters.values().stream().mapToDouble(Counter::count).sum();
    }

    /** A producer metric of group {@code producer-metrics} by name, for tests; NaN when absent. */
    double producerMetric(String name) {
        return producer.metrics().entrySet().stream()
                .filter(e -> e.getKey().group().equals("producer-metrics")
                        && e.getKey().name().equals(name))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
                .findFirst()
                .orElse(Double.NaN);
    }

    /** Sends what the producer buffers and waits for the answers (no timeout: see the producer's delivery timeout). */
    public void flush() {
        producer.flush();
    }

    /** {@link #close(Duration)} with 30 seconds. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /**
     * Gives Kafka up to {@code timeout} for what is in flight, then closes the producer; what is still unanswered
     * then fails its batches. A failed publisher stays {@link State#FAILED}.
     */
    public void close(Duration timeout) {
        state.compareAndSet(State.RUNNING, State.CLOSED);
        deadLetterSender.shutdown();
        try {
            if (!deadLetterSender.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                deadLetterSender.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deadLetterSender.shutdownNow();
        }
        try {
            producer.close(timeout);
        } catch (RuntimeException e) {
            LOG.warn("Closing the {} ingress producer failed: {}", settings.source(), e.toString());
        }
        registry.remove(inFlightGauge);
        producerMetrics.close();
        failure.complete(null);
    }

    private void fail(Throwable error) {
        if (!state.compareAndSet(State.RUNNING, State.FAILED)) {
            return;
        }
        cause.set(error);
        LOG.error(
                "{} ingress publisher {} failed: {}. Nothing more is sent or acknowledged; the source keeps what "
                        + "was not acknowledged.",
                settings.source(),
                settings.clientId(),
                error.toString(),
                error);
        failure.completeExceptionally(error);
    }

    private IngressFailedException failedException() {
        return failedException(-1, false);
    }

    private IngressFailedException failedException(int acknowledged, boolean nothingWritten) {
        Throwable why = cause.get();
        return new IngressFailedException(
                settings.source() + " ingress publisher " + settings.clientId() + " is " + state.get()
                        + (why == null ? "" : ": " + why.getMessage()),
                why,
                acknowledged,
                nothingWritten);
    }

    private Counter deadLetterCounter(String reason) {
        return deadLetters.computeIfAbsent(
                reason,
                r -> Counter.builder(METER_DEAD_LETTERS)
                        .tags(tags.and("reason", r))
                        .description("Dead letters Kafka acknowledged, by reason")
                        .register(registry));
    }

    private static String describe(SendErrorKind kind, String topic, Throwable error) {
        String what = switch (kind) {
            case TOO_LARGE -> "record too large for Kafka topic " + topic;
            case SERIALIZATION -> "cannot serialize a record for Kafka topic " + topic;
            case INVALID_RECORD -> "Kafka topic " + topic + " refused the record as invalid";
            default -> "Kafka did not take a record for " + topic;
        };
        return what + ": " + error.getMessage();
    }

    /**
     * The records made from one source message. Add records from one thread, then {@link #seal()}. Adding to a
     * batch of a publisher that is no longer running sends nothing.
     */
    public final class Batch {
        private final Origin origin;
        private final RecordHeaders headers;
        // Starts at one for the batch itself, released by seal(): the future cannot complete while records are added.
        private final AtomicInteger pending = new AtomicInteger(1);
        private final AtomicInteger acknowledged = new AtomicInteger();
        private final AtomicBoolean deadLettered = new AtomicBoolean();
        private final CompletableFuture<Outcome> future = new CompletableFuture<>();
        private volatile String deadLetterReason;
        // Some record of the batch was not written (the publisher failed or closed first): never acknowledge it.
        private volatile boolean lost;
        // Some record of the batch failed after the producer took it (a delivery timeout): it may be in Kafka.
        private volatile boolean failedAfterSend;
        private boolean sealed;

        private Batch(Origin origin) {
            this.origin = origin;
            // One headers object for all the batch's records: the same headers, nothing adds to them, and the
            // producer only marks them read-only.
            this.headers = new RecordHeaders(origin.headers().toArray(new Header[0]));
        }

        /** Adds a reading for the readings topic. */
        public Batch reading(Reading reading) {
            return reading(null, reading);
        }

        /**
         * Adds a reading: key the device id, timestamp its event time.
         *
         * @param topic the Kafka topic, or null for the readings topic
         */
        public Batch reading(String topic, Reading reading) {
            String target = topic != null ? topic : topicNames.readings();
            return record(
                    target,
                    reading.getDeviceId().getBytes(StandardCharsets.UTF_8),
                    reading,
                    readingSerializer,
                    reading.getEventTime().toEpochMilli());
        }

        /**
         * Adds a record of another kind (the CAN bridge's raw frames, for example).
         *
         * @param timestamp record timestamp in epoch milliseconds, or null for the producer's time
         */
        public <T> Batch record(String topic, byte[] key, T value, Serializer<T> serializer, Long timestamp) {
            checkOpen();
            if (state.get() != State.RUNNING) {
                lost = true;
                return this;
            }
            if (deadLettered.get()) {
                return this;
            }
            byte[] bytes;
            try {
                bytes = serializer.serialize(topic, headers, value);
            } catch (SerializationException e) {
                errors.get(SendErrorKind.SERIALIZATION).increment();
                deadLetterSource(SendErrorKind.SERIALIZATION.tag(), describe(SendErrorKind.SERIALIZATION, topic, e), e);
                return this;
            } catch (RuntimeException e) {
                // The schema registry out of reach after its client's retries, or a serializer not set up: not the
                // record's fault, and every record after it would meet it too.
                errors.get(SendErrorKind.FATAL).increment();
                lost = true;
                fail(new IngressFailedException("cannot serialize records for " + topic + ": " + e.getMessage(), e));
                return this;
            }
            send(new ProducerRecord<>(topic, null, timestamp, key, bytes, headers), false, null);
            return this;
        }

        /**
         * Sends the source message to the dead-letter topic instead of records: it could not be routed or decoded.
         *
         * @param reasonTag short reason for the meter ({@code malformed}, {@code undecodable}, ...)
         * @param reason    the reason in words, for {@code fieldline.dlq.reason}
         * @param cause     the exception, or null
         */
        public Batch deadLetter(String reasonTag, String reason, Throwable cause) {
            checkOpen();
            if (state.get() == State.RUNNING) {
                deadLetterSource(reasonTag, reason, cause);
            } else {
                lost = true;
            }
            return this;
        }

        /**
         * Ends the batch.
         *
         * @return completes when Kafka acknowledged every record of the batch (at once when there were none);
         *         exceptionally with {@link IngressFailedException} when the publisher failed first
         */
        public CompletableFuture<Outcome> seal() {
            checkOpen();
            sealed = true;
            arrive();
            return future;
        }

        private void checkOpen() {
            if (sealed) {
                throw new IllegalStateException("batch already sealed");
            }
        }

        private void deadLetterSource(String reasonTag, String reason, Throwable error) {
            if (!deadLettered.compareAndSet(false, true)) {
                return;
            }
            deadLetterReason = reasonTag;
            ProducerRecord<byte[], byte[]> record = DeadLetterRecords.builder(topicNames, settings.source())
                    .key(origin.key())
                    .value(origin.payload().get())
                    .headers(headers)
                    .reason(reason, error)
                    .source(origin.sourceTopic(), null, origin.sourceOffset())
                    .clock(settings.clock())
                    .build();
            LOG.debug("Dead-lettering {} message from {}: {}", settings.source(), origin.sourceTopic(), reason);
            send(record, true, reasonTag);
        }

        private void send(ProducerRecord<byte[], byte[]> record, boolean deadLetter, String reasonTag) {
            pending.incrementAndGet();
            sendReserved(record, deadLetter, reasonTag, 0);
        }

        /** Sends a record whose place in {@link #pending} is already taken. */
        private void sendReserved(
                ProducerRecord<byte[], byte[]> record, boolean deadLetter, String reasonTag, int shrink) {
            if (state.get() != State.RUNNING) {
                lost = true;
                arrive();
                return;
            }
            inFlight.incrementAndGet();
            // The producer calls back from inside send() only when send() itself failed (the record was never
            // taken: no metadata in time); once it returned, a failure is of a record it took (which may be in
            // Kafka). Not the thread: a dead letter or a cut-down record is sent from the producer's own I/O thread.
            java.util.concurrent.atomic.AtomicBoolean inSend = new java.util.concurrent.atomic.AtomicBoolean(true);
            try {
                producer.send(record, (metadata, exception) -> {
                    if (exception != null && !inSend.get()) {
                        failedAfterSend = true;
                    }
                    completed(record, deadLetter, reasonTag, shrink, exception);
                });
                inSend.set(false);
            } catch (KafkaException e) {
                completed(record, deadLetter, reasonTag, shrink, e);
            } catch (RuntimeException e) {
                // IllegalStateException: the producer was closed under us.
                inFlight.decrementAndGet();
                lost = true;
                fail(e);
                arrive();
            }
        }

        private void completed(
                ProducerRecord<byte[], byte[]> record,
                boolean deadLetter,
                String reasonTag,
                int shrink,
                Exception exception) {
            inFlight.decrementAndGet();
            if (exception == null) {
                if (deadLetter) {
                    deadLetterCounter(reasonTag).increment();
                } else {
                    sent.increment();
                    acknowledged.incrementAndGet();
                }
                arrive();
                return;
            }
            SendErrorKind kind = SendErrorKind.of(exception);
            errors.get(kind).increment();
            if (state.get() != State.RUNNING || !kind.permanent()) {
                lost = true;
                fail(exception);
                arrive();
                return;
            }
            String reason = describe(kind, record.topic(), exception);
            if (deadLetter) {
                ProducerRecord<byte[], byte[]> smaller = shrink(record, shrink + 1);
                if (smaller == null) {
                    lost = true;
                    fail(new IngressFailedException(
                            "the dead letter of a " + settings.source() + " message from " + origin.sourceTopic()
                                    + " cannot be written even cut down: " + reason,
                            exception));
                    arrive();
                    return;
                }
                LOG.warn(
                        "{} dead letter from {} refused ({}); sending it cut down",
                        settings.source(),
                        origin.sourceTopic(),
                        reason);
                hand(() -> sendReserved(smaller, true, reasonTag, shrink + 1));
                return;
            }
            LOG.warn(
                    "{} message from {} goes to the dead-letter topic: {}",
                    settings.source(),
                    origin.sourceTopic(),
                    reason);
            if (deadLettered.get()) {
                arrive();
                return;
            }
            // Keep this record's place until the dead letter is sent, so the batch cannot complete before it.
            hand(() -> {
                deadLetterSource(kind.tag(), reason, exception);
                arrive();
            });
        }

        /** Runs a send off the producer's I/O thread; this record's place in {@link #pending} is kept until it ran. */
        private void hand(Runnable task) {
            try {
                deadLetterSender.execute(task);
            } catch (RejectedExecutionException e) {
                // Closing: what is not written now is not acknowledged either.
                lost = true;
                arrive();
            }
        }

        /**
         * The dead letter cut down one step further: level 1 cuts the payload, level 2 also drops the source's
         * headers, level 3 drops the payload altogether. Null when there is nothing left to cut.
         */
        private ProducerRecord<byte[], byte[]> shrink(ProducerRecord<byte[], byte[]> record, int level) {
            byte[] value = record.value();
            RecordHeaders kept = new RecordHeaders();
            int dropped = 0;
            for (Header header : record.headers()) {
                boolean ours = header.key().startsWith("fieldline.dlq.")
                        || header.key().equals(payloadTruncatedHeader(settings.source()));
                if (level >= 2 && !ours) {
                    dropped++;
                } else {
                    kept.add(header);
                }
            }
            switch (level) {
                case 1 -> {
                    if (value == null || value.length <= DEAD_LETTER_PAYLOAD_LIMIT) {
                        return shrink(record, 2);
                    }
                    kept.add(new RecordHeader(
                            payloadTruncatedHeader(settings.source()),
                            Integer.toString(value.length).getBytes(StandardCharsets.UTF_8)));
                    value = Arrays.copyOf(value, DEAD_LETTER_PAYLOAD_LIMIT);
                }
                case 2 -> {
                    if (dropped == 0) {
                        return shrink(record, 3);
                    }
                    kept.add(new RecordHeader(
                            headersDroppedHeader(settings.source()),
                            Integer.toString(dropped).getBytes(StandardCharsets.UTF_8)));
                }
                case 3 -> {
                    if (value == null) {
                        return null;
                    }
                    if (kept.lastHeader(payloadTruncatedHeader(settings.source())) == null) {
                        kept.add(new RecordHeader(
                                payloadTruncatedHeader(settings.source()),
                                Integer.toString(value.length).getBytes(StandardCharsets.UTF_8)));
                    }
                    value = null;
                }
                default -> {
                    return null;
                }
            }
            return new ProducerRecord<>(record.topic(), null, record.timestamp(), record.key(), value, kept);
        }

        private void arrive() {
            if (pending.decrementAndGet() != 0) {
                return;
            }
            if (state.get() == State.FAILED || lost) {
                int taken = acknowledged.get();
                future.completeExceptionally(failedException(taken, taken == 0 && !failedAfterSend));
            } else {
                future.complete(new Outcome(acknowledged.get(), deadLettered.get() ? deadLetterReason : null));
            }
        }
    }

    @Override
    public String toString() {
        return "IngressPublisher[" + settings.source() + ", " + settings.clientId() + ", " + state.get() + "]";
    }
}
