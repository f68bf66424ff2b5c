package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Files holding secrets (credentials, master key, generated passwords) are owner-only whether
// they are new or were there before with a wider mode, whatever the umask.
func TestOwnerOnlyFiles(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	existing := filepath.Join(dir, "credentials")
	if err := os.WriteFile(existing, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{existing, filepath.Join(dir, "new", "master.key")} {
		if err := writeOwnerOnly(path, []byte("secret\n")); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", path, fi.Mode().Perm())
		}
		if b, _ := os.ReadFile(path); string(b) != "secret\n" {
			t.Errorf("%s: content %q", path, b)
		}
	}
	if fi, _ := os.Stat(filepath.Join(dir, "new")); fi.Mode().Perm() != 0o700 {
		t.Errorf("made directory mode %v, want 0700", fi.Mode().Perm())
	}
	// Appending (the passwords file) keeps what is there.
	f, err := openOwnerOnly(existing, os.O_APPEND)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("more\n")
	f.Close()
	if b, _ := os.ReadFile(existing); string(b) != "secret\nmore\n" {
		t.Errorf("after append: %q", b)
	}
}
