package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/connectdir/connectdir"
)

func testInstances(t *testing.T, e *env) {
	ctx := t.Context()
	now := e.clock.Now()
	a := connectdir.Instance{ID: "i-raw-a", ARN: arnPrefix + "i-raw-a", Alias: "raw-a", IdentityManagementType: connectdir.IdentitySAML,
		InboundCallsEnabled: true, Status: "ACTIVE", CreatedTime: now}
	b := connectdir.Instance{ID: "i-raw-b", ARN: arnPrefix + "i-raw-b", IdentityManagementType: connectdir.IdentityExistingDirectory,
		DirectoryID: "d-1234567890", OutboundCallsEnabled: true, Status: "CREATION_IN_PROGRESS", CreatedTime: now.Add(-3 * 24 * 3600e9)}
	e.update(t, func(tx connectdir.Tx) error {
		for _, i := range []connectdir.Instance{a, b} {
			if err := tx.InsertInstance(i); err != nil {
				return err
			}
		}
		return nil
	})

	t.Run("GetRoundTrip", func(t *testing.T) {
		for _, want := range []connectdir.Instance{a, b} {
			got := read(t, e, func(tx connectdir.Tx) (connectdir.Instance, error) { return tx.GetInstance(want.ID) })
			equal(t, "GetInstance "+want.ID, got, want)
		}
		wantNoRows(t, "GetInstance of a missing id", readErr(t, e, func(tx connectdir.Tx) (connectdir.Instance, error) { return tx.GetInstance("i-missing") }))
	})

	t.Run("DuplicateID", func(t *testing.T) {
		dup := a
		dup.Alias = "other"
		wantConflict(t, "InsertInstance of an existing id", e.write(t, func(tx connectdir.Tx) error { return tx.InsertInstance(dup) }), "unique")
	})

	t.Run("ListPaging", func(t *testing.T) {
		want := []string{a.ID, b.ID}
		// Ids whose bytewise order differs from a locale's: case, punctuation.
		ids := []string{"I-UPPER", "i_z", "i.dot", "i~", "i#", "i\\x"}
		for _, n := range []int{7, 2, 9, 0, 5, 1, 8, 3, 6, 4} {
			ids = append(ids, fmt.Sprintf("i-%02d", n))
		}
		for _, id := range ids {
			want = append(want, id)
			e.update(t, func(tx connectdir.Tx) error {
				return tx.InsertInstance(connectdir.Instance{ID: id, ARN: arnPrefix + id, IdentityManagementType: connectdir.IdentitySAML,
					Status: "ACTIVE", CreatedTime: now})
			})
		}
		for _, limit := range []int{1, 3, 12, 100} {
			got := pageAll(t, "ListInstances", limit, func(after string, limit int) ([]connectdir.Instance, error) {
				return inView(t, e, func(tx connectdir.Tx) ([]connectdir.Instance, error) { return tx.ListInstances(after, limit) })
			}, func(i connectdir.Instance) string { return i.ID })
			equal(t, fmt.Sprintf("ListInstances ids, limit %d", limit), got, sorted(want))
		}
		n := read(t, e, func(tx connectdir.Tx) (int, error) { return tx.CountInstances() })
		equal(t, "CountInstances", n, len(want))
		// A listed instance is the whole row.
		list := read(t, e, func(tx connectdir.Tx) ([]connectdir.Instance, error) { return tx.ListInstances("i-raw-a", 1) })
		if len(list) != 1 {
			t.Fatalf("ListInstances after i-raw-a: %d items, want 1", len(list))
		}
		list[0].Tags = nil
		equal(t, "listed instance", list[0], b)
	})

	t.Run("Directory", func(t *testing.T) {
		tags := map[string]string{"env": "test", "owner": "storetest"}
		inst, err := e.d.CreateInstance(ctx, connectdir.Instance{Alias: "Sales-Main", IdentityManagementType: connectdir.IdentityConnectManaged,
			InboundCallsEnabled: true, OutboundCallsEnabled: true, Tags: tags})
		must(t, "CreateInstance", err)
		got, err := e.d.DescribeInstance(ctx, inst.ID)
		must(t, "DescribeInstance", err)
		equal(t, "DescribeInstance", got, inst)
		equal(t, "instance tags", got.Tags, tags)

		rps, err := e.d.ListRoutingProfiles(ctx, inst.ID, "", 10)
		must(t, "ListRoutingProfiles", err)
		if len(rps) != 1 || rps[0].Name != connectdir.DefaultRoutingProfile || !rps[0].IsDefault {
			t.Errorf("default routing profiles: %s", dump(rps))
		}
		sps, err := e.d.ListSecurityProfiles(ctx, inst.ID, "", 10)
		must(t, "ListSecurityProfiles", err)
		var names []string
		for _, p := range sps {
			names = append(names, p.Name)
		}
		equal(t, "default security profile names", sorted(names), sorted(connectdir.DefaultSecurityProfiles))

		_, err = e.d.CreateInstance(ctx, connectdir.Instance{Alias: "sales-main", IdentityManagementType: connectdir.IdentitySAML})
		wantKind(t, "CreateInstance with a taken alias", err, connectdir.KindInvalidRequest)
		_, err = e.d.DescribeInstance(ctx, "no-such-instance")
		wantKind(t, "DescribeInstance of a missing instance", err, connectdir.KindNotFound)
		_, err = e.d.ListRoutingProfiles(ctx, "no-such-instance", "", 10)
		wantKind(t, "ListRoutingProfiles of a missing instance", err, connectdir.KindNotFound)

		all := pageAll(t, "Directory.ListInstances", 4, func(after string, limit int) ([]connectdir.Instance, error) {
			return e.d.ListInstances(ctx, after, limit)
		}, func(i connectdir.Instance) string { return i.ID })
		if !slices.Contains(all, inst.ID) || !slices.Contains(all, a.ID) {
			t.Errorf("Directory.ListInstances misses instances: %v", all)
		}
	})
}

