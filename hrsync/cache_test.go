package hrsync_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir/hrsync"
	"github.com/connectdir/connectdir/internal/testserver"
)

// TestResyncCalls counts, from the server's request metrics, the calls of re-syncing 10,000
// agents: with the group cache warm an unchanged file takes at most 30 calls (no
// DescribeUserHierarchyGroup), and a 1% change adds only its writes and the DescribeUser calls it
// needs. Against the real service (about 2 calls a second) these calls are the sync's duration.
func TestResyncCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("syncs 10,000 agents")
	}
	const n = 10_000
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	inst := testserver.NewSAMLInstance(t, c)
	ctx := context.Background()
	cachePath := hrsync.CachePath(t.TempDir(), ts.URL, inst)
	open := func() *hrsync.Cache {
		cache, err := hrsync.OpenCache(cachePath, ts.URL, inst)
		if err != nil {
			t.Fatal(err)
		}
		return cache
	}
	calls := func(op string) int { return ts.API.Calls(op, "") }
	plan := func(d *hrsync.Desired, cache *hrsync.Cache) *hrsync.Plan {
		p, err := hrsync.MakePlan(ctx, c, inst, d, hrsync.PlanOptions{Concurrency: 8, Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		if cache != nil {
			if err := cache.Save(); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	apply := func(p *hrsync.Plan) {
		if err := hrsync.Apply(ctx, c, p, hrsync.ApplyOptions{Concurrency: 8}); err != nil {
			t.Fatal(err)
		}
	}
	d := parse(t, hrFile(n, nil))
	apply(plan(d, open()))

	// Cold: the groups are described once more (the first plan saw none of them).
	before, describedGroups := calls(""), calls("DescribeUserHierarchyGroup")
	if p := plan(d, open()); !p.Empty() {
		t.Fatalf("unchanged re-sync plans %d calls", p.Calls())
	}
	t.Logf("unchanged re-sync of %d agents, cache cold: %d calls (%d DescribeUserHierarchyGroup)", n, calls("")-before, calls("DescribeUserHierarchyGroup")-describedGroups)

	// Warm, read back from its file: no group is described.
	cache := open()
	if cache.Len() != 3+9+36 {
		t.Fatalf("the cache knows %d groups, want 48", cache.Len())
	}
	before, describedGroups = calls(""), calls("DescribeUserHierarchyGroup")
	if p := plan(d, cache); !p.Empty() {
		t.Fatalf("unchanged re-sync plans %d calls", p.Calls())
	}
	warm := calls("") - before
	t.Logf("unchanged re-sync of %d agents, cache warm: %d calls", n, warm)
	if warm > 30 || calls("DescribeUserHierarchyGroup") != describedGroups {
		t.Errorf("unchanged re-sync with a warm cache: %d calls, %d DescribeUserHierarchyGroup; want at most 30 and none", warm, calls("DescribeUserHierarchyGroup")-describedGroups)
	}

	// 1%: 100 agents change their last name. Each needs its DescribeUser (the identity is
	// replaced whole, and its other fields must survive) and one UpdateUserIdentityInfo.
	changed := parse(t, hrFile(n, func(i int, f []string) []string {
		if i%100 == 0 {
			f[2] = "Renamed"
		}
		return f
	}))
	before, describes, describedGroups := calls(""), calls("DescribeUser"), calls("DescribeUserHierarchyGroup")
	p := plan(changed, open())
	apply(p)
	total, described := calls("")-before, calls("DescribeUser")-describes
	if len(p.UpdateUsers) != n/100 || p.Calls() != n/100 || described != n/100 || calls("DescribeUserHierarchyGroup") != describedGroups {
		t.Errorf("1%% change: %d updates, %d writes, %d DescribeUser, %d DescribeUserHierarchyGroup; want %d, %d, %d, 0",
			len(p.UpdateUsers), p.Calls(), described, calls("DescribeUserHierarchyGroup")-describedGroups, n/100, n/100, n/100)
	}
	if total != warm+2*n/100 {
		t.Errorf("1%% change took %d calls, want the unchanged re-sync's %d plus %d", total, warm, 2*n/100)
	}
	t.Logf("1%% change: %d calls (%d reads of the instance, %d DescribeUser, %d writes)", total, warm, described, p.Calls())
}

// TestEveryChangeMovesLastModifiedTime checks what the cache rests on: every API call that
// changes a user or a group moves the LastModifiedTime that ListUsers and ListUserHierarchyGroups
// show, tags and proficiencies included, as Amazon Connect does. A call that did not would let
// a re-import keep a stale cached value.
func TestEveryChangeMovesLastModifiedTime(t *testing.T) {
	ctx := context.Background()
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	inst := testserver.NewSAMLInstance(t, c)
	rp, agent := testserver.ProfileIDs(t, c, inst, "Agent")
	_, manager := testserver.ProfileIDs(t, c, inst, "CallCenterManager")
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.UpdateUserHierarchyStructure(ctx, &connect.UpdateUserHierarchyStructureInput{InstanceId: &inst,
		HierarchyStructure: &types.HierarchyStructureUpdate{LevelOne: &types.HierarchyLevelUpdate{Name: aws.String("Region")}}})
	check(err)
	g, err := c.CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &inst, Name: aws.String("EMEA")})
	check(err)
	_, err = c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &inst, Name: aws.String("Language"),
		Values: &types.PredefinedAttributeValuesMemberStringList{Value: []string{"English"}}})
	check(err)
	u, err := c.CreateUser(ctx, &connect.CreateUserInput{InstanceId: &inst, Username: aws.String("ann"),
		IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("Ann"), LastName: aws.String("Lee")},
		PhoneConfig:  &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone}, RoutingProfileId: &rp, SecurityProfileIds: []string{agent}})
	check(err)
	modified := func(group bool) time.Time {
		t.Helper()
		if group {
			out, err := c.ListUserHierarchyGroups(ctx, &connect.ListUserHierarchyGroupsInput{InstanceId: &inst})
			check(err)
			return aws.ToTime(out.UserHierarchyGroupSummaryList[0].LastModifiedTime)
		}
		out, err := c.ListUsers(ctx, &connect.ListUsersInput{InstanceId: &inst})
		check(err)
		return aws.ToTime(out.UserSummaryList[0].LastModifiedTime)
	}
	prof := []types.UserProficiency{{AttributeName: aws.String("Language"), AttributeValue: aws.String("English"), Level: aws.Float32(2)}}
	for _, step := range []struct {
		name  string
		group bool
		call  func() error
	}{
		{"UpdateUserIdentityInfo", false, func() error {
			_, err := c.UpdateUserIdentityInfo(ctx, &connect.UpdateUserIdentityInfoInput{InstanceId: &inst, UserId: u.UserId,
				IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("Ann"), LastName: aws.String("Lee"), Mobile: aws.String("+12065550100")}})
			return err
		}},
		{"UpdateUserPhoneConfig", false, func() error {
			_, err := c.UpdateUserPhoneConfig(ctx, &connect.UpdateUserPhoneConfigInput{InstanceId: &inst, UserId: u.UserId,
				PhoneConfig: &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone, AfterContactWorkTimeLimit: 9}})
			return err
		}},
		{"UpdateUserConfig", false, func() error {
			_, err := c.UpdateUserConfig(ctx, &connect.UpdateUserConfigInput{InstanceId: &inst, UserId: u.UserId,
				AutoAcceptConfigs: []types.AutoAcceptConfig{{Channel: types.ChannelChat, AutoAccept: true}}})
			return err
		}},
		{"UpdateUserRoutingProfile", false, func() error {
			_, err := c.UpdateUserRoutingProfile(ctx, &connect.UpdateUserRoutingProfileInput{InstanceId: &inst, UserId: u.UserId, RoutingProfileId: &rp})
			return err
		}},
		{"UpdateUserSecurityProfiles", false, func() error {
			_, err := c.UpdateUserSecurityProfiles(ctx, &connect.UpdateUserSecurityProfilesInput{InstanceId: &inst, UserId: u.UserId, SecurityProfileIds: []string{agent, manager}})
			return err
		}},
		{"UpdateUserHierarchy", false, func() error {
			_, err := c.UpdateUserHierarchy(ctx, &connect.UpdateUserHierarchyInput{InstanceId: &inst, UserId: u.UserId, HierarchyGroupId: g.HierarchyGroupId})
			return err
		}},
		{"TagResource user", false, func() error {
			_, err := c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: u.UserArn, Tags: map[string]string{"team": "a"}})
			return err
		}},
		{"UntagResource user", false, func() error {
			_, err := c.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: u.UserArn, TagKeys: []string{"team"}})
			return err
		}},
		{"AssociateUserProficiencies", false, func() error {
			_, err := c.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: &inst, UserId: u.UserId, UserProficiencies: prof})
			return err
		}},
		{"UpdateUserProficiencies", false, func() error {
			prof[0].Level = aws.Float32(4)
			_, err := c.UpdateUserProficiencies(ctx, &connect.UpdateUserProficienciesInput{InstanceId: &inst, UserId: u.UserId, UserProficiencies: prof})
			return err
		}},
		{"DisassociateUserProficiencies", false, func() error {
			_, err := c.DisassociateUserProficiencies(ctx, &connect.DisassociateUserProficienciesInput{InstanceId: &inst, UserId: u.UserId,
				UserProficiencies: []types.UserProficiencyDisassociate{{AttributeName: aws.String("Language"), AttributeValue: aws.String("English")}}})
			return err
		}},
		{"UpdateUserHierarchyGroupName", true, func() error {
			_, err := c.UpdateUserHierarchyGroupName(ctx, &connect.UpdateUserHierarchyGroupNameInput{InstanceId: &inst, HierarchyGroupId: g.HierarchyGroupId, Name: aws.String("Europe")})
			return err
		}},
		{"TagResource group", true, func() error {
			_, err := c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: g.HierarchyGroupArn, Tags: map[string]string{"cost": "1"}})
			return err
		}},
		{"UntagResource group", true, func() error {
			_, err := c.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: g.HierarchyGroupArn, TagKeys: []string{"cost"}})
			return err
		}},
	} {
		before := modified(step.group)
		time.Sleep(2 * time.Millisecond) // the wire carries milliseconds
		check(step.call())
		if after := modified(step.group); !after.After(before) {
			t.Errorf("%s left LastModifiedTime at %v (before: %v)", step.name, after, before)
		}
	}
}

