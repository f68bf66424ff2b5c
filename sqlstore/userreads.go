package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/connectdir/connectdir"
)

// userReads answers PostgreSQL's DescribeUser reads (a Read, outside any transaction) by
// coalescing: the reads that arrive while a query is running wait together, and the next query
// reads all of their users at once (`id = ANY($1)`), so that under load one round trip, one
// statement in the PostgreSQL backend and one wake-up of the pool's connection serve many calls.
// The PostgreSQL backend and the round trip were most of a DescribeUser's CPU (about 150 of 330 µs).
//
// It keeps nothing between queries, which is why it is correct across replicas where a cache
// (usercache.go, SQLite only) is not: a replica cannot learn of another's commit without asking the
// database. Correctness rests on one rule: a read only ever joins a batch whose query has not
// been sent yet. The query that answers it therefore starts after the read was called, and it
// runs in its own statement snapshot (READ COMMITTED, no transaction), which holds every
// transaction committed before it started: every write whose call returned, on any replica,
// before the read began. A read that has returned a write's effect precedes any later read, whose
// query is a later statement, so no later read shows the state before it. That is exactly what a
// query of its own would give; the batch only shares it.
//
// A read waits at most for the query in flight and then its own; alone, it waits for nothing.
//
// Why not a cache kept fresh by LISTEN/NOTIFY: a cached read would still need a round trip to the
// database to know the notifications committed before it began have arrived (a read barrier), the
// same round trip a batch makes, saving only the user query's own cost over a `SELECT 1`; and every
// write would have to NOTIFY, which takes a cluster-wide lock held until after its commit
// (PreCommit_Notify in PostgreSQL's async.c), serializing all the replicas' writes.
type userReads struct {
	db    *sql.DB
	d     dialect
	query string // the batch's statement, in d's SQL

	mu      sync.Mutex
	next    *userBatch // the reads waiting for the next query; nil: none
	running int        // queries in flight, at most maxUserQueries
}

// maxUserQueries bounds the queries in flight. With one, the reads that arrive during a round trip
// all share the next: the fewest queries, at the price of waiting for the one in flight.
const maxUserQueries = 1

// userBatchTimeout bounds one query: every read of the batch waits on it, and while it runs the
// next batch waits too.
const userBatchTimeout = 30 * time.Second

type userBatch struct {
	ids     []string // distinct
	readers int      // the reads waiting on it: final once its query is sent
	done    chan struct{}
	// Set before done is closed.
	users map[string]connectdir.User // by id
	err   error
}

func newUserReads(db *sql.DB, d dialect) *userReads {
	// Ids are unique across instances (users.id is the primary key): get checks the instance.
	q := `SELECT ` + userColsU + `, ` + d.tagObject("u") + ` FROM users u WHERE u.id = ANY($1)`
	return &userReads{db: db, d: d, query: q}
}

// get reads the user id of instanceID, connectdir.ErrNoRows when there is none.
func (r *userReads) get(ctx context.Context, instanceID, id string) (connectdir.User, error) {
	if strings.IndexByte(id, 0) >= 0 || !utf8.ValidString(id) {
		// No user has such an id, and PostgreSQL would refuse the batch's whole query for it:
		// one caller's bad id must not fail the other reads it shares the batch with.
		return connectdir.User{}, connectdir.ErrNoRows
	}
	r.mu.Lock()
	b := r.next
	if b == nil {
		b = &userBatch{done: make(chan struct{})}
		r.next = b
	}
	if !slices.Contains(b.ids, id) {
		b.ids = append(b.ids, id)
	}
	b.readers++
	start := r.running < maxUserQueries
	if start {
		r.running++
		r.next = nil
	}
	r.mu.Unlock()
	if start {
		r.run(ctx, b)
	} else {
		select {
		case <-b.done:
		case <-ctx.Done():
			return connectdir.User{}, ctx.Err()
		}
	}
	if b.err != nil {
		return connectdir.User{}, b.err
	}
	u, ok := b.users[id]
	if !ok || u.InstanceID != instanceID {
		return connectdir.User{}, connectdir.ErrNoRows
	}
	if b.readers > 1 {
		u = cloneUser(u) // the other reads of the batch have the same
	}
	return u, nil
}

// run sends b's query and gives its answer to b's reads; then, when a batch formed meanwhile,
// sends it from a goroutine of its own, so that this caller returns now.
func (r *userReads) run(ctx context.Context, b *userBatch) {
	b.err = errUserReadFailed // until the query has answered: a panic below must not read as "no such user"
	defer func() {
		close(b.done)
		r.mu.Lock()
		next := r.next
		r.next = nil
		if next == nil {
			r.running--
		}
		r.mu.Unlock()
		if next != nil {
			go r.run(ctx, next)
		}
	}()
	// The batch answers other calls too: the first caller's cancellation must not end it.
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), userBatchTimeout)
	defer cancel()
	b.users, b.err = r.read(qctx, b.ids)
	if d := slowUserReads.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
}

var errUserReadFailed = errors.New("sqlstore: the coalesced user read failed")

// slowUserReads, when set (by tests), is how long each coalesced query holds its answer before its
// reads get it, in nanoseconds: a slow round trip, during which reads keep arriving.
var slowUserReads atomic.Int64

func (r *userReads) read(ctx context.Context, ids []string) (map[string]connectdir.User, error) {
	t := &tx{ctx: ctx, q: r.db, d: r.d}
	users, err := t.taggedUsers(r.query, ids)
	if err != nil {
		return nil, err
	}
	m := make(map[string]connectdir.User, len(users))
	for _, u := range users {
		m[u.ID] = u
	}
	return m, nil
}
