package io.fieldline.sink.internal.redis;

import io.fieldline.sink.internal.worker.SinkWriteException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.List;

/**
 * One pipelined connection of one worker: commands are queued (auto-flush off) and sent together by
 * {@link #flush()}. Connects lazily, so a sink starts while Redis is down; Lettuce reconnects by itself
 * afterwards, and rejects commands while disconnected so that a batch fails fast instead of queueing.
 */
public final class RedisConnector implements AutoCloseable {

    private final RedisClient client;
    private final Duration timeout;
    private StatefulRedisConnection<String, String> connection;
    private boolean scriptsLoaded;

    public RedisConnector(RedisClient client, Duration timeout) {
        this.client = client;
        this.timeout = timeout;
    }

    /** The async commands of the connection, scripts loaded; connects first if needed. */
    RedisAsyncCommands<String, String> commands() throws SinkWriteException.Transient {
        try {
            if (connection == null) {
                StatefulRedisConnection<String, String> opened = client.connect();
                opened.setAutoFlushCommands(false);
                connection = opened;
                scriptsLoaded = false;
            }
            if (!scriptsLoaded) {
                loadScripts();
            }
            return connection.async();
        } catch (RedisException e) {
            throw new SinkWriteException.Transient("Redis unavailable: " + e.getMessage(), e);
        }
    }

    private void loadScripts() throws SinkWriteException.Transient {
        RedisAsyncCommands<String, String> async = connection.async();
        var futures = List.of(LuaScript.HSET_IF_NEWER, LuaScript.ALERT_TRANSITION, LuaScript.ANOMALY_FLAG).stream()
                .map(s -> async.scriptLoad(s.body()))
                .toList();
        flush();
        RedisReplies.await(futures, timeout);
        scriptsLoaded = true;
    }

    /** Scripts are gone after a Redis restart: load them again before the next batch. */
    void forgetScripts() {
        scriptsLoaded = false;
    }

    void flush() {
        if (connection != null) {
            connection.flushCommands();
        }
    }

    Duration timeout() {
        return timeout;
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }
}
