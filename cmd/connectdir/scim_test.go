package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
)

// stdout runs fn and returns what it printed on standard output.
func stdout(t *testing.T, fn func() error) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	ferr := fn()
	os.Stdout = old
	w.Close()
	out := <-done
	if ferr != nil {
		t.Fatal(ferr)
	}
	return out
}

// The SCIM commands as an administrator uses them: serve, make a token for the server's own
// instance, let an identity provider create a user, read the log.
func TestSCIMCommands(t *testing.T) {
	const keyID, secret = "AKIASCIMENDTOEND0001", "scim-end-to-end-secret-access-key-01"
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	endpoint, data, served := startServe(t, ctx, keyID, secret)
	c, inst := serverInstance(t, ctx, endpoint, keyID, secret)

	token := strings.TrimSpace(stdout(t, func() error {
		return newApp().Run(ctx, []string{"connectdir", "scim", "token", "create", "--data", data, "--instance", inst, "--mapping", "../../examples/scim-mapping.yaml"})
	}))
	if !strings.HasPrefix(token, "scim-") || strings.Contains(token, "\n") {
		t.Fatalf("token create printed %q; want the token alone", token)
	}
	if err := newApp().Run(ctx, []string{"connectdir", "scim", "token", "create", "--data", data, "--instance", "no-such-instance"}); err == nil {
		t.Fatal("a token for a missing instance was made")
	}

	req, _ := http.NewRequest("POST", endpoint+"/scim/v2/Users", strings.NewReader(`{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName": "cli.agent@example.com", "name": {"givenName": "Cli", "familyName": "Agent"}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("POST /scim/v2/Users: %d", resp.StatusCode)
	}
	users, err := c.ListUsers(ctx, &connect.ListUsersInput{InstanceId: &inst})
	if err != nil || len(users.UserSummaryList) != 1 || aws.ToString(users.UserSummaryList[0].Username) != "cli.agent@example.com" {
		t.Fatalf("users after the SCIM create: %v, %v", users, err)
	}

	log := stdout(t, func() error { return newApp().Run(ctx, []string{"connectdir", "scim", "log", "--data", data}) })
	if !strings.Contains(log, "201") || !strings.Contains(log, "POST /scim/v2/Users") || !strings.Contains(log, "CreateUser") {
		t.Fatalf("scim log:\n%s", log)
	}
	if strings.Contains(log, token) {
		t.Fatal("the log shows the token")
	}

	// Revoked, the token is refused at once.
	listed := stdout(t, func() error {
		return newApp().Run(ctx, []string{"connectdir", "scim", "token", "list", "--data", data})
	})
	id, _, _ := strings.Cut(listed, "\t")
	if strings.Count(listed, "\n") != 1 || !strings.Contains(listed, "local/"+inst) || strings.Contains(listed, token) {
		t.Fatalf("token list:\n%s", listed)
	}
	if err := newApp().Run(ctx, []string{"connectdir", "scim", "token", "delete", "--data", data, id}); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest("GET", endpoint+"/scim/v2/Users", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("a deleted token got %d", resp.StatusCode)
	}
	if err := newApp().Run(ctx, []string{"connectdir", "scim", "token", "delete", "--data", data, id}); err == nil {
		t.Fatal("deleting a deleted token succeeded")
	}
	stop()
	select {
	case <-served:
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}
