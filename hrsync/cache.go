package hrsync

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Cache remembers, between runs, what reading one instance learnt, so that the next run reads
// only what changed. Against the real service (about 2 calls a second) calls are the run's
// duration. It holds:
//
//   - the parent of each hierarchy group. ListUserHierarchyGroups names groups but not their
//     parents, and finding a parent costs a DescribeUserHierarchyGroup call (97.5% of an unchanged
//     re-sync's calls). A group never changes parent in Amazon Connect, so an entry stays true for
//     as long as the group exists; names are not cached (they come with every listing).
//   - each group's tags and each user as SearchUsers, DescribeUser and ListUserProficiencies show
//     it, with the LastModifiedTime the listing (ListUserHierarchyGroups, ListUsers) gave before
//     they were read. Amazon Connect moves a resource's LastModifiedTime with every change to it,
//     so an entry whose time the next listing shows unchanged is still true and is not read again;
//     any other time, or none, and it is read again. This is what lets a snapshot import, which
//     needs every user's emails, mobile number and proficiencies (one or two calls per user),
//     re-read an unchanged instance in as few calls as a sync.
//
// Entries of groups and users no longer listed are dropped.
type Cache struct {
	path string
	mu   sync.Mutex
	file cacheFile
}

type cacheFile struct {
	Endpoint string                 `json:"endpoint"`
	Instance string                 `json:"instance"`
	Parents  map[string]string      `json:"parents"` // group id → parent id, "" at LevelOne
	Groups   map[string]cachedGroup `json:"groups,omitempty"`
	Users    map[string]cachedUser  `json:"users,omitempty"`
}

// cachedGroup is a group's tags as they were when the listing showed Modified.
type cachedGroup struct {
	Modified time.Time         `json:"modified"`
	Tags     map[string]string `json:"tags,omitempty"`
}

// cachedUser is a user as it was when the listing showed Modified.
type cachedUser struct {
	Modified time.Time   `json:"modified"`
	User     CurrentUser `json:"user"`
}

// settle is how much older than the server's clock (the listing's Date header) a
// LastModifiedTime must be for an entry to be kept. A second change in the same tick of the
// server's clock as the one listed would leave the time as it was; the Date header counts whole
// seconds, so two seconds cover any clock as coarse as a second.
const settle = 2 * time.Second

// listing is a resource's LastModifiedTime as a listing showed it; keep says it may be cached.
type listing struct {
	modified time.Time
	keep     bool
}

func newListing(modified *time.Time, serverTime time.Time, serverTimeOK bool) listing {
	l := listing{}
	if modified != nil {
		l.modified = *modified
	}
	l.keep = serverTimeOK && !l.modified.IsZero() && l.modified.Before(serverTime.Add(-settle))
	return l
}

// CachePath is where the cache of an endpoint's instance lives in dir: one file per endpoint
// and instance, so that two instances, or an instance id on another endpoint, never share one.
func CachePath(dir, endpoint, instanceID string) string {
	sum := sha256.Sum256([]byte(endpoint + "\n" + instanceID))
	return filepath.Join(dir, "connectdir-cache-"+hex.EncodeToString(sum[:8])+".json")
}

// OpenCache reads the cache at path, or starts an empty one when there is none (or one of
// another endpoint or instance).
func OpenCache(path, endpoint, instanceID string) (*Cache, error) {
	c := &Cache{path: path, file: cacheFile{Endpoint: endpoint, Instance: instanceID, Parents: map[string]string{}}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	var f cacheFile
	if err := json.Unmarshal(b, &f); err != nil || f.Endpoint != endpoint || f.Instance != instanceID || f.Parents == nil {
		return c, nil // unreadable or someone else's: start afresh, it is only a cache
	}
	c.file = f
	return c, nil
}

// parent returns the cached parent of group id.
func (c *Cache) parent(id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.file.Parents[id]
	return p, ok
}

// groupTags returns the cached tags of group id if the listing shows it unchanged since.
func (c *Cache) groupTags(id string, l listing) (map[string]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.file.Groups[id]
	if !ok || l.modified.IsZero() || !e.Modified.Equal(l.modified) {
		return nil, false
	}
	return e.Tags, true
}

// user returns a copy of the cached user id if the listing shows it unchanged since.
func (c *Cache) user(id, username string, l listing) (*CurrentUser, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.file.Users[id]
	if !ok || l.modified.IsZero() || !e.Modified.Equal(l.modified) || e.User.Username != username {
		return nil, false
	}
	u := e.User
	return &u, true
}

// remember keeps the parents of an instance's groups whose parents are known and the tags of
// those whose tags are known (tagsKnown) and listing may be kept, and forgets groups it no
// longer has.
func (c *Cache) remember(groups map[string]*CurrentGroup, known, tagsKnown map[string]bool, listed map[string]listing) {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := make(map[string]string, len(groups))
	tags := make(map[string]cachedGroup, len(groups))
	for id, g := range groups {
		if known[id] {
			next[id] = g.ParentID
		}
		if l := listed[id]; tagsKnown[id] && l.keep {
			tags[id] = cachedGroup{Modified: l.modified, Tags: g.Tags}
		}
	}
	c.file.Parents, c.file.Groups = next, tags
}

// rememberUsers replaces the cached users by those of users whose listing may be kept.
func (c *Cache) rememberUsers(users map[string]*CurrentUser, listed map[string]listing) {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := make(map[string]cachedUser, len(users))
	for _, u := range users {
		if l := listed[u.ID]; l.keep {
			next[u.ID] = cachedUser{Modified: l.modified, User: *u}
		}
	}
	c.file.Users = next
}

// Len is how many groups the cache knows the parent of.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.file.Parents)
}

// Save writes the cache (mode 0600: it holds the instance's users, their emails and mobile
// numbers), through a temporary file so that an interrupted write leaves the previous cache whole.
func (c *Cache) Save() error {
	c.mu.Lock()
	b, err := json.Marshal(c.file)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return err
	}
	tmp := c.path + ".tmp"
	// A leftover temporary file would keep its mode through WriteFile: start a new one.
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, c.path); err != nil {
		return fmt.Errorf("saving the cache: %w", err)
	}
	return nil
}
