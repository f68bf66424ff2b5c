package sqlstore_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/sqlstore"
	"github.com/connectdir/connectdir/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) connectdir.Store {
		s, err := sqlstore.OpenSQLite(t.Context(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// Opening an existing database migrates nothing and keeps what it holds.
func TestSQLiteReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := sqlstore.OpenSQLite(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	inst := connectdir.Instance{ID: "i-kept", Status: "ACTIVE"}
	if err := s.Update(t.Context(), func(tx connectdir.Tx) error { return tx.InsertInstance(inst) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlstore.OpenSQLite(t.Context(), dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if err := s.View(t.Context(), func(tx connectdir.Tx) error { _, err := tx.GetInstance(inst.ID); return err }); err != nil {
		t.Errorf("instance after reopening: %v", err)
	}
}

// The database and its WAL and shared-memory files are owner-only (they hold password hashes and
// emails) whatever the mode of the directory they are put in and the umask; a directory made
// for them is 0700.
func TestSQLiteFileModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	open := t.TempDir()
	if err := os.Chmod(open, 0o755); err != nil {
		t.Fatal(err)
	}
	// A file left from an earlier, careless start, world-readable.
	if err := os.WriteFile(filepath.Join(open, "connectdir.db-wal"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	made := filepath.Join(t.TempDir(), "new")
	for _, dir := range []string{open, made} {
		s, err := sqlstore.OpenSQLite(t.Context(), dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Update(t.Context(), func(tx connectdir.Tx) error {
			return tx.InsertInstance(connectdir.Instance{ID: "i-modes", Status: "ACTIVE"})
		}); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(e.Name(), "connectdir.db") {
				seen++
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, want 0600", filepath.Join(dir, e.Name()), fi.Mode().Perm())
			}
		}
		if seen < 2 {
			t.Errorf("%s: %d database files, want the database and its WAL at least", dir, seen)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Stat(made); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("made directory: %v, %v; want mode 0700", fi.Mode().Perm(), err)
	}
}
