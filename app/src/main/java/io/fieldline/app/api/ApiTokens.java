package io.fieldline.app.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The API's client tokens, in PostgreSQL's {@code api_token} (migration V7 of the sink): each has a scope, an
 * optional name, and only the SHA-256 of the token is stored. A token is {@code flt_} followed by 43 base64url
 * characters (256 random bits), shown once when created.
 */
public final class ApiTokens {

    /** What a token may do. */
    public enum Scope {
        /** Every GET of /api/v1. */
        READ,
        /** POST /api/v1/measurements. */
        INGEST;

        /** As stored and typed: {@code read}, {@code ingest}. */
        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Scope parse(String text) {
            for (Scope scope : values()) {
                if (scope.text().equals(text)) {
                    return scope;
                }
            }
            throw new IllegalArgumentException("scope must be read or ingest, got '" + text + "'");
        }
    }

    /** What is stored about one token (never the token). */
    public record Token(long id, String name, Scope scope, Instant createdAt, Instant lastUsedAt, Instant revokedAt) {
        public boolean revoked() {
            return revokedAt != null;
        }
    }

    /** A token just made: its id and the token itself, which is not stored. */
    public record Created(long id, String token) {}

    private static final String TOKEN_PREFIX = "flt_";
    /** The form {@link #generate()} makes: the prefix and 32 bytes in unpadded base64url. */
    private static final java.util.regex.Pattern TOKEN_FORM = java.util.regex.Pattern.compile("flt_[A-Za-z0-9_-]{43}");

    private static final SecureRandom RANDOM = new SecureRandom();

    private final DataSource dataSource;
    private final String table;

    /**
     * @param dataSource the database of the sink's migrations
     * @param schema     its schema ({@code sink.postgres.schema})
     */
    public ApiTokens(DataSource dataSource, String schema) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.table = qualified(schema, "api_token");
    }

    static String qualified(String schema, String table) {
        return "\"" + schema.replace("\"", "\"\"") + "\"." + table;
    }

    /** A new random token in the text form clients send. */
    static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Whether the text has the form of a token ({@code flt_} and 43 base64url characters); says nothing of it being valid. */
    static boolean wellFormed(String presented) {
        return presented != null && TOKEN_FORM.matcher(presented).matches();
    }

    /** Lower-case hex SHA-256 of the text's UTF-8 bytes. */
    public static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Makes a token; the returned text is the only copy. */
    public Created create(Scope scope, String name) throws SQLException {
        String token = generate();
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(
                        "INSERT INTO " + table + " (name, scope, token_hash) VALUES (?, ?, ?) RETURNING token_id")) {
            st.setString(1, name);
            st.setString(2, scope.text());
            st.setString(3, sha256(token));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return new Created(rs.getLong(1), token);
            }
        }
    }

    /** Every token, oldest first. */
    public List<Token> list() throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st =
                        c.prepareStatement("SELECT token_id, name, scope, created_at, last_used_at, revoked_at FROM "
                                + table + " ORDER BY token_id");
                ResultSet rs = st.executeQuery()) {
            List<Token> tokens = new ArrayList<>();
            while (rs.next()) {
                tokens.add(token(rs));
            }
            return tokens;
        }
    }

    /**
     * Revokes a token: every later request with it is refused.
     *
     * @return false when it was revoked already
     * @throws IllegalArgumentException when there is no token of that id
     */
    public boolean revoke(long id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement st = c.prepareStatement(
                    "UPDATE " + table + " SET revoked_at = now() WHERE token_id = ? AND revoked_at IS NULL")) {
                st.setLong(1, id);
                if (st.executeUpdate() == 1) {
                    return true;
                }
            }
            try (PreparedStatement st = c.prepareStatement("SELECT 1 FROM " + table + " WHERE token_id = ?")) {
                st.setLong(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalArgumentException("no token " + id);
                    }
                }
            }
            return false;
        }
    }

    /**
     * Revokes every active token of that name (the tokens an earlier run of {@code fieldline up} issued).
     *
     * @return how many were revoked
     */
    public int revokeNamed(String name) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(
                        "UPDATE " + table + " SET revoked_at = now() WHERE name = ? AND revoked_at IS NULL")) {
            st.setString(1, name);
            return st.executeUpdate();
        }
    }

    /**
     * The token a client sent, if it exists and is not revoked; notes its use (at most once a minute). A text that has
     * not the form of a token is refused without asking the database.
     */
    public Optional<Token> authenticate(String presented) throws SQLException {
        if (!wellFormed(presented)) {
            return Optional.empty();
        }
        try (Connection c = dataSource.getConnection()) {
            Token token;
            try (PreparedStatement st =
                    c.prepareStatement("SELECT token_id, name, scope, created_at, last_used_at, revoked_at FROM "
                            + table + " WHERE token_hash = ?")) {
                st.setString(1, sha256(presented));
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    token = token(rs);
                }
            }
            if (token.revoked()) {
                return Optional.empty();
            }
            if (token.lastUsedAt() == null
                    || token.lastUsedAt().isBefore(Instant.now().minusSeconds(60))) {
                try (PreparedStatement st =
                        c.prepareStatement("UPDATE " + table + " SET last_used_at = now() WHERE token_id = ?")) {
                    st.setLong(1, token.id());
                    st.executeUpdate();
                }
            }
            return Optional.of(token);
        }
    }

    private static Token token(ResultSet rs) throws SQLException {
        return new Token(
                rs.getLong(1),
                rs.getString(2),
                Scope.parse(rs.getString(3)),
                instant(rs.getTimestamp(4)),
                instant(rs.getTimestamp(5)),
                instant(rs.getTimestamp(6)));
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
