package io.fieldline.app.api;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Idempotency keys of POST requests, in PostgreSQL's {@code api_idempotency}, so that every API instance answers a
 * retry the same way. A request with a key first <em>claims</em> it (one row per token and key, inserted or found);
 * the claim holds for {@code inProgressTtl} (a crashed instance's claim lapses) and, once the request is answered,
 * its response is stored for {@code ttl}. A failure that a retry may fix (503) releases the claim instead.
 */
final class IdempotencyKeys {

    /** A response kept for a key. */
    record Stored(int status, String contentType, String body) {}

    /** What claiming a key found. */
    sealed interface Claim permits Claimed, Replay, InProgress, OtherRequest {}

    /** The key is new (or its entry expired): process the request, then {@link #complete} or {@link #release}. */
    record Claimed() implements Claim {}

    /** The same request was answered already: send this. */
    record Replay(Stored response) implements Claim {}

    /** The same key is being processed by another request right now. */
    record InProgress() implements Claim {}

    /** The key was used with another request (method, path or body). */
    record OtherRequest() implements Claim {}

    private static final long PURGE_EVERY_NANOS = Duration.ofMinutes(10).toNanos();

    private final DataSource dataSource;
    private final String table;
    private final Duration ttl;
    private final Duration inProgressTtl;
    private final AtomicLong lastPurge = new AtomicLong(System.nanoTime());

    IdempotencyKeys(DataSource dataSource, String schema, Duration ttl, Duration inProgressTtl) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.table = ApiTokens.qualified(schema, "api_idempotency");
        this.ttl = ttl;
        this.inProgressTtl = inProgressTtl;
    }

    Claim claim(long tokenId, String key, String requestHash) throws SQLException {
        purgeNowAndThen();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement st = c.prepareStatement(
                    "DELETE FROM " + table + " WHERE token_id = ? AND idempotency_key = ? AND expires_at < now()")) {
                st.setLong(1, tokenId);
                st.setString(2, key);
                st.executeUpdate();
            }
            try (PreparedStatement st = c.prepareStatement("INSERT INTO " + table
                    + " (token_id, idempotency_key, request_hash, expires_at)"
                    + " VALUES (?, ?, ?, now() + ? * interval '1 millisecond') ON CONFLICT DO NOTHING")) {
                st.setLong(1, tokenId);
                st.setString(2, key);
                st.setString(3, requestHash);
                st.setLong(4, inProgressTtl.toMillis());
                if (st.executeUpdate() == 1) {
                    return new Claimed();
                }
            }
            try (PreparedStatement st = c.prepareStatement("SELECT request_hash, status, content_type, response_body"
                    + " FROM " + table + " WHERE token_id = ? AND idempotency_key = ?")) {
                st.setLong(1, tokenId);
                st.setString(2, key);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        // Deleted between the insert and this read (it expired): a retry will claim it.
                        return new InProgress();
                    }
                    if (!rs.getString(1).equals(requestHash)) {
                        return new OtherRequest();
                    }
                    int status = rs.getInt(2);
                    if (rs.wasNull()) {
                        return new InProgress();
                    }
                    return new Replay(new Stored(status, rs.getString(3), rs.getString(4)));
                }
            }
        }
    }

    /**
     * Stores the response of a claimed key, only while the claim is still this request's: still without an answer and
     * for the same request (a claim that expired and was taken by another request is left alone).
     *
     * @return whether the answer was stored
     */
    boolean complete(long tokenId, String key, String requestHash, Stored response) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement("UPDATE " + table
                        + " SET status = ?, content_type = ?, response_body = ?,"
                        + " expires_at = now() + ? * interval '1 millisecond'"
                        + " WHERE token_id = ? AND idempotency_key = ? AND status IS NULL AND request_hash = ?")) {
            st.setInt(1, response.status());
            st.setString(2, response.contentType());
            st.setString(3, response.body());
            st.setLong(4, ttl.toMillis());
            st.setLong(5, tokenId);
            st.setString(6, key);
            st.setString(7, requestHash);
            return st.executeUpdate() == 1;
        }
    }

    /** Gives a claimed key up: the request failed in a way a retry may fix. */
    void release(long tokenId, String key, String requestHash) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement("DELETE FROM " + table
                        + " WHERE token_id = ? AND idempotency_key = ? AND status IS NULL AND request_hash = ?")) {
            st.setLong(1, tokenId);
            st.setString(2, key);
            st.setString(3, requestHash);
            st.executeUpdate();
        }
    }

    private void purgeNowAndThen() throws SQLException {
        long last = lastPurge.get();
        long now = System.nanoTime();
        if (now - last < PURGE_EVERY_NANOS || !lastPurge.compareAndSet(last, now)) {
            return;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement("DELETE FROM " + table + " WHERE expires_at < now()")) {
            st.executeUpdate();
        }
    }
}
