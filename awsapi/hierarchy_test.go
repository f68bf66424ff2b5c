package awsapi_test

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/google/uuid"
)

// levels builds a HierarchyStructureUpdate from names, LevelOne first; "" leaves a level out.
func levels(names ...string) *types.HierarchyStructureUpdate {
	var u types.HierarchyStructureUpdate
	slots := []**types.HierarchyLevelUpdate{&u.LevelOne, &u.LevelTwo, &u.LevelThree, &u.LevelFour, &u.LevelFive}
	for i, n := range names {
		if n != "" {
			*slots[i] = &types.HierarchyLevelUpdate{Name: aws.String(n)}
		}
	}
	return &u
}

func (e *env) setLevels(t testing.TB, inst string, names ...string) error {
	t.Helper()
	_, err := e.c.UpdateUserHierarchyStructure(t.Context(), &connect.UpdateUserHierarchyStructureInput{InstanceId: &inst, HierarchyStructure: levels(names...)})
	return err
}

// structure returns the levels of an instance as the API describes them, LevelOne first,
// stopping at the first missing level.
func (e *env) structure(t testing.TB, inst string) []types.HierarchyLevel {
	t.Helper()
	hs := must(e.c.DescribeUserHierarchyStructure(t.Context(), &connect.DescribeUserHierarchyStructureInput{InstanceId: &inst})).get(t).HierarchyStructure
	var out []types.HierarchyLevel
	for _, l := range []*types.HierarchyLevel{hs.LevelOne, hs.LevelTwo, hs.LevelThree, hs.LevelFour, hs.LevelFive} {
		if l == nil {
			break
		}
		out = append(out, *l)
	}
	return out
}

func levelNames(ls []types.HierarchyLevel) []string {
	var out []string
	for _, l := range ls {
		out = append(out, aws.ToString(l.Name))
	}
	return out
}

func (e *env) group(t testing.TB, inst, name, parent string) (id, arn string) {
	t.Helper()
	in := &connect.CreateUserHierarchyGroupInput{InstanceId: &inst, Name: &name}
	if parent != "" {
		in.ParentGroupId = &parent
	}
	out := must(e.c.CreateUserHierarchyGroup(t.Context(), in)).get(t)
	return aws.ToString(out.HierarchyGroupId), aws.ToString(out.HierarchyGroupArn)
}

func (e *env) describeGroup(t testing.TB, inst, id string) types.HierarchyGroup {
	t.Helper()
	return *must(e.c.DescribeUserHierarchyGroup(t.Context(), &connect.DescribeUserHierarchyGroupInput{InstanceId: &inst, HierarchyGroupId: &id})).get(t).HierarchyGroup
}

// pathNames is a group's HierarchyPath as names, LevelOne first.
func pathNames(p *types.HierarchyPath) []string {
	var out []string
	for _, g := range []*types.HierarchyGroupSummary{p.LevelOne, p.LevelTwo, p.LevelThree, p.LevelFour, p.LevelFive} {
		if g == nil {
			break
		}
		out = append(out, aws.ToString(g.Name))
	}
	return out
}

func (e *env) groupIDs(t testing.TB, inst string, pageSize int32) []string {
	t.Helper()
	var out []string
	p := connect.NewListUserHierarchyGroupsPaginator(e.c, &connect.ListUserHierarchyGroupsInput{InstanceId: &inst, MaxResults: aws.Int32(pageSize)})
	for p.HasMorePages() {
		page := must(p.NextPage(t.Context())).get(t)
		if len(page.UserHierarchyGroupSummaryList) > int(pageSize) {
			t.Errorf("page of %d with MaxResults %d", len(page.UserHierarchyGroupSummaryList), pageSize)
		}
		for _, g := range page.UserHierarchyGroupSummaryList {
			out = append(out, aws.ToString(g.Id))
		}
	}
	return out
}

