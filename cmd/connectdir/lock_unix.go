//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// lockData takes an exclusive lock on dataDir for as long as the server runs: SQLite serves one
// process (its DescribeUser cache, sqlstore/usercache.go, is kept correct by seeing every write),
// so a second `serve` on the same directory is refused instead of reading stale users. Other
// commands (keys) do not take it: they write no users. The kernel drops the lock if the process
// dies, so a crash leaves nothing to clean up.
func lockData(dataDir string) (unlock func(), err error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, "serve.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if err == unix.EWOULDBLOCK {
			return nil, fmt.Errorf("another connectdir serve uses %s (SQLite serves one process; for several, use PostgreSQL: --store postgres://…)", dataDir)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
