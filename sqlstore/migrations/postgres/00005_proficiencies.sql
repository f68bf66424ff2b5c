-- +goose Up
-- Issue 14 (the SQLite schema in PostgreSQL's types, text COLLATE "C" as in 00001): predefined attributes, user proficiencies and security profile permissions.
-- Attribute values and purposes are JSON arrays: they are read and written whole.
CREATE TABLE predefined_attributes (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    name        TEXT COLLATE "C" NOT NULL,
    vals        TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    purposes    TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    validation  INTEGER,
    modified_us BIGINT NOT NULL,
    region      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (instance_id, name)
);

-- One row per proficiency, so that SearchUsers' ListCondition is an EXISTS over an index and an
-- attribute in use is a count. name_lc and value_lc are lower-cased in Go for the searches.
CREATE TABLE user_proficiencies (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT COLLATE "C" NOT NULL,
    value       TEXT COLLATE "C" NOT NULL,
    name_lc     TEXT COLLATE "C" NOT NULL,
    value_lc    TEXT COLLATE "C" NOT NULL,
    level       REAL NOT NULL,
    modified_us BIGINT NOT NULL,
    region      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, name, value)
);
CREATE INDEX user_proficiencies_attribute ON user_proficiencies(instance_id, name, value);

-- A user whose proficiencies were all removed keeps when that happened.
CREATE TABLE user_proficiency_changes (
    user_id     TEXT COLLATE "C" PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    modified_us BIGINT NOT NULL,
    region      TEXT COLLATE "C" NOT NULL
);

CREATE TABLE security_profile_permissions (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    profile_id  TEXT COLLATE "C" NOT NULL REFERENCES security_profiles(id) ON DELETE CASCADE,
    permission  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (profile_id, permission)
);

-- +goose Down
DROP TABLE security_profile_permissions;
DROP TABLE user_proficiency_changes;
DROP TABLE user_proficiencies;
DROP TABLE predefined_attributes;