// TestHierarchyStructure walks the structure through additions, renames and removals; each
// refusal leaves it as it was.
func TestHierarchyStructure(t *testing.T) {
	e := start(t)
	inst := e.inst
	if got := e.structure(t, inst); len(got) != 0 {
		t.Fatalf("a new instance has levels %v", levelNames(got))
	}
	arnOf := func(n int) string {
		return fmt.Sprintf("arn:aws:connect:us-east-1:123456789012:instance/%s/agent-group-level/%d", inst, n)
	}
	var top, second string
	steps := []struct {
		name  string
		names []string
		setup func(t *testing.T)
		want  *exc // nil: success
		after []string
	}{
		{"define two levels", []string{"Planet", "Continent"}, nil, nil, []string{"Planet", "Continent"}},
		{"gap at LevelTwo", []string{"Planet", "", "Country"}, nil, &invalidParam, []string{"Planet", "Continent"}},
		{"no LevelOne", []string{"", "Continent"}, nil, &invalidParam, []string{"Planet", "Continent"}},
		{"name of 51 characters", []string{strings.Repeat("n", 51)}, nil, &invalidParam, []string{"Planet", "Continent"}},
		{"blank name", []string{"Planet", "   "}, nil, &invalidParam, []string{"Planet", "Continent"}},
		{"rename LevelTwo", []string{"Planet", "Region"}, nil, nil, []string{"Planet", "Region"}},
		{"add three lower levels", []string{"Planet", "Region", "Country", "Site", "Team"}, nil, nil, []string{"Planet", "Region", "Country", "Site", "Team"}},
		{"remove empty LevelFive", []string{"Planet", "Region", "Country", "Site"}, func(t *testing.T) {
			top, _ = e.group(t, inst, "Earth", "")
			second, _ = e.group(t, inst, "Europe", top)
		}, nil, []string{"Planet", "Region", "Country", "Site"}},
		{"remove LevelTwo that has a group", []string{"Planet"}, nil, &inUse, []string{"Planet", "Region", "Country", "Site"}},
		{"remove every level while groups exist", nil, nil, &inUse, []string{"Planet", "Region", "Country", "Site"}},
		{"remove empty LevelThree and LevelFour", []string{"Planet", "Region"}, nil, nil, []string{"Planet", "Region"}},
		{"remove LevelTwo once empty", []string{"Planet"}, func(t *testing.T) {
			must(e.c.DeleteUserHierarchyGroup(t.Context(), &connect.DeleteUserHierarchyGroupInput{InstanceId: &inst, HierarchyGroupId: &second})).get(t)
		}, nil, []string{"Planet"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.setup != nil {
				st.setup(t)
			}
			before := e.structure(t, inst)
			err := e.setLevels(t, inst, st.names...)
			if st.want != nil {
				wantErr(t, st.name, err, *st.want)
				eq(t, "structure after the refusal", e.structure(t, inst), before)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := e.structure(t, inst)
			eq(t, "level names", levelNames(got), st.after)
			for i, l := range got {
				eq(t, "level id", aws.ToString(l.Id), fmt.Sprint(i+1))
				eq(t, "level ARN", aws.ToString(l.Arn), arnOf(i+1))
				if l.LastModifiedTime == nil || aws.ToString(l.LastModifiedRegion) != "us-east-1" {
					t.Errorf("level %d lacks LastModifiedTime/Region: %s", i+1, show(l))
				}
				// A level that kept its name keeps its modification time.
				if i < len(before) && aws.ToString(before[i].Name) == aws.ToString(l.Name) && !before[i].LastModifiedTime.Equal(*l.LastModifiedTime) {
					t.Errorf("unchanged level %d changed LastModifiedTime", i+1)
				}
			}
		})
	}
	err := e.setLevels(t, uuid.NewString(), "One")
	wantErr(t, "UpdateUserHierarchyStructure unknown instance", err, notFound)
	_, err = e.c.DescribeUserHierarchyStructure(t.Context(), &connect.DescribeUserHierarchyStructureInput{InstanceId: aws.String(uuid.NewString())})
	wantErr(t, "DescribeUserHierarchyStructure unknown instance", err, notFound)
	_, err = e.c.DescribeUserHierarchyStructure(t.Context(), &connect.DescribeUserHierarchyStructureInput{InstanceId: aws.String(strings.Repeat("i", 101))})
	wantErr(t, "DescribeUserHierarchyStructure instance id too long", err, invalidParam)
}

// TestHierarchyGroups covers the group operations, their refusals and user assignment.
func TestHierarchyGroups(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	inst := e.inst
	if err := e.setLevels(t, inst, "Planet", "Continent", "Country"); err != nil {
		t.Fatal(err)
	}
	earth, earthArn := e.group(t, inst, "Earth", "")
	mars, _ := e.group(t, inst, "Mars", "")
	europe, _ := e.group(t, inst, "Europe", earth)
	asia, _ := e.group(t, inst, "Asia", earth)
	portugal, _ := e.group(t, inst, "Portugal", europe)
	marsEurope, _ := e.group(t, inst, "Europe", mars) // same name, other parent: fine

	g := e.describeGroup(t, inst, portugal)
	eq(t, "LevelId", aws.ToString(g.LevelId), "3")
	eq(t, "Name", aws.ToString(g.Name), "Portugal")
	eq(t, "path", pathNames(g.HierarchyPath), []string{"Earth", "Europe", "Portugal"})
	eq(t, "path ids", []string{aws.ToString(g.HierarchyPath.LevelOne.Id), aws.ToString(g.HierarchyPath.LevelTwo.Id), aws.ToString(g.HierarchyPath.LevelThree.Id)}, []string{earth, europe, portugal})
	eq(t, "path LevelOne ARN", aws.ToString(g.HierarchyPath.LevelOne.Arn), earthArn)
	if !strings.HasSuffix(aws.ToString(g.Arn), "/agent-group/"+portugal) || g.LastModifiedTime == nil || aws.ToString(g.LastModifiedRegion) != "us-east-1" {
		t.Errorf("group lacks members: %s", show(g))
	}
	eq(t, "LevelId of a LevelOne group", aws.ToString(e.describeGroup(t, inst, earth).LevelId), "1")
	eq(t, "LevelId of a LevelTwo group", aws.ToString(e.describeGroup(t, inst, marsEurope).LevelId), "2")

	// Tags on groups: at creation, TagResource, ListTagsForResource, DescribeUserHierarchyGroup.
	tagged := must(e.c.CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &inst, Name: aws.String("Spain"),
		ParentGroupId: &europe, Tags: map[string]string{"cost-center": "42"}})).get(t)
	spain := aws.ToString(tagged.HierarchyGroupId)
	must(e.c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: tagged.HierarchyGroupArn, Tags: map[string]string{"owner": "hr"}})).get(t)
	wantTags := map[string]string{"cost-center": "42", "owner": "hr"}
	eq(t, "ListTagsForResource on a group", must(e.c.ListTagsForResource(ctx, &connect.ListTagsForResourceInput{ResourceArn: tagged.HierarchyGroupArn})).get(t).Tags, wantTags)
	eq(t, "DescribeUserHierarchyGroup Tags", e.describeGroup(t, inst, spain).Tags, wantTags)
	must(e.c.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: tagged.HierarchyGroupArn, TagKeys: []string{"owner"}})).get(t)
	eq(t, "tags after UntagResource", e.describeGroup(t, inst, spain).Tags, map[string]string{"cost-center": "42"})

	// A user in Asia.
	in := e.userInput("agent.asia")
	in.HierarchyGroupId = &asia
	user := e.createUser(t, in)
	eq(t, "HierarchyGroupId at creation", aws.ToString(e.describeUser(t, inst, user).HierarchyGroupId), asia)

	unknown := uuid.NewString()
	create := func(name, parent string) func() error {
		return func() error {
			in := &connect.CreateUserHierarchyGroupInput{InstanceId: &inst, Name: &name}
			if parent != "" {
				in.ParentGroupId = &parent
			}
			_, err := e.c.CreateUserHierarchyGroup(ctx, in)
			return err
		}
	}
	rename := func(id, name string) func() error {
		return func() error {
			_, err := e.c.UpdateUserHierarchyGroupName(ctx, &connect.UpdateUserHierarchyGroupNameInput{InstanceId: &inst, HierarchyGroupId: &id, Name: &name})
			return err
		}
	}
	del := func(id string) func() error {
		return func() error {
			_, err := e.c.DeleteUserHierarchyGroup(ctx, &connect.DeleteUserHierarchyGroupInput{InstanceId: &inst, HierarchyGroupId: &id})
			return err
		}
	}
	assign := func(id *string) func() error {
		return func() error {
			_, err := e.c.UpdateUserHierarchy(ctx, &connect.UpdateUserHierarchyInput{InstanceId: &inst, UserId: &user, HierarchyGroupId: id})
			return err
		}
	}
	tests := []struct {
		name string
		call func() error
		want exc
	}{
		{"create below the lowest level", create("Lisbon", portugal), invalidParam},
		{"create under an unknown parent", create("Nowhere", unknown), notFound},
		{"create a duplicate sibling", create("Europe", earth), duplicate},
		{"create a duplicate LevelOne group", create("Earth", ""), duplicate},
		{"create with a blank name", create("  ", earth), invalidParam},
		{"create with a name of 257 characters", create(strings.Repeat("g", 257), earth), invalidParam},
		{"create in an unknown instance", func() error {
			_, err := e.c.CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &unknown, Name: aws.String("x")})
			return err
		}, notFound},
		{"rename to a sibling's name", rename(asia, "Europe"), duplicate},
		{"rename an unknown group", rename(unknown, "Whatever"), notFound},
		{"rename to a blank name", rename(asia, ""), invalidParam},
		{"describe an unknown group", func() error {
			_, err := e.c.DescribeUserHierarchyGroup(ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: &inst, HierarchyGroupId: &unknown})
			return err
		}, notFound},
		{"describe with an instance id too long", func() error {
			_, err := e.c.DescribeUserHierarchyGroup(ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: aws.String(strings.Repeat("i", 101)), HierarchyGroupId: &asia})
			return err
		}, invalidParam},
		{"delete a group with child groups", del(europe), inUse},
		{"delete a group with a user", del(asia), inUse},
		{"delete an unknown group", del(unknown), notFound},
		{"assign an unknown group", assign(&unknown), notFound},
		{"assign an unknown user", func() error {
			_, err := e.c.UpdateUserHierarchy(ctx, &connect.UpdateUserHierarchyInput{InstanceId: &inst, UserId: &unknown, HierarchyGroupId: &asia})
			return err
		}, notFound},
		{"list with a bad token", func() error {
			_, err := e.c.ListUserHierarchyGroups(ctx, &connect.ListUserHierarchyGroupsInput{InstanceId: &inst, NextToken: aws.String("garbage")})
			return err
		}, invalidParam},
		{"list with MaxResults 1001", func() error {
			_, err := e.c.ListUserHierarchyGroups(ctx, &connect.ListUserHierarchyGroupsInput{InstanceId: &inst, MaxResults: aws.Int32(1001)})
			return err
		}, invalidParam},
		{"list an unknown instance", func() error {
			_, err := e.c.ListUserHierarchyGroups(ctx, &connect.ListUserHierarchyGroupsInput{InstanceId: &unknown})
			return err
		}, notFound},
	}
	groups := e.groupIDs(t, inst, 100)
	snapshot := map[string]types.HierarchyGroup{}
	for _, id := range groups {
		snapshot[id] = e.describeGroup(t, inst, id)
	}
	userBefore := e.describeUser(t, inst, user)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.name, tc.call(), tc.want)
			eq(t, "groups after the refusal", e.groupIDs(t, inst, 100), groups)
			for id, g := range snapshot {
				eq(t, "group after the refusal", e.describeGroup(t, inst, id), g)
			}
			eq(t, "user after the refusal", e.describeUser(t, inst, user), userBefore)
		})
	}

	// Successes: rename, move the user, remove the assignment (empty id and absent id), delete.
	must(e.c.UpdateUserHierarchyGroupName(ctx, &connect.UpdateUserHierarchyGroupNameInput{InstanceId: &inst, HierarchyGroupId: &asia, Name: aws.String("Asia-Pacific")})).get(t)
	renamed := e.describeGroup(t, inst, asia)
	eq(t, "renamed group's name", aws.ToString(renamed.Name), "Asia-Pacific")
	eq(t, "renamed group's ARN", aws.ToString(renamed.Arn), aws.ToString(snapshot[asia].Arn))
	must(e.c.UpdateUserHierarchyGroupName(ctx, &connect.UpdateUserHierarchyGroupNameInput{InstanceId: &inst, HierarchyGroupId: &asia, Name: aws.String("Asia-Pacific")})).get(t) // its own name again: no conflict with itself
	for _, tc := range []struct {
		name string
		id   *string
		want string
	}{
		{"move to Portugal", &portugal, portugal},
		{"empty id removes the assignment", aws.String(""), ""},
		{"back to Asia", &asia, asia},
		{"absent id removes the assignment", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := assign(tc.id)(); err != nil {
				t.Fatal(err)
			}
			eq(t, "HierarchyGroupId", aws.ToString(e.describeUser(t, inst, user).HierarchyGroupId), tc.want)
		})
	}
	must(e.c.DeleteUserHierarchyGroup(ctx, &connect.DeleteUserHierarchyGroupInput{InstanceId: &inst, HierarchyGroupId: &asia})).get(t)
	_, err := e.c.DescribeUserHierarchyGroup(ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: &inst, HierarchyGroupId: &asia})
	wantErr(t, "describe a deleted group", err, notFound)
	_, err = e.c.ListTagsForResource(ctx, &connect.ListTagsForResourceInput{ResourceArn: snapshot[asia].Arn})
	wantErr(t, "tags of a deleted group", err, notFound)
	if ids := e.groupIDs(t, inst, 100); slices.Contains(ids, asia) || len(ids) != len(groups)-1 {
		t.Errorf("groups after delete: %v", ids)
	}
}

