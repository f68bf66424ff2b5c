package sqlstore_test

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/internal/testserver"
	"github.com/connectdir/connectdir/sqlstore"
	"github.com/connectdir/connectdir/storetest"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for the admin connection
)

func TestPostgres(t *testing.T) {
	testserver.PostgresURL(t)
	storetest.Run(t, func(t *testing.T) connectdir.Store {
		return testserver.OpenPostgres(t, testserver.PostgresDatabase(t))
	})
}

// Replicas starting together on a fresh database both come up, and the schema is migrated once.
func TestPostgresConcurrentMigration(t *testing.T) {
	dbURL := testserver.PostgresDatabase(t)
	const replicas = 3
	stores := make([]*sqlstore.Store, replicas)
	errs := make(chan error, replicas)
	for i := range replicas {
		go func() {
			s, err := sqlstore.OpenPostgres(t.Context(), dbURL)
			stores[i] = s
			errs <- err
		}()
	}
	for range replicas {
		if err := <-errs; err != nil {
			t.Errorf("OpenPostgres: %v", err)
		}
	}
	for _, s := range stores {
		if s != nil {
			defer s.Close()
		}
	}
	if t.Failed() {
		return
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var applied int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM goose_db_version WHERE version_id = 1`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != 1 {
		t.Errorf("migration 1 recorded %d times, want once", applied)
	}
	// Every replica works on the one schema.
	for i, s := range stores {
		id := fmt.Sprintf("i-replica-%d", i)
		if err := s.Update(t.Context(), func(tx connectdir.Tx) error {
			return tx.InsertInstance(connectdir.Instance{ID: id, Status: "ACTIVE"})
		}); err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	var n int
	if err := stores[0].View(t.Context(), func(tx connectdir.Tx) (err error) { n, err = tx.CountInstances(); return err }); err != nil || n != replicas {
		t.Errorf("CountInstances = %d, %v; want %d", n, err, replicas)
	}
}

// The LIKE patterns escape with a backslash, which needs standard-conforming strings; the store
// must not depend on the server's setting.
func TestPostgresNonStandardStrings(t *testing.T) {
	dbURL := testserver.PostgresDatabase(t, `ALTER DATABASE %s SET standard_conforming_strings = off`)
	s := testserver.OpenPostgres(t, dbURL)
	defer s.Close()
	ctx := t.Context()
	d := &connectdir.Directory{Store: s, Region: "us-east-1", AccountID: "123456789012"}
	inst, rp, sp := samlInstance(t, d)
	for _, last := range []string{`Back\slash`, "Plain"} {
		if _, err := d.CreateUser(ctx, connectdir.NewUser{User: connectdir.User{InstanceID: inst, Username: "u" + last[:1],
			IdentityInfo:       connectdir.IdentityInfo{FirstName: "F", LastName: last},
			SecurityProfileIDs: []string{sp}, RoutingProfileID: rp}}, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		value string
		want  int64
	}{{`\`, 1}, {`k\s`, 1}, {`%`, 0}, {`plain`, 1}} {
		_, total, err := d.SearchUsers(ctx, inst, connectdir.Cond{Op: connectdir.OpString, Field: connectdir.FieldLastName,
			Comparison: "CONTAINS", Value: c.value}, connectdir.SearchKey{}, 10)
		if err != nil || total != c.want {
			t.Errorf("SearchUsers last name CONTAINS %q: %d users, %v; want %d", c.value, total, err, c.want)
		}
	}
}
