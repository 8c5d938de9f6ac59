-- Clients of the HTTP API (docs/api.md, docs/security.md). A token is shown once, by `fieldline tokens create`,
-- and only its SHA-256 is kept: the tokens are 256 random bits, so a fast hash loses nothing against guessing,
-- and a leaked table gives no token away. Not captured by CDC (the publication lists its tables). The same in
-- both storage layouts: it is metadata, not a time series.
CREATE TABLE api_token (
    token_id      bigint       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text,
    -- read: every GET of /api/v1; ingest: POST /api/v1/measurements
    scope         text         NOT NULL CHECK (scope IN ('read', 'ingest')),
    -- lower-case hex SHA-256 of the token's UTF-8 bytes
    token_hash    text         NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    created_at    timestamptz  NOT NULL DEFAULT now(),
    -- refreshed at most once a minute per token, so reads do not write on every request
    last_used_at  timestamptz,
    -- set by `fieldline tokens revoke`: every later request with the token is refused
    revoked_at    timestamptz
);

-- Responses to POST requests that carried an Idempotency-Key, so that a retry (on any API instance) is answered
-- with the first response instead of being processed again. A row with a null status is a request in progress.
CREATE TABLE api_idempotency (
    token_id         bigint       NOT NULL REFERENCES api_token (token_id) ON DELETE CASCADE,
    idempotency_key  text         NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    -- SHA-256 of method, path and body: the same key with another request is refused
    request_hash     text         NOT NULL,
    status           integer,
    content_type     text,
    response_body    text,
    created_at       timestamptz  NOT NULL DEFAULT now(),
    expires_at       timestamptz  NOT NULL,
    PRIMARY KEY (token_id, idempotency_key)
);
CREATE INDEX api_idempotency_expires_idx ON api_idempotency (expires_at);