// TestListUserHierarchyGroupsPaging: groups page exactly like users.
func TestListUserHierarchyGroupsPaging(t *testing.T) {
	e := start(t)
	inst, _, _ := e.samlInstance(t)
	if err := e.setLevels(t, inst, "One", "Two"); err != nil {
		t.Fatal(err)
	}
	top, _ := e.group(t, inst, "top", "")
	want := map[string]bool{top: true}
	for i := range 22 {
		id, _ := e.group(t, inst, fmt.Sprintf("child%02d", i), top)
		want[id] = true
	}
	for _, size := range []int32{1, 4, 23, 1000} {
		got := e.groupIDs(t, inst, size)
		if len(got) != len(want) {
			t.Errorf("MaxResults %d: %d groups, want %d", size, len(got), len(want))
		}
		seen := map[string]bool{}
		for _, id := range got {
			if !want[id] || seen[id] {
				t.Errorf("MaxResults %d: unexpected or repeated group %s", size, id)
			}
			seen[id] = true
		}
	}
	first := must(e.c.ListUserHierarchyGroups(t.Context(), &connect.ListUserHierarchyGroupsInput{InstanceId: &inst, MaxResults: aws.Int32(5)})).get(t)
	_, err := e.c.ListUserHierarchyGroups(t.Context(), &connect.ListUserHierarchyGroupsInput{InstanceId: &e.inst, NextToken: first.NextToken})
	wantErr(t, "a token of another instance", err, invalidParam)
	_, err = e.c.ListUsers(t.Context(), &connect.ListUsersInput{InstanceId: &inst, NextToken: first.NextToken})
	wantErr(t, "a group token given to ListUsers", err, invalidParam)
}

