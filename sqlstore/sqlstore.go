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
	"sync"
	"sync/atomic"
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
	// Statements prepared once per pool (SQLite only: pgx caches its own). nil means none.
	writeStmts, readStmts *stmtCache
	gc                    *groupCommit // SQLite: the committer every Update goes through
	users                 *userCache   // SQLite: users read outside transactions (usercache.go); nil: none
	reads                 *userReads   // PostgreSQL: users read outside transactions, coalesced (userreads.go); nil: none
}

// stmtCache keeps prepared statements of one pool so that transactions reuse them instead of
// having SQLite parse every query again, which was the largest single cost in the benchmarks.
// A statement is prepared in the background the first time its query is seen: preparing needs a
// connection of the pool, and the transaction that saw it holds one (SQLite's writer pool has only
// that one). database/sql then prepares it on each further connection once, as it is used.
type stmtCache struct {
	db *sql.DB
	m  sync.Map // query → *sql.Stmt, or nil while it is being prepared
	n  atomic.Int32
	// preparing counts the statements being prepared: Close waits for them, since a prepare
	// finishing on a closed pool would still open (and create the files of) a connection.
	preparing sync.WaitGroup
}

// maxStmts bounds the cache: queries built from search criteria come in many shapes.
const maxStmts = 512

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db} }

// get returns the prepared statement of query, or nil when it is not (yet) prepared.
func (c *stmtCache) get(query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	if v, ok := c.m.Load(query); ok {
		st, _ := v.(*sql.Stmt)
		return st
	}
	if c.n.Load() >= maxStmts {
		return nil
	}
	if _, loaded := c.m.LoadOrStore(query, nil); loaded {
		return nil
	}
	c.n.Add(1)
	c.preparing.Add(1)
	go func() {
		defer c.preparing.Done()
		// A failure (the pool closed, say) leaves the query unprepared: it still runs as text.
		if st, err := c.db.PrepareContext(context.Background(), query); err == nil {
			c.m.Store(query, st)
		}
	}()
	return nil
}

// dialect is what differs between the databases: how they report constraint and retryable errors.
type dialect interface {
	conflict(err error) string // "unique", "foreign" or ""
	retryable(err error) bool
	writeOpts() *sql.TxOptions
	readOpts() *sql.TxOptions
	// tagObject is an expression giving the tags of the user row aliased alias as one JSON
	// object, '{}' for none, read through the tags primary key.
	tagObject(alias string) string
}

var _ connectdir.Store = (*Store)(nil)

func migrate(ctx context.Context, db *sql.DB, d goose.Dialect, dir string, opts ...goose.ProviderOption) error {
	sub, err := fs.Sub(migrations, "migrations/"+dir)
	if err != nil {
		return err
	}
	// Migration numbers are handed out per change and land in any order: a database already at
	// a higher number must still take a lower one that arrives later.
	p, err := goose.NewProvider(d, db, sub, append([]goose.ProviderOption{goose.WithAllowOutofOrder(true)}, opts...)...)
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// Close closes the database handles.
func (s *Store) Close() error {
	var err error
	if s.gc != nil {
		s.gc.close()
		err = s.gc.ckpt.Close()
	}
	for _, c := range []*stmtCache{s.writeStmts, s.readStmts} {
		if c != nil {
			c.preparing.Wait()
		}
	}
	if s.reads != nil {
		err = errors.Join(err, s.reads.db.Close())
	}
	err = errors.Join(err, s.write.Close())
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// Update runs fn in a read-write transaction. When the database aborts it for a serialization
// failure or a deadlock (PostgreSQL's SERIALIZABLE writers racing), fn runs again, until it
// commits, fails otherwise, or ctx ends: a conflict is never the caller's error. On SQLite the
// transaction may be shared with other calls (see groupcommit.go); fn's work is all-or-nothing
// either way, and Update returns after the commit.
func (s *Store) Update(ctx context.Context, fn func(connectdir.Tx) error) error {
	defer s.users.writing()()
	if s.gc != nil {
		return s.enqueue(ctx, fn)
	}
	return s.retry(ctx, func() error { return s.run(ctx, s.write, s.d.writeOpts(), fn) })
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(connectdir.Tx) error) error {
	return s.run(ctx, s.read, s.d.readOpts(), fn)
}

// Read runs fn on the read pool without a transaction: each statement sees the database as of
// its own start. For a call answered by one statement, BEGIN and COMMIT cost more than the read.
func (s *Store) Read(ctx context.Context, fn func(connectdir.Tx) error) error {
	return badText(fn(&tx{ctx: ctx, q: s.read, d: s.d, stmts: s.readStmts, users: s.users, reads: s.reads}))
}

func (s *Store) run(ctx context.Context, db *sql.DB, opts *sql.TxOptions, fn func(connectdir.Tx) error) error {
	sqlTx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// Rollback after Commit is a no-op; deferring it also frees the connection (SQLite's single
	// writer) when fn panics.
	defer sqlTx.Rollback()
	stmts := s.readStmts
	if db == s.write {
		stmts = s.writeStmts
	}
	if err := fn(&tx{ctx: ctx, q: sqlTx, sqlTx: sqlTx, d: s.d, stmts: stmts}); err != nil {
		return badText(err)
	}
	return sqlTx.Commit()
}

// querier is what a sql.Tx and a sql.DB share: tx runs its statements on either.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// tx implements connectdir.Tx, in a transaction (sqlTx set) or, for Read, straight on a pool.
type tx struct {
	ctx   context.Context
	q     querier
	sqlTx *sql.Tx
	d     dialect
	stmts *stmtCache
	users *userCache // set on Read only: a transaction must see its own writes, which the cache does not know
	reads *userReads // set on Read only: a transaction's reads must see its snapshot and its own writes
}

// prepared returns the handle on query's prepared statement to run it with, or nil.
func (t *tx) prepared(query string) *sql.Stmt {
	st := t.stmts.get(query)
	if st != nil && t.sqlTx != nil {
		return t.sqlTx.StmtContext(t.ctx, st)
	}
	return st
}

// traceSQL, when set (by tests), sees every statement a tx runs, to explain its plan.
var traceSQL func(query string, args []any)

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	if traceSQL != nil {
		traceSQL(query, args)
	}
	var res sql.Result
	var err error
	if st := t.prepared(query); st != nil {
		res, err = st.ExecContext(t.ctx, args...)
	} else {
		res, err = t.q.ExecContext(t.ctx, query, args...)
	}
	if err != nil {
		if c := t.d.conflict(err); c != "" {
			return nil, &connectdir.ErrConflict{Constraint: c, Err: err}
		}
	}
	return res, err
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	if traceSQL != nil {
		traceSQL(query, args)
	}
	if st := t.prepared(query); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.q.QueryContext(t.ctx, query, args...)
}

func (t *tx) row(query string, args ...any) *sql.Row {
	if traceSQL != nil {
		traceSQL(query, args)
	}
	if st := t.prepared(query); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.q.QueryRowContext(t.ctx, query, args...)
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
