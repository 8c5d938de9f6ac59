package io.fieldline.bench.kafka;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The callback of a benchmark's loading producer: counts the records Kafka refused and keeps the first cause,
 * so that a load with lost records fails at once with the reason instead of leaving a later stage waiting for
 * records that never came.
 */
public final class CheckedSends implements Callback {

    private final String what;
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> first = new AtomicReference<>();

    public CheckedSends(String what) {
        this.what = what;
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
        if (exception != null) {
            failed.incrementAndGet();
            first.compareAndSet(null, exception);
        }
    }

    /** Throws when any record was refused; call after {@code producer.flush()}. */
    public void check() {
        Exception cause = first.get();
        if (cause != null) {
            throw new IllegalStateException(
                    what + ": Kafka refused " + failed.get() + " record(s), the first with " + cause, cause);
        }
    }
}
