package io.fieldline.sink.internal.worker;

import io.fieldline.sink.SinkConfig.RetryPolicy;
import io.fieldline.sink.WorkerState;
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

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The consume-batch-write-commit loop shared by every sink: at-least-once delivery into an idempotent
 * store, which makes it effectively once.
 *
 * <ul>
 *   <li>Records are decoded when their batch is written; undecodable ones become dead letters, while a
 *       decoder that cannot work now (schema registry unreachable) fails the attempt like a store outage.</li>
 *   <li>A batch is written when it holds {@code batchSize} records or its oldest record has waited
 *       {@code linger}; store rejections are isolated by {@link BatchSplitter} and dead-lettered.</li>
 *   <li>Offsets are committed (synchronously) only after the store accepted the batch and the dead-letter
 *       topic acknowledged its dead letters.</li>
 *   <li>While the store is down the worker pauses its partitions and keeps polling (to stay in the group)
 *       between attempts with capped exponential backoff, then resumes where it stopped. It gives up only
 *       when the retry policy says so, leaving the uncommitted records for the next start.</li>
 *   <li>On a rebalance the pending batch is flushed once if possible; whatever cannot be written for
 *       revoked partitions is dropped uncommitted, so the new owner reads it again.</li>
 * </ul>
 *
 * <p>Runs on one thread ({@link #run()}); {@link #close()} may be called from any thread.
 */
public final class SinkWorker<V> implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SinkWorker.class);

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

    private final String name;
    private final Consumer<byte[], byte[]> consumer;
    private final Collection<String> topics;
    private final Decoder<V> decoder;
    private final BatchWriter<V> writer;
    private final DeadLetterPublisher deadLetters;
    private final int batchSize;
    private final long lingerNanos;
    private final RetryPolicy retry;
    private final SinkMetrics metrics;

    /** Consumed, not yet written; decoded at write time so a registry outage is retried like a store outage. */
    private final List<ConsumerRecord<byte[], byte[]>> pending = new ArrayList<>();
    private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
    private final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
    private long batchStartNanos;
    private boolean paused;
    private boolean flushing;
    private volatile boolean closing;
    private volatile WorkerState state = WorkerState.CREATED;
    private volatile Throwable failure;

    public SinkWorker(String name, Consumer<byte[], byte[]> consumer, Collection<String> topics, Decoder<V> decoder,
                      BatchWriter<V> writer, DeadLetterPublisher deadLetters, int batchSize, Duration linger,
                      RetryPolicy retry, SinkMetrics metrics) {
        this.name = Objects.requireNonNull(name, "name");
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.topics = List.copyOf(topics);
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.batchSize = batchSize;
        this.lingerNanos = linger.toNanos();
        this.retry = Objects.requireNonNull(retry, "retry");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
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
                ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout());
                accept(records);
                if (pending.size() >= batchSize || lingerExpired()) {
                    flush(true);
                }
            }
            // Graceful stop: one attempt at what is pending, no retries; anything left is read again next time.
            if (hasWork()) {
                flush(false);
            }
            state = WorkerState.STOPPED;
        } catch (WakeupException | InterruptException e) {
            if (!closing) {
                fail(e);
            } else {
                state = WorkerState.STOPPED;
            }
        } catch (GiveUpException e) {
            fail(e.getCause());
        } catch (RuntimeException | Error e) {
            fail(e);
            throw e;
        } finally {
            metrics.failing(false);
            try {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.warn("Sink worker {}: closing the consumer failed", name, e);
            }
        }
    }

    private void fail(Throwable cause) {
        failure = cause;
        state = WorkerState.FAILED;
        LOG.error("Sink worker {} stopped after an unrecoverable failure; uncommitted records will be read again "
                + "on the next start", name, cause);
    }

    /** Asks the loop to stop; returns at once. The loop flushes what it can, then closes the consumer. */
    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
    }

    private Duration pollTimeout() {
        if (!hasWork()) {
            return Duration.ofMillis(Math.max(1, lingerNanos / 1_000_000));
        }
        long remaining = lingerNanos - (System.nanoTime() - batchStartNanos);
        return Duration.ofNanos(Math.max(0, remaining));
    }

    private boolean hasWork() {
        return !pending.isEmpty();
    }

    private boolean lingerExpired() {
        return hasWork() && System.nanoTime() - batchStartNanos >= lingerNanos;
    }

    private void accept(ConsumerRecords<byte[], byte[]> records) {
        if (records.isEmpty()) {
            return;
        }
        if (!hasWork()) {
            batchStartNanos = System.nanoTime();
        }
        for (ConsumerRecord<byte[], byte[]> record : records) {
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            firstOffsets.putIfAbsent(tp, record.offset());
            nextOffsets.put(tp, record.offset() + 1);
            pending.add(record);
        }
        metrics.recordsConsumed(records.count());
        updateLag();
    }

    /** Decodes the pending records; the undecodable ones become dead letters in {@code letters}. */
    private List<SinkRecord<V>> decode(List<DeadLetter> letters) throws SinkWriteException.Transient {
        List<SinkRecord<V>> decoded = new ArrayList<>(pending.size());
        for (ConsumerRecord<byte[], byte[]> record : pending) {
            if (record.value() == null) {
                letters.add(new DeadLetter(record, "null value (tombstone) on a data topic", null));
                continue;
            }
            try {
                V value = decoder.decode(record);
                if (value == null) {
                    letters.add(new DeadLetter(record, "decoder returned no value", null));
                } else {
                    decoded.add(new SinkRecord<>(record, value));
                }
            } catch (RuntimeException e) {
                LOG.debug("Sink worker {}: undecodable record {}-{}@{}", name, record.topic(), record.partition(),
                        record.offset(), e);
                letters.add(new DeadLetter(record, "undecodable: " + e.getMessage(), e));
            }
        }
        return decoded;
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
     * Writes the pending batch, sends its dead letters and commits its offsets.
     *
     * @param retrying whether to retry transient failures (pausing consumption meanwhile); when false,
     *                 a failure leaves the batch uncommitted and drops it
     */
    private void flush(boolean retrying) {
        flushing = true;
        long start = System.nanoTime();
        int attempt = 0;
        long failingSince = 0;
        boolean done = false;
        try {
            while (true) {
                try {
                    List<DeadLetter> letters = new ArrayList<>();
                    List<SinkRecord<V>> decoded = decode(letters);
                    for (BatchSplitter.Rejected<V> rejected : BatchSplitter.write(decoded, writer)) {
                        SinkRecord<V> r = rejected.record();
                        LOG.warn("Sink worker {}: record {}-{}@{} rejected by the store, dead-lettered: {}", name,
                                r.topic(), r.source().partition(), r.offset(), rejected.reason().getMessage());
                        letters.add(new DeadLetter(r.source(), "rejected by the store: " + rejected.reason().getMessage(),
                                rejected.reason().getCause() != null ? rejected.reason().getCause() : rejected.reason()));
                    }
                    deadLetters.publish(letters);
                    metrics.deadLettered(letters.size());
                    commit();
                    metrics.batchWritten(pending.size());
                    done = true;
                    break;
                } catch (SinkWriteException.Transient | KafkaException e) {
                    if (e instanceof InterruptException ie) {
                        throw ie;
                    }
                    if (!retrying) {
                        LOG.warn("Sink worker {}: final write failed ({}); {} records stay uncommitted", name,
                                e.getMessage(), pending.size());
                        break;
                    }
                    attempt++;
                    if (attempt == 1) {
                        failingSince = System.nanoTime();
                        state = WorkerState.RETRYING;
                        metrics.failing(true);
                    }
                    metrics.retried();
                    Duration failingFor = Duration.ofNanos(System.nanoTime() - failingSince);
                    if (retry.givesUp(failingFor)) {
                        throw new GiveUpException(e);
                    }
                    Duration backoff = retry.backoff(attempt);
                    if (attempt == 1 || attempt % 10 == 0) {
                        LOG.warn("Sink worker {}: write of {} records failed (attempt {}, failing for {}), retrying in {}: {}",
                                name, pending.size(), attempt, failingFor, backoff, e.getMessage());
                    }
                    waitWhilePaused(backoff);
                    if (closing) {
                        LOG.info("Sink worker {}: stopping while the store is unavailable; {} records stay uncommitted",
                                name, pending.size());
                        break;
                    }
                    if (!hasWork()) {
                        break; // every pending partition was revoked meanwhile
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptException(e);
                }
            }
        } finally {
            if (attempt > 0 && state == WorkerState.RETRYING) {
                LOG.info("Sink worker {}: store available again after {} failed attempts", name, attempt);
                state = WorkerState.RUNNING;
            }
            metrics.failing(false);
            if (!done) {
                rewind();
            }
            resume();
            pending.clear();
            nextOffsets.clear();
            firstOffsets.clear();
            flushing = false;
            metrics.batchDuration().record(Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private void commit() {
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
        int attempts = 0;
        while (true) {
            try {
                consumer.commitSync(offsets);
                return;
            } catch (CommitFailedException e) {
                // The group moved on without us: the new owners read these records again, idempotently.
                LOG.warn("Sink worker {}: offset commit refused after a rebalance; the records written will be "
                        + "replayed by their new owner", name);
                return;
            } catch (RetriableException e) {
                if (++attempts >= 5) {
                    throw e;
                }
            }
        }
    }

    /** Waits out a backoff with every assigned partition paused, polling so the group keeps us. */
    private void waitWhilePaused(Duration backoff) {
        if (!paused) {
            consumer.pause(consumer.assignment());
            paused = true;
        }
        long until = System.nanoTime() + backoff.toNanos();
        while (!closing) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofNanos(Math.min(left, 1_000_000_000L)));
                // Paused partitions return nothing; anything that does arrive joins the batch.
                accept(records);
            } catch (WakeupException e) {
                if (!closing) {
                    throw e;
                }
            }
        }
    }

    /**
     * Sets the position of every partition with unwritten records back to the first of them, so that
     * records given up on are read again rather than skipped (matters when we keep the partition).
     */
    private void rewind() {
        Set<TopicPartition> assigned = consumer.assignment();
        firstOffsets.forEach((tp, first) -> {
            if (assigned.contains(tp)) {
                consumer.seek(tp, first);
            }
        });
    }

    private void resume() {
        if (paused) {
            consumer.resume(consumer.paused());
            paused = false;
        }
    }

    private void dropPartitions(Collection<TopicPartition> partitions) {
        Set<TopicPartition> gone = new HashSet<>(partitions);
        pending.removeIf(r -> gone.contains(new TopicPartition(r.topic(), r.partition())));
        nextOffsets.keySet().removeAll(gone);
        firstOffsets.keySet().removeAll(gone);
    }

    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            if (!flushing && hasWork()) {
                // Healthy store: write and commit now rather than make the new owner replay.
                flush(false);
            }
            dropPartitions(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            dropPartitions(partitions);
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
