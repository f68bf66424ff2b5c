-- +goose Up
-- The SQLite schema in PostgreSQL's types. Times are microseconds since the epoch and booleans
-- 0/1 (INTEGER) as there, so one set of queries serves both. Every text column that is ordered,
-- range-compared or matched with LIKE is COLLATE "C": keyset paging, the hierarchy path range and
-- the lower-cased name columns then compare bytewise as SQLite does, whatever the database's locale.
CREATE TABLE instances (
    id            TEXT COLLATE "C" PRIMARY KEY,
    arn           TEXT NOT NULL,
    alias         TEXT COLLATE "C" NOT NULL DEFAULT '',
    identity_type TEXT NOT NULL,
    directory_id  TEXT NOT NULL DEFAULT '',
    inbound       INTEGER NOT NULL,
    outbound      INTEGER NOT NULL,
    status        TEXT NOT NULL,
    created_us    BIGINT NOT NULL
);

CREATE TABLE routing_profiles (
    instance_id   TEXT COLLATE "C" NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    id            TEXT COLLATE "C" PRIMARY KEY,
    arn           TEXT NOT NULL,
    name          TEXT COLLATE "C" NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    default_queue TEXT NOT NULL DEFAULT '',
    is_default    INTEGER NOT NULL DEFAULT 0,
    modified_us   BIGINT NOT NULL,
    region        TEXT NOT NULL
);
CREATE UNIQUE INDEX routing_profiles_name ON routing_profiles(instance_id, name);
CREATE INDEX routing_profiles_list ON routing_profiles(instance_id, id);

CREATE TABLE security_profiles (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    id          TEXT COLLATE "C" PRIMARY KEY,
    arn         TEXT NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    modified_us BIGINT NOT NULL,
    region      TEXT NOT NULL
);
CREATE UNIQUE INDEX security_profiles_name ON security_profiles(instance_id, name);
CREATE INDEX security_profiles_list ON security_profiles(instance_id, id);

CREATE TABLE hierarchy_levels (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    arn         TEXT NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    modified_us BIGINT NOT NULL,
    region      TEXT NOT NULL,
    PRIMARY KEY (instance_id, level)
);

CREATE TABLE hierarchy_groups (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    id          TEXT COLLATE "C" PRIMARY KEY,
    arn         TEXT NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    -- parent_id keeps a group from outliving its parent; parent_key ('' at LevelOne) lets one
    -- unique index hold sibling names, which a NULL parent could not.
    parent_id   TEXT COLLATE "C" REFERENCES hierarchy_groups(id),
    parent_key  TEXT COLLATE "C" NOT NULL,
    path        TEXT COLLATE "C" NOT NULL,
    modified_us BIGINT NOT NULL,
    region      TEXT NOT NULL
);
CREATE UNIQUE INDEX hierarchy_groups_sibling ON hierarchy_groups(instance_id, parent_key, name);
CREATE INDEX hierarchy_groups_parent ON hierarchy_groups(parent_id);
CREATE INDEX hierarchy_groups_level ON hierarchy_groups(instance_id, level);
CREATE INDEX hierarchy_groups_list ON hierarchy_groups(instance_id, id);

CREATE TABLE users (
    instance_id          TEXT COLLATE "C" NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    id                   TEXT COLLATE "C" PRIMARY KEY,
    arn                  TEXT NOT NULL,
    username             TEXT COLLATE "C" NOT NULL,
    username_lc          TEXT COLLATE "C" NOT NULL,
    first_name           TEXT NOT NULL DEFAULT '',
    first_lc             TEXT COLLATE "C" NOT NULL DEFAULT '',
    last_name            TEXT NOT NULL DEFAULT '',
    last_lc              TEXT COLLATE "C" NOT NULL DEFAULT '',
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
    security_profile_ids TEXT COLLATE "C" NOT NULL,
    routing_profile_id   TEXT COLLATE "C" NOT NULL REFERENCES routing_profiles(id),
    hierarchy_group_id   TEXT COLLATE "C" REFERENCES hierarchy_groups(id),
    hierarchy_path       TEXT COLLATE "C" NOT NULL DEFAULT '',
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
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    resource_id TEXT COLLATE "C" NOT NULL,
    key         TEXT COLLATE "C" NOT NULL,
    value       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (resource_id, key)
);
CREATE INDEX tags_key ON tags(instance_id, key, value);

CREATE TABLE access_keys (
    id            TEXT COLLATE "C" PRIMARY KEY,
    secret_sealed BYTEA NOT NULL,
    user_name     TEXT COLLATE "C" NOT NULL,
    created_us    BIGINT NOT NULL
);

CREATE TABLE federation_tokens (
    access_hash  BYTEA PRIMARY KEY,
    refresh_hash BYTEA NOT NULL UNIQUE,
    instance_id  TEXT COLLATE "C" NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    user_id      TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    access_exp   BIGINT NOT NULL,
    refresh_exp  BIGINT NOT NULL
);
CREATE INDEX federation_tokens_user ON federation_tokens(user_id);
CREATE INDEX federation_tokens_instance ON federation_tokens(instance_id);

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
