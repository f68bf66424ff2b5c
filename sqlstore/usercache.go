package sqlstore

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/connectdir/connectdir"
)

// userCache keeps users read by DescribeUser (a Read, outside any transaction) so that asking
// for the same user again costs no SQL. It serves SQLite only, where one process owns the
// database file (README: "SQLite serves one process"), so every write to it passes through this
// Store. PostgreSQL has none: replicas write the same database, and a replica cannot learn of
// another's commit without asking the database, which is the cost the cache exists to avoid.
//
// Correctness rests on one counter, state, bumped around every write to the database: by 1
// when a write begins (its low bits count the writes in flight) and by writeDone when it has
// ended, after its COMMIT (the group commit's included: Update returns only after it). state only
// grows. A read loads state before it reads the database, and
//   - while a write is in flight (low bits not zero) uses no entry and stores none;
//   - otherwise serves only entries stored under that very state value, and stores what it read
//     under it.
//
// An entry stored under g was read from the database after state was g, with no write in flight:
// every write begun before then had committed, so the entry holds all of them. A reader that
// finds state still at g knows that no write has begun since (state never returns to a value),
// so the entry is as fresh as a database read made at the moment the reader began. In particular
// a DescribeUser that begins after a write call has returned sees that write, and once any read
// has returned a write's effect no later read returns the state before it.
//
// Any write clears the whole cache (a new state value matches no entry): coarse, but it needs no
// knowledge of which statements can change which user (tags, deletions, bulk loads, Exec), and the
// reads it serves are the frequent ones.
type userCache struct {
	state atomic.Uint64

	mu  sync.RWMutex
	gen uint64 // the state value every entry of m was read at
	m   map[userKey]connectdir.User
}

type userKey struct{ instance, id string }

const (
	inFlightMask = 1<<20 - 1 // the low bits of state: writes begun and not yet ended
	writeDone    = 1 << 20   // added with -1 when a write ends: one more write ended, one fewer in flight
)

// maxCachedUsers bounds the memory of the cache (a user is well under 2 KiB).
const maxCachedUsers = 50_000

func newUserCache() *userCache { return &userCache{m: map[userKey]connectdir.User{}} }

// writing brackets a write to the database: call it before the write's first statement and call
// what it returns after the write has committed or failed. Safe on a nil cache.
func (c *userCache) writing() func() {
	if c == nil {
		return func() {}
	}
	c.state.Add(1)
	return func() { c.state.Add(writeDone - 1) }
}

// snapshot is the state a read begins at, and whether the cache may be used at it (never on a
// nil cache).
func (c *userCache) snapshot() (uint64, bool) {
	if c == nil {
		return 0, false
	}
	g := c.state.Load()
	return g, g&inFlightMask == 0
}

// get returns a copy of the user stored under state g.
func (c *userCache) get(g uint64, k userKey) (connectdir.User, bool) {
	c.mu.RLock()
	u, ok := c.m[k]
	ok = ok && c.gen == g
	c.mu.RUnlock()
	if !ok {
		return connectdir.User{}, false
	}
	return cloneUser(u), true
}

// put stores u, read from the database after state was g, under g. A state newer than the
// entries' clears them; an older one (a write began meanwhile) stores nothing.
func (c *userCache) put(g uint64, k userKey, u connectdir.User) {
	if c.state.Load() != g {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case g < c.gen:
		return
	case g > c.gen:
		clear(c.m)
		c.gen = g
	}
	if len(c.m) >= maxCachedUsers {
		for old := range c.m { // any one: Go's map iteration starts at random
			delete(c.m, old)
			break
		}
	}
	c.m[k] = cloneUser(u)
}

// cloneUser copies u's slices and map, so that neither the cache's callers nor the cache can
// change what the other holds.
func cloneUser(u connectdir.User) connectdir.User {
	u.SecurityProfileIDs = slices.Clone(u.SecurityProfileIDs)
	u.AutoAcceptConfigs = slices.Clone(u.AutoAcceptConfigs)
	u.AfterContactWorkConfigs = slices.Clone(u.AfterContactWorkConfigs)
	u.PhoneNumberConfigs = slices.Clone(u.PhoneNumberConfigs)
	u.PersistentConnectionConfigs = slices.Clone(u.PersistentConnectionConfigs)
	u.VoiceEnhancementConfigs = slices.Clone(u.VoiceEnhancementConfigs)
	u.Tags = maps.Clone(u.Tags)
	u.PhoneConfig.PersistentConnection = clonePtr(u.PhoneConfig.PersistentConnection)
	for i := range u.AutoAcceptConfigs {
		c := &u.AutoAcceptConfigs[i]
		c.AgentFirstCallbackAutoAccept = clonePtr(c.AgentFirstCallbackAutoAccept)
	}
	for i := range u.AfterContactWorkConfigs {
		c := &u.AfterContactWorkConfigs[i]
		c.AgentFirstCallbackTimeLimit = clonePtr(c.AgentFirstCallbackTimeLimit)
	}
	return u
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
