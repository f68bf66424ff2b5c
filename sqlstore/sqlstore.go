// Package sqlstore is the connectdir.Store on SQL databases: embedded SQLite (the default) and
// PostgreSQL. One package serves both because the queries are the same: both bind $N
// parameters, and the schemas keep to types the two share.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/connectdir/connectdir"
	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrations embed.FS

// Store is a connectdir.Store over database/sql.
type Store struct {
	write *sql.DB // SQLite: one connection, so writers queue in Go instead of failing busy
	read  *sql.DB
	d     dialect
}

// dialect is what differs between the databases: how they report constraint and retryable errors.
type dialect interface {
	conflict(err error) string // "unique", "foreign" or ""
	retryable(err error) bool
	writeOpts() *sql.TxOptions
	readOpts() *sql.TxOptions
}

var _ connectdir.Store = (*Store)(nil)

func migrate(ctx context.Context, db *sql.DB, d goose.Dialect, dir string, opts ...goose.ProviderOption) error {
	sub, err := fs.Sub(migrations, "migrations/"+dir)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(d, db, sub, opts...)
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// Close closes the database handles.
func (s *Store) Close() error {
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// maxAttempts bounds retries of a transaction the database aborted for serialization.
const maxAttempts = 10

// Update runs fn in a read-write transaction, retried when the database aborts it for a
// serialization failure or deadlock.
func (s *Store) Update(ctx context.Context, fn func(connectdir.Tx) error) error {
	var err error
	for attempt := range maxAttempts {
		err = s.run(ctx, s.write, s.d.writeOpts(), fn)
		if err == nil || !s.d.retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 2 * time.Millisecond):
		}
	}
	return err
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(connectdir.Tx) error) error {
	return s.run(ctx, s.read, s.d.readOpts(), fn)
}

func (s *Store) run(ctx context.Context, db *sql.DB, opts *sql.TxOptions, fn func(connectdir.Tx) error) error {
	sqlTx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// Rollback after Commit is a no-op; deferring it also frees the connection (SQLite's single
	// writer) when fn panics.
	defer sqlTx.Rollback()
	if err := fn(&tx{ctx: ctx, tx: sqlTx, d: s.d}); err != nil {
		return err
	}
	return sqlTx.Commit()
}

// tx implements connectdir.Tx.
type tx struct {
	ctx context.Context
	tx  *sql.Tx
	d   dialect
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	res, err := t.tx.ExecContext(t.ctx, query, args...)
	if err != nil {
		if c := t.d.conflict(err); c != "" {
			return nil, &connectdir.ErrConflict{Constraint: c, Err: err}
		}
	}
	return res, err
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(t.ctx, query, args...)
}

func (t *tx) row(query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

func noRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return connectdir.ErrNoRows
	}
	return err
}

func us(t time.Time) int64 { return t.UnixMicro() }
func fromUS(v int64) time.Time {
	return time.UnixMicro(v).UTC()
}
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
