package sqlstore

import (
	"context"
	"database/sql"
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
// which runs every call waiting at that moment in one transaction, and no call is answered before
// the shared COMMIT has returned.
//
// Each call stays all-or-nothing. A batch first runs its calls one after the other, without
// savepoints: calls nearly always succeed, and a savepoint per call costs two statements and a
// copy of every page the call changes. When a call fails (after writing, perhaps), the whole
// transaction is rolled back and the batch runs again with each call inside its own SAVEPOINT,
// so that the failing call is rolled back to its savepoint alone. After a batch with a failure
// the next batch starts with savepoints, so that a stream of refused calls does not run twice.

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

	// The committer's own: a call of the last batch failed; how many calls it held.
	failed    bool
	lastBatch int

	// The checkpointer (see checkpointLoop): wrote wakes it after a commit; walFull asks the
	// committer to checkpoint once itself.
	ckpt     *sql.DB
	wrote    chan struct{}
	walFull  atomic.Bool
	ckptDone chan struct{}
}

// startGroupCommit starts the committer, and the checkpointer on ckpt, a connection of its own.
func (s *Store) startGroupCommit(ckpt *sql.DB) {
	s.gc = &groupCommit{reqs: make(chan *writeReq), stop: make(chan struct{}), done: make(chan struct{}),
		ckpt: ckpt, wrote: make(chan struct{}, 1), ckptDone: make(chan struct{})}
	go s.commitLoop()
	go s.checkpointLoop()
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
		batch := s.gather(first)
		if s.gc.walFull.Swap(false) {
			s.checkpointHere()
		}
		s.commitBatch(batch)
		select {
		case s.gc.wrote <- struct{}{}:
		default:
		}
	}
}

// linger is how long the committer waits for more calls when fewer are waiting than the last
// batch held.
var linger = time.Millisecond

// gather makes a batch of first and the calls waiting. When fewer are waiting than the last batch
// held, the callers of the last batch are likely on their way back (their next requests being
// read and decoded): the committer waits up to linger for as many, since a commit costs more
// than most calls (a WAL frame and two writes for every page changed). A lone writer has batches
// of one and never waits.
func (s *Store) gather(first *writeReq) []*writeReq {
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
	if want := min(s.gc.lastBatch, maxBatch); len(batch) < want && linger > 0 {
		timer := time.NewTimer(linger)
	wait:
		for len(batch) < want {
			select {
			case r := <-s.gc.reqs:
				batch = append(batch, r)
			case <-timer.C:
				break wait
			}
		}
		timer.Stop()
	}
	s.gc.lastBatch = len(batch)
	return batch
}

// commitBatch runs a batch and answers each of its calls.
func (s *Store) commitBatch(batch []*writeReq) {
	s.gc.batches.Add(1)
	s.gc.calls.Add(int64(len(batch)))
	if len(batch) == 1 {
		// Alone, a call needs no savepoint: its own transaction is all-or-nothing.
		err := s.runAlone(batch[0])
		s.gc.failed = err != nil
		batch[0].done <- err
		return
	}
	errs := make([]error, len(batch))
	savepoints := s.gc.failed
	run := func() error { return s.runBatch(batch, errs, savepoints) }
	err := s.retry(context.Background(), run)
	if errors.Is(err, errCallFailed) {
		// A call failed in a batch run without savepoints: nothing was committed; run them all
		// again, each in its savepoint.
		savepoints = true
		clear(errs)
		err = s.retry(context.Background(), run)
	}
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
	s.gc.failed = false
	for i, r := range batch {
		s.gc.failed = s.gc.failed || errs[i] != nil
		r.done <- errs[i]
	}
}

// errCallFailed ends a batch run without savepoints when one of its calls fails.
var errCallFailed = errors.New("sqlstore: a call of the batch failed")

// runAlone runs one call in a transaction of its own.
func (s *Store) runAlone(r *writeReq) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	return s.retry(r.ctx, func() error { return s.run(context.WithoutCancel(r.ctx), s.write, s.d.writeOpts(), guard(r.fn)) })
}