// search runs SearchUsers to the end with a page size and returns the usernames and the
// ApproximateTotalCount of the first page.
func (e *env) search(t testing.TB, inst string, size int32, crit *types.UserSearchCriteria, filter *types.UserSearchFilter) ([]string, int64) {
	t.Helper()
	var names []string
	var total int64 = -1
	p := connect.NewSearchUsersPaginator(e.c, &connect.SearchUsersInput{InstanceId: &inst, MaxResults: aws.Int32(size), SearchCriteria: crit, SearchFilter: filter})
	for p.HasMorePages() {
		out := must(p.NextPage(t.Context())).get(t)
		if total < 0 {
			total = aws.ToInt64(out.ApproximateTotalCount)
		}
		if len(out.Users) > int(size) {
			t.Errorf("page of %d with MaxResults %d", len(out.Users), size)
		}
		for _, u := range out.Users {
			names = append(names, aws.ToString(u.Username))
		}
	}
	slices.Sort(names)
	return names, total
}

func underGroup(id string, children bool) *types.UserSearchCriteria {
	mt := types.HierarchyGroupMatchTypeExact
	if children {
		mt = types.HierarchyGroupMatchTypeWithChildGroups
	}
	return &types.UserSearchCriteria{HierarchyGroupCondition: &types.HierarchyGroupCondition{Value: &id, HierarchyGroupMatchType: mt}}
}

