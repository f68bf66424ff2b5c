package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// TestGroupCommitSavepoints checks when a shared transaction pays for savepoints: a batch whose
// calls all succeed runs none; a batch with a failing call is rolled back and run again with one
// per call, the failing call alone undone.
func TestGroupCommitSavepoints(t *testing.T) {
	ctx := context.Background()
	s, err := sqlstore.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Update(ctx, func(tx connectdir.Tx) error {
		return tx.InsertInstance(connectdir.Instance{ID: "inst", ARN: "arn", IdentityManagementType: connectdir.IdentitySAML, Status: "ACTIVE", CreatedTime: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	savepoints := 0
	stop := sqlstore.TraceSQL(func(q string, _ []any) {
		if strings.HasPrefix(q, "SAVEPOINT") {
			mu.Lock()
			savepoints++
			mu.Unlock()
		}
	})
	defer stop()
	errFail := errors.New("refused after writing")
	// batch sends n tagging calls while the committer is held, so that they share a transaction;
	// call fail fails after writing. It returns the savepoints run and the calls' errors.
	batch := func(round, n, fail int) (int, []error) {
		mu.Lock()
		savepoints = 0
		mu.Unlock()
		release := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { _ = s.Update(ctx, func(connectdir.Tx) error { <-release; return nil }) })
		time.Sleep(50 * time.Millisecond)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = s.Update(ctx, func(tx connectdir.Tx) error {
					if err := tx.TagResource("inst", fmt.Sprintf("r%d-%d", round, i), map[string]string{"k": "v"}); err != nil {
						return err
					}
					if i == fail {
						return errFail
					}
					return nil
				})
			})
		}
		time.Sleep(200 * time.Millisecond) // every call is waiting to be handed over
		close(release)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return savepoints, errs
	}
	if n, errs := batch(1, 16, -1); n != 0 || errors.Join(errs...) != nil {
		t.Errorf("16 calls that succeed: %d savepoints, errors %v; want none", n, errors.Join(errs...))
	}
	n, errs := batch(2, 16, 5)
	if n < 16 {
		t.Errorf("16 calls, one failing: %d savepoints, want one per call", n)
	}
	for i, err := range errs {
		if (i == 5) != errors.Is(err, errFail) || (i != 5 && err != nil) {
			t.Errorf("call %d of the batch with a failure: %v", i, err)
		}
		var tags map[string]string
		if err := s.View(ctx, func(tx connectdir.Tx) (err error) { tags, err = tx.Tags("inst", fmt.Sprintf("r2-%d", i)); return err }); err != nil {
			t.Fatal(err)
		}
		if (tags["k"] == "v") != (i != 5) {
			t.Errorf("call %d of the batch with a failure: tags %v after the commit", i, tags)
		}
	}
}

// TestCheckpointer checks that writes reach the database file without any connection's automatic
// checkpoint (the DSN turns it off): the checkpointer copies the WAL in shortly after they commit.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := sqlstore.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	time.Sleep(300 * time.Millisecond) // what opening wrote has been checkpointed
	file := filepath.Join(dir, "connectdir.db")
	before, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 1000)
	if err := s.Update(ctx, func(tx connectdir.Tx) error {
		if err := tx.InsertInstance(connectdir.Instance{ID: "inst", ARN: "arn", IdentityManagementType: connectdir.IdentitySAML, Status: "ACTIVE", CreatedTime: time.Now()}); err != nil {
			return err
		}
		for i := range 1000 {
			if err := tx.TagResource("inst", fmt.Sprintf("r%d", i), map[string]string{"k": big}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		after, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		if after.Size() >= before.Size()+1000*1000 {
			t.Logf("database file grew by %d bytes %v after the commit", after.Size()-before.Size(), time.Until(deadline.Add(-5*time.Second)).Abs())
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes 5 s after 1 MB of writes (%d before): no checkpoint", after.Size(), before.Size())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// With the writes over and all in the database file, the checkpointer starts the WAL over,
	// which is what makes readers map the grown file again (restartWAL): the WAL then holds no
	// frame.
	db, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for {
		var busy, frames, copied int
		if err := db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
			t.Fatal(err)
		}
		if frames == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the WAL still holds %d frames 5 s after the last write: not started over", frames)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
