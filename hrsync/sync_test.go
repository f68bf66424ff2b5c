package hrsync_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir/hrsync"
	"github.com/connectdir/connectdir/internal/testserver"
	"github.com/connectdir/connectdir/snapshot"
)

// writeOps are the operations that change an instance.
var writeOps = []string{
	"CreateUser", "DeleteUser", "UpdateUserIdentityInfo", "UpdateUserPhoneConfig", "UpdateUserRoutingProfile",
	"UpdateUserSecurityProfiles", "UpdateUserHierarchy", "UpdateUserHierarchyStructure", "CreateUserHierarchyGroup",
	"UpdateUserHierarchyGroupName", "DeleteUserHierarchyGroup", "TagResource", "UntagResource", "CreateInstance",
}

// writes counts the write requests the server has answered, whatever the outcome.
func writes(ts *testserver.Server) int {
	n := 0
	for _, op := range writeOps {
		n += ts.API.Calls(op, "")
	}
	return n
}

// newSAML creates an empty SAML instance: its users take no password, so a load is not a test of
// argon2.
var (
	regions   = []string{"EMEA", "AMER", "APAC"}
	countries = []string{"North", "South", "East"}
	cities    = []string{"Alpha", "Beta", "Gamma", "Delta"}
)

// hrFile generates n agents spread over 3x3x4 leaf groups (48 groups in all). edit may rewrite a
// row's fields, or drop the row by returning nil.
func hrFile(n int, edit func(i int, f []string) []string) string {
	var b strings.Builder
	b.WriteString("username,first_name,last_name,email,hierarchy,routing_profile,security_profiles,phone_type,desk_phone,auto_accept,acw_timeout,tags\n")
	for i := range n {
		path := fmt.Sprintf("%s/%s/%s", regions[i%3], countries[(i/3)%3], cities[(i/9)%4])
		phone, desk := "soft", ""
		if i%7 == 0 {
			phone, desk = "desk", fmt.Sprintf("+1206555%04d", i)
		}
		sps := "Agent"
		if i%10 == 0 {
			sps = "Agent;CallCenterManager"
		}
		f := []string{fmt.Sprintf("agent%05d", i), "First" + fmt.Sprint(i), "Last" + fmt.Sprint(i), "", path,
			"Basic Routing Profile", sps, phone, desk, []string{"yes", "no"}[i%2], fmt.Sprint(i % 60),
			fmt.Sprintf("team=t%d;site=%s", i%5, regions[i%3])}
		if edit != nil {
			f = edit(i, f)
		}
		if f != nil {
			b.WriteString(strings.Join(f, ",") + "\n")
		}
	}
	return b.String()
}

func parse(t testing.TB, csv string) *hrsync.Desired {
	t.Helper()
	d, format, err := hrsync.ParseCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if format != hrsync.FormatHR {
		t.Fatalf("format %s", format)
	}
	return d
}

