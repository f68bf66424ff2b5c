package hrsync

import (
	"testing"
	"time"
)

// Which listed times the cache may keep: only a time the listing gave, at least settle older
// than the server's clock when it answered (a second change within the same tick would leave the
// time as it was), and only when the answer said what that clock was.
func TestListingKeep(t *testing.T) {
	server := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := server.Add(d); return &t }
	for _, c := range []struct {
		what     string
		modified *time.Time
		serverOK bool
		keep     bool
	}{
		{"an hour old", at(-time.Hour), true, true},
		{"just older than settle", at(-settle - time.Millisecond), true, true},
		{"exactly settle old", at(-settle), true, false},
		{"a second old", at(-time.Second), true, false},
		{"ahead of the server's clock", at(time.Second), true, false},
		{"no time listed (boto/boto3#3927)", nil, true, false},
		{"a zero time listed", &time.Time{}, true, false},
		{"no Date header", at(-time.Hour), false, false},
	} {
		if l := newListing(c.modified, server, c.serverOK); l.keep != c.keep {
			t.Errorf("%s: keep %v, want %v", c.what, l.keep, c.keep)
		}
	}
	// An entry is used only for the very time it was kept with; no time matches nothing.
	c := &Cache{file: cacheFile{Users: map[string]cachedUser{"u1": {Modified: server, User: CurrentUser{ID: "u1", Username: "ann"}}}}}
	for _, l := range []struct {
		l    listing
		want bool
	}{{listing{modified: server}, true}, {listing{modified: server.Add(time.Millisecond)}, false}, {listing{}, false}} {
		if _, ok := c.user("u1", "ann", l.l); ok != l.want {
			t.Errorf("cached user for a listing at %v: %v, want %v", l.l.modified, ok, l.want)
		}
	}
	if _, ok := c.user("u1", "bob", listing{modified: server}); ok {
		t.Error("a cached user is taken for another username")
	}
}
