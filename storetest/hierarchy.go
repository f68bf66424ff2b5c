package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/connectdir/connectdir"
)

func testLevels(t *testing.T, e *env) {
	ctx := t.Context()
	f := e.rawInstance(t, "i-levels")
	other := e.rawInstance(t, "i-levels-other")
	level := func(n int, name string) connectdir.HierarchyLevel {
		return connectdir.HierarchyLevel{Number: n, ARN: fmt.Sprintf("%s/agent-group-level/%d", f.inst.ARN, n), Name: name,
			LastModifiedTime: e.clock.Advance(), LastModifiedRegion: region}
	}
	getLevels := func(t *testing.T, id string) []connectdir.HierarchyLevel {
		return read(t, e, func(tx connectdir.Tx) ([]connectdir.HierarchyLevel, error) { return tx.GetLevels(id) })
	}

	t.Run("Tx", func(t *testing.T) {
		if got := getLevels(t, f.inst.ID); len(got) != 0 {
			t.Errorf("levels of a new instance: %s", dump(got))
		}
		three := []connectdir.HierarchyLevel{level(1, "Region"), level(2, "Site"), level(3, "Team")}
		e.update(t, func(tx connectdir.Tx) error { return tx.PutLevels(f.inst.ID, three) })
		equal(t, "GetLevels", getLevels(t, f.inst.ID), three)
		otherLevels := []connectdir.HierarchyLevel{level(1, "Other")}
		e.update(t, func(tx connectdir.Tx) error { return tx.PutLevels(other.inst.ID, otherLevels) })
		all := []connectdir.HierarchyLevel{three[0], level(2, "Site 2"), three[2], level(4, "Squad"), level(5, "Pod")}
		e.update(t, func(tx connectdir.Tx) error { return tx.PutLevels(f.inst.ID, all) })
		equal(t, "GetLevels of five", getLevels(t, f.inst.ID), all)
		e.update(t, func(tx connectdir.Tx) error { return tx.PutLevels(f.inst.ID, all[:1]) })
		equal(t, "GetLevels after shrinking", getLevels(t, f.inst.ID), all[:1])
		equal(t, "levels of another instance", getLevels(t, other.inst.ID), otherLevels)
		e.update(t, func(tx connectdir.Tx) error { return tx.PutLevels(f.inst.ID, nil) })
		if got := getLevels(t, f.inst.ID); len(got) != 0 {
			t.Errorf("levels after PutLevels(nil): %s", dump(got))
		}
	})

	t.Run("Directory", func(t *testing.T) {
		di := e.dirInstance(t, "levels", nil)
		id := di.inst.ID
		t0 := e.clock.Advance()
		must(t, "UpdateHierarchyStructure", e.d.UpdateHierarchyStructure(ctx, id, [connectdir.MaxLevels]string{"A", "B", "C"}))
		got, err := e.d.DescribeHierarchyStructure(ctx, id)
		must(t, "DescribeHierarchyStructure", err)
		var want []connectdir.HierarchyLevel
		for i, name := range []string{"A", "B", "C"} {
			want = append(want, connectdir.HierarchyLevel{Number: i + 1, ARN: e.d.LevelARN(id, i+1), Name: name, LastModifiedTime: t0, LastModifiedRegion: region})
		}
		equal(t, "levels", got, want)

		t1 := e.clock.Advance()
		must(t, "UpdateHierarchyStructure", e.d.UpdateHierarchyStructure(ctx, id, [connectdir.MaxLevels]string{"A", "B2"}))
		got, err = e.d.DescribeHierarchyStructure(ctx, id)
		must(t, "DescribeHierarchyStructure", err)
		want = []connectdir.HierarchyLevel{want[0], {Number: 2, ARN: e.d.LevelARN(id, 2), Name: "B2", LastModifiedTime: t1, LastModifiedRegion: region}}
		equal(t, "levels after a rename and a removal (an unchanged level keeps its time)", got, want)

		wantKind(t, "UpdateHierarchyStructure with a gap", e.d.UpdateHierarchyStructure(ctx, id, [connectdir.MaxLevels]string{"A", "", "C"}), connectdir.KindInvalidParameter)
		top, err := e.d.CreateHierarchyGroup(ctx, id, "top", "", nil)
		must(t, "CreateHierarchyGroup", err)
		_, err = e.d.CreateHierarchyGroup(ctx, id, "mid", top.ID, nil)
		must(t, "CreateHierarchyGroup", err)
		err = e.d.UpdateHierarchyStructure(ctx, id, [connectdir.MaxLevels]string{"A"})
		wantKind(t, "UpdateHierarchyStructure removing a level with groups", err, connectdir.KindInUse)
		got, err = e.d.DescribeHierarchyStructure(ctx, id)
		must(t, "DescribeHierarchyStructure", err)
		equal(t, "levels after a refused update", got, want)
		_, err = e.d.DescribeHierarchyStructure(ctx, "missing")
		wantKind(t, "DescribeHierarchyStructure of a missing instance", err, connectdir.KindNotFound)
	})
}

