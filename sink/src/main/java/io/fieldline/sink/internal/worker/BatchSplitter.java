package io.fieldline.sink.internal.worker;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes a batch and, when the store rejects it, isolates the records it rejects by bisection: each half
 * is written on its own until the failing records stand alone. A batch with one poison record costs about
 * 2·log2(n) extra writes and every good record still gets written, in its original order.
 */
public final class BatchSplitter {

    /** A record the store rejected, with the rejection. */
    public record Rejected<V>(SinkRecord<V> record, SinkWriteException.Permanent reason) {}

    private BatchSplitter() {}

    /**
     * Writes {@code batch}, bisecting around permanent failures.
     *
     * @return the records rejected on their own, in batch order, and those the writer set aside (empty
     *         when all were written)
     * @throws SinkWriteException.Transient as soon as any part fails transiently; parts already written
     *                                      stay written, which the idempotent writers make harmless
     */
    public static <V> List<Rejected<V>> write(List<SinkRecord<V>> batch, BatchWriter<V> writer)
            throws SinkWriteException.Transient {
        List<Rejected<V>> rejected = new ArrayList<>();
        writeInto(batch, writer, rejected);
        return rejected;
    }

    private static <V> void writeInto(List<SinkRecord<V>> batch, BatchWriter<V> writer, List<Rejected<V>> rejected)
            throws SinkWriteException.Transient {
        if (batch.isEmpty()) {
            return;
        }
        try {
            rejected.addAll(writer.write(batch));
        } catch (SinkWriteException.Permanent e) {
            if (batch.size() == 1) {
                rejected.add(new Rejected<>(batch.get(0), e));
                return;
            }
            int middle = batch.size() / 2;
            writeInto(batch.subList(0, middle), writer, rejected);
            writeInto(batch.subList(middle, batch.size()), writer, rejected);
        } catch (SinkWriteException.Transient e) {
            throw e;
        } catch (SinkWriteException e) {
            throw new IllegalStateException("unknown kind of write failure", e);
        }
    }
}
