package io.fieldline.sink.internal.worker;

import io.fieldline.core.retry.RetryExhaustedException;
import io.fieldline.core.retry.RetryPolicy;
import io.fieldline.sink.SinkMeters;
import io.fieldline.sink.WorkerState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume-batch-write-commit loop shared by every sink: at-least-once delivery into an idempotent
 * store, which makes it effectively once.
 *
 * <ul>
 *   <li>Records are collected into a batch until it holds {@code batchSize} records or its oldest record
 *       has waited {@code linger}. The batch is then decoded (undecodable records become dead letters) and
 *       handed to a writer thread, while this thread goes on consuming and decoding the next batch: one
 *       write is in flight at a time, so batches reach the store in order.</li>
 *   <li>Store rejections are isolated by {@link BatchSplitter} and dead-lettered.</li>
 *   <li>Offsets of a batch are committed (synchronously) only after the store accepted it and the
 *       dead-letter topic acknowledged its dead letters.</li>
 *   <li>A write is awaited at most {@code writeTimeout}, and the worker keeps polling (partitions paused) while
 *       it waits, so a hung store never holds the poll loop past {@code max.poll.interval.ms}: the worker stays in
 *       its group, and an overdue write counts as a failed attempt, retried like any other.</li>
 *   <li>While the store (or the schema registry) is down the worker pauses its partitions and keeps polling
 *       (to stay in the group) between attempts, pausing as the worker's {@link RetryPolicy} says, then
 *       resumes where it stopped. It gives up only when that policy does, leaving the uncommitted records for
 *       the next start.</li>
 *   <li>On a rebalance the batches in hand are written once if possible; whatever cannot be decoded or
 *       written then is dropped uncommitted and every partition it spans is rewound, so the new owner of a
 *       revoked partition reads it again, and so do we on the partitions we keep (cooperative rebalancing
 *       revokes only some).</li>
 * </ul>
 *
 * <p>Runs on one thread ({@link #run()}) plus its writer thread; {@link #close()} may be called from any thread.
 */
public final class SinkWorker<V> implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SinkWorker.class);
    /**
     * A synchronous offset commit that fails retriably (the coordinator moving, a request timing out) is tried
     * again a few times after a short pause; then the failure goes to the caller, which treats it like a failed
     * write.
     */
    private static final RetryPolicy COMMIT_RETRY = RetryPolicy.exponential(
                    Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ZERO)
            .withMaxAttempts(5);

    /** Longest wait for a write between two polls. */
    private static final long AWAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /** Turns a consumed record into a value. */
    @FunctionalInterface
    public interface Decoder<V> {
        /**
         * @throws SinkWriteException.Transient when decoding cannot happen now (schema registry unreachable):
         *                                      the batch is retried later, nothing is dead-lettered
         * @throws RuntimeException             when the record can never be decoded: it is dead-lettered
         */
        V decode(ConsumerRecord<byte[], byte[]> record) throws SinkWriteException.Transient;
    }

    /** Records consumed together and written together, with the offsets they span. */
    private final class Batch {
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
        final long startNanos = System.nanoTime();
        /** Set once decoded: the values, and the records that could not be decoded. */
        List<SinkRecord<V>> decoded;

        List<DeadLetter> undecodable;
        Future<List<BatchSplitter.Rejected<V>>> write;
        /** When the current write attempt was handed to the writer thread. */
        long submittedNanos;

        void add(ConsumerRecord<byte[], byte[]> record) {
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            firstOffsets.putIfAbsent(tp, record.offset());
            nextOffsets.put(tp, record.offset() + 1);
            records.add(record);
        }

        boolean isEmpty() {
            return records.isEmpty();
        }

        void drop(Set<TopicPartition> gone) {
            records.removeIf(r -> gone.contains(new TopicPartition(r.topic(), r.partition())));
            if (decoded != null) {
                decoded.removeIf(r -> gone.contains(r.topicPartition()));
                undecodable.removeIf(d -> gone.contains(
                        new TopicPartition(d.source().topic(), d.source().partition())));
            }
            firstOffsets.keySet().removeAll(gone);
            nextOffsets.keySet().removeAll(gone);
        }
    }

    private final String name;
    private final Consumer<byte[], byte[]> consumer;
    private final Collection<String> topics;
    private final Decoder<V> decoder;
    private final BatchWriter<V> writer;
    private final DeadLetterPublisher deadLetters;
    private final int batchSize;
    private final long lingerNanos;
    private final RetryPolicy retry;
    private final Duration writeTimeout;
    private final SinkMetrics metrics;
    private final ExecutorService writerThread;

    /** Being filled by the poll loop. */
    private Batch open = new Batch();
    /** Decoded and being written by the writer thread (or waiting for a retry); null when none. */
    private Batch inFlight;

    private boolean paused;
    private boolean completing;
    /** Set while a rebalance callback runs: the consumer must not be polled from inside it. */
    private boolean inRebalance;

    private volatile boolean closing;
    private volatile WorkerState state = WorkerState.CREATED;
    private volatile Throwable failure;

    public SinkWorker(
            String name,
            Consumer<byte[], byte[]> consumer,
            Collection<String> topics,
            Decoder<V> decoder,
            BatchWriter<V> writer,
            DeadLetterPublisher deadLetters,
            int batchSize,
            Duration linger,
            RetryPolicy retry,
            Duration writeTimeout,
            SinkMetrics metrics) {
        this.name = Objects.requireNonNull(name, "name");
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.topics = List.copyOf(topics);
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.batchSize = batchSize;
        this.lingerNanos = linger.toNanos();
        this.retry = Objects.requireNonNull(retry, "retry");
        this.writeTimeout = Objects.requireNonNull(writeTimeout, "writeTimeout");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.writerThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fieldline-" + name + "-writer");
            t.setDaemon(true);
            return t;
        });
    }

    public String name() {
        return name;
    }

    public WorkerState state() {
        return state;
    }

    /** Why the worker failed, when {@link #state()} is FAILED. */
    public Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        state = WorkerState.RUNNING;
        try {
            consumer.subscribe(topics, new Rebalance());
            while (!closing) {
                accept(consumer.poll(pollTimeout()));
                if (open.records.size() >= batchSize || lingerExpired()) {
                    dispatch();
                } else if (inFlight != null
                        && (inFlight.write == null || inFlight.write.isDone() || overdue(inFlight))) {
                    // commit as soon as the write is done (or retry an undecoded or overdue batch), not when the
                    // next batch is full
                    complete(true);
                }
            }
            finish();
            state = WorkerState.STOPPED;
        } catch (WakeupException | InterruptException e) {
            if (!closing) {
                fail(e);
            } else {
                finishQuietly();
                state = WorkerState.STOPPED;
            }
        } catch (GiveUpException e) {
            fail(e.getCause());
        } catch (RuntimeException | Error e) {
            fail(e);
            throw e;
        } finally {
            metrics.failing(false);
            // closing the consumer revokes its partitions: nothing more may be written by then
            completing = true;
            writerThread.shutdownNow();
            try {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.warn("Sink worker {}: closing the consumer failed", name, e);
            }
        }
    }

    /** Graceful stop: one attempt at what is in hand, no retries; anything left is read again next time. */
    private void finish() {
        complete(false);
        completeOpen();
    }

    /**
     * Writes the open batch once, without retries, through {@link #complete}: whatever cannot be decoded or
     * written now is rewound there, so partitions we keep read it again rather than skip it.
     */
    private void completeOpen() {
        if (!open.isEmpty()) {
            inFlight = open;
            open = new Batch();
            complete(false);
        }
    }

    private void finishQuietly() {
        try {
            finish();
        } catch (RuntimeException e) {
            LOG.warn("Sink worker {}: final write failed; its records stay uncommitted", name, e);
        }
    }

    private void fail(Throwable cause) {
        failure = cause;
        state = WorkerState.FAILED;
        LOG.error(
                "Sink worker {} stopped after an unrecoverable failure; uncommitted records will be read again "
                        + "on the next start",
                name,
                cause);
    }

    /** Asks the loop to stop; returns at once. The loop writes what it can, then closes the consumer. */
    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
    }

    private Duration pollTimeout() {
        if (open.isEmpty()) {
            return Duration.ofMillis(Math.max(1, Math.min(lingerNanos / 1_000_000, 100)));
        }
        long remaining = lingerNanos - (System.nanoTime() - open.startNanos);
        return Duration.ofNanos(Math.max(0, remaining));
    }

    private boolean lingerExpired() {
        return !open.isEmpty() && System.nanoTime() - open.startNanos >= lingerNanos;
    }

    private void accept(ConsumerRecords<byte[], byte[]> records) {
        if (records.isEmpty()) {
            return;
        }
        if (open.isEmpty()) {
            open = new Batch(); // restart the linger clock
        }
        for (ConsumerRecord<byte[], byte[]> record : records) {
            open.add(record);
        }
        metrics.recordsConsumed(records.count());
        updateLag();
    }

    private void updateLag() {
        long total = 0;
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong lag = consumer.currentLag(tp);
            if (lag.isPresent()) {
                total += lag.getAsLong();
            }
        }
        metrics.lag(total);
    }

    /**
     * Decodes the open batch (overlapping the write in flight), waits for that write and commits it, then
     * hands the new batch to the writer thread.
     */
    private void dispatch() {
        Batch batch = open;
        open = new Batch();
        boolean decoded = decode(batch);
        complete(true);
        inFlight = batch;
        if (decoded) {
            submit(batch);
        }
        // a batch that could not be decoded now (registry down) has no write: complete() retries it
    }

    /** @return false when the decoder cannot work now; the batch is then decoded again on retry */
    private boolean decode(Batch batch) {
        List<SinkRecord<V>> values = new ArrayList<>(batch.records.size());
        List<DeadLetter> letters = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : batch.records) {
            if (record.value() == null) {
                letters.add(new DeadLetter(record, "null value (tombstone) on a data topic", null));
                continue;
            }
            try {
                V value = decoder.decode(record);
                if (value == null) {
                    letters.add(new DeadLetter(record, "decoder returned no value", null));
                } else {
                    values.add(new SinkRecord<>(record, value));
                }
            } catch (SinkWriteException.Transient e) {
                LOG.warn("Sink worker {}: cannot decode now: {}", name, e.getMessage());
                batch.decoded = null;
                return false;
            } catch (RuntimeException e) {
                LOG.debug(
                        "Sink worker {}: undecodable record {}-{}@{}",
                        name,
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        e);
                letters.add(new DeadLetter(record, "undecodable: " + e.getMessage(), e));
            }
        }
        batch.decoded = values;
        batch.undecodable = letters;
        return true;
    }

    private void submit(Batch batch) {
        List<SinkRecord<V>> values = List.copyOf(batch.decoded);
        batch.submittedNanos = System.nanoTime();
        batch.write = writerThread.submit(() -> BatchSplitter.write(values, writer));
    }

    private boolean overdue(Batch batch) {
        return batch.write != null && System.nanoTime() - batch.submittedNanos >= writeTimeout.toNanos();
    }

    /**
     * Finishes the batch in flight: waits for its write, retrying transient failures when {@code retrying}
     * (pausing consumption meanwhile), sends its dead letters and commits its offsets. When a write is given
     * up (not retrying, or stopping) the positions go back to the batch's first records, and the open batch,
     * which lies after them, is dropped as well.
     */
    private void complete(boolean retrying) {
        Batch batch = inFlight;
        if (batch == null) {
            return;
        }
        completing = true;
        long start = batch.startNanos;
        RetryPolicy.Backoff failing = null;
        boolean done = false;
        try {
            while (true) {
                try {
                    if (batch.decoded == null && !decode(batch)) {
                        throw new SinkWriteException.Transient("decoder unavailable", null);
                    }
                    if (batch.write == null) {
                        submit(batch);
                    }
                    List<BatchSplitter.Rejected<V>> rejected = await(batch);
                    List<DeadLetter> letters = new ArrayList<>(batch.undecodable);
                    int undecodable = letters.size();
                    for (BatchSplitter.Rejected<V> r : rejected) {
                        SinkRecord<V> record = r.record();
                        LOG.warn(
                                "Sink worker {}: record {}-{}@{} rejected by the store, dead-lettered: {}",
                                name,
                                record.topic(),
                                record.source().partition(),
                                record.offset(),
                                r.reason().getMessage());
                        letters.add(new DeadLetter(
                                record.source(),
                                "rejected by the store: " + r.reason().getMessage(),
                                r.reason().getCause() != null ? r.reason().getCause() : r.reason()));
                    }
                    deadLetters.publish(letters);
                    metrics.deadLettered(SinkMeters.REASON_UNDECODABLE, undecodable);
                    metrics.deadLettered(SinkMeters.REASON_REJECTED, rejected.size());
                    commit(batch.nextOffsets, retrying && !closing);
                    metrics.batchWritten(batch.records.size());
                    done = true;
                    break;
                } catch (SinkWriteException.Transient | KafkaException e) {
                    if (e instanceof InterruptException ie) {
                        throw ie;
                    }
                    batch.write = null;
                    if (!retrying) {
                        LOG.warn(
                                "Sink worker {}: final write failed ({}); {} records stay uncommitted",
                                name,
                                e.getMessage(),
                                batch.records.size());
                        break;
                    }
                    if (failing == null) {
                        failing = retry.start();
                        state = WorkerState.RETRYING;
                        metrics.failing(true);
                    }
                    metrics.retried();
                    // the pause is waited out here, polling, rather than slept: the group must keep hearing from us
                    Optional<Duration> backoff = failing.next();
                    if (backoff.isEmpty()) {
                        throw new GiveUpException(e);
                    }
                    int attempt = failing.attempts();
                    if (attempt == 1 || attempt % 10 == 0) {
                        LOG.warn(
                                "Sink worker {}: write of {} records failed (attempt {}, failing for {}), retrying in {}: {}",
                                name,
                                batch.records.size(),
                                attempt,
                                failing.elapsed(),
                                backoff.get(),
                                e.getMessage());
                    }
                    waitWhilePaused(backoff.get());
                    if (closing) {
                        LOG.info(
                                "Sink worker {}: stopping while the store is unavailable; {} records stay uncommitted",
                                name,
                                batch.records.size());
                        break;
                    }
                    if (batch.isEmpty()) {
                        done = true; // every partition of the batch was revoked meanwhile
                        break;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptException(e);
                }
            }
        } finally {
            if (failing != null && state == WorkerState.RETRYING) {
                if (done) {
                    LOG.info(
                            "Sink worker {}: store available again after {} failed attempts", name, failing.attempts());
                }
                state = WorkerState.RUNNING;
            }
            metrics.failing(false);
            if (!done) {
                rewind(batch);
            }
            resume();
            inFlight = null;
            completing = false;
            metrics.batchDuration().record(Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /**
     * Waits for the batch's write, at most {@link #writeTimeout} from its start, polling with every partition paused meanwhile
     * (except inside a rebalance callback) so that the group keeps us however long the store takes. An overdue
     * write is cancelled and reported as a transient failure; a writer thread stuck in I/O that ignores the
     * interrupt only delays the next attempt, which queues behind it.
     */
    private List<BatchSplitter.Rejected<V>> await(Batch batch)
            throws SinkWriteException.Transient, InterruptedException {
        long deadline = batch.submittedNanos + writeTimeout.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    batch.write.cancel(true);
                    throw new SinkWriteException.Transient("write did not finish within " + writeTimeout, null);
                }
                try {
                    return batch.write.get(Math.min(left, AWAIT_SLICE_NANOS), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    if (!inRebalance && !closing) {
                        pauseAll();
                        // paused partitions return nothing; newly assigned ones are paused on assignment
                        accept(consumer.poll(Duration.ZERO));
                    }
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SinkWriteException.Transient t) {
                throw t;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("write failed", cause);
        }
    }

    /**
     * Commits the offsets after a batch. In the steady loop asynchronously, so the next write need not wait
     * for the broker (a failed asynchronous commit is superseded by the next one); synchronously when
     * stopping or giving up partitions, where nothing comes after.
     */
    private void commit(Map<TopicPartition, Long> nextOffsets, boolean async) {
        if (nextOffsets.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Set<TopicPartition> assigned = consumer.assignment();
        nextOffsets.forEach((tp, next) -> {
            if (assigned.contains(tp)) {
                offsets.put(tp, new OffsetAndMetadata(next));
            }
        });
        if (async) {
            consumer.commitAsync(offsets, (committed, e) -> {
                if (e != null) {
                    LOG.debug(
                            "Sink worker {}: asynchronous offset commit failed, the next one covers it: {}",
                            name,
                            e.getMessage());
                }
            });
            return;
        }
        try {
            COMMIT_RETRY.call(
                    "offset commit of sink worker " + name,
                    () -> {
                        consumer.commitSync(offsets);
                        return null;
                    },
                    e -> e instanceof RetriableException);
        } catch (CommitFailedException e) {
            // The group moved on without us: the new owners read these records again, idempotently.
            LOG.warn(
                    "Sink worker {}: offset commit refused after a rebalance; the records written will be "
                            + "replayed by their new owner",
                    name);
        } catch (RetryExhaustedException e) {
            // the last Kafka failure itself, so that the caller handles it as it handles any failed write
            throw (RetriableException) e.getCause();
        } catch (InterruptedException e) {
            throw new InterruptException(e); // the policy has set the interrupt flag again
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("offset commit failed", e); // commitSync throws nothing checked
        }
    }

    private void pauseAll() {
        if (!paused) {
            consumer.pause(consumer.assignment());
            paused = true;
        }
    }

    /** Waits out a backoff with every assigned partition paused, polling so the group keeps us. */
    private void waitWhilePaused(Duration backoff) {
        pauseAll();
        long until = System.nanoTime() + backoff.toNanos();
        while (!closing) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                // Paused partitions return nothing; anything that does arrive joins the open batch.
                accept(consumer.poll(Duration.ofNanos(Math.min(left, 1_000_000_000L))));
            } catch (WakeupException e) {
                if (!closing) {
                    throw e;
                }
            }
        }
    }

    /**
     * Sets the position of every partition of a batch given up on back to its first record, so those records
     * are read again rather than skipped (matters when we keep the partition). The open batch holds later
     * records of the same partitions, so it goes too.
     */
    private void rewind(Batch batch) {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, Long> first = new HashMap<>(open.firstOffsets);
        first.putAll(batch.firstOffsets);
        first.forEach((tp, offset) -> {
            if (assigned.contains(tp)) {
                consumer.seek(tp, offset);
            }
        });
        open = new Batch();
    }

    private void resume() {
        if (paused) {
            consumer.resume(consumer.paused());
            paused = false;
        }
    }

    private void drop(Collection<TopicPartition> partitions) {
        Set<TopicPartition> gone = new HashSet<>(partitions);
        open.drop(gone);
        if (inFlight != null) {
            inFlight.drop(gone);
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            if (!completing) {
                // Healthy store: write and commit now rather than make the new owner replay. What fails is
                // rewound: with cooperative rebalancing we keep the other partitions, which must not skip it.
                inRebalance = true;
                try {
                    complete(false);
                    completeOpen();
                } finally {
                    inRebalance = false;
                }
            }
            drop(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            drop(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (paused && !partitions.isEmpty()) {
                consumer.pause(partitions);
            }
        }
    }

    /** Carries the last failure out of the loop once the retry policy gives up. */
    private static final class GiveUpException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        GiveUpException(Throwable cause) {
            super(cause);
        }
    }
}
