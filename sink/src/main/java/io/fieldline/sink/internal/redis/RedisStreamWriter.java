package io.fieldline.sink.internal.redis;

import io.fieldline.sink.internal.worker.BatchSplitter;
import io.fieldline.sink.internal.worker.BatchWriter;
import io.fieldline.sink.internal.worker.SinkMetrics;
import io.fieldline.sink.internal.worker.SinkRecord;
import io.fieldline.sink.internal.worker.SinkWriteException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a batch of one stream to Redis as one pipeline: every command is queued, sent with one flush, and
 * the batch counts as written once every reply arrived. Writes are idempotent and ordered by event time
 * inside Lua scripts, so replays and retries leave the newest state in place.
 */
public final class RedisStreamWriter<V> implements BatchWriter<V> {

    /** Queues the commands of a batch. */
    @FunctionalInterface
    public interface Plan<V> {
        void enqueue(List<SinkRecord<V>> batch, RedisAsyncCommands<String, String> redis, Pipeline pipeline);
    }

    /** The commands of one batch and what each one's reply counts as. */
    public static final class Pipeline {
        private final List<RedisFuture<?>> futures = new ArrayList<>();
        private final List<String> kinds = new ArrayList<>();

        /** A command whose integer reply counts entries written of {@code kind}; null kind counts nothing. */
        void add(String kind, RedisFuture<?> future) {
            futures.add(future);
            kinds.add(kind);
        }

        int size() {
            return futures.size();
        }
    }

    private final RedisConnector connector;
    private final Plan<V> plan;
    private final SinkMetrics metrics;

    public RedisStreamWriter(RedisConnector connector, Plan<V> plan, SinkMetrics metrics) {
        this.connector = connector;
        this.plan = plan;
        this.metrics = metrics;
    }

    @Override
    public List<BatchSplitter.Rejected<V>> write(List<SinkRecord<V>> batch) throws SinkWriteException {
        RedisAsyncCommands<String, String> redis = connector.commands();
        Pipeline pipeline = new Pipeline();
        try {
            plan.enqueue(batch, redis, pipeline);
        } finally {
            connector.flush();
        }
        List<Object> replies;
        try {
            replies = RedisReplies.awaitClassified(pipeline.futures, connector.timeout());
        } catch (SinkWriteException e) {
            if (RedisReplies.isNoScript(e.getCause())) {
                connector.forgetScripts();
            }
            throw e;
        }
        Map<String, Long> written = new TreeMap<>();
        for (int i = 0; i < replies.size(); i++) {
            String kind = pipeline.kinds.get(i);
            if (kind != null && replies.get(i) instanceof Long n) {
                written.merge(kind, n, Long::sum);
            }
        }
        written.forEach(metrics::rowsWritten);
        return List.of(); // scripts keep the newest value by event time: nothing is set aside
    }
}
