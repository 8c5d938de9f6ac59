package io.fieldline.sink.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class BatchSplitterTest {

    /** A store that rejects whole batches containing a poison value, as a database transaction would. */
    private static final class RejectingStore implements BatchWriter<Integer> {
        final Set<Integer> poison;
        final List<Integer> stored = new ArrayList<>();
        int writes;
        boolean down;

        RejectingStore(Set<Integer> poison) {
            this.poison = poison;
        }

        @Override
        public List<BatchSplitter.Rejected<Integer>> write(List<SinkRecord<Integer>> batch) throws SinkWriteException {
            writes++;
            if (down) {
                throw new SinkWriteException.Transient("down", null);
            }
            for (SinkRecord<Integer> r : batch) {
                if (poison.contains(r.value())) {
                    throw new SinkWriteException.Permanent("poison " + r.value(), null);
                }
            }
            batch.forEach(r -> stored.add(r.value()));
            return List.of();
        }
    }

    private static List<SinkRecord<Integer>> batch(int size) {
        return IntStream.range(0, size)
                .mapToObj(i -> new SinkRecord<>(new ConsumerRecord<byte[], byte[]>("t", 0, i, null, new byte[0]), i))
                .toList();
    }

    @Test
    void shouldWriteAGoodBatchInOneWrite() throws SinkWriteException {
        RejectingStore store = new RejectingStore(Set.of());

        List<BatchSplitter.Rejected<Integer>> rejected = BatchSplitter.write(batch(100), store);

        assertThat(rejected).isEmpty();
        assertThat(store.writes).isEqualTo(1);
        assertThat(store.stored).hasSize(100);
    }

    @Test
    void shouldIsolateEachPoisonRecordAndWriteAllOthersInOrder() throws SinkWriteException {
        RejectingStore store = new RejectingStore(Set.of(3, 64, 99));

        List<BatchSplitter.Rejected<Integer>> rejected = BatchSplitter.write(batch(100), store);

        assertThat(rejected).extracting(r -> r.record().value()).containsExactly(3, 64, 99);
        assertThat(rejected).allSatisfy(r -> assertThat(r.reason().getMessage()).startsWith("poison"));
        assertThat(store.stored).hasSize(97).doesNotContain(3, 64, 99).isSorted();
    }

    @Test
    void shouldNeedOnlyLogarithmicallyManyWritesForOnePoisonRecord() throws SinkWriteException {
        RejectingStore store = new RejectingStore(Set.of(777));

        BatchSplitter.write(batch(4096), store);

        // 1 + 2 per level of a 12-level bisection
        assertThat(store.writes).isLessThanOrEqualTo(1 + 2 * 12);
        assertThat(store.stored).hasSize(4095);
    }

    @Test
    void shouldRejectASingleRecordBatchWithoutSplitting() throws SinkWriteException {
        RejectingStore store = new RejectingStore(Set.of(0));

        List<BatchSplitter.Rejected<Integer>> rejected = BatchSplitter.write(batch(1), store);

        assertThat(rejected).hasSize(1);
        assertThat(store.writes).isEqualTo(1);
    }

    @Test
    void shouldPropagateTransientFailuresInsteadOfSplitting() {
        RejectingStore store = new RejectingStore(Set.of());
        store.down = true;

        assertThatThrownBy(() -> BatchSplitter.write(batch(10), store))
                .isInstanceOf(SinkWriteException.Transient.class);
        assertThat(store.writes).isEqualTo(1);
    }
}