func testDeleteInstance(t *testing.T, e *env) {
	ctx := t.Context()
	type built struct {
		di     dirInstance
		groups []connectdir.HierarchyGroup
		users  []connectdir.User
	}
	build := func(alias string) built {
		di := e.dirInstance(t, alias, map[string]string{"instance": alias})
		must(t, "UpdateHierarchyStructure", e.d.UpdateHierarchyStructure(ctx, di.inst.ID, [connectdir.MaxLevels]string{"L1", "L2", "L3"}))
		var b built
		b.di = di
		parent := ""
		for i := range 3 {
			g, err := e.d.CreateHierarchyGroup(ctx, di.inst.ID, fmt.Sprintf("g%d", i), parent, map[string]string{"group": alias})
			must(t, "CreateHierarchyGroup", err)
			b.groups = append(b.groups, g)
			parent = g.ID
		}
		b.users = append(b.users,
			e.dirUser(t, di, "deep", b.groups[2].ID, map[string]string{"user": alias}),
			e.dirUser(t, di, "top", b.groups[0].ID, nil),
			e.dirUser(t, di, "loose", "", nil))
		must(t, "TagResource routing profile", e.d.TagResource(ctx, di.rp.ARN, map[string]string{"rp": alias}))
		must(t, "TagResource security profile", e.d.TagResource(ctx, di.sps[0].ARN, map[string]string{"sp": alias}))
		_, _, err := e.d.GetFederationToken(ctx, di.inst.ID, "deep")
		must(t, "GetFederationToken", err)
		return b
	}
	doomed, kept := build("doomed"), build("kept")
	accessHash, refreshHash := connectdir.TokenHash("access-of-doomed"), connectdir.TokenHash("refresh-of-doomed")
	tok := connectdir.FederationToken{AccessTokenExpiration: e.clock.Now(), RefreshTokenExpiration: e.clock.Now()}
	e.update(t, func(tx connectdir.Tx) error {
		return tx.InsertFederationToken(doomed.di.inst.ID, doomed.users[0].ID, accessHash, refreshHash, tok)
	})

	must(t, "DeleteInstance", e.d.DeleteInstance(ctx, doomed.di.inst.ID))

	id := doomed.di.inst.ID
	_, err := e.d.DescribeInstance(ctx, id)
	wantKind(t, "DescribeInstance after delete", err, connectdir.KindNotFound)
	wantKind(t, "DeleteInstance again", e.d.DeleteInstance(ctx, id), connectdir.KindNotFound)
	e.view(t, func(tx connectdir.Tx) error {
		wantNoRows(t, "GetInstance after delete", second(tx.GetInstance(id)))
		for _, u := range doomed.users {
			wantNoRows(t, "GetUser after instance delete", second(tx.GetUser(id, u.ID)))
		}
		for _, g := range doomed.groups {
			wantNoRows(t, "GetGroup after instance delete", second(tx.GetGroup(id, g.ID)))
		}
		wantNoRows(t, "GetRoutingProfile after instance delete", second(tx.GetRoutingProfile(id, doomed.di.rp.ID)))
		wantNoRows(t, "GetSecurityProfile after instance delete", second(tx.GetSecurityProfile(id, doomed.di.sps[0].ID)))
		users, err := tx.ListUsers(id, "", 100)
		wantEmpty(t, "ListUsers", users, err)
		groups, err := tx.ListGroups(id, "", 100)
		wantEmpty(t, "ListGroups", groups, err)
		rps, err := tx.ListRoutingProfiles(id, "", 100)
		wantEmpty(t, "ListRoutingProfiles", rps, err)
		sps, err := tx.ListSecurityProfiles(id, "", 100)
		wantEmpty(t, "ListSecurityProfiles", sps, err)
		levels, err := tx.GetLevels(id)
		wantEmpty(t, "GetLevels", levels, err)
		m, err := tx.CountUsersByGroup(id)
		if err != nil || len(m) != 0 {
			t.Errorf("CountUsersByGroup after delete: %v, %v", m, err)
		}
		_, total, err := tx.SearchUsers(id, connectdir.Cond{}, connectdir.SearchKey{}, 10)
		if err != nil || total != 0 {
			t.Errorf("SearchUsers after delete: total %d, %v", total, err)
		}
		resources := []string{id, doomed.di.rp.ID, doomed.di.sps[0].ID}
		for _, g := range doomed.groups {
			resources = append(resources, g.ID)
		}
		for _, u := range doomed.users {
			resources = append(resources, u.ID)
		}
		for _, r := range resources {
			tags, err := tx.Tags(id, r)
			if err != nil || len(tags) != 0 {
				t.Errorf("Tags of %s after instance delete: %v, %v", r, tags, err)
			}
		}
		return nil
	})

	// The other instance keeps everything.
	got, err := e.d.DescribeInstance(ctx, kept.di.inst.ID)
	must(t, "DescribeInstance of the kept instance", err)
	equal(t, "kept instance", got, kept.di.inst)
	for _, u := range kept.users {
		gu, err := e.d.DescribeUser(ctx, kept.di.inst.ID, u.ID)
		must(t, "DescribeUser of the kept instance", err)
		equal(t, "kept user", gu, u)
	}
	for _, g := range kept.groups {
		gd, err := e.d.DescribeHierarchyGroup(ctx, kept.di.inst.ID, g.ID)
		must(t, "DescribeHierarchyGroup of the kept instance", err)
		equal(t, "kept group", gd.HierarchyGroup, g)
	}
	tags, err := e.d.ListTags(ctx, kept.di.rp.ARN)
	must(t, "ListTags", err)
	equal(t, "kept routing profile tags", tags, map[string]string{"rp": "kept"})

	// The federation tokens went with the instance: their hashes are free again.
	f := e.rawInstance(t, "i-after")
	u := f.user(e, "i-after-u", "someone")
	e.insertUsers(t, u)
	must(t, "InsertFederationToken with the hashes of a deleted instance's token", e.write(t, func(tx connectdir.Tx) error {
		return tx.InsertFederationToken(f.inst.ID, u.ID, accessHash, refreshHash, tok)
	}))
	// And the instance id can be used again, with nothing of the old one showing.
	e.update(t, func(tx connectdir.Tx) error {
		return tx.InsertInstance(connectdir.Instance{ID: id, ARN: arnPrefix + id, IdentityManagementType: connectdir.IdentitySAML, Status: "ACTIVE"})
	})
	again, err := e.d.DescribeInstance(ctx, id)
	must(t, "DescribeInstance of the reused id", err)
	if len(again.Tags) != 0 {
		t.Errorf("a new instance with a deleted instance's id has its tags: %v", again.Tags)
	}
}

