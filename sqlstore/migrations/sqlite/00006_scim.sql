-- +goose Up
-- SCIM 2.0 provisioning (package scim). State is kept per target (an instance behind one
-- endpoint), not per token, so that replacing a token keeps every SCIM id.
CREATE TABLE scim_tokens (
    id         TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    target     TEXT NOT NULL,
    config     TEXT NOT NULL,
    created_us BIGINT NOT NULL
);

-- One row per SCIM resource (kind 'User' or 'Group'). name_lc is userName or displayName
-- lower-cased in Go (the two databases compare case differently); resource is the SCIM JSON,
-- applied the Connect state last written for it, version the ETag.
CREATE TABLE scim_resources (
    target      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    name_lc     TEXT NOT NULL,
    external_id TEXT NOT NULL DEFAULT '',
    connect_id  TEXT NOT NULL DEFAULT '',
    resource    TEXT NOT NULL,
    applied     TEXT NOT NULL DEFAULT '',
    version     BIGINT NOT NULL,
    created_us  BIGINT NOT NULL,
    modified_us BIGINT NOT NULL,
    PRIMARY KEY (target, kind, id)
);
CREATE UNIQUE INDEX scim_resources_name ON scim_resources(target, kind, name_lc);

CREATE TABLE scim_log (
    id       TEXT PRIMARY KEY,
    at_us    BIGINT NOT NULL,
    token_id TEXT NOT NULL,
    target   TEXT NOT NULL,
    method   TEXT NOT NULL,
    path     TEXT NOT NULL,
    status   INTEGER NOT NULL,
    detail   TEXT NOT NULL,
    calls    TEXT NOT NULL
);
CREATE INDEX scim_log_at ON scim_log(at_us);

-- +goose Down
DROP TABLE scim_log;
DROP TABLE scim_resources;
DROP TABLE scim_tokens;