func (e *env) getGroup(t *testing.T, instanceID, id string) connectdir.HierarchyGroup {
	t.Helper()
	return read(t, e, func(tx connectdir.Tx) (connectdir.HierarchyGroup, error) { return tx.GetGroup(instanceID, id) })
}

func testGroups(t *testing.T, e *env) {
	f := e.rawInstance(t, "i-groups")
	other := e.rawInstance(t, "i-groups-other")
	top := f.group(e, "grp-top", "Top", nil)
	mid := f.group(e, "grp-mid", "Mid", &top)
	leaf := f.group(e, "grp-leaf", "Leaf", &mid)
	top2 := f.group(e, "grp-top2", "Top 2", nil)
	otop := other.group(e, "grp-otop", "Top", nil) // sibling names are per instance
	e.insertGroups(t, top, mid, leaf, top2, otop)
	in := f.inst.ID

	t.Run("GetRoundTrip", func(t *testing.T) {
		for _, g := range []connectdir.HierarchyGroup{top, mid, leaf} {
			equal(t, "GetGroup "+g.ID, e.getGroup(t, in, g.ID), g)
		}
		wantNoRows(t, "GetGroup of a missing id", readErr(t, e, func(tx connectdir.Tx) (connectdir.HierarchyGroup, error) { return tx.GetGroup(in, "missing") }))
		wantNoRows(t, "GetGroup through another instance", readErr(t, e, func(tx connectdir.Tx) (connectdir.HierarchyGroup, error) { return tx.GetGroup(other.inst.ID, top.ID) }))
		e.update(t, func(tx connectdir.Tx) error { return tx.TagResource(in, mid.ID, map[string]string{"g": "m"}) })
		want := mid
		want.Tags = map[string]string{"g": "m"}
		equal(t, "GetGroup with tags", e.getGroup(t, in, mid.ID), want)
	})

	t.Run("GetGroups", func(t *testing.T) {
		got := read(t, e, func(tx connectdir.Tx) ([]connectdir.HierarchyGroup, error) {
			return tx.GetGroups(in, []string{leaf.ID, "missing", top.ID, otop.ID})
		})
		slices.SortFunc(got, func(a, b connectdir.HierarchyGroup) int { return strings.Compare(a.ID, b.ID) })
		var ids []string
		for _, g := range got {
			ids = append(ids, g.ID)
			g.Tags = nil
			want := map[string]connectdir.HierarchyGroup{leaf.ID: leaf, top.ID: top}[g.ID]
			equal(t, "GetGroups member "+g.ID, g, want)
		}
		equal(t, "GetGroups ids", ids, sorted([]string{leaf.ID, top.ID}))
		none := read(t, e, func(tx connectdir.Tx) ([]connectdir.HierarchyGroup, error) { return tx.GetGroups(in, nil) })
		if len(none) != 0 {
			t.Errorf("GetGroups(nil): %s", dump(none))
		}
	})

	t.Run("SiblingUnique", func(t *testing.T) {
		dup := f.group(e, "grp-dup", "Top", nil)
		wantConflict(t, "InsertGroup of a taken name at LevelOne", e.write(t, func(tx connectdir.Tx) error { return tx.InsertGroup(dup) }), "unique")
		dup = f.group(e, "grp-dup", "Leaf", &mid)
		wantConflict(t, "InsertGroup of a taken name under a parent", e.write(t, func(tx connectdir.Tx) error { return tx.InsertGroup(dup) }), "unique")
		dup = f.group(e, top.ID, "Another", nil)
		wantConflict(t, "InsertGroup of a taken id", e.write(t, func(tx connectdir.Tx) error { return tx.InsertGroup(dup) }), "unique")
		// The same name elsewhere in the tree is fine.
		elsewhere := f.group(e, "grp-top-under-top2", "Top", &top2)
		e.insertGroups(t, elsewhere)
		orphan := f.group(e, "grp-orphan", "Orphan", &connectdir.HierarchyGroup{ID: "missing", Path: "/missing/", Level: 1})
		wantConflict(t, "InsertGroup under a missing parent", e.write(t, func(tx connectdir.Tx) error { return tx.InsertGroup(orphan) }), "foreign")
		for _, c := range []struct{ parent, name, want string }{
			{"", "Top", top.ID}, {"", "Mid", ""}, {top.ID, "Mid", mid.ID}, {mid.ID, "Leaf", leaf.ID}, {top2.ID, "Top", elsewhere.ID}, {"", "top", ""},
		} {
			got := read(t, e, func(tx connectdir.Tx) (string, error) { return tx.SiblingNamed(in, c.parent, c.name) })
			equal(t, fmt.Sprintf("SiblingNamed(%q, %q)", c.parent, c.name), got, c.want)
		}
		got := read(t, e, func(tx connectdir.Tx) (string, error) { return tx.SiblingNamed(other.inst.ID, "", "Top 2") })
		equal(t, "SiblingNamed in another instance", got, "")
	})

	t.Run("Counts", func(t *testing.T) {
		u1, u2, u3 := f.user(e, "grp-u1", "u1"), f.user(e, "grp-u2", "u2"), f.user(e, "grp-u3", "u3")
		u1.HierarchyGroupID, u1.HierarchyPath = leaf.ID, leaf.Path
		u2.HierarchyGroupID, u2.HierarchyPath = leaf.ID, leaf.Path
		u3.HierarchyGroupID, u3.HierarchyPath = mid.ID, mid.Path
		e.insertUsers(t, u1, u2, u3)
		e.view(t, func(tx connectdir.Tx) error {
			for _, c := range []struct {
				what string
				fn   func() (int64, error)
				want int64
			}{
				{"CountGroupsAtLevel 1", func() (int64, error) { return tx.CountGroupsAtLevel(in, 1) }, 2},
				{"CountGroupsAtLevel 2", func() (int64, error) { return tx.CountGroupsAtLevel(in, 2) }, 2},
				{"CountGroupsAtLevel 3", func() (int64, error) { return tx.CountGroupsAtLevel(in, 3) }, 1},
				{"CountGroupsAtLevel 4", func() (int64, error) { return tx.CountGroupsAtLevel(in, 4) }, 0},
				{"CountGroupsAtLevel of another instance", func() (int64, error) { return tx.CountGroupsAtLevel(other.inst.ID, 1) }, 1},
				{"CountChildGroups of top", func() (int64, error) { return tx.CountChildGroups(in, top.ID) }, 1},
				{"CountChildGroups of a leaf", func() (int64, error) { return tx.CountChildGroups(in, leaf.ID) }, 0},
				{"CountUsersInGroup of leaf", func() (int64, error) { return tx.CountUsersInGroup(in, leaf.ID) }, 2},
				{"CountUsersInGroup of mid", func() (int64, error) { return tx.CountUsersInGroup(in, mid.ID) }, 1},
				{"CountUsersInGroup of top (direct users only)", func() (int64, error) { return tx.CountUsersInGroup(in, top.ID) }, 0},
				{"CountGroups", func() (int64, error) { return tx.CountGroups(in) }, 5},
				{"CountGroups of another instance", func() (int64, error) { return tx.CountGroups(other.inst.ID) }, 1},
				{"CountUsers", func() (int64, error) { return tx.CountUsers(in) }, 3},
				{"CountUsers of another instance", func() (int64, error) { return tx.CountUsers(other.inst.ID) }, 0},
			} {
				n, err := c.fn()
				if err != nil {
					return fmt.Errorf("%s: %w", c.what, err)
				}
				equal(t, c.what, n, c.want)
			}
			m, err := tx.CountUsersByGroup(in)
			if err != nil {
				return err
			}
			equal(t, "CountUsersByGroup", m, map[string]int64{leaf.ID: 2, mid.ID: 1})
			return nil
		})
	})

	t.Run("Rename", func(t *testing.T) {
		at := e.clock.Advance()
		e.update(t, func(tx connectdir.Tx) error { return tx.RenameGroup(in, leaf.ID, "Leaf Renamed", at, "ap-south-1") })
		want := leaf
		want.Name, want.LastModifiedTime, want.LastModifiedRegion = "Leaf Renamed", at, "ap-south-1"
		equal(t, "GetGroup after RenameGroup", e.getGroup(t, in, leaf.ID), want)
		sib := f.group(e, "grp-leaf2", "Leaf 2", &mid)
		e.insertGroups(t, sib)
		wantConflict(t, "RenameGroup to a sibling's name", e.write(t, func(tx connectdir.Tx) error {
			return tx.RenameGroup(in, sib.ID, "Leaf Renamed", at, region)
		}), "unique")
		equal(t, "name after a refused rename", e.getGroup(t, in, sib.ID).Name, "Leaf 2")
		leaf = want
	})

	t.Run("ListPaging", func(t *testing.T) {
		e.insertGroups(t, f.group(e, "GRP-UPPER", "Upper", nil), f.group(e, "grp#", "Hash", nil))
		want := sorted([]string{top.ID, mid.ID, leaf.ID, top2.ID, "grp-top-under-top2", "grp-leaf2", "GRP-UPPER", "grp#"})
		for _, limit := range []int{1, 2, 4, 8, 50} {
			got := pageAll(t, "ListGroups", limit, func(after string, limit int) ([]connectdir.HierarchyGroup, error) {
				return inView(t, e, func(tx connectdir.Tx) ([]connectdir.HierarchyGroup, error) { return tx.ListGroups(in, after, limit) })
			}, func(g connectdir.HierarchyGroup) string { return g.ID })
			equal(t, fmt.Sprintf("ListGroups ids, limit %d", limit), got, want)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		e.update(t, func(tx connectdir.Tx) error { return tx.TagResource(in, mid.ID, map[string]string{"more": "tags"}) })
		wantConflict(t, "DeleteGroup of a group with children", e.write(t, func(tx connectdir.Tx) error { return tx.DeleteGroup(in, mid.ID) }), "foreign")
		equal(t, "tags of a group whose delete was refused", e.getGroup(t, in, mid.ID).Tags, map[string]string{"g": "m", "more": "tags"})
		wantConflict(t, "DeleteGroup of a group with users", e.write(t, func(tx connectdir.Tx) error { return tx.DeleteGroup(in, leaf.ID) }), "foreign")
		equal(t, "a group whose delete was refused", e.getGroup(t, in, leaf.ID), leaf)

		e.update(t, func(tx connectdir.Tx) error { return tx.TagResource(in, top2.ID, map[string]string{"x": "y"}) })
		e.update(t, func(tx connectdir.Tx) error {
			if err := tx.DeleteGroup(in, "grp-top-under-top2"); err != nil {
				return err
			}
			return tx.DeleteGroup(in, top2.ID)
		})
		wantNoRows(t, "GetGroup after DeleteGroup", readErr(t, e, func(tx connectdir.Tx) (connectdir.HierarchyGroup, error) { return tx.GetGroup(in, top2.ID) }))
		tags := read(t, e, func(tx connectdir.Tx) (map[string]string, error) { return tx.Tags(in, top2.ID) })
		if len(tags) != 0 {
			t.Errorf("tags of a deleted group: %v", tags)
		}
		// The name is free again.
		e.insertGroups(t, f.group(e, "grp-top2-again", "Top 2", nil))
	})
}

func testDirectoryGroups(t *testing.T, e *env) {
	ctx := t.Context()
	di := e.dirInstance(t, "groups", nil)
	id := di.inst.ID
	_, err := e.d.CreateHierarchyGroup(ctx, id, "Early", "", nil)
	wantKind(t, "CreateHierarchyGroup before any level", err, connectdir.KindInvalidParameter)
	must(t, "UpdateHierarchyStructure", e.d.UpdateHierarchyStructure(ctx, id, [connectdir.MaxLevels]string{"Region", "Site", "Team"}))

	sales, err := e.d.CreateHierarchyGroup(ctx, id, "Sales", "", map[string]string{"cost": "center"})
	must(t, "CreateHierarchyGroup", err)
	east, err := e.d.CreateHierarchyGroup(ctx, id, "East", sales.ID, nil)
	must(t, "CreateHierarchyGroup", err)
	team, err := e.d.CreateHierarchyGroup(ctx, id, "Team 1", east.ID, nil)
	must(t, "CreateHierarchyGroup", err)
	if sales.Level != 1 || east.Level != 2 || team.Level != 3 || team.ParentID != east.ID ||
		team.Path != "/"+sales.ID+"/"+east.ID+"/"+team.ID+"/" || team.ARN != di.inst.ARN+"/agent-group/"+team.ID {
		t.Errorf("created groups: %s", dump([]connectdir.HierarchyGroup{sales, east, team}))
	}
	_, err = e.d.CreateHierarchyGroup(ctx, id, "Too deep", team.ID, nil)
	wantKind(t, "CreateHierarchyGroup below the last level", err, connectdir.KindInvalidParameter)
	_, err = e.d.CreateHierarchyGroup(ctx, id, "Orphan", "missing", nil)
	wantKind(t, "CreateHierarchyGroup under a missing parent", err, connectdir.KindNotFound)
	_, err = e.d.CreateHierarchyGroup(ctx, id, "Sales", "", nil)
	wantKind(t, "CreateHierarchyGroup of a taken sibling name", err, connectdir.KindDuplicate)
	west, err := e.d.CreateHierarchyGroup(ctx, id, "West", sales.ID, nil)
	must(t, "CreateHierarchyGroup", err)
	_, err = e.d.CreateHierarchyGroup(ctx, id, "Team 1", west.ID, nil)
	must(t, "CreateHierarchyGroup of a name taken under another parent", err)

	gd, err := e.d.DescribeHierarchyGroup(ctx, id, team.ID)
	must(t, "DescribeHierarchyGroup", err)
	equal(t, "DescribeHierarchyGroup", gd.HierarchyGroup, team)
	equal(t, "DescribeHierarchyGroup path", pathNames(gd.Path), []string{"Sales", "East", "Team 1"})
	gd, err = e.d.DescribeHierarchyGroup(ctx, id, sales.ID)
	must(t, "DescribeHierarchyGroup", err)
	equal(t, "DescribeHierarchyGroup with tags", gd.HierarchyGroup, sales)

	at := e.clock.Advance()
	must(t, "RenameHierarchyGroup", e.d.RenameHierarchyGroup(ctx, id, east.ID, "North"))
	must(t, "RenameHierarchyGroup to its own name", e.d.RenameHierarchyGroup(ctx, id, team.ID, "Team 1"))
	wantKind(t, "RenameHierarchyGroup to a sibling's name", e.d.RenameHierarchyGroup(ctx, id, west.ID, "North"), connectdir.KindDuplicate)
	wantKind(t, "RenameHierarchyGroup of a missing group", e.d.RenameHierarchyGroup(ctx, id, "missing", "x"), connectdir.KindNotFound)
	gd, err = e.d.DescribeHierarchyGroup(ctx, id, team.ID)
	must(t, "DescribeHierarchyGroup", err)
	equal(t, "path after a rename", pathNames(gd.Path), []string{"Sales", "North", "Team 1"})
	equal(t, "renamed group's time", gd.Path[1].LastModifiedTime, at)

	all := pageAll(t, "ListHierarchyGroups", 1, func(after string, limit int) ([]connectdir.HierarchyGroup, error) {
		return e.d.ListHierarchyGroups(ctx, id, after, limit)
	}, func(g connectdir.HierarchyGroup) string { return g.ID })
	if len(all) != 5 {
		t.Errorf("ListHierarchyGroups: %d groups, want 5", len(all))
	}

	u := e.dirUser(t, di, "member", team.ID, nil)
	for _, c := range []struct{ what, group string }{{"with children", east.ID}, {"with users", team.ID}} {
		err := e.d.DeleteHierarchyGroup(ctx, id, c.group)
		wantKind(t, "DeleteHierarchyGroup of a group "+c.what, err, connectdir.KindInUse)
		var de *connectdir.Error
		if errors.As(err, &de) && (de.ResourceType != "HIERARCHY_GROUP" || de.ResourceID != c.group) {
			t.Errorf("DeleteHierarchyGroup %s: resource %s %s", c.what, de.ResourceType, de.ResourceID)
		}
	}
	must(t, "UpdateUserHierarchy", e.d.UpdateUserHierarchy(ctx, id, u.ID, west.ID))
	must(t, "DeleteHierarchyGroup of an empty leaf", e.d.DeleteHierarchyGroup(ctx, id, team.ID))
	_, err = e.d.DescribeHierarchyGroup(ctx, id, team.ID)
	wantKind(t, "DescribeHierarchyGroup after delete", err, connectdir.KindNotFound)
	wantKind(t, "DeleteHierarchyGroup again", e.d.DeleteHierarchyGroup(ctx, id, team.ID), connectdir.KindNotFound)
	must(t, "DeleteHierarchyGroup of a group whose children went", e.d.DeleteHierarchyGroup(ctx, id, east.ID))
	m := read(t, e, func(tx connectdir.Tx) (map[string]int64, error) { return tx.CountUsersByGroup(id) })
	equal(t, "CountUsersByGroup", m, map[string]int64{west.ID: 1})
}

func pathNames(groups []connectdir.HierarchyGroup) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g.Name)
	}
	return out
}
