package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite" // pure Go, so a plain go build needs no cgo
	sqlite3 "modernc.org/sqlite/lib"
)

// OpenSQLite opens (creating if needed) the SQLite database connectdir.db in dir and migrates it.
func OpenSQLite(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "connectdir.db")
	if err := ownerOnly(path); err != nil {
		return nil, err
	}
	// Every pragma is set in the DSN so that each pooled connection gets it: the driver's
	// defaults are no busy timeout, rollback journal and foreign keys off. temp_store keeps
	// the savepoint journal of group commit (a copy of each page a call changes) in memory
	// instead of a temporary file written on every call. No connection checkpoints by itself
	// (wal_autocheckpoint 0): the checkpointer of groupcommit.go does, off the committer.
	// mmap_size lets every connection read the database's pages from the kernel's page cache in
	// place: with SQLite's own cache of 2 MB per connection, a page of 500 users out of 100,000
	// spent a third of its time in pread calls.
	dsn := func(busyTimeout string, more ...string) url.Values {
		q := url.Values{}
		for _, p := range append([]string{"busy_timeout(" + busyTimeout + ")", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)", "temp_store(MEMORY)", "wal_autocheckpoint(0)", "mmap_size(1073741824)"}, more...) {
			q.Add("_pragma", p)
		}
		return q
	}
	// The read pool serves View, which is read-only: query_only makes a write there fail
	// instead of committing.
	readDSN := "file:" + path + "?" + dsn("10000", "query_only(1)").Encode()
	// The checkpointer's connection waits at most 200 ms for a lock: a PASSIVE checkpoint never
	// waits, and the WAL restart (groupcommit.go) gives up rather than keep writers waiting.
	ckptDSN := "file:" + path + "?" + dsn("200").Encode()
	q := dsn("10000")
	q.Set("_txlock", "immediate") // take the write lock at BEGIN, so a writer never fails to upgrade
	writeDSN := "file:" + path + "?" + q.Encode()

	write, err := sql.Open("sqlite", writeDSN)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	if err := migrate(ctx, write, goose.DialectSQLite3, "sqlite"); err != nil {
		write.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", readDSN)
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	read.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	ckpt, err := sql.Open("sqlite", ckptDSN)
	if err != nil {
		write.Close()
		read.Close()
		return nil, err
	}
	ckpt.SetMaxOpenConns(1)
	s := &Store{write: write, read: read, d: sqliteDialect{}, writeStmts: newStmtCache(write), readStmts: newStmtCache(read), users: newUserCache()}
	s.startGroupCommit(ckpt)
	return s, nil
}

// ownerOnly makes the database file, and its WAL and shared-memory files when they exist,
// readable by the owner only, whatever the directory's mode and the umask: the database holds
// password hashes and emails. SQLite creates a new database 0644 (less the umask) and gives its
// WAL and shared-memory files the database's mode, so creating the database first, 0600, is
// what keeps them private too.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	err = f.Chmod(0o600)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Chmod(path+suffix, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

type sqliteDialect struct{}

func (sqliteDialect) conflict(err error) string {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return ""
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return "unique"
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return "foreign"
	}
	return ""
}

func (sqliteDialect) retryable(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && (e.Code()&0xff == sqlite3.SQLITE_BUSY)
}

func (sqliteDialect) writeOpts() *sql.TxOptions { return nil }

// Reads need no options: a SQLite transaction in WAL mode reads one snapshot.
func (sqliteDialect) readOpts() *sql.TxOptions { return nil }

// tagObject: "|| ”" keeps SQLite from answering through tags_key (instance_id, key, value),
// which for a user's tags would read every tag of the instance; the instance is checked on the
// rows the primary key finds.
func (sqliteDialect) tagObject(alias string) string {
	return `(SELECT json_group_object(t.key, t.value) FROM tags t WHERE t.resource_id = ` + alias + `.id AND t.instance_id || '' = ` + alias + `.instance_id)`
}