// runBatch runs every call of batch in one transaction and commits. With savepoints, each call
// runs in its own and errs gets each call's outcome; without, the first call to fail ends the
// run with errCallFailed, everything rolled back. The result is the transaction's.
func (s *Store) runBatch(batch []*writeReq, errs []error, savepoints bool) error {
	// The shared transaction belongs to no caller: a caller's cancelled context must not roll
	// back the others' work, so statements run without cancellation and each call's context is
	// looked at before it starts.
	sqlTx, err := s.write.BeginTx(context.Background(), s.d.writeOpts())
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback()
	t := &tx{ctx: context.Background(), q: sqlTx, sqlTx: sqlTx, d: s.d, stmts: s.writeStmts}
	for i, r := range batch {
		if errs[i] = r.ctx.Err(); errs[i] != nil {
			continue
		}
		if savepoints {
			if _, err := t.exec(`SAVEPOINT call`); err != nil {
				return err
			}
		}
		t.ctx = context.WithoutCancel(r.ctx)
		errs[i] = guard(r.fn)(t)
		t.ctx = context.Background()
		if !savepoints {
			if errs[i] != nil {
				return errCallFailed
			}
			continue
		}
		if errs[i] != nil {
			if _, err := t.exec(`ROLLBACK TO call`); err != nil {
				return err
			}
		}
		if _, err := t.exec(`RELEASE call`); err != nil {
			return err
		}
	}
	return sqlTx.Commit()
}

// Checkpoints. SQLite's automatic checkpoint runs in the connection that commits, right after
// the commit: in the committer, which would copy the WAL into the database and sync both files
// while every writer waits. The checkpointer does it instead, on a connection of its own, beside
// the committer (a PASSIVE checkpoint takes no lock a writer needs), at most every
// checkpointEvery while there are writes. It cannot start the WAL over while the committer keeps
// appending to it, so when the WAL outgrows walLimit the committer checkpoints once itself,
// between two batches, and the next batch starts the WAL from its beginning.

// checkpointEvery is the least time between two checkpoints.
const checkpointEvery = 100 * time.Millisecond

// walLimit (pages of 4 KiB) bounds the WAL: beyond, the committer checkpoints.
const walLimit = 10_000

func (s *Store) checkpointLoop() {
	defer close(s.gc.ckptDone)
	for {
		select {
		case <-s.gc.wrote:
		case <-s.gc.stop:
			return
		}
		var busy, frames, copied int
		err := s.gc.ckpt.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
		if err == nil && frames > walLimit {
			s.gc.walFull.Store(true)
		}
		select {
		case <-time.After(checkpointEvery):
		case <-s.gc.stop:
			return
		}
		if err == nil && busy == 0 && frames > 0 && copied == frames && len(s.gc.wrote) == 0 {
			s.restartWAL()
		}
	}
}

// restartWAL starts the WAL over once writes have stopped and it is all in the database file,
// so that readers map the whole file again. A read connection maps the file (mmap_size) at the
// size it has when the connection first reads after the WAL changed, and maps it again only when
// it sees the WAL change; a PASSIVE checkpoint grows the file without changing the WAL. After a
// bulk load followed by reads alone, readers kept a mapping shorter than the file and read every
// page past it with pread: 4,800 read calls for one SearchUsers page of 500 users, a third to two
// fifths of its time (BenchmarkSearchPage profiles). A TRUNCATE checkpoint writes a new WAL
// header, which readers see as a change (RESTART waits for readers as TRUNCATE does but leaves
// the header as it is). It takes the write lock and waits for readers of older snapshots; the
// ckpt connection's short busy timeout bounds that wait, so a writer waits no longer behind it.
// It runs at most once per burst of writes, after the burst.
func (s *Store) restartWAL() {
	_, _ = s.gc.ckpt.ExecContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`)
}

// checkpointHere checkpoints on the committer's connection, where no write can come between the
// checkpoint and the next transaction. A failure leaves the WAL as it is, for the next one.
func (s *Store) checkpointHere() {
	_, _ = s.write.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
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

// close stops the committer and the checkpointer once, however often the store is closed.
func (gc *groupCommit) close() {
	gc.closing.Do(func() { close(gc.stop) })
	<-gc.done
	<-gc.ckptDone
}
