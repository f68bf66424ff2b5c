package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
)

// `sync --apply` of 2,000 new CONNECT_MANAGED users, killed with SIGKILL at 5 points and then
// run to the end: every user exists and has exactly one line in --passwords-out, none has two.
// Each generated password is written and synced before the CreateUser call that uses it, and a
// run after a kill takes the password already on file instead of writing another.
//
//	go test ./cmd/connectdir -run TestSyncKilledKeepsEveryPassword -count=1 -v
func TestSyncKilledKeepsEveryPassword(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 2,000 users through a server process, five times interrupted")
	}
	p := startProcess(t)
	dir := t.TempDir()
	const n = 2000
	var csv strings.Builder
	csv.WriteString("username,first_name,last_name,email,hierarchy,routing_profile,security_profiles,phone_type,desk_phone,auto_accept,acw_timeout,tags,password\n")
	for i := range n {
		fmt.Fprintf(&csv, "kill%04d,Kill,User%d,kill%04d@example.com,,Basic Routing Profile,Agent,soft,,yes,0,,\n", i, i, i)
	}
	file := filepath.Join(dir, "agents.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	passwords := filepath.Join(dir, "passwords.csv")
	lines := func() int {
		b, _ := os.ReadFile(passwords)
		return strings.Count(string(b), "\n")
	}
	syncCmd := func() *exec.Cmd {
		cmd := exec.Command(p.binPath, "sync", "--file", file, "--instance", p.instance, "--endpoint-url", p.endpoint,
			"--apply", "--rps", "0", "--passwords-out", passwords)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+p.keyID, "AWS_SECRET_ACCESS_KEY="+p.secret, "AWS_REGION=us-east-1",
			"AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"), "AWS_PROFILE=")
		return cmd
	}
	for _, at := range []int{20, 400, 800, 1200, 1600} {
		cmd := syncCmd()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.Now().Add(5 * time.Minute)
		for lines() < at && time.Now().Before(deadline) {
			select {
			case err := <-exited:
				t.Fatalf("sync ended before it was killed at %d lines: %v", at, err)
			case <-time.After(5 * time.Millisecond):
			}
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		t.Logf("killed at %d password lines", lines())
	}
	if out, err := syncCmd().CombinedOutput(); err != nil {
		t.Fatalf("the last run: %v\n%s", err, out[max(0, len(out)-2000):])
	}

	users := map[string]bool{}
	pg := connect.NewListUsersPaginator(p.client, &connect.ListUsersInput{InstanceId: &p.instance, MaxResults: aws.Int32(1000)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range out.UserSummaryList {
			users[aws.ToString(u.Username)] = true
		}
	}
	b, err := os.ReadFile(passwords)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for line := range strings.Lines(string(b)) {
		if user, _, ok := strings.Cut(strings.TrimSpace(line), ","); ok {
			count[user]++
		}
	}
	created := 0
	for i := range n {
		name := fmt.Sprintf("kill%04d", i)
		if !users[name] {
			t.Errorf("%s was never created", name)
			continue
		}
		created++
		if count[name] != 1 {
			t.Errorf("%s exists with %d password lines, want exactly 1", name, count[name])
		}
	}
	for name, c := range count {
		if c > 1 {
			t.Errorf("%s has %d password lines", name, c)
		}
	}
	t.Logf("%d users created, %d password lines", created, len(count))
}
