package awsapi_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/smithy-go"
	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/internal/testserver"
)

// A key deleted or disabled through one replica (as `connectdir keys` does, on the shared store)
// is refused by the other replica, which had it cached, within 2 s; enabled again, it works
// again as soon. Last use is recorded for `keys list`.
func TestRevokedKeyRefusedOnEveryReplica(t *testing.T) {
	dbURL := testserver.PostgresDatabase(t)
	a := testserver.Start(t, testserver.Options{Store: testserver.OpenPostgres(t, dbURL)})
	b := testserver.Start(t, testserver.Options{Store: testserver.OpenPostgres(t, dbURL)})
	ctx := t.Context()
	k, secret, err := a.Dir.CreateAccessKey(ctx, "leaked")
	if err != nil {
		t.Fatal(err)
	}
	c := b.ClientWith(k.ID, secret)
	call := func() error { _, err := c.ListInstances(ctx, &connect.ListInstancesInput{}); return err }
	if err := call(); err != nil {
		t.Fatalf("the new key on the other replica: %v", err)
	}
	keys, err := a.Dir.ListAccessKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range keys {
		if got.ID == k.ID && (got.LastUsedTime.IsZero() || !got.Active) {
			t.Errorf("after a use: %+v, want an active key with a last use", got)
		}
	}

	// within waits until call's outcome is want (refused or not), and fails after 2 s.
	within := func(what string, refused bool) {
		t.Helper()
		start := time.Now()
		for {
			err := call()
			var ae smithy.APIError
			isRefused := errors.As(err, &ae) && ae.ErrorCode() == "UnrecognizedClientException"
			if err != nil && !isRefused {
				t.Fatalf("%s: %v", what, err)
			}
			if isRefused == refused {
				t.Logf("%s: took effect on the other replica after %v", what, time.Since(start).Round(time.Millisecond))
				return
			}
			if time.Since(start) > 2*time.Second {
				t.Fatalf("%s: the other replica still answers as before after 2 s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if err := a.Dir.SetAccessKeyActive(ctx, k.ID, false); err != nil {
		t.Fatal(err)
	}
	within("disable", true)
	if err := a.Dir.SetAccessKeyActive(ctx, k.ID, true); err != nil {
		t.Fatal(err)
	}
	within("enable", false)
	if err := a.Dir.DeleteAccessKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	within("delete", true)
	// And it stays refused.
	for range 5 {
		time.Sleep(300 * time.Millisecond)
		var ae smithy.APIError
		if err := call(); !errors.As(err, &ae) || ae.ErrorCode() != "UnrecognizedClientException" {
			t.Fatalf("a deleted key: %v", err)
		}
	}
	if err := a.Dir.DeleteAccessKey(ctx, k.ID); connectdir.KindOf(err) != connectdir.KindNotFound {
		t.Errorf("deleting a deleted key: %v, want not found", err)
	}
}
