package io.fieldline.sink.internal.worker;

import java.util.List;

/**
 * Writes one batch to a store, all or nothing, idempotently (writing a batch twice stores each row once).
 */
public interface BatchWriter<V> {

    /**
     * @return records of the batch the store did not keep although the batch was written (a different value
     *         already stored under the record's key), with the reason: they are dead-lettered like rejected
     *         records. Usually empty.
     * @throws SinkWriteException.Transient when the store is unavailable; the batch may be retried as is
     * @throws SinkWriteException.Permanent when the store rejects the data; retrying the same batch fails
     *                                      again, so the poison record has to be found and set aside
     */
    List<BatchSplitter.Rejected<V>> write(List<SinkRecord<V>> batch) throws SinkWriteException;
}
