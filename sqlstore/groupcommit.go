package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/connectdir/connectdir"
)

// Group commit (SQLite). SQLite has one writer, and each commit costs a WAL write and its
// bookkeeping, more than most API calls' own statements. Writes therefore queue to one goroutine,
// which runs every call waiting at that moment in one transaction, each call inside its own
// SAVEPOINT: a call that fails is rolled back to its savepoint alone, so each call stays
// all-or-nothing, and no call is answered before the shared COMMIT has returned.

// maxBatch bounds the calls of one shared transaction.
const maxBatch = 256

// ErrClosed is the answer to a write sent after Close.
var ErrClosed = errors.New("sqlstore: database is closed")

type writeReq struct {
	ctx  context.Context
	fn   func(connectdir.Tx) error
	done chan error // buffered: the committer never waits for its caller
}

// panicked carries a panic of a call's fn from the committer back to the call's goroutine, where
// it is raised again, as if fn had run there.
type panicked struct{ v any }

func (p panicked) Error() string { return fmt.Sprint("panic in a write transaction: ", p.v) }

type groupCommit struct {
	batches atomic.Int64 // transactions run
	calls   atomic.Int64 // calls run in them
	reqs    chan *writeReq
	closing sync.Once
	stop    chan struct{}
	done    chan struct{}
}

func (s *Store) startGroupCommit() {
	s.gc = &groupCommit{reqs: make(chan *writeReq), stop: make(chan struct{}), done: make(chan struct{})}
	go s.commitLoop()
}

// enqueue hands fn to the committer and waits for its outcome, which comes after the commit.
func (s *Store) enqueue(ctx context.Context, fn func(connectdir.Tx) error) error {
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.gc.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.gc.stop:
		return ErrClosed
	}
	err := <-r.done
	if p, ok := err.(panicked); ok {
		panic(p.v)
	}
	return err
}

func (s *Store) commitLoop() {
	defer close(s.gc.done)
	for {
		var first *writeReq
		select {
		case first = <-s.gc.reqs:
		case <-s.gc.stop:
			return
		}
		batch := []*writeReq{first}
	more:
		for len(batch) < maxBatch {
			select {
			case r := <-s.gc.reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		s.commitBatch(batch)
	}
}

// commitBatch runs a batch and answers each of its calls.
func (s *Store) commitBatch(batch []*writeReq) {
	s.gc.batches.Add(1)
	s.gc.calls.Add(int64(len(batch)))
	if len(batch) == 1 {
		// Alone, a call needs no savepoint: its own transaction is all-or-nothing.
		batch[0].done <- s.runAlone(batch[0])
		return
	}
	errs := make([]error, len(batch))
	err := s.retry(context.Background(), func() error { return s.runBatch(batch, errs) })
	if err != nil {
		// The shared transaction failed as a whole (not one call's error): each call that had
		// succeeded in it runs again in a transaction of its own, so that one bad call cannot fail
		// the others.
		for i, r := range batch {
			if errs[i] == nil {
				errs[i] = s.runAlone(r)
			}
		}
	}
	for i, r := range batch {
		r.done <- errs[i]
	}
}

// runAlone runs one call in a transaction of its own.
func (s *Store) runAlone(r *writeReq) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	return s.retry(r.ctx, func() error { return s.run(context.WithoutCancel(r.ctx), s.write, s.d.writeOpts(), guard(r.fn)) })
}

// runBatch runs every call of batch in one transaction, each in a savepoint, and commits. errs
// gets each call's own outcome; the result is the transaction's.
func (s *Store) runBatch(batch []*writeReq, errs []error) error {
	// The shared transaction belongs to no caller: a caller's cancelled context must not roll
	// back the others' work, so statements run without cancellation and each call's context is
	// looked at before it starts.
	sqlTx, err := s.write.BeginTx(context.Background(), s.d.writeOpts())
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback()
	for i, r := range batch {
		if errs[i] = r.ctx.Err(); errs[i] != nil {
			continue
		}
		if _, err := sqlTx.Exec(`SAVEPOINT call`); err != nil {
			return err
		}
		errs[i] = guard(r.fn)(&tx{ctx: context.WithoutCancel(r.ctx), q: sqlTx, sqlTx: sqlTx, d: s.d, stmts: s.writeStmts})
		if errs[i] != nil {
			if _, err := sqlTx.Exec(`ROLLBACK TO call`); err != nil {
				return err
			}
		}
		if _, err := sqlTx.Exec(`RELEASE call`); err != nil {
			return err
		}
	}
	return sqlTx.Commit()
}

// guard turns a panic of fn into an error the committer can pass on.
func guard(fn func(connectdir.Tx) error) func(connectdir.Tx) error {
	return func(t connectdir.Tx) (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = panicked{v}
			}
		}()
		return fn(t)
	}
}

// retry runs f again while the database reports a serialization failure, a deadlock or a busy
// lock, until f succeeds, fails otherwise, or ctx ends. The waits grow to maxBackoff, each drawn at
// random below its bound, so that the racers of one conflict do not meet again at the same moment.
func (s *Store) retry(ctx context.Context, f func() error) error {
	wait := time.Millisecond
	for {
		err := f()
		if err == nil || !s.d.retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(time.Duration(rand.Int64N(int64(wait))) + time.Millisecond):
		}
		wait = min(2*wait, maxBackoff)
	}
}

// maxBackoff bounds the wait between two runs of a conflicting transaction.
const maxBackoff = 100 * time.Millisecond

// GroupCommitStats returns how many write transactions the SQLite committer has run and how many
// calls they held (0, 0 on PostgreSQL): their ratio is the mean batch, which says how much
// group commit saves under a load.
func (s *Store) GroupCommitStats() (transactions, calls int64) {
	if s.gc == nil {
		return 0, 0
	}
	return s.gc.batches.Load(), s.gc.calls.Load()
}

// close stops the committer once, however often the store is closed.
func (gc *groupCommit) close() {
	gc.closing.Do(func() { close(gc.stop) })
	<-gc.done
}
