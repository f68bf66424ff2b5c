package awsapi_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/connectdir/connectdir/internal/testserver"
)

// python3WithBoto3 finds a Python that has boto3: the first python3 on PATH, else Debian's.
func python3WithBoto3(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import boto3").Run() == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("python3 with boto3 is required on CI (apt-get install python3-boto3)")
	}
	t.Skip("no python3 with boto3")
	return ""
}

// boto3Cmd runs a Python script against srv, which it finds in CONNECTDIR_* variables.
func boto3Cmd(t *testing.T, python string, srv *testserver.Server, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(t.Context(), python, args...)
	// Nothing of a developer's own AWS configuration may leak in.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "CONNECTDIR_ENDPOINT="+srv.URL, "CONNECTDIR_KEY="+srv.KeyID,
		"CONNECTDIR_SECRET="+srv.Secret, "CONNECTDIR_INSTANCE="+srv.InstanceID,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	return cmd
}

// An unmodified boto3 client works against the server: signing, paginators, typed exceptions,
// timestamps.
func TestBoto3(t *testing.T) {
	python := python3WithBoto3(t)
	srv := testserver.Start(t, testserver.Options{})
	out, err := boto3Cmd(t, python, srv, "testdata/boto3_walkthrough.py").Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("boto3 walkthrough: %v\n%s", err, stderr)
	}
	var seen struct {
		Path           []string       `json:"path"`
		Pages          [][]string     `json:"pages"`
		SearchCount    int            `json:"search_count"`
		Described      map[string]any `json:"described"`
		LastModifiedDT bool           `json:"last_modified_is_datetime"`
		Duplicate      []any          `json:"duplicate"`
		InUse          string         `json:"in_use"`
	}
	if err := json.Unmarshal(out, &seen); err != nil {
		t.Fatalf("boto3 output %q: %v", out, err)
	}
	if !reflect.DeepEqual(seen.Path, []string{"EMEA", "Dublin"}) {
		t.Errorf("HierarchyPath names = %v", seen.Path)
	}
	if !reflect.DeepEqual(seen.Pages, [][]string{{"py0", "py1"}, {"py2", "py3"}, {"py4"}}) {
		t.Errorf("list_users paginator pages = %v", seen.Pages)
	}
	if seen.SearchCount != 5 {
		t.Errorf("search_users WITH_CHILD_GROUPS and tag filter found %d, want 5", seen.SearchCount)
	}
	if seen.Described["Tags"].(map[string]any)["lang"] != "python" || seen.Described["HierarchyGroupId"] == "" {
		t.Errorf("describe_user = %v", seen.Described)
	}
	if !seen.LastModifiedDT {
		t.Error("boto3 did not parse LastModifiedTime as a datetime")
	}
	if len(seen.Duplicate) != 2 || seen.Duplicate[0] != "DuplicateResourceException" || seen.Duplicate[1] != float64(409) {
		t.Errorf("duplicate create_user = %v, want DuplicateResourceException 409", seen.Duplicate)
	}
	if seen.InUse != "ResourceInUseException" {
		t.Errorf("delete of a group in use = %q, want ResourceInUseException as boto3's typed exception", seen.InUse)
	}
}
