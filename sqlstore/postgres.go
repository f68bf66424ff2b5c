package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/connectdir/connectdir"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// postgresMaxConns bounds the pool: every replica holds at most this many of the server's
// max_connections (100 by default).
const postgresMaxConns = 20

// OpenPostgres connects to the PostgreSQL database at url (a postgres:// URL or a key=value
// connection string) and migrates it. Replicas starting together migrate once: the first holds a
// session advisory lock while the others wait for it.
func OpenPostgres(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres url: %w", err)
	}
	// The LIKE patterns escape with ESCAPE '\', which reads as one backslash only with
	// standard-conforming strings; it is the default since 9.1, but a server may turn it off.
	cfg.RuntimeParams["standard_conforming_strings"] = "on"
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(postgresMaxConns)
	db.SetMaxIdleConns(postgresMaxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	// Poll the lock every second (goose's default is every five) for up to five minutes.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := migrate(ctx, db, goose.DialectPostgres, "postgres", goose.WithSessionLocker(locker)); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate postgres: %w", err)
	}
	// DescribeUser's coalesced reads (userreads.go) have a pool of their own, whose sessions plan
	// a statement once (plan_cache_mode, PostgreSQL 12 and later): by default PostgreSQL planned
	// `id = ANY($1)` anew on every execution, its generic plan (costed for an array of 10 ids)
	// looking dearer than a custom plan for the one id it was mostly given: 120 µs of the backend's
	// CPU per query, against 44 µs planned once. The plan is the same for any array: the primary
	// key. The other queries keep custom plans, which LIKE prefixes need.
	rcfg := cfg.Copy()
	rcfg.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	rdb := stdlib.OpenDB(*rcfg)
	if err := rdb.PingContext(ctx); err != nil {
		// A server before 12 refuses the setting, and every DescribeUser with it: plan as the
		// other queries do (slower, not wrong).
		rdb.Close()
		rdb = stdlib.OpenDB(*cfg)
	}
	rdb.SetMaxOpenConns(maxUserQueries + 1)
	rdb.SetMaxIdleConns(maxUserQueries + 1)
	// One pool serves both: PostgreSQL runs writers concurrently and isolates them itself.
	return &Store{write: db, read: db, d: postgresDialect{}, reads: newUserReads(rdb, postgresDialect{})}, nil
}

type postgresDialect struct{}

func (postgresDialect) conflict(err error) string {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return ""
	}
	switch e.Code {
	case "23505": // unique_violation
		return "unique"
	case "23503": // foreign_key_violation
		return "foreign"
	}
	return ""
}

// badText turns PostgreSQL's refusal of a text value (U+0000, invalid UTF-8) into the caller's
// error: a client sent it, the transaction wrote nothing, and it is no 500. The API refuses such
// strings before they get here (awsapi/model); this covers every other way in (SCIM, console).
func badText(err error) error {
	var e *pgconn.PgError
	if errors.As(err, &e) && (e.Code == "22021" || e.Code == "22P05") { // character_not_in_repertoire, untranslatable_character
		return connectdir.Errorf(connectdir.KindInvalidParameter, "A value holds a character that cannot be stored (U+0000 or invalid UTF-8)")
	}
	return err
}

func (postgresDialect) retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01") // serialization_failure, deadlock_detected
}

// Writers run SERIALIZABLE so that two replicas racing on the same rule (a username, a sibling
// name, a group's last user) cannot both pass their checks; the loser is aborted with 40001 and
// Store.Update runs it again, when its check sees the winner's row.
func (postgresDialect) writeOpts() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelSerializable}
}

// Reads see one snapshot and take no predicate locks.
func (postgresDialect) readOpts() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
}

func (postgresDialect) tagObject(alias string) string {
	return `COALESCE((SELECT json_object_agg(t.key, t.value) FROM tags t WHERE t.resource_id = ` + alias + `.id AND t.instance_id = ` + alias + `.instance_id), '{}')`
}
