package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/sqlstore"
)

// TestGroupCommit sends 64 concurrent writes while the committer is held busy, so that they
// share transactions: every third fails after writing and a panicking one panics in its caller's
// goroutine. Each must be all-or-nothing on its own, and the others committed.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	s, err := sqlstore.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	inst := connectdir.Instance{ID: "inst", ARN: "arn", IdentityManagementType: connectdir.IdentitySAML, Status: "ACTIVE", CreatedTime: time.Now()}
	if err := s.Update(ctx, func(tx connectdir.Tx) error { return tx.InsertInstance(inst) }); err != nil {
		t.Fatal(err)
	}
	before := batches(s)

	const n = 64
	release := make(chan struct{})
	var started, wg sync.WaitGroup
	wg.Add(1)
	go func() { // holds the committer until the others are queued
		defer wg.Done()
		if err := s.Update(ctx, func(tx connectdir.Tx) error { <-release; return nil }); err != nil {
			t.Error(err)
		}
	}()
	time.Sleep(50 * time.Millisecond)
	errFail := errors.New("refused after writing")
	errs := make([]error, n)
	panics := make([]any, n)
	for i := range n {
		started.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			started.Done()
			errs[i] = s.Update(ctx, func(tx connectdir.Tx) error {
				if err := tx.TagResource("inst", fmt.Sprintf("r%02d", i), map[string]string{"k": "v"}); err != nil {
					return err
				}
				switch {
				case i == 7:
					panic("seven")
				case i%3 == 0:
					return errFail
				}
				return nil
			})
		}()
	}
	started.Wait()
	time.Sleep(200 * time.Millisecond) // every writer is now waiting to hand its call over
	close(release)
	wg.Wait()

	if b := batches(s) - before; b > 4 {
		t.Errorf("%d calls took %d transactions; want them to share", n+1, b)
	}
	for i := range n {
		var tags map[string]string
		if err := s.View(ctx, func(tx connectdir.Tx) (err error) { tags, err = tx.Tags("inst", fmt.Sprintf("r%02d", i)); return err }); err != nil {
			t.Fatal(err)
		}
		wantKept := i%3 != 0 && i != 7
		switch {
		case i == 7 && panics[i] != "seven":
			t.Errorf("call 7: panic %v, want it raised in its caller", panics[i])
		case i != 7 && i%3 == 0 && !errors.Is(errs[i], errFail):
			t.Errorf("call %d: error %v, want its own", i, errs[i])
		case wantKept && errs[i] != nil:
			t.Errorf("call %d: %v", i, errs[i])
		case wantKept != (tags["k"] == "v"):
			t.Errorf("call %d (error %v): tags %v after the commit", i, errs[i], tags)
		}
	}
}

func batches(s *sqlstore.Store) int64 {
	n, _ := s.GroupCommitStats()
	return n
}
