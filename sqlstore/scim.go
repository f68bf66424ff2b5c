package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/scim"
)

// The SCIM state is not part of the Connect directory (it is not in a Tx): each call below is
// one statement, so one transaction, on the writer or reader pool.

var _ scim.Store = (*Store)(nil)

func (s *Store) scimExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	defer s.users.writing()()
	res, err := s.write.ExecContext(ctx, query, args...)
	if err != nil {
		if c := s.d.conflict(err); c != "" {
			return nil, &connectdir.ErrConflict{Constraint: c, Err: err}
		}
	}
	return res, err
}

// InsertSCIMToken stores a token's hash and configuration.
func (s *Store) InsertSCIMToken(ctx context.Context, t scim.Token) error {
	_, err := s.scimExec(ctx, `INSERT INTO scim_tokens (id, hash, target, config, created_us) VALUES ($1, $2, $3, $4, $5)`,
		t.ID, t.Hash, t.Target, t.Config, t.Created.UnixMicro())
	return err
}

// SCIMTokenByHash returns the token of a hash.
func (s *Store) SCIMTokenByHash(ctx context.Context, hash string) (scim.Token, error) {
	var t scim.Token
	var us int64
	err := s.read.QueryRowContext(ctx, `SELECT id, hash, target, config, created_us FROM scim_tokens WHERE hash = $1`, hash).
		Scan(&t.ID, &t.Hash, &t.Target, &t.Config, &us)
	t.Created = time.UnixMicro(us).UTC()
	return t, noRows(err)
}

// ListSCIMTokens returns every token (hashes, not tokens), oldest first.
func (s *Store) ListSCIMTokens(ctx context.Context) ([]scim.Token, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, hash, target, config, created_us FROM scim_tokens ORDER BY created_us, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []scim.Token
	for rows.Next() {
		var t scim.Token
		var us int64
		if err := rows.Scan(&t.ID, &t.Hash, &t.Target, &t.Config, &us); err != nil {
			return nil, err
		}
		t.Created = time.UnixMicro(us).UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteSCIMToken deletes a token, or returns ErrNoRows.
func (s *Store) DeleteSCIMToken(ctx context.Context, id string) error {
	res, err := s.scimExec(ctx, `DELETE FROM scim_tokens WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err == nil {
			err = connectdir.ErrNoRows
		}
		return err
	}
	return nil
}

const scimResourceCols = `target, kind, id, name_lc, external_id, connect_id, resource, applied, version, created_us, modified_us`

func scanSCIMResource(sc interface{ Scan(...any) error }) (scim.Resource, error) {
	var r scim.Resource
	var c, m int64
	err := sc.Scan(&r.Target, &r.Kind, &r.ID, &r.NameLC, &r.ExternalID, &r.ConnectID, &r.JSON, &r.Applied, &r.Version, &c, &m)
	r.Created, r.Modified = time.UnixMicro(c).UTC(), time.UnixMicro(m).UTC()
	return r, err
}

// GetSCIMResource returns one resource by SCIM id.
func (s *Store) GetSCIMResource(ctx context.Context, target, kind, id string) (scim.Resource, error) {
	r, err := scanSCIMResource(s.read.QueryRowContext(ctx, `SELECT `+scimResourceCols+` FROM scim_resources WHERE target = $1 AND kind = $2 AND id = $3`, target, kind, id))
	return r, noRows(err)
}

// SCIMResourceByName returns one resource by lower-cased userName or displayName.
func (s *Store) SCIMResourceByName(ctx context.Context, target, kind, nameLC string) (scim.Resource, error) {
	r, err := scanSCIMResource(s.read.QueryRowContext(ctx, `SELECT `+scimResourceCols+` FROM scim_resources WHERE target = $1 AND kind = $2 AND name_lc = $3`, target, kind, nameLC))
	return r, noRows(err)
}

// ListSCIMResources returns every resource of a kind, by id.
func (s *Store) ListSCIMResources(ctx context.Context, target, kind string) ([]scim.Resource, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+scimResourceCols+` FROM scim_resources WHERE target = $1 AND kind = $2 ORDER BY id`, target, kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []scim.Resource
	for rows.Next() {
		r, err := scanSCIMResource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutSCIMResource inserts or replaces (optimistically, on version) a resource.
func (s *Store) PutSCIMResource(ctx context.Context, r scim.Resource, prevVersion int64) error {
	if prevVersion == 0 {
		_, err := s.scimExec(ctx, `INSERT INTO scim_resources (`+scimResourceCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			r.Target, r.Kind, r.ID, r.NameLC, r.ExternalID, r.ConnectID, r.JSON, r.Applied, r.Version, r.Created.UnixMicro(), r.Modified.UnixMicro())
		return err
	}
	res, err := s.scimExec(ctx, `UPDATE scim_resources SET name_lc = $4, external_id = $5, connect_id = $6, resource = $7, applied = $8, version = $9, modified_us = $10
		WHERE target = $1 AND kind = $2 AND id = $3 AND version = $11`,
		r.Target, r.Kind, r.ID, r.NameLC, r.ExternalID, r.ConnectID, r.JSON, r.Applied, r.Version, r.Modified.UnixMicro(), prevVersion)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err == nil {
			err = scim.ErrStale
		}
		return err
	}
	return nil
}

// DeleteSCIMResource deletes one resource.
func (s *Store) DeleteSCIMResource(ctx context.Context, target, kind, id string) error {
	_, err := s.scimExec(ctx, `DELETE FROM scim_resources WHERE target = $1 AND kind = $2 AND id = $3`, target, kind, id)
	return err
}

// AppendSCIMLog records one SCIM request.
func (s *Store) AppendSCIMLog(ctx context.Context, e scim.LogEntry) error {
	calls, err := json.Marshal(e.Calls)
	if err != nil {
		return err
	}
	_, err = s.scimExec(ctx, `INSERT INTO scim_log (id, at_us, token_id, target, method, path, status, detail, calls) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.ID, e.At.UnixMicro(), e.TokenID, e.Target, e.Method, e.Path, e.Status, e.Detail, string(calls))
	return err
}

// SCIMLog returns the latest limit entries, newest first.
func (s *Store) SCIMLog(ctx context.Context, limit int) ([]scim.LogEntry, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, at_us, token_id, target, method, path, status, detail, calls FROM scim_log ORDER BY at_us DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []scim.LogEntry
	for rows.Next() {
		var e scim.LogEntry
		var at int64
		var calls string
		if err := rows.Scan(&e.ID, &at, &e.TokenID, &e.Target, &e.Method, &e.Path, &e.Status, &e.Detail, &calls); err != nil {
			return nil, err
		}
		e.At = time.UnixMicro(at).UTC()
		if err := json.Unmarshal([]byte(calls), &e.Calls); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// PruneSCIMLog deletes the log entries older than before.
func (s *Store) PruneSCIMLog(ctx context.Context, before time.Time) error {
	_, err := s.scimExec(ctx, `DELETE FROM scim_log WHERE at_us < $1`, before.UnixMicro())
	return err
}
