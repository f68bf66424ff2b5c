package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A second server on the SQLite directory of a running one is refused, and says why: its user
// cache would not see the first one's writes. `keys create` on that directory still works.
func TestSecondServeOnOneDataDirRefused(t *testing.T) {
	p := startProcess(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second) // without the lock it would serve on
	defer cancel()
	out, err := exec.CommandContext(ctx, p.binPath, "serve", "--addr", "127.0.0.1:0", "--data", p.dataDir).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another connectdir serve uses "+p.dataDir) {
		t.Fatalf("second serve: %v\n%s", err, out)
	}
	keys := exec.Command(p.binPath, "keys", "create", "--data", p.dataDir)
	keys.Env = os.Environ()
	if out, err := keys.CombinedOutput(); err != nil {
		t.Fatalf("keys create beside a running server: %v\n%s", err, out)
	}
	// The first server still answers.
	if _, err := p.client.ListInstances(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
}