func sync(t testing.TB, c *connect.Client, instanceID string, d *hrsync.Desired, prune bool) *hrsync.Plan {
	t.Helper()
	ctx := context.Background()
	p, err := hrsync.MakePlan(ctx, c, instanceID, d, hrsync.PlanOptions{Prune: prune, Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	if err := hrsync.Apply(ctx, c, p, hrsync.ApplyOptions{Concurrency: 8}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSyncThousandThenEdits(t *testing.T) {
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	inst := testserver.NewSAMLInstance(t, c)
	ctx := context.Background()

	start := time.Now()
	p := sync(t, c, inst, parse(t, hrFile(1000, nil)), false)
	t.Logf("1,000 agents: %d write calls, %d read calls, %s", p.Calls(), p.Reads, time.Since(start))
	if len(p.CreateUsers) != 1000 || len(p.CreateGroups) != 3+9+36 || p.Levels == nil || len(p.Levels.To) != 3 {
		t.Fatalf("plan: %d users, %d groups, levels %+v", len(p.CreateUsers), len(p.CreateGroups), p.Levels)
	}
	if want := 1 + 48 + 1000; p.Calls() != want {
		t.Fatalf("plan takes %d calls, want %d (one per level change, group and user)", p.Calls(), want)
	}

	// The same file again: nothing to do, and no write call at all.
	before := writes(ts)
	again := sync(t, c, inst, parse(t, hrFile(1000, nil)), false)
	if !again.Empty() || writes(ts) != before {
		t.Fatalf("second sync planned %d calls and made %d writes", again.Calls(), writes(ts)-before)
	}
	// Reading 1,000 users in 48 groups: 6 list/describe calls + 2 SearchUsers pages + 36 leaf groups described.
	if again.Reads > 6+2+36 {
		t.Errorf("reading the instance took %d calls", again.Reads)
	}

	// Edits: Gamma renamed Gamma2 under EMEA/North (all its users move together), agent 1 moves,
	// agent 2 changes name and phone, agents 990-999 leave, 1000-1004 join.
	edited := hrFile(1005, func(i int, f []string) []string {
		switch {
		case i >= 990 && i < 1000:
			return nil
		case i == 1:
			f[4] = "APAC/East/Delta"
		case i == 2:
			f[1], f[7], f[8] = "Renamed", "desk", "+12065550002"
		}
		if f[4] == "EMEA/North/Gamma" {
			f[4] = "EMEA/North/Gamma2"
		}
		return f
	})
	p = sync(t, c, inst, parse(t, edited), true)
	var moves int
	for _, u := range p.UpdateUsers {
		if u.Move != nil {
			moves++
		}
	}
	if len(p.RenameGroups) != 1 || p.RenameGroups[0].From != "EMEA/North/Gamma" || p.RenameGroups[0].To != "EMEA/North/Gamma2" {
		t.Errorf("renames %+v", p.RenameGroups)
	}
	if len(p.CreateUsers) != 5 || len(p.DeleteUsers) != 10 || moves != 1 || len(p.UpdateUsers) != 2 || len(p.CreateGroups) != 0 {
		js, _ := json.MarshalIndent(p, "", " ")
		t.Fatalf("edit plan: %s", js)
	}
	if len(p.DeleteGroups) != 0 {
		t.Errorf("no group is left empty, yet the plan deletes %+v", p.DeleteGroups)
	}
	// The result reads back as the file says, and a new plan is empty.
	s, err := snapshot.Export(ctx, c, inst, snapshot.ExportOptions{Concurrency: 8, SkipDescribe: true})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]hrsync.User{}
	for _, u := range s.Users {
		byName[u.Username] = u
	}
	if len(s.Users) != 995 || byName["agent00001"].Hierarchy != "APAC/East/Delta" || byName["agent00002"].FirstName != "Renamed" ||
		byName["agent00002"].Phone.Type != "DESK_PHONE" || byName["agent01004"].Hierarchy == "" {
		t.Fatalf("after edits: %d users, %+v %+v", len(s.Users), byName["agent00001"], byName["agent00002"])
	}
	if u := byName[fmt.Sprintf("agent%05d", 18)]; u.Hierarchy != "EMEA/North/Gamma2" {
		t.Errorf("agent 18 in %q, want the renamed group", u.Hierarchy)
	}
	if p := sync(t, c, inst, parse(t, edited), true); !p.Empty() {
		t.Errorf("re-plan after edits: %d calls", p.Calls())
	}

	// Removing every agent of a city with --prune deletes the group left empty.
	noDelta := hrFile(1005, func(i int, f []string) []string {
		if i >= 990 && i < 1000 || strings.HasSuffix(f[4], "/Delta") || i == 1 {
			return nil
		}
		if f[4] == "EMEA/North/Gamma" {
			f[4] = "EMEA/North/Gamma2"
		}
		if i == 2 {
			f[1], f[7], f[8] = "Renamed", "desk", "+12065550002"
		}
		return f
	})
	p = sync(t, c, inst, parse(t, noDelta), true)
	if len(p.DeleteGroups) != 9 {
		t.Errorf("deleted groups %+v, want the 9 Delta groups", p.DeleteGroups)
	}
}

// An apply cancelled half-way and run again ends where an uninterrupted one does.
func TestInterruptedApplyResumes(t *testing.T) {
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	ctx := context.Background()
	file := hrFile(200, nil)

	whole := testserver.NewSAMLInstance(t, c)
	sync(t, c, whole, parse(t, file), false)

	cut := testserver.NewSAMLInstance(t, c)
	p, err := hrsync.MakePlan(ctx, c, cut, parse(t, file), hrsync.PlanOptions{Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	err = hrsync.Apply(cctx, c, p, hrsync.ApplyOptions{Concurrency: 4, Progress: func(done, _ int, _ string) {
		if done == 120 {
			cancel()
		}
	}})
	cancel()
	if err == nil {
		t.Fatal("a cancelled apply reported success")
	}
	// CreateUser calls given up by the client may still land; the re-run must see them, as a
	// re-run started by hand a moment later would.
	ts.WaitIdle(t)
	p = sync(t, c, cut, parse(t, file), false)
	if len(p.CreateUsers) == 0 || len(p.CreateUsers) >= 200 || p.Levels != nil {
		t.Fatalf("the resumed plan should create only what the first run did not: %d users, levels %+v", len(p.CreateUsers), p.Levels)
	}
	compareSnapshots(t, c, whole, c, cut)
}

// A user created between the plan and its apply (by hand, or by a late request of an interrupted
// run) fails only its own creation, with words that say what to do, and the next sync converges.
func TestUserCreatedAfterThePlan(t *testing.T) {
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client()
	ctx := context.Background()
	inst := testserver.NewSAMLInstance(t, c)
	file := parse(t, hrFile(3, nil))
	p, err := hrsync.MakePlan(ctx, c, inst, file, hrsync.PlanOptions{Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	rp, sp := testserver.ProfileIDs(t, c, inst, "Agent")
	if _, err := c.CreateUser(ctx, &connect.CreateUserInput{InstanceId: &inst, Username: aws.String(p.CreateUsers[0].Username),
		IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("Made"), LastName: aws.String("Elsewhere")},
		PhoneConfig:  &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone}, RoutingProfileId: &rp, SecurityProfileIds: []string{sp}}); err != nil {
		t.Fatal(err)
	}
	err = hrsync.Apply(ctx, c, p, hrsync.ApplyOptions{Concurrency: 2})
	if err == nil || !strings.Contains(err.Error(), "run sync again") || strings.Count(err.Error(), "create user") != 1 {
		t.Fatalf("apply: %v", err)
	}
	again := sync(t, c, inst, file, false)
	if len(again.CreateUsers) != 0 || len(again.UpdateUsers) != 1 {
		t.Fatalf("the second sync should only update the user made behind its back: %d creates, %d updates", len(again.CreateUsers), len(again.UpdateUsers))
	}
	if p := sync(t, c, inst, file, false); !p.Empty() {
		t.Errorf("a third plan is not empty: %d calls", p.Calls())
	}
}

func compareSnapshots(t *testing.T, ca *connect.Client, a string, cb *connect.Client, b string) {
	t.Helper()
	ctx := context.Background()
	var js [2]string
	for i, side := range []struct {
		c  *connect.Client
		id string
	}{{ca, a}, {cb, b}} {
		s, err := snapshot.Export(ctx, side.c, side.id, snapshot.ExportOptions{Concurrency: 8})
		if err != nil {
			t.Fatal(err)
		}
		s.ExportedAt, s.Source.InstanceID = time.Time{}, ""
		out, _ := json.Marshal(s)
		js[i] = string(out)
	}
	if js[0] != js[1] {
		t.Fatalf("snapshots differ:\n%s\n%s", js[0], js[1])
	}
}

// Against a server that refuses more than 2 requests a second (burst 5), a sync paced faster
// than that still completes: the refusals are retried with backoff.
func TestSyncThrottledServer(t *testing.T) {
	ts := testserver.Start(t, testserver.Options{ThrottleRPS: 2, ThrottleBurst: 5})
	c := ts.Client(hrsync.Paced(4))
	inst := testserver.NewSAMLInstance(t, c)
	file := hrFile(10, func(i int, f []string) []string {
		f[4] = []string{"EMEA/North", "EMEA/South"}[i%2]
		return f
	})
	start := time.Now()
	p := sync(t, c, inst, parse(t, file), false)
	if len(p.CreateUsers) != 10 {
		t.Fatalf("created %d users", len(p.CreateUsers))
	}
	throttled := 0
	for _, op := range append(writeOps, "SearchUsers", "DescribeInstance", "DescribeUserHierarchyStructure", "ListUserHierarchyGroups") {
		throttled += ts.API.Calls(op, "ThrottlingException")
	}
	t.Logf("10 agents against 2 req/s: %s, %d requests refused and retried", time.Since(start), throttled)
	if throttled == 0 {
		t.Error("the client was never throttled: the test does not exercise the retries")
	}
	if p := sync(t, c, inst, parse(t, file), false); !p.Empty() {
		t.Errorf("re-plan: %d calls", p.Calls())
	}
}

// New users of a CONNECT_MANAGED instance get the file's password or a generated one, which is
// handed out once the user exists.
func TestPasswords(t *testing.T) {
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	ctx := context.Background()
	d := parse(t, "username,first_name,last_name,email,routing_profile,security_profiles,password\n"+
		"ann,Ann,A,ann@example.com,Basic Routing Profile,Agent,Secret123x\n"+
		"bob,Bob,B,,Basic Routing Profile,Agent|Admin,\n"+
		"cy,Cy,C,cy@example.com,Basic Routing Profile,Agent,\n")
	p, err := hrsync.MakePlan(ctx, c, ts.InstanceID, d, hrsync.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := hrsync.Apply(ctx, c, p, hrsync.ApplyOptions{}); err == nil {
		t.Fatal("apply without a place for generated passwords succeeded")
	}
	got := map[string]string{}
	err = hrsync.Apply(ctx, c, p, hrsync.ApplyOptions{Password: func(u, pw string) error { got[u] = pw; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["bob"] == "" || got["cy"] == "" || got["bob"] == got["cy"] {
		t.Fatalf("generated passwords %v", got)
	}
	// Emails are compared (described, since SearchUsers does not return them): none differ.
	p, err = hrsync.MakePlan(ctx, c, ts.InstanceID, d, hrsync.PlanOptions{})
	if err != nil || !p.Empty() {
		t.Fatalf("re-plan: %v %+v", err, p)
	}
}

// A failure before the deletions leaves them for the re-run: nothing irreversible happens on
// top of a half-done apply.
func TestPruneWaitsForSuccess(t *testing.T) {
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	ctx := context.Background()
	const header = "username,first_name,last_name,routing_profile,security_profiles,password\n"
	sync(t, c, ts.InstanceID, parse(t, header+"old,Old,O,Basic Routing Profile,Agent,Secret123x\n"), false)

	d := parse(t, header+"new,New,N,Basic Routing Profile,Agent,\n")
	p, err := hrsync.MakePlan(ctx, c, ts.InstanceID, d, hrsync.PlanOptions{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.CreateUsers) != 1 || len(p.DeleteUsers) != 1 {
		t.Fatalf("plan %+v", p)
	}
	lost := errors.New("disk full")
	err = hrsync.Apply(ctx, c, p, hrsync.ApplyOptions{Password: func(string, string) error { return lost }})
	if !errors.Is(err, lost) {
		t.Fatalf("apply: %v", err)
	}
	if n := ts.API.Calls("DeleteUser", ""); n != 0 {
		t.Fatalf("%d DeleteUser calls after a failed create", n)
	}
	// The password could not be recorded, so the user was not created: nobody would know it.
	if n := ts.API.Calls("CreateUser", ""); n != 1 {
		t.Fatalf("%d CreateUser calls, want only the first run's: a user created with a password nobody has", n)
	}
	// The re-run finishes the job.
	p, err = hrsync.MakePlan(ctx, c, ts.InstanceID, d, hrsync.PlanOptions{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.CreateUsers) != 1 || len(p.DeleteUsers) != 1 {
		t.Fatalf("re-run plan %+v", p)
	}
	if err := hrsync.Apply(ctx, c, p, hrsync.ApplyOptions{Password: func(string, string) error { return nil }}); err != nil {
		t.Fatal(err)
	}
	if p, err := hrsync.MakePlan(ctx, c, ts.InstanceID, d, hrsync.PlanOptions{Prune: true}); err != nil || !p.Empty() {
		t.Fatalf("after the re-run: %v %+v", err, p)
	}
}

// A desired state deeper than five levels is refused by the plan; it used to panic in Apply.
func TestPlanRefusesSixLevels(t *testing.T) {
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	for _, d := range []*hrsync.Desired{
		{Levels: []string{"A", "B", "C", "D", "E", "F"}},
		{Groups: []hrsync.Group{{Path: "a/b/c/d/e/f"}}, Fields: hrsync.FieldAll},
	} {
		_, err := hrsync.MakePlan(context.Background(), c, ts.InstanceID, d, hrsync.PlanOptions{})
		if err == nil || !strings.Contains(err.Error(), "Amazon Connect allows 5") {
			t.Errorf("%+v: got %v", d, err)
		}
	}
}