// The cache holds users' emails and mobile numbers: its file is the owner's alone, even where a
// leftover temporary file was readable by others.
func TestCacheFileOwnerOnly(t *testing.T) {
	path := hrsync.CachePath(t.TempDir(), "http://127.0.0.1:1", "inst")
	if err := os.WriteFile(path+".tmp", []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	cache, err := hrsync.OpenCache(path, "http://127.0.0.1:1", "inst")
	if err != nil {
		t.Fatal(err)
	}
	if err := cache.Save(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
}

// A sync that needs only proficiencies beyond SearchUsers (a SAML instance, no email columns)
// reads users through the cache too: cold, the changed users are too many to describe one by one
// and are read through SearchUsers' pages instead; warm, nothing is read per user; a name changed
// behind the cache's back is read again (one DescribeUser) and put back.
func TestCachedSyncOfProficiencies(t *testing.T) {
	const n = 1200
	ctx := context.Background()
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	inst := testserver.NewSAMLInstance(t, c)
	if _, err := c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &inst, Name: aws.String("Language"),
		Values: &types.PredefinedAttributeValuesMemberStringList{Value: []string{"English", "French"}}}); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("username,first_name,last_name,routing_profile,security_profiles,proficiencies\n")
	for i := range n {
		fmt.Fprintf(&b, "agent%05d,First%d,Last%d,Basic Routing Profile,Agent,Language=%s:%d\n", i, i, i, []string{"English", "French"}[i%2], 1+i%5)
	}
	d := parse(t, b.String())
	cache, err := hrsync.OpenCache(hrsync.CachePath(t.TempDir(), ts.URL, inst), ts.URL, inst)
	if err != nil {
		t.Fatal(err)
	}
	ops := []string{"SearchUsers", "ListUsers", "DescribeUser", "ListUserProficiencies"}
	plan := func() (*hrsync.Plan, map[string]int) {
		t.Helper()
		before := map[string]int{}
		for _, op := range ops {
			before[op] = ts.API.Calls(op, "")
		}
		p, err := hrsync.MakePlan(ctx, c, inst, d, hrsync.PlanOptions{Concurrency: 8, Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range ops {
			before[op] = ts.API.Calls(op, "") - before[op]
		}
		return p, before
	}
	p, _ := plan()
	if err := hrsync.Apply(ctx, c, p, hrsync.ApplyOptions{Concurrency: 8}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // the cache keeps only what was last modified two seconds before it was listed
	if p, calls := plan(); !p.Empty() || calls["SearchUsers"] != 3 || calls["ListUsers"] != 2 || calls["DescribeUser"] != 0 || calls["ListUserProficiencies"] != n {
		t.Errorf("cold: plan of %d calls, reads %v; want none, and 3 SearchUsers, 2 ListUsers, %d ListUserProficiencies", p.Calls(), calls, n)
	}
	if p, calls := plan(); !p.Empty() || calls["SearchUsers"]+calls["DescribeUser"]+calls["ListUserProficiencies"] != 0 || calls["ListUsers"] != 2 {
		t.Errorf("warm: plan of %d calls, reads %v; want none, and only 2 ListUsers", p.Calls(), calls)
	}
	id := aws.String(userIDOf(t, c, inst, "agent00042"))
	if _, err := c.UpdateUserIdentityInfo(ctx, &connect.UpdateUserIdentityInfoInput{InstanceId: &inst, UserId: id,
		IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("First42"), LastName: aws.String("Renamed")}}); err != nil {
		t.Fatal(err)
	}
	p, calls := plan()
	if len(p.UpdateUsers) != 1 || p.UpdateUsers[0].Identity == nil || p.UpdateUsers[0].Identity.LastName != "Last42" || calls["DescribeUser"] != 1 || calls["ListUserProficiencies"] != 1 {
		t.Errorf("after a rename behind the cache's back: plan %+v, reads %v; want agent00042's name put back, 1 DescribeUser, 1 ListUserProficiencies", p.UpdateUsers, calls)
	}
}

// userIDOf is the id of a user, found by name.
func userIDOf(t *testing.T, c *connect.Client, inst, username string) string {
	t.Helper()
	out, err := c.SearchUsers(context.Background(), &connect.SearchUsersInput{InstanceId: &inst, SearchCriteria: &types.UserSearchCriteria{
		StringCondition: &types.StringCondition{FieldName: aws.String("Username"), Value: &username, ComparisonType: types.StringComparisonTypeExact}}})
	if err != nil || len(out.Users) != 1 {
		t.Fatalf("finding %s: %v", username, err)
	}
	return aws.ToString(out.Users[0].Id)
}
