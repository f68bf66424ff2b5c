-- +goose Up
-- Temporary credentials issued by STS GetSessionToken: kept in the store, not in a server's
-- memory, so that every replica accepts them. The secret is sealed like an access key's; the
-- session token is stored as its SHA-256 only (it is random and long).
CREATE TABLE session_credentials (
    id            TEXT PRIMARY KEY,
    secret_sealed BYTEA NOT NULL,
    token_hash    BYTEA NOT NULL,
    user_name     TEXT NOT NULL,
    created_us    BIGINT NOT NULL,
    expires_us    BIGINT NOT NULL
);
CREATE INDEX session_credentials_expires ON session_credentials(expires_us);

-- +goose Down
DROP TABLE session_credentials;
