-- +goose Up
-- Issue 10: access keys can be disabled (and enabled again) without being deleted, and record
-- when they were last used (written at most once a minute per key by each server).
ALTER TABLE access_keys ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE access_keys ADD COLUMN last_used_us BIGINT;

-- +goose Down
ALTER TABLE access_keys DROP COLUMN last_used_us;
ALTER TABLE access_keys DROP COLUMN active;
