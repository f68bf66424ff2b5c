package testserver

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/connectdir/connectdir/sqlstore"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for the admin connection
)

// PostgresURL is the server tests make their databases on, from CONNECTDIR_TEST_POSTGRES
// (.ci/start-postgres.sh starts one). Without it the test skips, except on CI, which must never
// pass by skipping.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("CONNECTDIR_TEST_POSTGRES")
	if u == "" {
		const msg = "CONNECTDIR_TEST_POSTGRES is not set: set it to a PostgreSQL URL whose user may create databases, " +
			"e.g. postgres://postgres@127.0.0.1:54329/postgres?sslmode=disable (.ci/start-postgres.sh starts such a server)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return u
}

// PostgresDatabase creates an empty database for one test, dropped when it ends, and returns its
// URL. It uses an ICU en-US collation where the server has ICU, so that a text column missing
// COLLATE "C" orders differently from SQLite and the tests notice. Each setup statement is run
// with the database name in place of %s.
func PostgresDatabase(t testing.TB, setup ...string) string {
	t.Helper()
	base := PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 8)
	rand.Read(b)
	name := "connectdir_test_" + hex.EncodeToString(b)
	ctx := t.Context()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`); err != nil {
		t.Logf("no ICU database (%v); using the server's default collation", err)
		if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
			t.Fatalf("create database: %v", err)
		}
	}
	for _, s := range setup {
		if _, err := admin.ExecContext(ctx, fmt.Sprintf(s, name)); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("CONNECTDIR_TEST_POSTGRES must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// OpenPostgres opens a Store on a database made by PostgresDatabase.
func OpenPostgres(t testing.TB, dbURL string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.OpenPostgres(t.Context(), dbURL)
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	return s
}
