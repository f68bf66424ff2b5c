package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

// run runs the command line and returns what it printed.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	err = newApp().Run(context.Background(), append([]string{"connectdir"}, args...))
	os.Stdout = saved
	w.Close()
	return <-done, err
}

// keys create, list, disable, enable and delete, on one store.
func TestKeysCommands(t *testing.T) {
	data := t.TempDir()
	out, err := run(t, "keys", "create", "--data", data, "--user", "ops")
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(strings.TrimPrefix(strings.Split(out, "\n")[0], "aws_access_key_id = "))
	row := func() string {
		t.Helper()
		out, err := run(t, "keys", "list", "--data", data)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(out) {
			if strings.HasPrefix(line, id+"\t") {
				return strings.TrimSpace(line)
			}
		}
		return ""
	}
	if r := row(); !strings.Contains(r, "\tops\tactive\t") || !strings.HasSuffix(r, "\tnever") {
		t.Errorf("a new key: %q, want active, never used", r)
	}
	for _, step := range []struct{ cmd, want string }{{"disable", "\tdisabled\t"}, {"enable", "\tactive\t"}} {
		if _, err := run(t, "keys", step.cmd, "--data", data, id); err != nil {
			t.Fatalf("keys %s: %v", step.cmd, err)
		}
		if r := row(); !strings.Contains(r, step.want) {
			t.Errorf("after keys %s: %q", step.cmd, r)
		}
	}
	if _, err := run(t, "keys", "delete", "--data", data, id); err != nil {
		t.Fatal(err)
	}
	if r := row(); r != "" {
		t.Errorf("after keys delete: %q is still listed", r)
	}
	if _, err := run(t, "keys", "delete", "--data", data, id); err == nil || !strings.Contains(err.Error(), id) {
		t.Errorf("deleting it again: %v, want a refusal naming the key", err)
	}
}
