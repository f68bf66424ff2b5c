package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"
)

// serverInstance returns a client of the server at endpoint, signing with the key pair, and the
// id of the server's one instance: the one its first start bootstrapped.
func serverInstance(t *testing.T, ctx context.Context, endpoint, keyID, secret string) (*connect.Client, string) {
	t.Helper()
	c := connect.New(connect.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, "")})
	list, err := c.ListInstances(ctx, &connect.ListInstancesInput{})
	if err != nil || len(list.InstanceSummaryList) != 1 {
		t.Fatalf("ListInstances with the key from the environment: %v, %v", list, err)
	}
	return c, aws.ToString(list.InstanceSummaryList[0].Id)
}

// awsEnv gives the CLI jobs run in the test their credentials and region the AWS way, from the
// key pair alone: no config or credentials file of the machine's, no profile (all restored
// after the test).
func awsEnv(t *testing.T, data, keyID, secret string) {
	t.Setenv("AWS_ACCESS_KEY_ID", keyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(data, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(data, "no-credentials"))
	t.Setenv("AWS_PROFILE", "") // restored after the test…
	os.Unsetenv("AWS_PROFILE")  // …but absent meanwhile: an empty one would name a profile
}

// The commands wired together as a user runs them: serve with the bootstrap key from the
// environment, then sync and snapshot export against it through the standard AWS settings.
func TestCommandsEndToEnd(t *testing.T) {
	const keyID, secret = "AKIAENDTOENDTEST0001", "end-to-end-secret-access-key-0001"
	ctx, stop := context.WithCancel(context.Background())
	endpoint, data, served := startServe(t, ctx, keyID, secret)

	c, inst := serverInstance(t, ctx, endpoint, keyID, secret)
	awsEnv(t, data, keyID, secret)
	passwords := filepath.Join(t.TempDir(), "passwords.csv")
	if err := newApp().Run(ctx, []string{"connectdir", "sync", "--file", "../../examples/agents.csv", "--instance", inst,
		"--endpoint-url", endpoint, "--apply", "--rps", "0", "--levels", "Region/Country/Site", "--passwords-out", passwords}); err != nil {
		t.Fatalf("sync --apply: %v", err)
	}
	users, err := c.ListUsers(ctx, &connect.ListUsersInput{InstanceId: &inst})
	if err != nil || len(users.UserSummaryList) != 20 {
		t.Fatalf("users after sync: %d, %v; want the example file's 20", len(users.UserSummaryList), err)
	}
	st, err := os.Stat(passwords)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("passwords file: %v, %v; want mode 0600", st, err)
	}
	if b, _ := os.ReadFile(passwords); strings.Count(string(b), "\n") == 0 {
		t.Fatal("no generated password was written")
	}

	snap := filepath.Join(t.TempDir(), "snapshot.json")
	if err := newApp().Run(ctx, []string{"connectdir", "snapshot", "export", "--instance", inst, "--endpoint-url", endpoint, "--rps", "0", "-o", snap}); err != nil {
		t.Fatalf("snapshot export: %v", err)
	}
	var s struct {
		Users  []json.RawMessage `json:"users"`
		Groups []json.RawMessage `json:"groups"`
	}
	b, err := os.ReadFile(snap)
	if err != nil || json.Unmarshal(b, &s) != nil || len(s.Users) != 20 || len(s.Groups) == 0 {
		t.Fatalf("snapshot: %d users, %d groups, %v", len(s.Users), len(s.Groups), err)
	}

	stop()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("serve after shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// startServe runs serve on a free loopback port with a fresh data directory and the given
// bootstrap key, until ctx ends, and waits until it answers.
func startServe(t *testing.T, ctx context.Context, keyID, secret string, flags ...string) (endpoint, data string, served <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	data = t.TempDir()
	t.Setenv("CONNECTDIR_ACCESS_KEY_ID", keyID)
	t.Setenv("CONNECTDIR_SECRET_ACCESS_KEY", secret)
	ch := make(chan error, 1)
	go func() {
		ch <- newApp().Run(ctx, append([]string{"connectdir", "serve", "--addr", addr, "--data", data}, flags...))
	}()
	endpoint = "http://" + addr
	waitHealthy(t, endpoint, ch)
	return endpoint, data, ch
}

// waitHealthy polls /healthz, which answers without authentication once the server is ready.
func waitHealthy(t *testing.T, endpoint string, served <-chan error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-served:
			t.Fatalf("serve stopped: %v", err)
		default:
		}
		if resp, err := http.Get(endpoint + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the server did not become healthy")
}
