-- +goose Up
-- Times are microseconds since the epoch and booleans 0/1 in both dialects, so one set of
-- queries serves SQLite and PostgreSQL.
CREATE TABLE instances (
    id            TEXT PRIMARY KEY,
    arn           TEXT NOT NULL,
    alias         TEXT NOT NULL DEFAULT '',
    identity_type TEXT NOT NULL,
    directory_id  TEXT NOT NULL DEFAULT '',
    inbound       INTEGER NOT NULL,
    outbound      INTEGER NOT NULL,
    status        TEXT NOT NULL,
    created_us    BIGINT NOT NULL
);

CREATE TABLE routing_profiles (
    instance_id   TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    id            TEXT PRIMARY KEY,
    arn           TEXT NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    default_queue TEXT NOT NULL DEFAULT '',
    is_default    INTEGER NOT NULL DEFAULT 0,
    modified_us   BIGINT NOT NULL,
    region        TEXT NOT NULL
);
CREATE UNIQUE INDEX routing_profiles_name ON routing_profiles(instance_id, name);

CREATE TABLE security_profiles (
    instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    id          TEXT PRIMARY KEY,
    arn         TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    modified_us BIGINT NOT NULL,
    region      TEXT NOT NULL
);
CREATE UNIQUE INDEX security_profiles_name ON security_profiles(instance_id, name);

CREATE TABLE hierarchy_levels (
    instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    arn         TEXT NOT NULL,
    name        TEXT NOT NULL,
    modified_us BIGINT NOT NULL,
    region      TEXT NOT NULL,
    PRIMARY KEY (instance_id, level)
);

CREATE TABLE hierarchy_groups (
    instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    id          TEXT PRIMARY KEY,
    arn         TEXT NOT NULL,
    name        TEXT NOT NULL,
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    -- parent_id keeps a group from outliving its parent; parent_key ('' at LevelOne) lets one
    -- unique index hold sibling names, which a NULL parent could not.
    parent_id   TEXT REFERENCES hierarchy_groups(id),
    parent_key  TEXT NOT NULL,
    path        TEXT NOT NULL,
    modified_us BIGINT NOT NULL,
    region      TEXT NOT NULL
);
CREATE UNIQUE INDEX hierarchy_groups_sibling ON hierarchy_groups(instance_id, parent_key, name);
CREATE INDEX hierarchy_groups_parent ON hierarchy_groups(parent_id);
CREATE INDEX hierarchy_groups_level ON hierarchy_groups(instance_id, level);
CREATE INDEX hierarchy_groups_list ON hierarchy_groups(instance_id, id);

CREATE TABLE users (
    instance_id          TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    id                   TEXT PRIMARY KEY,
    arn                  TEXT NOT NULL,
    username             TEXT NOT NULL,
    username_lc          TEXT NOT NULL,
    first_name           TEXT NOT NULL DEFAULT '',
    first_lc             TEXT NOT NULL DEFAULT '',
    last_name            TEXT NOT NULL DEFAULT '',
    last_lc              TEXT NOT NULL DEFAULT '',
    email                TEXT NOT NULL DEFAULT '',
    secondary_email      TEXT NOT NULL DEFAULT '',
    mobile               TEXT NOT NULL DEFAULT '',
    password_hash        TEXT NOT NULL DEFAULT '',
    directory_user_id    TEXT NOT NULL DEFAULT '',
    phone_type           TEXT NOT NULL,
    auto_accept          INTEGER NOT NULL DEFAULT 0,
    acw_limit            INTEGER NOT NULL DEFAULT 0,
    desk_phone           TEXT NOT NULL DEFAULT '',
    persistent           INTEGER,
    security_profile_ids TEXT NOT NULL,
    routing_profile_id   TEXT NOT NULL REFERENCES routing_profiles(id),
    hierarchy_group_id   TEXT REFERENCES hierarchy_groups(id),
    hierarchy_path       TEXT NOT NULL DEFAULT '',
    channel_configs      TEXT NOT NULL DEFAULT '{}',
    modified_us          BIGINT NOT NULL,
    region               TEXT NOT NULL
);
CREATE UNIQUE INDEX users_username ON users(instance_id, username);
CREATE INDEX users_list ON users(instance_id, id);
CREATE INDEX users_path ON users(instance_id, hierarchy_path, id);
CREATE INDEX users_username_lc ON users(instance_id, username_lc);
CREATE INDEX users_group ON users(hierarchy_group_id);
CREATE INDEX users_routing_profile ON users(routing_profile_id);

CREATE TABLE tags (
    instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    resource_id TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (resource_id, key)
);
CREATE INDEX tags_key ON tags(instance_id, key, value);

CREATE TABLE access_keys (
    id            TEXT PRIMARY KEY,
    secret_sealed BYTEA NOT NULL,
    user_name     TEXT NOT NULL,
    created_us    BIGINT NOT NULL
);

CREATE TABLE federation_tokens (
    access_hash  BYTEA PRIMARY KEY,
    refresh_hash BYTEA NOT NULL UNIQUE,
    instance_id  TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    access_exp   BIGINT NOT NULL,
    refresh_exp  BIGINT NOT NULL
);
CREATE INDEX federation_tokens_user ON federation_tokens(user_id);

-- +goose Down
DROP TABLE federation_tokens;
DROP TABLE access_keys;
DROP TABLE tags;
DROP TABLE users;
DROP TABLE hierarchy_groups;
DROP TABLE hierarchy_levels;
DROP TABLE security_profiles;
DROP TABLE routing_profiles;
DROP TABLE instances;