func second[T any](_ T, err error) error { return err }

func wantEmpty[T any](t *testing.T, what string, list []T, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s after instance delete: %v", what, err)
	} else if len(list) != 0 {
		t.Errorf("%s after instance delete: %d items, want none: %s", what, len(list), dump(list))
	}
}

func testProfiles(t *testing.T, e *env) {
	ctx := t.Context()
	f := e.rawInstance(t, "i-prof")
	other := e.rawInstance(t, "i-other")

	t.Run("GetRoundTrip", func(t *testing.T) {
		for _, want := range f.rps {
			got := read(t, e, func(tx connectdir.Tx) (connectdir.RoutingProfile, error) {
				return tx.GetRoutingProfile(f.inst.ID, want.ID)
			})
			equal(t, "GetRoutingProfile", got, want)
		}
		for _, want := range f.sps {
			got := read(t, e, func(tx connectdir.Tx) (connectdir.SecurityProfile, error) {
				return tx.GetSecurityProfile(f.inst.ID, want.ID)
			})
			equal(t, "GetSecurityProfile", got, want)
		}
		e.update(t, func(tx connectdir.Tx) error {
			if err := tx.TagResource(f.inst.ID, f.rps[1].ID, map[string]string{"k": "v"}); err != nil {
				return err
			}
			return tx.TagResource(f.inst.ID, f.sps[2].ID, map[string]string{"k2": "v2"})
		})
		rp := read(t, e, func(tx connectdir.Tx) (connectdir.RoutingProfile, error) {
			return tx.GetRoutingProfile(f.inst.ID, f.rps[1].ID)
		})
		equal(t, "routing profile tags", rp.Tags, map[string]string{"k": "v"})
		sp := read(t, e, func(tx connectdir.Tx) (connectdir.SecurityProfile, error) {
			return tx.GetSecurityProfile(f.inst.ID, f.sps[2].ID)
		})
		equal(t, "security profile tags", sp.Tags, map[string]string{"k2": "v2"})
	})

	t.Run("ScopedToInstance", func(t *testing.T) {
		wantNoRows(t, "GetRoutingProfile through another instance", readErr(t, e, func(tx connectdir.Tx) (connectdir.RoutingProfile, error) {
			return tx.GetRoutingProfile(other.inst.ID, f.rps[0].ID)
		}))
		wantNoRows(t, "GetSecurityProfile through another instance", readErr(t, e, func(tx connectdir.Tx) (connectdir.SecurityProfile, error) {
			return tx.GetSecurityProfile(other.inst.ID, f.sps[0].ID)
		}))
		wantNoRows(t, "GetRoutingProfile of a missing id", readErr(t, e, func(tx connectdir.Tx) (connectdir.RoutingProfile, error) {
			return tx.GetRoutingProfile(f.inst.ID, "missing")
		}))
	})

	t.Run("UniqueName", func(t *testing.T) {
		rp := f.rps[0]
		rp.ID = "i-prof-rp-dup"
		wantConflict(t, "InsertRoutingProfile with a taken name", e.write(t, func(tx connectdir.Tx) error { return tx.InsertRoutingProfile(rp) }), "unique")
		sp := f.sps[0]
		sp.ID = "i-prof-sp-dup"
		wantConflict(t, "InsertSecurityProfile with a taken name", e.write(t, func(tx connectdir.Tx) error { return tx.InsertSecurityProfile(sp) }), "unique")
		// The same name in another instance is fine (the fixtures share names).
	})

	t.Run("ListPaging", func(t *testing.T) {
		wantRP := []string{f.rps[0].ID, f.rps[1].ID}
		wantSP := []string{f.sps[0].ID, f.sps[1].ID, f.sps[2].ID}
		e.update(t, func(tx connectdir.Tx) error {
			for _, n := range []int{4, 1, 3, 0, 2} {
				id := fmt.Sprintf("i-prof-x%d", n)
				if n == 2 {
					id = "I-PROF-X2" // first bytewise, not in most locales
				}
				wantRP, wantSP = append(wantRP, id+"-rp"), append(wantSP, id+"-sp")
				if err := tx.InsertRoutingProfile(connectdir.RoutingProfile{InstanceID: f.inst.ID, ID: id + "-rp", Name: id, LastModifiedTime: e.clock.Now()}); err != nil {
					return err
				}
				if err := tx.InsertSecurityProfile(connectdir.SecurityProfile{InstanceID: f.inst.ID, ID: id + "-sp", Name: id, LastModifiedTime: e.clock.Now()}); err != nil {
					return err
				}
			}
			return nil
		})
		for _, limit := range []int{1, 2, 7} {
			got := pageAll(t, "ListRoutingProfiles", limit, func(after string, limit int) ([]connectdir.RoutingProfile, error) {
				return inView(t, e, func(tx connectdir.Tx) ([]connectdir.RoutingProfile, error) {
					return tx.ListRoutingProfiles(f.inst.ID, after, limit)
				})
			}, func(p connectdir.RoutingProfile) string { return p.ID })
			equal(t, "ListRoutingProfiles ids", got, sorted(wantRP))
			got = pageAll(t, "ListSecurityProfiles", limit, func(after string, limit int) ([]connectdir.SecurityProfile, error) {
				return e.d.ListSecurityProfiles(ctx, f.inst.ID, after, limit)
			}, func(p connectdir.SecurityProfile) string { return p.ID })
			equal(t, "ListSecurityProfiles ids", got, sorted(wantSP))
		}
	})

	t.Run("CountUsersWithRoutingProfile", func(t *testing.T) {
		u1, u2, u3 := f.user(e, "cu1", "cu1"), f.user(e, "cu2", "cu2"), f.user(e, "cu3", "cu3")
		u3.RoutingProfileID = f.rps[1].ID
		ou := other.user(e, "cu4", "cu4")
		e.insertUsers(t, u1, u2, u3, ou)
		for _, c := range []struct {
			inst, rp string
			want     int64
		}{{f.inst.ID, f.rps[0].ID, 2}, {f.inst.ID, f.rps[1].ID, 1}, {other.inst.ID, other.rps[0].ID, 1}, {other.inst.ID, f.rps[0].ID, 0}, {f.inst.ID, "missing", 0}} {
			n := read(t, e, func(tx connectdir.Tx) (int64, error) { return tx.CountUsersWithRoutingProfile(c.inst, c.rp) })
			equal(t, "CountUsersWithRoutingProfile "+c.inst+" "+c.rp, n, c.want)
		}
		rp, users, err := e.d.DescribeRoutingProfile(ctx, f.inst.ID, f.rps[0].ID)
		must(t, "DescribeRoutingProfile", err)
		equal(t, "DescribeRoutingProfile users", users, int64(2))
		equal(t, "DescribeRoutingProfile", rp, f.rps[0])
		_, _, err = e.d.DescribeRoutingProfile(ctx, f.inst.ID, "missing")
		wantKind(t, "DescribeRoutingProfile of a missing profile", err, connectdir.KindNotFound)
		_, _, err = e.d.DescribeRoutingProfile(ctx, other.inst.ID, f.rps[0].ID)
		wantKind(t, "DescribeRoutingProfile through another instance", err, connectdir.KindNotFound)
		sp, err := e.d.DescribeSecurityProfile(ctx, f.inst.ID, f.sps[1].ID)
		must(t, "DescribeSecurityProfile", err)
		equal(t, "DescribeSecurityProfile", sp, f.sps[1])
		_, err = e.d.DescribeSecurityProfile(ctx, "missing", f.sps[1].ID)
		wantKind(t, "DescribeSecurityProfile in a missing instance", err, connectdir.KindNotFound)
	})
}