func str(field string, cmp types.StringComparisonType, value string) *types.UserSearchCriteria {
	return &types.UserSearchCriteria{StringCondition: &types.StringCondition{FieldName: &field, ComparisonType: cmp, Value: &value}}
}

// TestSeedWalkthrough is the seed blog's walkthrough end to end: a five-level structure, groups
// at every level, a rename, a deleted leaf, a refused delete, users assigned and found below the
// top group.
func TestSeedWalkthrough(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	inst, rp, sp := e.samlInstance(t)
	if err := e.setLevels(t, inst, "Planet", "Continent", "Country", "Site", "Team"); err != nil {
		t.Fatal(err)
	}
	eq(t, "levels", levelNames(e.structure(t, inst)), []string{"Planet", "Continent", "Country", "Site", "Team"})

	earth, _ := e.group(t, inst, "Earth", "")
	europe, _ := e.group(t, inst, "Europe", earth)
	portugal, _ := e.group(t, inst, "Portugal", europe)
	lisbon, _ := e.group(t, inst, "Lisbon", portugal)
	blue, _ := e.group(t, inst, "Blue Team", lisbon)
	red, _ := e.group(t, inst, "Red Team", lisbon)
	america, _ := e.group(t, inst, "America", earth)
	moon, _ := e.group(t, inst, "Moon", "")
	tranquility, _ := e.group(t, inst, "Tranquility", moon)
	eq(t, "team path", pathNames(e.describeGroup(t, inst, blue).HierarchyPath), []string{"Earth", "Europe", "Portugal", "Lisbon", "Blue Team"})
	eq(t, "team level", aws.ToString(e.describeGroup(t, inst, blue).LevelId), "5")

	must(e.c.UpdateUserHierarchyGroupName(ctx, &connect.UpdateUserHierarchyGroupNameInput{InstanceId: &inst, HierarchyGroupId: &lisbon, Name: aws.String("Lisboa")})).get(t)
	eq(t, "team path after the rename", pathNames(e.describeGroup(t, inst, blue).HierarchyPath), []string{"Earth", "Europe", "Portugal", "Lisboa", "Blue Team"})

	must(e.c.DeleteUserHierarchyGroup(ctx, &connect.DeleteUserHierarchyGroupInput{InstanceId: &inst, HierarchyGroupId: &red})).get(t)
	_, err := e.c.DeleteUserHierarchyGroup(ctx, &connect.DeleteUserHierarchyGroupInput{InstanceId: &inst, HierarchyGroupId: &lisbon})
	wantErr(t, "delete a site with a team", err, inUse)

	assignments := map[string]string{"ana": blue, "bruno": blue, "carla": portugal, "dave": america, "eve": earth, "moon.man": tranquility, "nobody": ""}
	for name, g := range assignments {
		id := e.createUser(t, samlUser(inst, rp, sp, name, strings.ToUpper(name[:1])+name[1:], "Doe"))
		if g != "" {
			must(e.c.UpdateUserHierarchy(ctx, &connect.UpdateUserHierarchyInput{InstanceId: &inst, UserId: &id, HierarchyGroupId: &g})).get(t)
		}
	}
	_, err = e.c.DeleteUserHierarchyGroup(ctx, &connect.DeleteUserHierarchyGroupInput{InstanceId: &inst, HierarchyGroupId: &blue})
	wantErr(t, "delete a team with agents", err, inUse)

	for _, tc := range []struct {
		name     string
		group    string
		children bool
		want     []string
	}{
		{"Earth with child groups", earth, true, []string{"ana", "bruno", "carla", "dave", "eve"}},
		{"Earth exact", earth, false, []string{"eve"}},
		{"Europe with child groups", europe, true, []string{"ana", "bruno", "carla"}},
		{"Lisboa with child groups", lisbon, true, []string{"ana", "bruno"}},
		{"Lisboa exact", lisbon, false, nil},
		{"Moon with child groups", moon, true, []string{"moon.man"}},
		{"unknown group", uuid.NewString(), true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, total := e.search(t, inst, 2, underGroup(tc.group, tc.children), nil)
			eq(t, "users", got, tc.want)
			eq(t, "ApproximateTotalCount", total, int64(len(tc.want)))
		})
	}
}

