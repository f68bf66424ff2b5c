package awsapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// awsCLI runs the AWS CLI against a test server with a credentials file of its own.
type awsCLI struct {
	e   *env
	bin string
	env []string
}

func newAWSCLI(t *testing.T, e *env) *awsCLI {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the AWS CLI is required on CI: %v", err)
		}
		t.Skip("the AWS CLI (aws) is not installed")
	}
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	content := fmt.Sprintf("[connectdir]\naws_access_key_id = %s\naws_secret_access_key = %s\n", e.KeyID, e.Secret)
	if err := os.WriteFile(creds, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config")
	if err := os.WriteFile(config, []byte("[profile connectdir]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Only our own AWS settings: a developer's keys or profile must not leak in.
	var environ []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			environ = append(environ, kv)
		}
	}
	environ = append(environ, "AWS_SHARED_CREDENTIALS_FILE="+creds, "AWS_CONFIG_FILE="+config,
		"AWS_PROFILE=connectdir", "AWS_DEFAULT_REGION=us-east-1", "AWS_MAX_ATTEMPTS=1", "AWS_RETRY_MODE=standard")
	return &awsCLI{e: e, bin: bin, env: environ}
}

func (c *awsCLI) exec(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	args = append(append([]string{"connect"}, args...), "--endpoint-url", c.e.URL, "--output", "json")
	cmd := exec.CommandContext(t.Context(), c.bin, args...)
	cmd.Env = c.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// run runs a command that must succeed and decodes its JSON output (nil when there is none).
func (c *awsCLI) run(t *testing.T, args ...string) map[string]any {
	t.Helper()
	stdout, stderr, err := c.exec(t, args...)
	if err != nil {
		t.Fatalf("aws connect %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	if strings.TrimSpace(stdout) == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("aws connect %s: output is not JSON: %v\n%s", args[0], err, stdout)
	}
	return m
}

// fail runs a command that must fail with the named exception.
func (c *awsCLI) fail(t *testing.T, exception string, args ...string) {
	t.Helper()
	_, stderr, err := c.exec(t, args...)
	if err == nil || !strings.Contains(stderr, exception) {
		t.Fatalf("aws connect %s: err %v, stderr %q, want %s", strings.Join(args, " "), err, stderr, exception)
	}
}

// get walks a decoded JSON document: get(m, "User", "IdentityInfo", "FirstName").
func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func getStr(v any, path ...string) string { s, _ := get(v, path...).(string); return s }

func usernamesOf(page map[string]any) []string {
	var out []string
	list, _ := page["UserSummaryList"].([]any)
	for _, u := range list {
		out = append(out, getStr(u, "Username"))
	}
	return out
}

// TestAWSCLI drives users and the hierarchy walkthrough with the AWS CLI, as the README's
// quick-start does.
func TestAWSCLI(t *testing.T) {
	e := start(t)
	cli := newAWSCLI(t, e)

	t.Run("users", func(t *testing.T) {
		t.Parallel()
		inst := e.inst
		var ids []string
		for i := range 5 {
			out := cli.run(t, "create-user", "--instance-id", inst, "--username", fmt.Sprintf("cli.user%d", i),
				"--password", "Passw0rdX", "--identity-info", "FirstName=Cli,LastName=User",
				"--phone-config", "PhoneType=SOFT_PHONE,AutoAccept=false,AfterContactWorkTimeLimit=0",
				"--security-profile-ids", e.sp, "--routing-profile-id", e.rp)
			if getStr(out, "UserId") == "" || !strings.Contains(getStr(out, "UserArn"), "/agent/") {
				t.Fatalf("create-user output %v", out)
			}
			ids = append(ids, getStr(out, "UserId"))
		}
		cli.fail(t, "DuplicateResourceException", "create-user", "--instance-id", inst, "--username", "cli.user0",
			"--password", "Passw0rdX", "--identity-info", "FirstName=A,LastName=B", "--phone-config", "PhoneType=SOFT_PHONE",
			"--security-profile-ids", e.sp, "--routing-profile-id", e.rp)
		cli.fail(t, "InvalidParameterException", "create-user", "--instance-id", inst, "--username", "cli.weak",
			"--password", "weak", "--identity-info", "FirstName=A,LastName=B", "--phone-config", "PhoneType=SOFT_PHONE",
			"--security-profile-ids", e.sp, "--routing-profile-id", e.rp)

		u := cli.run(t, "describe-user", "--instance-id", inst, "--user-id", ids[0])
		eq(t, "Username", getStr(u, "User", "Username"), "cli.user0")
		eq(t, "FirstName", getStr(u, "User", "IdentityInfo", "FirstName"), "Cli")
		eq(t, "PhoneType", getStr(u, "User", "PhoneConfig", "PhoneType"), "SOFT_PHONE")
		eq(t, "RoutingProfileId", getStr(u, "User", "RoutingProfileId"), e.rp)

		// --max-items paging: the CLI's own tokens over the server's.
		page1 := cli.run(t, "list-users", "--instance-id", inst, "--max-items", "2")
		eq(t, "first page", usernamesOf(page1), []string{"cli.user0", "cli.user1"})
		token := getStr(page1, "NextToken")
		if token == "" {
			t.Fatalf("first page has no NextToken: %v", page1)
		}
		page2 := cli.run(t, "list-users", "--instance-id", inst, "--max-items", "2", "--starting-token", token)
		eq(t, "second page", usernamesOf(page2), []string{"cli.user2", "cli.user3"})
		page3 := cli.run(t, "list-users", "--instance-id", inst, "--max-items", "2", "--starting-token", getStr(page2, "NextToken"))
		eq(t, "last page", usernamesOf(page3), []string{"cli.user4"})
		if tok := getStr(page3, "NextToken"); tok != "" {
			t.Errorf("last page has a NextToken %q", tok)
		}
		// --page-size makes the server page too (MaxResults 1): the same users, in order.
		all := cli.run(t, "list-users", "--instance-id", inst, "--page-size", "1", "--max-items", "4")
		eq(t, "server-paged list", usernamesOf(all), []string{"cli.user0", "cli.user1", "cli.user2", "cli.user3"})
		next := cli.run(t, "list-users", "--instance-id", inst, "--page-size", "1", "--starting-token", getStr(all, "NextToken"))
		eq(t, "rest of the server-paged list", usernamesOf(next), []string{"cli.user4"})

		cli.run(t, "update-user-identity-info", "--instance-id", inst, "--user-id", ids[1],
			"--identity-info", "FirstName=Renamed,LastName=Person,Email=renamed@example.com")
		u = cli.run(t, "describe-user", "--instance-id", inst, "--user-id", ids[1])
		eq(t, "updated FirstName", getStr(u, "User", "IdentityInfo", "FirstName"), "Renamed")
		eq(t, "updated Email", getStr(u, "User", "IdentityInfo", "Email"), "renamed@example.com")

		cli.run(t, "update-user-phone-config", "--instance-id", inst, "--user-id", ids[1],
			"--phone-config", "PhoneType=DESK_PHONE,DeskPhoneNumber=+14155550123,AutoAccept=true,AfterContactWorkTimeLimit=30")
		u = cli.run(t, "describe-user", "--instance-id", inst, "--user-id", ids[1])
		eq(t, "PhoneConfig", get(u, "User", "PhoneConfig"), any(map[string]any{"PhoneType": "DESK_PHONE",
			"DeskPhoneNumber": "+14155550123", "AutoAccept": true, "AfterContactWorkTimeLimit": float64(30)}))
		cli.fail(t, "InvalidParameterException", "update-user-phone-config", "--instance-id", inst, "--user-id", ids[1],
			"--phone-config", "PhoneType=DESK_PHONE")

		cli.run(t, "delete-user", "--instance-id", inst, "--user-id", ids[4])
		cli.fail(t, "ResourceNotFoundException", "describe-user", "--instance-id", inst, "--user-id", ids[4])
		rest := cli.run(t, "list-users", "--instance-id", inst)
		eq(t, "users after delete-user", usernamesOf(rest), []string{"cli.user0", "cli.user1", "cli.user2", "cli.user3"})
	})

	t.Run("hierarchy walkthrough", func(t *testing.T) {
		t.Parallel()
		inst, rp, sp := e.samlInstance(t)
		cli.run(t, "update-user-hierarchy-structure", "--instance-id", inst, "--hierarchy-structure",
			"LevelOne={Name=Planet},LevelTwo={Name=Continent},LevelThree={Name=Country},LevelFour={Name=Site},LevelFive={Name=Team}")
		hs := cli.run(t, "describe-user-hierarchy-structure", "--instance-id", inst)
		eq(t, "LevelFive", getStr(hs, "HierarchyStructure", "LevelFive", "Name"), "Team")
		eq(t, "LevelTwo id", getStr(hs, "HierarchyStructure", "LevelTwo", "Id"), "2")

		parent := ""
		var chain []string
		for _, name := range []string{"Earth", "Europe", "Portugal", "Lisbon", "Blue Team"} {
			args := []string{"create-user-hierarchy-group", "--instance-id", inst, "--name", name}
			if parent != "" {
				args = append(args, "--parent-group-id", parent)
			}
			parent = getStr(cli.run(t, args...), "HierarchyGroupId")
			chain = append(chain, parent)
		}
		leaf := getStr(cli.run(t, "create-user-hierarchy-group", "--instance-id", inst, "--name", "Red Team", "--parent-group-id", chain[3]), "HierarchyGroupId")
		cli.fail(t, "DuplicateResourceException", "create-user-hierarchy-group", "--instance-id", inst, "--name", "Europe", "--parent-group-id", chain[0])

		cli.run(t, "update-user-hierarchy-group-name", "--instance-id", inst, "--hierarchy-group-id", chain[1], "--name", "Old World")
		g := cli.run(t, "describe-user-hierarchy-group", "--instance-id", inst, "--hierarchy-group-id", chain[4])
		eq(t, "path LevelTwo", getStr(g, "HierarchyGroup", "HierarchyPath", "LevelTwo", "Name"), "Old World")
		eq(t, "LevelId", getStr(g, "HierarchyGroup", "LevelId"), "5")

		cli.run(t, "delete-user-hierarchy-group", "--instance-id", inst, "--hierarchy-group-id", leaf)
		cli.fail(t, "ResourceInUseException", "delete-user-hierarchy-group", "--instance-id", inst, "--hierarchy-group-id", chain[3])
		list := cli.run(t, "list-user-hierarchy-groups", "--instance-id", inst)
		if groups, _ := list["UserHierarchyGroupSummaryList"].([]any); len(groups) != 5 {
			t.Errorf("list-user-hierarchy-groups: %v, want 5 groups", list)
		}

		user := getStr(cli.run(t, "create-user", "--instance-id", inst, "--username", "agent.blue",
			"--identity-info", "FirstName=Blue,LastName=Agent", "--phone-config", "PhoneType=SOFT_PHONE",
			"--security-profile-ids", sp, "--routing-profile-id", rp), "UserId")
		cli.run(t, "update-user-hierarchy", "--instance-id", inst, "--user-id", user, "--hierarchy-group-id", chain[4])
		found := cli.run(t, "search-users", "--instance-id", inst, "--search-criteria",
			fmt.Sprintf(`{"HierarchyGroupCondition":{"Value":%q,"HierarchyGroupMatchType":"WITH_CHILD_GROUPS"}}`, chain[0]))
		users, _ := found["Users"].([]any)
		var names []string
		for _, u := range users {
			names = append(names, getStr(u, "Username"))
		}
		if !slices.Equal(names, []string{"agent.blue"}) || get(found, "ApproximateTotalCount") != float64(1) {
			t.Errorf("search-users under Earth: %v", found)
		}
		// The CLI walks the pages itself: with one user per page, every page's NextToken (a path
		// and an id: group searches page in path order) must lead on to the next user, each once.
		for i, g := range []string{chain[2], chain[4]} {
			u := getStr(cli.run(t, "create-user", "--instance-id", inst, "--username", fmt.Sprint("agent.", i),
				"--identity-info", "FirstName=Zoë,LastName=Green", "--phone-config", "PhoneType=SOFT_PHONE",
				"--security-profile-ids", sp, "--routing-profile-id", rp), "UserId")
			cli.run(t, "update-user-hierarchy", "--instance-id", inst, "--user-id", u, "--hierarchy-group-id", g)
		}
		paged := cli.run(t, "search-users", "--instance-id", inst, "--page-size", "1", "--search-criteria",
			fmt.Sprintf(`{"HierarchyGroupCondition":{"Value":%q,"HierarchyGroupMatchType":"WITH_CHILD_GROUPS"}}`, chain[0]))
		names = nil
		for _, u := range paged["Users"].([]any) {
			names = append(names, getStr(u, "Username"))
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"agent.0", "agent.1", "agent.blue"}) {
			t.Errorf("search-users under Earth, one user per page: %v, want agent.0, agent.1 and agent.blue once each", names)
		}
		cli.fail(t, "ResourceInUseException", "delete-user-hierarchy-group", "--instance-id", inst, "--hierarchy-group-id", chain[4])
	})
}
