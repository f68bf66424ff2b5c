package connectdir_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/sqlstore"
)

// A server given another master key than the one that sealed the store's access keys refuses to
// start, instead of failing every request.
func TestCheckMasterKey(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sealer := func(b byte) *connectdir.Sealer {
		s, err := connectdir.NewSealer(bytes.Repeat([]byte{b}, 32))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := &connectdir.Directory{Store: store, Region: "us-east-1", AccountID: "123456789012", Sealer: sealer(1)}
	if err := first.CheckMasterKey(ctx); err != nil {
		t.Fatalf("empty store: %v", err)
	}
	if _, _, err := first.CreateAccessKey(ctx, "admin"); err != nil {
		t.Fatal(err)
	}
	if err := first.CheckMasterKey(ctx); err != nil {
		t.Fatalf("same key: %v", err)
	}
	other := &connectdir.Directory{Store: store, Region: "us-east-1", AccountID: "123456789012", Sealer: sealer(2)}
	if err := other.CheckMasterKey(ctx); err == nil {
		t.Fatal("another master key was accepted")
	}
}