// TestRenameLevelTwoShowsInPaths: renaming a LevelTwo group is seen at once in the path of a
// LevelFive group under it and of a user assigned there.
func TestRenameLevelTwoShowsInPaths(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	inst := e.inst
	if err := e.setLevels(t, inst, "Planet", "Continent", "Country", "Site", "Team"); err != nil {
		t.Fatal(err)
	}
	chain := []string{""}
	for _, name := range []string{"Earth", "Europe", "Portugal", "Lisbon", "Blue"} {
		id, _ := e.group(t, inst, name, chain[len(chain)-1])
		chain = append(chain, id)
	}
	chain = chain[1:]
	team, continent := chain[4], chain[1]
	in := e.userInput("agent.blue")
	in.HierarchyGroupId = &team
	user := e.createUser(t, in)

	must(e.c.UpdateUserHierarchyGroupName(ctx, &connect.UpdateUserHierarchyGroupNameInput{InstanceId: &inst, HierarchyGroupId: &continent, Name: aws.String("Old World")})).get(t)

	want := []string{"Earth", "Old World", "Portugal", "Lisbon", "Blue"}
	g := e.describeGroup(t, inst, team)
	eq(t, "LevelFive group path", pathNames(g.HierarchyPath), want)
	eq(t, "LevelTwo id in the path", aws.ToString(g.HierarchyPath.LevelTwo.Id), continent)
	u := e.describeUser(t, inst, user)
	eq(t, "user's group", aws.ToString(u.HierarchyGroupId), team)
	eq(t, "user's path", pathNames(e.describeGroup(t, inst, aws.ToString(u.HierarchyGroupId)).HierarchyPath), want)
	// SearchUsers sees the same group for the user.
	found := must(e.c.SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: &inst, SearchCriteria: underGroup(continent, true)})).get(t)
	if len(found.Users) != 1 || aws.ToString(found.Users[0].HierarchyGroupId) != team {
		t.Errorf("SearchUsers under the renamed group: %s", show(found.Users))
	}
}

