//go:build !unix

package main

// lockData does nothing where flock(2) does not exist: there, do not run two servers on one
// SQLite directory.
func lockData(string) (func(), error) { return func() {}, nil }
