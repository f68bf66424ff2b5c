package snapshot_test

import (
	"context"
	"fmt"
	"slices"
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

// agents is a version-2 snapshot of n SAML agents in 3x3x4 leaf groups (48 groups, each
// tagged), each with a secondary email, a mobile number, two tags and a proficiency: everything
// SearchUsers does not show, so that without the cache an import describes every user and group
// and lists every user's proficiencies. edit may change a user.
func agents(n int, edit func(i int, u *hrsync.User)) *snapshot.Snapshot {
	regions, countries, cities := []string{"EMEA", "AMER", "APAC"}, []string{"North", "South", "East"}, []string{"Alpha", "Beta", "Gamma", "Delta"}
	s := &snapshot.Snapshot{Format: snapshot.Format, Version: snapshot.Version, HierarchyLevels: []string{"Region", "Country", "City"},
		RoutingProfiles: []string{"Basic Routing Profile"}, SecurityProfiles: []hrsync.SecurityProfile{},
		PredefinedAttributes: []hrsync.Attribute{{Name: "Language", Values: []string{"English", "French", "Japanese"}}}}
	for _, r := range regions {
		s.Groups = append(s.Groups, hrsync.Group{Path: r, Tags: map[string]string{"cost": r}})
		for _, c := range countries {
			s.Groups = append(s.Groups, hrsync.Group{Path: r + "/" + c, Tags: map[string]string{"cost": r + c}})
			for _, city := range cities {
				s.Groups = append(s.Groups, hrsync.Group{Path: r + "/" + c + "/" + city, Tags: map[string]string{"cost": r + c + city}})
			}
		}
	}
	slices.SortFunc(s.Groups, func(a, b hrsync.Group) int { return strings.Compare(a.Path, b.Path) }) // as Export sorts them
	for i := range n {
		u := hrsync.User{Username: fmt.Sprintf("agent%05d", i), FirstName: fmt.Sprint("First", i), LastName: fmt.Sprint("Last", i),
			SecondaryEmail: fmt.Sprintf("agent%05d@example.com", i), Mobile: fmt.Sprintf("+1206555%04d", i),
			Hierarchy:      fmt.Sprintf("%s/%s/%s", regions[i%3], countries[(i/3)%3], cities[(i/9)%4]),
			RoutingProfile: "Basic Routing Profile", SecurityProfiles: []string{"Agent"},
			Phone:         hrsync.Phone{Type: "SOFT_PHONE", AutoAccept: i%2 == 0, ACW: int32(i % 60)},
			Tags:          map[string]string{"team": fmt.Sprint("t", i%5), "site": regions[i%3]},
			Proficiencies: []hrsync.Proficiency{{Attribute: "Language", Value: []string{"English", "French"}[i%2], Level: 1 + i%5}}}
		if edit != nil {
			edit(i, &u)
		}
		s.Users = append(s.Users, u)
	}
	return s
}

// TestReimportCalls counts, from the server's request metrics, the calls of re-importing a
// snapshot of 10,000 agents with the cache warm: an unchanged snapshot takes as few calls as a
// re-sync (at most 30, none per user or group); a 1% change adds only its writes; and changes
// made behind the cache's back, directly through the API, are still seen and put back.
func TestReimportCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 10,000 agents")
	}
	const n = 10_000
	ctx := context.Background()
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	inst := testserver.NewSAMLInstance(t, c)
	cachePath := hrsync.CachePath(t.TempDir(), ts.URL, inst)
	calls := func(op string) int { return ts.API.Calls(op, "") }
	perItem := []string{"DescribeUser", "ListUserProficiencies", "DescribeUserHierarchyGroup"}
	type count struct {
		total   int
		perItem map[string]int
	}
	measure := func() func() count {
		before, items := calls(""), map[string]int{}
		for _, op := range perItem {
			items[op] = calls(op)
		}
		return func() count {
			c := count{total: calls("") - before, perItem: map[string]int{}}
			for _, op := range perItem {
				c.perItem[op] = calls(op) - items[op]
			}
			return c
		}
	}
	plan := func(s *snapshot.Snapshot) *hrsync.Plan {
		t.Helper()
		cache, err := hrsync.OpenCache(cachePath, ts.URL, inst)
		if err != nil {
			t.Fatal(err)
		}
		p, err := snapshot.Plan(ctx, c, inst, s, hrsync.PlanOptions{Concurrency: 8, Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		if err := cache.Save(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	apply := func(p *hrsync.Plan) {
		t.Helper()
		if err := hrsync.Apply(ctx, c, p, hrsync.ApplyOptions{Concurrency: 8}); err != nil {
			t.Fatal(err)
		}
	}
	// The cache keeps only what was last modified at least two seconds before it was listed
	// (hrsync.settle); wait that out after writing, so that the next read can fill it.
	settle := func() { time.Sleep(3 * time.Second) }

	start := time.Now()
	s := agents(n, nil)
	apply(plan(s))
	t.Logf("first import: %s", time.Since(start))
	settle()
	start = time.Now()

	// Cold: every user and group is read once more, and the cache fills.
	done := measure()
	if p := plan(s); !p.Empty() {
		t.Fatalf("unchanged re-import plans %d calls: %s", p.Calls(), jsonOf(t, p))
	}
	cold := done()
	t.Logf("unchanged re-import of %d agents, cache cold: %d calls %v (%s)", n, cold.total, cold.perItem, time.Since(start))
	if cold.perItem["DescribeUser"] != n || cold.perItem["ListUserProficiencies"] != n {
		t.Errorf("cold re-import read %v, want every user", cold.perItem)
	}

	// Warm: nothing is read per user or group.
	done = measure()
	if p := plan(s); !p.Empty() {
		t.Fatalf("unchanged re-import plans %d calls: %s", p.Calls(), jsonOf(t, p))
	}
	warm := done()
	t.Logf("unchanged re-import of %d agents, cache warm: %d calls %v", n, warm.total, warm.perItem)
	if warm.total > 30 || warm.perItem["DescribeUser"]+warm.perItem["ListUserProficiencies"]+warm.perItem["DescribeUserHierarchyGroup"] != 0 {
		t.Errorf("unchanged re-import with a warm cache: %d calls %v; want at most 30, none per user or group", warm.total, warm.perItem)
	}

	// 1%: 100 agents get a new mobile number. The cache knows the rest of their identity (which
	// UpdateUserIdentityInfo replaces whole), so the change costs its 100 writes and nothing else.
	changed := agents(n, func(i int, u *hrsync.User) {
		if i%100 == 0 {
			u.Mobile = fmt.Sprintf("+1425555%04d", i)
		}
	})
	done = measure()
	p := plan(changed)
	apply(p)
	one := done()
	t.Logf("1%% change: %d calls %v, %d writes", one.total, one.perItem, p.Calls())
	if len(p.UpdateUsers) != n/100 || p.Calls() != n/100 || one.total != warm.total+n/100 {
		t.Errorf("1%% change: %d updates, %d writes, %d calls %v; want %d, %d, %d (the unchanged re-import's and the writes)",
			len(p.UpdateUsers), p.Calls(), one.total, one.perItem, n/100, n/100, warm.total+n/100)
	}
	for _, up := range p.UpdateUsers {
		if up.Identity == nil || up.Identity.SecondaryEmail == "" || !strings.HasPrefix(up.Identity.Mobile, "+1425") {
			t.Fatalf("update %+v does not keep the secondary email or set the mobile number", up)
		}
	}

	// The 100 users written have a new LastModifiedTime: the next run reads them again, only them.
	settle()
	done = measure()
	if p := plan(changed); !p.Empty() {
		t.Fatalf("re-import after the change plans %d calls: %s", p.Calls(), jsonOf(t, p))
	}
	if again := done(); again.perItem["DescribeUser"] != n/100 || again.perItem["ListUserProficiencies"] != n/100 {
		t.Errorf("re-import after the change read %v, want the %d users written", again.perItem, n/100)
	}

	// Behind the cache's back, through the API: a secondary email, a proficiency level, a user's
	// tag and a group's tag change. The cache holds the old values, but each change moved the
	// LastModifiedTime of its user or group, so the next import reads exactly those again and
	// puts them back.
	idOf := func(name string) *string { return aws.String(userID(t, c, inst, name)) }
	must(c.UpdateUserIdentityInfo(ctx, &connect.UpdateUserIdentityInfoInput{InstanceId: &inst, UserId: idOf("agent00001"),
		IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("First1"), LastName: aws.String("Last1"),
			SecondaryEmail: aws.String("elsewhere@example.com"), Mobile: aws.String("+12065550001")}}))(t)
	must(c.UpdateUserProficiencies(ctx, &connect.UpdateUserProficienciesInput{InstanceId: &inst, UserId: idOf("agent00002"),
		UserProficiencies: []types.UserProficiency{{AttributeName: aws.String("Language"), AttributeValue: aws.String("English"), Level: aws.Float32(5)}}}))(t)
	must(c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: aws.String(userARN(t, c, inst, "agent00003")), Tags: map[string]string{"team": "rogue"}}))(t)
	var group *types.HierarchyGroupSummary
	for _, g := range must(c.ListUserHierarchyGroups(ctx, &connect.ListUserHierarchyGroupsInput{InstanceId: &inst}))(t).UserHierarchyGroupSummaryList {
		if aws.ToString(g.Name) == "EMEA" {
			group = &g
		}
	}
	must(c.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: group.Arn, TagKeys: []string{"cost"}}))(t)

	done = measure()
	p = plan(changed)
	behind := done()
	t.Logf("after 4 changes behind the cache's back: %d calls %v, plan %s", behind.total, behind.perItem, jsonOf(t, p))
	if len(p.UpdateUsers) != 3 || len(p.TagGroups) != 1 || p.Calls() != 4 {
		t.Fatalf("plan after the changes behind the cache's back: %s; want the 3 users and the group put back", jsonOf(t, p))
	}
	if behind.perItem["DescribeUser"] != 3 || behind.perItem["ListUserProficiencies"] != 3 || behind.perItem["DescribeUserHierarchyGroup"] != 1 {
		t.Errorf("read %v after the changes behind the cache's back; want the 3 users and the group changed", behind.perItem)
	}
	apply(p)
	if p := plan(changed); !p.Empty() {
		t.Fatalf("after putting the changes back, a re-import plans %s", jsonOf(t, p))
	}
	// And each is as the snapshot says, read without the cache.
	if ii := must(c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &inst, UserId: idOf("agent00001")}))(t).User.IdentityInfo; aws.ToString(ii.SecondaryEmail) != "agent00001@example.com" {
		t.Errorf("agent00001's secondary email is %s", aws.ToString(ii.SecondaryEmail))
	}
	if l := must(c.ListUserProficiencies(ctx, &connect.ListUserProficienciesInput{InstanceId: &inst, UserId: idOf("agent00002")}))(t).UserProficiencyList; len(l) != 1 || aws.ToFloat32(l[0].Level) != 3 {
		t.Errorf("agent00002's proficiencies are %s", jsonOf(t, l))
	}
	if tags := must(c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &inst, UserId: idOf("agent00003")}))(t).User.Tags; tags["team"] != "t3" {
		t.Errorf("agent00003's tags are %v", tags)
	}
	if tags := must(c.DescribeUserHierarchyGroup(ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: &inst, HierarchyGroupId: group.Id}))(t).HierarchyGroup.Tags; tags["cost"] != "EMEA" {
		t.Errorf("group EMEA's tags are %v", tags)
	}
}

