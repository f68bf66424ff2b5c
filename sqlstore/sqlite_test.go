package sqlstore_test

import (
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
