package snapshot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
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

func importSnap(t testing.TB, c *connect.Client, inst string, s *snapshot.Snapshot) *hrsync.Plan {
	t.Helper()
	ctx := context.Background()
	p, err := snapshot.Plan(ctx, c, inst, s, hrsync.PlanOptions{Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	if err := hrsync.Apply(ctx, c, p, hrsync.ApplyOptions{Concurrency: 8}); err != nil {
		t.Fatal(err)
	}
	return p
}

func export(t testing.TB, c *connect.Client, inst string) *snapshot.Snapshot {
	t.Helper()
	s, err := snapshot.Export(context.Background(), c, inst, snapshot.ExportOptions{Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// body is a snapshot's content without where and when it was taken.
func body(s *snapshot.Snapshot) string {
	c := *s
	c.ExportedAt, c.Source = time.Time{}, snapshot.Source{}
	out, _ := json.MarshalIndent(c, "", " ")
	return string(out)
}

// bodyV1 is what a version-1 file says of a snapshot: security profiles by name only, and no
// attributes (an instance has none unless made).
func bodyV1(s *snapshot.Snapshot) string {
	c := *s
	c.Version = 0
	c.SecurityProfiles = nil
	for _, sp := range s.SecurityProfiles {
		c.SecurityProfiles = append(c.SecurityProfiles, hrsync.SecurityProfile{Name: sp.Name})
	}
	if len(c.PredefinedAttributes) == 0 {
		c.PredefinedAttributes = nil
	}
	return body(&c)
}

func readExample(t testing.TB) *snapshot.Snapshot {
	t.Helper()
	f, err := os.Open("../examples/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := snapshot.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The example snapshot goes into one instance, is copied from there into an instance of another
// server, and both read back the same as the file, ids and times aside.
func TestImportExportCopy(t *testing.T) {
	ctx := context.Background()
	want := readExample(t)
	src, dst := testserver.Start(t, testserver.Options{}), testserver.Start(t, testserver.Options{})
	cs, cd := src.Client(hrsync.Paced(0)), dst.Client(hrsync.Paced(0))
	a, b := testserver.NewSAMLInstance(t, cs), testserver.NewSAMLInstance(t, cd)

	p := importSnap(t, cs, a, want)
	if len(p.CreateUsers) != len(want.Users) || len(p.CreateGroups) != len(want.Groups) {
		t.Fatalf("import plan: %d users, %d groups", len(p.CreateUsers), len(p.CreateGroups))
	}
	described := src.API.Calls("DescribeUserHierarchyGroup", "")
	got := export(t, cs, a)
	// Each group is described once, for its tags; its answer names the parents too.
	if n := src.API.Calls("DescribeUserHierarchyGroup", "") - described; n != len(want.Groups) {
		t.Errorf("export described groups %d times, want once each (%d)", n, len(want.Groups))
	}
	if got.Version != snapshot.Version || want.Version != 1 {
		t.Fatalf("versions: export %d, example %d", got.Version, want.Version)
	}
	if bodyV1(got) != bodyV1(want) {
		t.Fatalf("export after import differs from the file:\n%s\nwant\n%s", bodyV1(got), bodyV1(want))
	}
	// Round trip through the file format.
	var buf bytes.Buffer
	if err := got.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.Read(&buf); err != nil {
		t.Fatal(err)
	}

	// copy = export from one server, import into the other.
	importSnap(t, cd, b, export(t, cs, a))
	if x, y := body(export(t, cs, a)), body(export(t, cd, b)); x != y {
		t.Fatalf("copy differs:\n%s\n%s", x, y)
	}
	// Importing again changes nothing and writes nothing.
	before := dst.API.Calls("CreateUser", "") + dst.API.Calls("CreateUserHierarchyGroup", "") + dst.API.Calls("TagResource", "")
	if p := importSnap(t, cd, b, got); !p.Empty() {
		t.Fatalf("re-import planned %d calls", p.Calls())
	}
	if after := dst.API.Calls("CreateUser", "") + dst.API.Calls("CreateUserHierarchyGroup", "") + dst.API.Calls("TagResource", ""); after != before {
		t.Fatalf("re-import wrote %d times", after-before)
	}
	// A user's tags and group's tags that drift are put back.
	u := got.Users[0]
	if _, err := cd.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: aws.String(userARN(t, cd, b, u.Username)), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	if p := importSnap(t, cd, b, got); p.Calls() != 1 || len(p.UpdateUsers) != 1 {
		t.Fatalf("drift plan: %+v", p)
	}
}

func userARN(t testing.TB, c *connect.Client, inst, username string) string {
	out, err := c.SearchUsers(context.Background(), &connect.SearchUsersInput{InstanceId: &inst, SearchCriteria: &types.UserSearchCriteria{
		StringCondition: &types.StringCondition{FieldName: aws.String("Username"), Value: &username, ComparisonType: types.StringComparisonTypeExact}}})
	if err != nil || len(out.Users) != 1 {
		t.Fatalf("finding %s: %v", username, err)
	}
	return aws.ToString(out.Users[0].Arn)
}

// A snapshot naming a profile the target lacks is refused before anything is written, naming it.
func TestImportMissingProfile(t *testing.T) {
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	inst := testserver.NewSAMLInstance(t, c)
	s := readExample(t)
	s.Users[1].RoutingProfile = "Gold Routing"
	s.Users[2].SecurityProfiles = []string{"Agent", "Supervisor"}
	_, err := snapshot.Plan(context.Background(), c, inst, s, hrsync.PlanOptions{})
	var re hrsync.RowErrors
	if !errors.As(err, &re) || !strings.Contains(err.Error(), `routing profile "Gold Routing" does not exist`) ||
		!strings.Contains(err.Error(), `security profile "Supervisor" does not exist`) {
		t.Fatalf("got %v", err)
	}
	if n := ts.API.Calls("CreateUser", "") + ts.API.Calls("CreateUserHierarchyGroup", ""); n != 0 {
		t.Fatalf("%d writes before the refusal", n)
	}
	if _, err := snapshot.Read(strings.NewReader(`{"format":"connectdir-snapshot","version":99}`)); err == nil {
		t.Error("an unknown version was read")
	}
}

// A hand-edited snapshot that no instance could take is refused when read: a path deeper than
// five levels (which would also overrun the hierarchy structure), an empty name, a username twice.
func TestReadChecksSnapshot(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"too deep", `"groups":[{"path":"a/b/c/d/e/f"}],"users":[]`, `groups[0]: hierarchy path "a/b/c/d/e/f"`},
		{"empty name", `"groups":[],"users":[{"username":"ann","hierarchy":"a//b","routing_profile":"R","security_profiles":["Agent"],"phone":{"type":"SOFT_PHONE"}}]`, `users[0] (ann): hierarchy path "a//b"`},
		{"duplicate", `"groups":[],"users":[{"username":"ann","routing_profile":"R","security_profiles":["Agent"],"phone":{}},{"username":"ANN","routing_profile":"R","security_profiles":["Agent"],"phone":{}}]`, `users[1] (ANN): username already at users[0]`},
		{"levels", `"hierarchy_levels":["A","","C"],"groups":[],"users":[]`, `hierarchy_levels`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := snapshot.Read(strings.NewReader(`{"format":"connectdir-snapshot","version":1,` + tc.body + `}`))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