// TestExportCalls: an export through the cache describes only the users and groups changed since
// the last one, and gives the same snapshot as an export without it; a change through the API
// shows in the next export.
func TestExportCalls(t *testing.T) {
	const n = 200
	ctx := context.Background()
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	inst := testserver.NewSAMLInstance(t, c)
	importSnap(t, c, inst, agents(n, nil))
	time.Sleep(3 * time.Second) // the cache keeps only what was last modified two seconds before it was listed
	cachePath := hrsync.CachePath(t.TempDir(), ts.URL, inst)
	perUser := func() int {
		return ts.API.Calls("DescribeUser", "") + ts.API.Calls("ListUserProficiencies", "") + ts.API.Calls("DescribeUserHierarchyGroup", "")
	}
	exportCached := func() (*snapshot.Snapshot, int) {
		t.Helper()
		cache, err := hrsync.OpenCache(cachePath, ts.URL, inst)
		if err != nil {
			t.Fatal(err)
		}
		before := perUser()
		s, err := snapshot.Export(ctx, c, inst, snapshot.ExportOptions{Concurrency: 8, Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		if err := cache.Save(); err != nil {
			t.Fatal(err)
		}
		return s, perUser() - before
	}
	first, cold := exportCached()
	second, warm := exportCached()
	if cold != 2*n+48 || warm != 0 {
		t.Errorf("per-user and per-group reads: %d cold, %d warm; want %d and 0", cold, warm, 2*n+48)
	}
	if a, b, plain := body(first), body(second), body(export(t, c, inst)); a != plain || b != plain {
		t.Errorf("cached exports differ from a plain one")
	}
	must(c.UpdateUserIdentityInfo(ctx, &connect.UpdateUserIdentityInfoInput{InstanceId: &inst, UserId: aws.String(userID(t, c, inst, "agent00007")),
		IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("First7"), LastName: aws.String("Last7"), Mobile: aws.String("+10000000007")}}))(t)
	third, reads := exportCached()
	if reads != 2 || body(third) != body(export(t, c, inst)) || !strings.Contains(body(third), "+10000000007") {
		t.Errorf("after a change, the cached export read %d times (want 2: the user's DescribeUser and ListUserProficiencies) or misses it", reads)
	}
}
