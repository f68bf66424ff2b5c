package awsapi_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/connectdir/connectdir/internal/testserver"
)

// jsModules is where .ci/run installs the JavaScript SDKs from npm (git-ignored; nothing of
// Node is in the repository or the build).
const jsModules = "../.jstest/node_modules"

// nodeWith finds node and the npm modules named; with CI=true a missing one fails the test.
func nodeWith(t *testing.T, modules ...string) string {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required on CI: .ci/run installs it", what)
		}
		t.Skipf("%s is missing: run .ci/run, or npm install --prefix .jstest @aws-sdk/client-connect@3 aws-sdk@2 esbuild@0", what)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node (Debian nodejs)")
	}
	for _, m := range modules {
		if _, err := os.Stat(filepath.Join(jsModules, m, "package.json")); err != nil {
			missing("the npm module " + m + " in .jstest")
		}
	}
	return node
}

// runNode runs a script of testdata/js against srv and decodes the JSON it prints.
func runNode(t *testing.T, node string, srv *testserver.Server, script string, out any) {
	t.Helper()
	abs, err := filepath.Abs(jsModules)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), node, filepath.Join("testdata/js", script))
	cmd.Env = append(os.Environ(), "NODE_PATH="+abs, "CONNECTDIR_ENDPOINT="+srv.URL, "CONNECTDIR_KEY="+srv.KeyID,
		"CONNECTDIR_SECRET="+srv.Secret, "CONNECTDIR_INSTANCE="+srv.InstanceID,
		// The SDKs read AWS_* settings too: none of a developer's may leak in.
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PROFILE=", "AWS_REGION=us-east-1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("node %s printed %q: %v\n%s", script, stdout.String(), err, stderr.String())
	}
}

// TestJavaScriptSDKs: both JavaScript SDKs, unmodified, in Node: every operation the server
// serves through v3 (typed error classes, statuses, paginators), and the v2 idioms of published
// scripts (a while (NextToken !== null) loop that ends, DeskPhoneNumber and Tags read blindly).
func TestJavaScriptSDKs(t *testing.T) {
	node := nodeWith(t, "@aws-sdk/client-connect", "aws-sdk")
	t.Run("v3", func(t *testing.T) {
		srv := testserver.Start(t, testserver.Options{})
		var got struct {
			Called   []string
			Failures []string
		}
		runNode(t, node, srv, "v3.cjs", &got)
		for _, f := range got.Failures {
			t.Error(f)
		}
		for _, op := range srv.API.Operations() {
			if !slices.Contains(got.Called, op) {
				t.Errorf("%s is served but the v3 script does not call it", op)
			}
		}
	})
	t.Run("v2", func(t *testing.T) {
		srv := testserver.Start(t, testserver.Options{})
		var got struct {
			Pages    int
			Failures []string
		}
		runNode(t, node, srv, "v2.cjs", &got)
		for _, f := range got.Failures {
			t.Error(f)
		}
		if got.Pages != 3 {
			t.Errorf("the NextToken !== null loop read %d pages of 2 for 5 users, want 3", got.Pages)
		}
	})
}