// TestSearchUsers covers string conditions, hierarchy conditions, AND/OR, tag filters, counts
// and pagination.
func TestSearchUsers(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	inst, rp, sp := e.samlInstance(t)
	if err := e.setLevels(t, inst, "One", "Two"); err != nil {
		t.Fatal(err)
	}
	north, _ := e.group(t, inst, "North", "")
	northEast, _ := e.group(t, inst, "NorthEast", north)
	south, _ := e.group(t, inst, "South", "")
	users := []struct {
		name, first, last, group string
		tags                     map[string]string
	}{
		{"alice", "Alice", "Smith", north, map[string]string{"team": "red", "shift": "day"}},
		{"alicia", "Alicia", "Smythe", northEast, map[string]string{"team": "red", "shift": "night"}},
		{"bob", "Bob", "Smith", northEast, map[string]string{"team": "blue"}},
		{"carol", "Carol", "Jones", south, map[string]string{"team": "blue", "shift": "day"}},
		{"dan", "Dan", "Brown", "", nil},
	}
	for _, u := range users {
		in := samlUser(inst, rp, sp, u.name, u.first, u.last)
		if u.group != "" {
			in.HierarchyGroupId = aws.String(u.group)
		}
		in.Tags = u.tags
		e.createUser(t, in)
	}
	// 30 more users for paging, none matching the conditions above.
	for i := range 30 {
		e.createUser(t, samlUser(inst, rp, sp, fmt.Sprintf("zz.filler%02d", i), "Filler", "Person"))
	}
	exact, starts, contains := types.StringComparisonTypeExact, types.StringComparisonTypeStartsWith, types.StringComparisonTypeContains
	tag := func(k, v string) types.TagCondition { return types.TagCondition{TagKey: &k, TagValue: &v} }
	tests := []struct {
		name   string
		crit   *types.UserSearchCriteria
		filter *types.UserSearchFilter
		want   []string
	}{
		{"Username EXACT", str("Username", exact, "alice"), nil, []string{"alice"}},
		{"Username EXACT other case", str("Username", exact, "ALICE"), nil, []string{"alice"}},
		{"Username STARTS_WITH", str("Username", starts, "ali"), nil, []string{"alice", "alicia"}},
		{"Username CONTAINS", str("Username", contains, "o"), nil, []string{"bob", "carol"}},
		{"FirstName EXACT", str("FirstName", exact, "Bob"), nil, []string{"bob"}},
		{"FirstName STARTS_WITH", str("FirstName", starts, "Al"), nil, []string{"alice", "alicia"}},
		{"LastName EXACT", str("LastName", exact, "Smith"), nil, []string{"alice", "bob"}},
		{"LastName CONTAINS", str("LastName", contains, "my"), nil, []string{"alicia"}},
		{"LastName STARTS_WITH nothing", str("LastName", starts, "Zzz"), nil, nil},
		{"group EXACT", underGroup(north, false), nil, []string{"alice"}},
		{"group WITH_CHILD_GROUPS", underGroup(north, true), nil, []string{"alice", "alicia", "bob"}},
		{"AND", &types.UserSearchCriteria{AndConditions: []types.UserSearchCriteria{*str("LastName", exact, "Smith"), *underGroup(northEast, false)}}, nil, []string{"bob"}},
		{"OR", &types.UserSearchCriteria{OrConditions: []types.UserSearchCriteria{*str("Username", exact, "dan"), *underGroup(south, true)}}, nil, []string{"carol", "dan"}},
		{"AND of ORs", &types.UserSearchCriteria{AndConditions: []types.UserSearchCriteria{
			{OrConditions: []types.UserSearchCriteria{*str("FirstName", starts, "Ali"), *str("FirstName", exact, "Bob")}},
			*underGroup(northEast, true)}}, nil, []string{"alicia", "bob"}},
		{"TagCondition", nil, &types.UserSearchFilter{TagFilter: &types.ControlPlaneTagFilter{TagCondition: ptr(tag("team", "red"))}}, []string{"alice", "alicia"}},
		{"tag AndConditions", nil, &types.UserSearchFilter{TagFilter: &types.ControlPlaneTagFilter{AndConditions: []types.TagCondition{tag("team", "blue"), tag("shift", "day")}}}, []string{"carol"}},
		{"tag OrConditions", nil, &types.UserSearchFilter{TagFilter: &types.ControlPlaneTagFilter{OrConditions: [][]types.TagCondition{
			{tag("team", "red"), tag("shift", "night")}, {tag("team", "blue"), tag("shift", "day")}}}}, []string{"alicia", "carol"}},
		{"criteria and tag filter", str("LastName", exact, "Smith"), &types.UserSearchFilter{TagFilter: &types.ControlPlaneTagFilter{TagCondition: ptr(tag("team", "blue"))}}, []string{"bob"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range []int32{1, 500} {
				got, total := e.search(t, inst, size, tc.crit, tc.filter)
				eq(t, fmt.Sprintf("users (MaxResults %d)", size), got, tc.want)
				eq(t, "ApproximateTotalCount", total, int64(len(tc.want)))
			}
		})
	}

	// No criteria: everyone, in pages that add up.
	all, total := e.search(t, inst, 7, nil, nil)
	if len(all) != 35 || total != 35 {
		t.Errorf("search without criteria: %d users, count %d, want 35", len(all), total)
	}
	// A search summary carries the user's members.
	out := must(e.c.SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: &inst, SearchCriteria: str("Username", exact, "alicia")})).get(t)
	if len(out.Users) != 1 {
		t.Fatalf("alicia: %s", show(out.Users))
	}
	s := out.Users[0]
	if aws.ToString(s.HierarchyGroupId) != northEast || aws.ToString(s.RoutingProfileId) != rp || !slices.Equal(s.SecurityProfileIds, []string{sp}) ||
		aws.ToString(s.IdentityInfo.FirstName) != "Alicia" || aws.ToString(s.IdentityInfo.LastName) != "Smythe" ||
		s.Tags["shift"] != "night" || s.PhoneConfig == nil || s.Id == nil || s.Arn == nil {
		t.Errorf("search summary lacks members: %s", show(s))
	}

	first := must(e.c.SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: &inst, MaxResults: aws.Int32(3)})).get(t)
	refusals := []struct {
		name string
		in   connect.SearchUsersInput
		want exc
	}{
		{"bad token", connect.SearchUsersInput{InstanceId: &inst, NextToken: aws.String("xyz")}, invalidParam},
		{"token of another instance", connect.SearchUsersInput{InstanceId: &e.inst, NextToken: first.NextToken}, invalidParam},
		// The tokens of the version that paged by id alone: an id does not say where to go on in
		// a group's path order, so they are refused as any stale token is.
		{"token keyed by id alone", connect.SearchUsersInput{InstanceId: &inst, NextToken: rawToken("SearchUsers", inst, aws.ToString(first.Users[0].Id))}, invalidParam},
		{"path token without an id", connect.SearchUsersInput{InstanceId: &inst, NextToken: rawToken("SearchUsers/path", inst, "/x/")}, invalidParam},
		{"ListUsers token", connect.SearchUsersInput{InstanceId: &inst, NextToken: must(e.c.ListUsers(ctx, &connect.ListUsersInput{InstanceId: &inst, MaxResults: aws.Int32(1)})).get(t).NextToken}, invalidParam},
		{"MaxResults 501", connect.SearchUsersInput{InstanceId: &inst, MaxResults: aws.Int32(501)}, invalidParam},
		{"unknown field", connect.SearchUsersInput{InstanceId: &inst, SearchCriteria: str("Shoe size", exact, "42")}, invalidParam},
		{"unknown comparison", connect.SearchUsersInput{InstanceId: &inst, SearchCriteria: str("Username", "FUZZY", "a")}, invalidParam},
		{"unknown instance", connect.SearchUsersInput{InstanceId: aws.String(uuid.NewString())}, notFound},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.c.SearchUsers(ctx, &tc.in)
			wantErr(t, "SearchUsers "+tc.name, err, tc.want)
		})
	}
}

func ptr[T any](v T) *T { return &v }

// rawToken is a NextToken as awsapi/token.go writes it, for tokens the server no longer writes.
func rawToken(op, scope, key string) *string {
	return aws.String(base64.RawURLEncoding.EncodeToString([]byte("cd1\x00" + op + "\x00" + scope + "\x00" + key)))
}
