package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/connectdir/connectdir"
)

// fullUser sets every member of a user, each to a value unlike the zero one.
func (f fixture) fullUser(e *env, id, username string, group connectdir.HierarchyGroup) connectdir.User {
	u := f.user(e, id, username)
	u.IdentityInfo = connectdir.IdentityInfo{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com",
		SecondaryEmail: "ada.l@example.org", Mobile: "+15555550100"}
	u.PhoneConfig = connectdir.PhoneConfig{PhoneType: connectdir.DeskPhone, AutoAccept: true, AfterContactWorkTimeLimit: 45,
		DeskPhoneNumber: "+15555550101", PersistentConnection: ptr(true)}
	u.DirectoryUserID = "dir-user-" + id
	u.SecurityProfileIDs = []string{f.sps[2].ID, f.sps[0].ID}
	u.RoutingProfileID = f.rps[1].ID
	u.HierarchyGroupID, u.HierarchyPath = group.ID, group.Path
	u.AutoAcceptConfigs = []connectdir.AutoAcceptConfig{{Channel: "VOICE", AutoAccept: true, AgentFirstCallbackAutoAccept: ptr(true)},
		{Channel: "CHAT", AutoAccept: false}}
	u.AfterContactWorkConfigs = []connectdir.AfterContactWorkConfig{{Channel: "VOICE", AfterContactWorkTimeLimit: 45, AgentFirstCallbackTimeLimit: ptr(int32(12))},
		{Channel: "TASK", AfterContactWorkTimeLimit: 600}}
	u.PhoneNumberConfigs = []connectdir.PhoneNumberConfig{{Channel: "VOICE", PhoneType: connectdir.DeskPhone, PhoneNumber: "+15555550101"}}
	u.PersistentConnectionConfigs = []connectdir.PersistentConnectionConfig{{Channel: "VOICE", PersistentConnection: true}}
	u.VoiceEnhancementConfigs = []connectdir.VoiceEnhancementConfig{{Channel: "VOICE", VoiceEnhancementMode: "VOICE_ISOLATION"}}
	return u
}

func (e *env) getUser(t *testing.T, instanceID, id string) connectdir.User {
	t.Helper()
	return read(t, e, func(tx connectdir.Tx) (connectdir.User, error) { return tx.GetUser(instanceID, id) })
}

func testUsers(t *testing.T, e *env) {
	ctx := t.Context()
	f := e.rawInstance(t, "i-users")
	other := e.rawInstance(t, "i-users-other")
	g := f.group(e, "i-users-g", "Group", nil)
	e.insertGroups(t, g)

	full := f.fullUser(e, "u-full", "ada", g)
	bare := f.user(e, "u-bare", "bare")
	e.insertUsers(t, full, bare)

	t.Run("GetRoundTrip", func(t *testing.T) {
		equal(t, "GetUser of a user with every member set", e.getUser(t, f.inst.ID, full.ID), full)
		equal(t, "GetUser of a minimal user", e.getUser(t, f.inst.ID, bare.ID), bare)
		wantNoRows(t, "GetUser of a missing id", readErr(t, e, func(tx connectdir.Tx) (connectdir.User, error) { return tx.GetUser(f.inst.ID, "missing") }))
		wantNoRows(t, "GetUser through another instance", readErr(t, e, func(tx connectdir.Tx) (connectdir.User, error) { return tx.GetUser(other.inst.ID, full.ID) }))
	})

	t.Run("GetWithTags", func(t *testing.T) {
		tags := map[string]string{"dept": "research", "Level": "senior", "empty": ""}
		e.update(t, func(tx connectdir.Tx) error { return tx.TagResource(f.inst.ID, full.ID, tags) })
		want := full
		want.Tags = tags
		equal(t, "GetUser with tags", e.getUser(t, f.inst.ID, full.ID), want)
		equal(t, "tags of the untagged user", e.getUser(t, f.inst.ID, bare.ID).Tags, map[string]string(nil))
	})

	t.Run("UsernameTaken", func(t *testing.T) {
		for _, c := range []struct {
			inst, name string
			want       bool
		}{{f.inst.ID, "ada", true}, {f.inst.ID, "bare", true}, {f.inst.ID, "nobody", false}, {other.inst.ID, "ada", false}, {f.inst.ID, "ad", false}} {
			got := read(t, e, func(tx connectdir.Tx) (bool, error) { return tx.UsernameTaken(c.inst, c.name) })
			equal(t, fmt.Sprintf("UsernameTaken(%s, %s)", c.inst, c.name), got, c.want)
		}
	})

	t.Run("ForeignKeys", func(t *testing.T) {
		u := f.user(e, "u-badrp", "badrp")
		u.RoutingProfileID = "missing"
		wantConflict(t, "InsertUser with a missing routing profile", e.write(t, func(tx connectdir.Tx) error { return tx.InsertUser(u, "") }), "foreign")
		u = f.user(e, "u-badgroup", "badgroup")
		u.HierarchyGroupID, u.HierarchyPath = "missing", "/missing/"
		wantConflict(t, "InsertUser with a missing group", e.write(t, func(tx connectdir.Tx) error { return tx.InsertUser(u, "") }), "foreign")
		wantNoRows(t, "GetUser of a refused insert", readErr(t, e, func(tx connectdir.Tx) (connectdir.User, error) { return tx.GetUser(f.inst.ID, u.ID) }))
	})

	t.Run("Delete", func(t *testing.T) {
		victim := f.user(e, "u-victim", "victim")
		victim.HierarchyGroupID, victim.HierarchyPath = g.ID, g.Path
		e.insertUsers(t, victim)
		e.update(t, func(tx connectdir.Tx) error { return tx.TagResource(f.inst.ID, victim.ID, map[string]string{"a": "b"}) })
		counts := read(t, e, func(tx connectdir.Tx) (map[string]int64, error) { return tx.CountUsersByGroup(f.inst.ID) })
		equal(t, "CountUsersByGroup before delete", counts, map[string]int64{g.ID: 2})
		e.update(t, func(tx connectdir.Tx) error { return tx.DeleteUser(f.inst.ID, victim.ID) })
		wantNoRows(t, "GetUser after DeleteUser", readErr(t, e, func(tx connectdir.Tx) (connectdir.User, error) { return tx.GetUser(f.inst.ID, victim.ID) }))
		tags := read(t, e, func(tx connectdir.Tx) (map[string]string, error) { return tx.Tags(f.inst.ID, victim.ID) })
		if len(tags) != 0 {
			t.Errorf("tags of a deleted user: %v", tags)
		}
		counts = read(t, e, func(tx connectdir.Tx) (map[string]int64, error) { return tx.CountUsersByGroup(f.inst.ID) })
		equal(t, "CountUsersByGroup after delete", counts, map[string]int64{g.ID: 1})
		taken := read(t, e, func(tx connectdir.Tx) (bool, error) { return tx.UsernameTaken(f.inst.ID, "victim") })
		equal(t, "UsernameTaken after delete", taken, false)
	})

	t.Run("Directory", func(t *testing.T) {
		di := e.dirInstance(t, "dir-users", nil)
		must(t, "UpdateHierarchyStructure", e.d.UpdateHierarchyStructure(ctx, di.inst.ID, [connectdir.MaxLevels]string{"One"}))
		grp, err := e.d.CreateHierarchyGroup(ctx, di.inst.ID, "Team", "", nil)
		must(t, "CreateHierarchyGroup", err)
		tags := map[string]string{"team": "a"}
		in := di.newUser("jdoe", grp.ID, tags)
		in.PhoneConfig = connectdir.PhoneConfig{PhoneType: connectdir.DeskPhone, DeskPhoneNumber: "+15555550123", AfterContactWorkTimeLimit: 30, PersistentConnection: ptr(false)}
		in.SecurityProfileIDs = []string{di.sps[1].ID, di.sps[0].ID}
		u, err := e.d.CreateUser(ctx, in, true)
		must(t, "CreateUser", err)
		if u.HierarchyPath != grp.Path || u.ID == "" || u.ARN != di.inst.ARN+"/agent/"+u.ID {
			t.Errorf("CreateUser: derived members wrong: %s", dump(u))
		}
		got, err := e.d.DescribeUser(ctx, di.inst.ID, u.ID)
		must(t, "DescribeUser", err)
		equal(t, "DescribeUser after CreateUser", got, u)

		// A CONNECT_MANAGED instance takes a password.
		cm, err := e.d.CreateInstance(ctx, connectdir.Instance{IdentityManagementType: connectdir.IdentityConnectManaged})
		must(t, "CreateInstance", err)
		cmi := dirInstance{inst: cm}
		rps, err := e.d.ListRoutingProfiles(ctx, cm.ID, "", 1)
		must(t, "ListRoutingProfiles", err)
		cmi.sps, err = e.d.ListSecurityProfiles(ctx, cm.ID, "", 1)
		must(t, "ListSecurityProfiles", err)
		cmi.rp = rps[0]
		pin := cmi.newUser("pw.user", "", nil)
		pin.Password = "Secret-Passw0rd"
		pu, err := e.d.CreateUser(ctx, pin, false)
		must(t, "CreateUser with a password", err)
		pgot, err := e.d.DescribeUser(ctx, cm.ID, pu.ID)
		must(t, "DescribeUser", err)
		equal(t, "DescribeUser of a user with a password", pgot, pu)

		for _, c := range []struct {
			name string
			mod  func(*connectdir.NewUser)
			kind connectdir.Kind
		}{
			{"missing routing profile", func(n *connectdir.NewUser) { n.RoutingProfileID = "missing" }, connectdir.KindNotFound},
			{"missing security profile", func(n *connectdir.NewUser) { n.SecurityProfileIDs = []string{"missing"} }, connectdir.KindNotFound},
			{"missing group", func(n *connectdir.NewUser) { n.HierarchyGroupID = "missing" }, connectdir.KindNotFound},
			{"profile of another instance", func(n *connectdir.NewUser) { n.RoutingProfileID = cmi.rp.ID }, connectdir.KindNotFound},
			{"missing instance", func(n *connectdir.NewUser) { n.InstanceID = "missing" }, connectdir.KindNotFound},
		} {
			n := di.newUser("refused", "", nil)
			c.mod(&n)
			_, err := e.d.CreateUser(ctx, n, false)
			wantKind(t, "CreateUser with a "+c.name, err, c.kind)
		}
		taken := read(t, e, func(tx connectdir.Tx) (bool, error) { return tx.UsernameTaken(di.inst.ID, "refused") })
		equal(t, "a refused CreateUser left a user", taken, false)

		must(t, "DeleteUser", e.d.DeleteUser(ctx, di.inst.ID, u.ID))
		_, err = e.d.DescribeUser(ctx, di.inst.ID, u.ID)
		wantKind(t, "DescribeUser after DeleteUser", err, connectdir.KindNotFound)
		wantKind(t, "DeleteUser again", e.d.DeleteUser(ctx, di.inst.ID, u.ID), connectdir.KindNotFound)
		// The group is free once its user is gone.
		must(t, "DeleteHierarchyGroup after its user went", e.d.DeleteHierarchyGroup(ctx, di.inst.ID, grp.ID))
	})
}

func testUpdateUser(t *testing.T, e *env) {
	f := e.rawInstance(t, "i-upd")
	g1 := f.group(e, "i-upd-g1", "One", nil)
	g2 := f.group(e, "i-upd-g2", "Two", &g1)
	e.insertGroups(t, g1, g2)
	orig := f.user(e, "u-upd", "updated.user")
	e.insertUsers(t, orig)
	e.update(t, func(tx connectdir.Tx) error {
		return tx.TagResource(f.inst.ID, orig.ID, map[string]string{"keep": "me"})
	})

	// Each case changes the stored user from what the previous case left; want is what GetUser
	// must return afterwards.
	cur := orig
	cases := []struct {
		name   string
		change func(u *connectdir.User)
	}{
		{"every member", func(u *connectdir.User) {
			full := f.fullUser(e, u.ID, u.Username, g2)
			full.LastModifiedTime, full.LastModifiedRegion = e.clock.Advance(), "eu-central-1"
			*u = full
		}},
		{"persistent connection nil", func(u *connectdir.User) { u.PhoneConfig.PersistentConnection = nil }},
		{"persistent connection false", func(u *connectdir.User) { u.PhoneConfig.PersistentConnection = ptr(false) }},
		{"persistent connection true", func(u *connectdir.User) { u.PhoneConfig.PersistentConnection = ptr(true) }},
		{"group cleared", func(u *connectdir.User) { u.HierarchyGroupID, u.HierarchyPath = "", "" }},
		{"group set", func(u *connectdir.User) { u.HierarchyGroupID, u.HierarchyPath = g1.ID, g1.Path }},
		{"callback pointers to zero values", func(u *connectdir.User) {
			u.AutoAcceptConfigs = []connectdir.AutoAcceptConfig{{Channel: "VOICE", AgentFirstCallbackAutoAccept: ptr(false)}}
			u.AfterContactWorkConfigs = []connectdir.AfterContactWorkConfig{{Channel: "VOICE", AgentFirstCallbackTimeLimit: ptr(int32(0))}}
		}},
		{"callback pointers nil", func(u *connectdir.User) {
			u.AutoAcceptConfigs = []connectdir.AutoAcceptConfig{{Channel: "VOICE"}}
			u.AfterContactWorkConfigs = []connectdir.AfterContactWorkConfig{{Channel: "VOICE"}}
		}},
		{"per-channel configs cleared", func(u *connectdir.User) {
			u.AutoAcceptConfigs, u.AfterContactWorkConfigs, u.PhoneNumberConfigs = nil, nil, nil
			u.PersistentConnectionConfigs, u.VoiceEnhancementConfigs = nil, nil
		}},
		{"per-channel configs of every channel", func(u *connectdir.User) {
			for _, ch := range []string{"VOICE", "CHAT", "TASK", "EMAIL"} {
				u.AutoAcceptConfigs = append(u.AutoAcceptConfigs, connectdir.AutoAcceptConfig{Channel: ch, AutoAccept: ch != "CHAT"})
				u.AfterContactWorkConfigs = append(u.AfterContactWorkConfigs, connectdir.AfterContactWorkConfig{Channel: ch, AfterContactWorkTimeLimit: int32(len(ch))})
				u.PhoneNumberConfigs = append(u.PhoneNumberConfigs, connectdir.PhoneNumberConfig{Channel: ch, PhoneType: connectdir.SoftPhone})
				u.PersistentConnectionConfigs = append(u.PersistentConnectionConfigs, connectdir.PersistentConnectionConfig{Channel: ch, PersistentConnection: ch == "CHAT"})
				u.VoiceEnhancementConfigs = append(u.VoiceEnhancementConfigs, connectdir.VoiceEnhancementConfig{Channel: ch, VoiceEnhancementMode: "NONE"})
			}
		}},
		{"identity emptied", func(u *connectdir.User) { u.IdentityInfo = connectdir.IdentityInfo{} }},
		{"phone back to soft, booleans false", func(u *connectdir.User) {
			u.PhoneConfig = connectdir.PhoneConfig{PhoneType: connectdir.SoftPhone}
			u.DirectoryUserID = ""
		}},
		{"security profiles reordered", func(u *connectdir.User) { u.SecurityProfileIDs = []string{f.sps[1].ID, f.sps[2].ID, f.sps[0].ID} }},
		{"routing profile back", func(u *connectdir.User) { u.RoutingProfileID = f.rps[0].ID }},
		{"unicode names", func(u *connectdir.User) {
			u.IdentityInfo.FirstName, u.IdentityInfo.LastName = "Zoë", "Ñúñez 李"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			next := cur
			c.change(&next)
			next.Tags = nil
			next.LastModifiedTime = e.clock.Advance()
			must(t, "UpdateUser", e.write(t, func(tx connectdir.Tx) error { return tx.UpdateUser(next) }))
			want := next
			want.Tags = map[string]string{"keep": "me"}
			equal(t, "GetUser after UpdateUser", e.getUser(t, f.inst.ID, orig.ID), want)
			cur = want
		})
	}

	t.Run("username is not written", func(t *testing.T) {
		next := cur
		next.Username = "renamed"
		next.Tags = nil
		must(t, "UpdateUser", e.write(t, func(tx connectdir.Tx) error { return tx.UpdateUser(next) }))
		got := e.getUser(t, f.inst.ID, orig.ID)
		if got.Username != orig.Username {
			t.Errorf("UpdateUser changed the username to %q", got.Username)
		}
		taken := read(t, e, func(tx connectdir.Tx) (bool, error) { return tx.UsernameTaken(f.inst.ID, orig.Username) })
		equal(t, "UsernameTaken of the kept username", taken, true)
	})

	t.Run("missing group refused", func(t *testing.T) {
		next := cur
		next.Tags = nil
		next.HierarchyGroupID, next.HierarchyPath = "missing", "/missing/"
		wantConflict(t, "UpdateUser to a missing group", e.write(t, func(tx connectdir.Tx) error { return tx.UpdateUser(next) }), "foreign")
		got := e.getUser(t, f.inst.ID, orig.ID)
		if got.HierarchyGroupID != cur.HierarchyGroupID {
			t.Errorf("a refused UpdateUser left the group %q", got.HierarchyGroupID)
		}
	})
}

func testDirectoryUserUpdates(t *testing.T, e *env) {
	ctx := t.Context()
	di := e.dirInstance(t, "upd", nil)
	must(t, "UpdateHierarchyStructure", e.d.UpdateHierarchyStructure(ctx, di.inst.ID, [connectdir.MaxLevels]string{"One", "Two"}))
	top, err := e.d.CreateHierarchyGroup(ctx, di.inst.ID, "Top", "", nil)
	must(t, "CreateHierarchyGroup", err)
	sub, err := e.d.CreateHierarchyGroup(ctx, di.inst.ID, "Sub", top.ID, nil)
	must(t, "CreateHierarchyGroup", err)
	rp2id := "extra-rp-" + di.inst.ID
	e.update(t, func(tx connectdir.Tx) error {
		return tx.InsertRoutingProfile(connectdir.RoutingProfile{InstanceID: di.inst.ID, ID: rp2id, Name: "Second", LastModifiedTime: e.clock.Now()})
	})
	u := e.dirUser(t, di, "mover", "", nil)
	describe := func(t *testing.T) connectdir.User {
		t.Helper()
		got, err := e.d.DescribeUser(ctx, di.inst.ID, u.ID)
		must(t, "DescribeUser", err)
		return got
	}

	t.Run("IdentityInfo", func(t *testing.T) {
		info := connectdir.IdentityInfo{FirstName: "New", LastName: "Name", SecondaryEmail: "new@example.com", Mobile: "+15555550199"}
		at := e.clock.Advance()
		must(t, "UpdateUserIdentityInfo", e.d.UpdateUserIdentityInfo(ctx, di.inst.ID, u.ID, info))
		got := describe(t)
		equal(t, "IdentityInfo", got.IdentityInfo, info)
		equal(t, "LastModifiedTime", got.LastModifiedTime, at)
		wantKind(t, "UpdateUserIdentityInfo without a last name", e.d.UpdateUserIdentityInfo(ctx, di.inst.ID, u.ID, connectdir.IdentityInfo{FirstName: "x"}), connectdir.KindInvalidParameter)
		equal(t, "IdentityInfo after a refused update", describe(t).IdentityInfo, info)
		wantKind(t, "UpdateUserIdentityInfo of a missing user", e.d.UpdateUserIdentityInfo(ctx, di.inst.ID, "missing", info), connectdir.KindNotFound)
	})

	t.Run("PhoneConfig", func(t *testing.T) {
		for _, c := range []struct {
			name string
			pc   connectdir.PhoneConfig
			want connectdir.PhoneConfig
		}{
			{"desk phone, persistent false", connectdir.PhoneConfig{PhoneType: connectdir.DeskPhone, DeskPhoneNumber: "+15555550150", AutoAccept: true, AfterContactWorkTimeLimit: 20, PersistentConnection: ptr(false)},
				connectdir.PhoneConfig{PhoneType: connectdir.DeskPhone, DeskPhoneNumber: "+15555550150", AutoAccept: true, AfterContactWorkTimeLimit: 20, PersistentConnection: ptr(false)}},
			{"persistent nil", connectdir.PhoneConfig{PhoneType: connectdir.DeskPhone, DeskPhoneNumber: "+15555550150"},
				connectdir.PhoneConfig{PhoneType: connectdir.DeskPhone, DeskPhoneNumber: "+15555550150"}},
			{"persistent true, type kept", connectdir.PhoneConfig{DeskPhoneNumber: "+15555550151", PersistentConnection: ptr(true)},
				connectdir.PhoneConfig{PhoneType: connectdir.DeskPhone, DeskPhoneNumber: "+15555550151", PersistentConnection: ptr(true)}},
			{"soft phone drops the number", connectdir.PhoneConfig{PhoneType: connectdir.SoftPhone, DeskPhoneNumber: "+15555550152"},
				connectdir.PhoneConfig{PhoneType: connectdir.SoftPhone}},
		} {
			must(t, "UpdateUserPhoneConfig "+c.name, e.d.UpdateUserPhoneConfig(ctx, di.inst.ID, u.ID, c.pc))
			got := describe(t)
			equal(t, "PhoneConfig after "+c.name, got.PhoneConfig, c.want)
			var voice *connectdir.PhoneNumberConfig
			for i := range got.PhoneNumberConfigs {
				if got.PhoneNumberConfigs[i].Channel == "VOICE" {
					voice = &got.PhoneNumberConfigs[i]
				}
			}
			if voice == nil || voice.PhoneType != c.want.PhoneType || voice.PhoneNumber != c.want.DeskPhoneNumber {
				t.Errorf("VOICE phone number config after %s: %s", c.name, dump(got.PhoneNumberConfigs))
			}
		}
		wantKind(t, "UpdateUserPhoneConfig desk phone without a number",
			e.d.UpdateUserPhoneConfig(ctx, di.inst.ID, u.ID, connectdir.PhoneConfig{PhoneType: connectdir.DeskPhone}), connectdir.KindInvalidParameter)
		equal(t, "PhoneConfig after a refused update", describe(t).PhoneConfig, connectdir.PhoneConfig{PhoneType: connectdir.SoftPhone})
	})

	t.Run("RoutingProfile", func(t *testing.T) {
		must(t, "UpdateUserRoutingProfile", e.d.UpdateUserRoutingProfile(ctx, di.inst.ID, u.ID, rp2id))
		equal(t, "RoutingProfileID", describe(t).RoutingProfileID, rp2id)
		_, n, err := e.d.DescribeRoutingProfile(ctx, di.inst.ID, rp2id)
		must(t, "DescribeRoutingProfile", err)
		equal(t, "users of the new routing profile", n, int64(1))
		wantKind(t, "UpdateUserRoutingProfile to a missing profile", e.d.UpdateUserRoutingProfile(ctx, di.inst.ID, u.ID, "missing"), connectdir.KindNotFound)
		equal(t, "RoutingProfileID after a refused update", describe(t).RoutingProfileID, rp2id)
	})

	t.Run("SecurityProfiles", func(t *testing.T) {
		ids := []string{di.sps[3].ID, di.sps[1].ID}
		must(t, "UpdateUserSecurityProfiles", e.d.UpdateUserSecurityProfiles(ctx, di.inst.ID, u.ID, ids))
		equal(t, "SecurityProfileIDs", describe(t).SecurityProfileIDs, ids)
		wantKind(t, "UpdateUserSecurityProfiles with a missing profile", e.d.UpdateUserSecurityProfiles(ctx, di.inst.ID, u.ID, []string{"missing"}), connectdir.KindNotFound)
		wantKind(t, "UpdateUserSecurityProfiles with none", e.d.UpdateUserSecurityProfiles(ctx, di.inst.ID, u.ID, nil), connectdir.KindInvalidParameter)
		equal(t, "SecurityProfileIDs after refused updates", describe(t).SecurityProfileIDs, ids)
	})

	t.Run("Hierarchy", func(t *testing.T) {
		must(t, "UpdateUserHierarchy", e.d.UpdateUserHierarchy(ctx, di.inst.ID, u.ID, sub.ID))
		got := describe(t)
		equal(t, "group", [2]string{got.HierarchyGroupID, got.HierarchyPath}, [2]string{sub.ID, sub.Path})
		wantKind(t, "DeleteHierarchyGroup of the user's group", e.d.DeleteHierarchyGroup(ctx, di.inst.ID, sub.ID), connectdir.KindInUse)
		wantKind(t, "UpdateUserHierarchy to a missing group", e.d.UpdateUserHierarchy(ctx, di.inst.ID, u.ID, "missing"), connectdir.KindNotFound)
		must(t, "UpdateUserHierarchy to none", e.d.UpdateUserHierarchy(ctx, di.inst.ID, u.ID, ""))
		got = describe(t)
		equal(t, "group after clearing", [2]string{got.HierarchyGroupID, got.HierarchyPath}, [2]string{"", ""})
		m := read(t, e, func(tx connectdir.Tx) (map[string]int64, error) { return tx.CountUsersByGroup(di.inst.ID) })
		equal(t, "CountUsersByGroup after clearing", m, map[string]int64{})
		must(t, "DeleteHierarchyGroup once the user left", e.d.DeleteHierarchyGroup(ctx, di.inst.ID, sub.ID))
	})
}

func testUsernameUnique(t *testing.T, e *env) {
	ctx := t.Context()
	di := e.dirInstance(t, "uniq", nil)
	other := e.dirInstance(t, "uniq-other", nil)
	orig := e.dirUser(t, di, "taken", "", nil)
	_, err := e.d.CreateUser(ctx, di.newUser("taken", "", nil), false)
	wantKind(t, "Directory.CreateUser of a taken username", err, connectdir.KindDuplicate)
	e.dirUser(t, other, "taken", "", nil) // per instance
	e.dirUser(t, di, "Taken", "", nil)    // usernames compare exactly

	f := e.rawInstance(t, "i-uniq")
	u := f.user(e, "raw-1", "raw")
	e.insertUsers(t, u)
	dup := f.user(e, "raw-2", "raw")
	wantConflict(t, "Tx.InsertUser of a taken username", e.write(t, func(tx connectdir.Tx) error { return tx.InsertUser(dup, "") }), "unique")
	sameID := f.user(e, "raw-1", "raw-other")
	wantConflict(t, "Tx.InsertUser of a taken id", e.write(t, func(tx connectdir.Tx) error { return tx.InsertUser(sameID, "") }), "unique")
	wantNoRows(t, "GetUser of a refused insert", readErr(t, e, func(tx connectdir.Tx) (connectdir.User, error) { return tx.GetUser(f.inst.ID, "raw-2") }))

	list, err := e.d.ListUsers(ctx, di.inst.ID, "", 10)
	must(t, "ListUsers", err)
	if len(list) != 2 || list[0].Username != "Taken" || list[1].ID != orig.ID {
		t.Errorf("users after the refused duplicate: %s", dump(list))
	}
}

// testCreateUserRefusals checks that CreateUser names what a new user refers to and is missing,
// in the order the checks run (the username before the references), and writes nothing then.
// The write path reads the references in one statement and relies on the unique index for the
// username, so every missing piece is asked for here, alone and together with others.
func testCreateUserRefusals(t *testing.T, e *env) {
	ctx := t.Context()
	di := e.dirInstance(t, "refusals", nil)
	must(t, "UpdateHierarchyStructure", e.d.UpdateHierarchyStructure(ctx, di.inst.ID, [connectdir.MaxLevels]string{"One"}))
	g, err := e.d.CreateHierarchyGroup(ctx, di.inst.ID, "G", "", nil)
	must(t, "CreateHierarchyGroup", err)
	e.dirUser(t, di, "taken", "", nil)
	for _, c := range []struct {
		name   string
		change func(u *connectdir.NewUser)
		kind   connectdir.Kind
		msg    string
	}{
		{"unknown instance", func(u *connectdir.NewUser) { u.InstanceID = "no-such-instance" }, connectdir.KindNotFound, "Instance not found: no-such-instance"},
		{"unknown routing profile", func(u *connectdir.NewUser) { u.RoutingProfileID = "no-rp" }, connectdir.KindNotFound, "RoutingProfile not found: no-rp"},
		{"second security profile unknown", func(u *connectdir.NewUser) { u.SecurityProfileIDs = append(u.SecurityProfileIDs, "no-sp") },
			connectdir.KindNotFound, "SecurityProfile not found: no-sp"},
		{"security profile of another instance", func(u *connectdir.NewUser) { u.InstanceID = e.dirInstance(t, "refusals-2", nil).inst.ID },
			connectdir.KindNotFound, "RoutingProfile not found: " + di.rp.ID},
		{"unknown group", func(u *connectdir.NewUser) { u.HierarchyGroupID = "no-group" }, connectdir.KindNotFound, "HierarchyGroup not found: no-group"},
		{"taken username", func(u *connectdir.NewUser) { u.Username = "taken" }, connectdir.KindDuplicate, "User with username taken already exists"},
		{"taken username and unknown profile", func(u *connectdir.NewUser) { u.Username = "taken"; u.SecurityProfileIDs = []string{"no-sp"} },
			connectdir.KindDuplicate, "User with username taken already exists"},
		{"email on a SAML instance", func(u *connectdir.NewUser) { u.IdentityInfo.Email = "a@b.c" },
			connectdir.KindInvalidRequest, "IdentityInfo.Email must not be given for instances that use SAML identity management"},
	} {
		u := di.newUser("fresh", g.ID, map[string]string{"k": "v"})
		c.change(&u)
		_, err := e.d.CreateUser(ctx, u, false)
		wantKind(t, c.name, err, c.kind)
		if err != nil && err.Error() != c.msg {
			t.Errorf("%s: %q, want %q", c.name, err, c.msg)
		}
	}
	list, err := e.d.ListUsers(ctx, di.inst.ID, "", 10)
	must(t, "ListUsers", err)
	if len(list) != 1 || list[0].Username != "taken" {
		t.Errorf("users after the refusals: %s", dump(list))
	}
	u, err := e.d.CreateUser(ctx, di.newUser("in-group", g.ID, map[string]string{"k": "v", "k2": "v2"}), false)
	must(t, "CreateUser in a group", err)
	got := e.getUser(t, di.inst.ID, u.ID)
	if got.HierarchyPath != g.Path || got.Tags["k2"] != "v2" || len(got.Tags) != 2 || got.ARN != di.inst.ARN+"/agent/"+u.ID {
		t.Errorf("created user: path %q (want %q), tags %v, ARN %s", got.HierarchyPath, g.Path, got.Tags, got.ARN)
	}
}

func testListUsers(t *testing.T, e *env) {
	ctx := t.Context()
	f := e.rawInstance(t, "i-list")
	other := e.rawInstance(t, "i-list-other")
	// Bytewise order differs from most locales' order on every one of these: case, punctuation,
	// digits, non-ASCII.
	names := []string{"alice", "Bob", "bob", "_under", "a-b", "ab", "a.b", "Zed", "zed", "a b", "1num", "10num", "2num",
		"ümlaut", "uz", "A", "a", "aa", "a@b.c", "~tilde", "B-2", "b_2", "x%y", "x_y"}
	var users []connectdir.User
	for _, i := range rand.Perm(len(names)) {
		users = append(users, f.user(e, fmt.Sprintf("i-list-u%02d", i), names[i]))
	}
	e.insertUsers(t, users...)
	e.insertUsers(t, other.user(e, "i-list-other-u", "alice"), other.user(e, "i-list-other-v", "0first"))
	e.update(t, func(tx connectdir.Tx) error {
		return tx.TagResource(f.inst.ID, users[3].ID, map[string]string{"t": "v"})
	})

	want := sorted(names)
	for _, limit := range []int{1, 2, 5, len(names), 100} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			got := pageAll(t, "Tx.ListUsers", limit, func(after string, limit int) ([]connectdir.User, error) {
				return inView(t, e, func(tx connectdir.Tx) ([]connectdir.User, error) { return tx.ListUsers(f.inst.ID, after, limit) })
			}, func(u connectdir.User) string { return u.Username })
			equal(t, "usernames", got, want)
			got = pageAll(t, "Directory.ListUsers", limit, func(after string, limit int) ([]connectdir.User, error) {
				return e.d.ListUsers(ctx, f.inst.ID, after, limit)
			}, func(u connectdir.User) string { return u.Username })
			equal(t, "usernames through the Directory", got, want)
			got = pageAll(t, "Directory.ListUserSummaries", limit, func(after string, limit int) ([]connectdir.User, error) {
				return e.d.ListUserSummaries(ctx, f.inst.ID, after, limit)
			}, func(u connectdir.User) string { return u.Username })
			equal(t, "usernames of the summaries", got, want)
		})
	}
	// A summary is the listed user's id, ARN, username and last modification.
	sums := read(t, e, func(tx connectdir.Tx) ([]connectdir.User, error) { return tx.ListUserSummaries(f.inst.ID, "", 1000) })
	for _, s := range sums {
		u := e.getUser(t, f.inst.ID, s.ID)
		equal(t, "summary of "+u.Username, s, connectdir.User{InstanceID: u.InstanceID, ID: u.ID, ARN: u.ARN, Username: u.Username,
			LastModifiedTime: u.LastModifiedTime, LastModifiedRegion: u.LastModifiedRegion})
	}
	if len(sums) != len(names) {
		t.Errorf("%d summaries of %d users", len(sums), len(names))
	}
	_, err := e.d.ListUserSummaries(ctx, "missing", "", 10)
	wantKind(t, "Directory.ListUserSummaries of a missing instance", err, connectdir.KindNotFound)

	// Listed users are whole, tags included.
	all := read(t, e, func(tx connectdir.Tx) ([]connectdir.User, error) { return tx.ListUsers(f.inst.ID, "", 1000) })
	for _, lu := range all {
		equal(t, "listed user "+lu.Username, lu, e.getUser(t, f.inst.ID, lu.ID))
	}
	i := slices.IndexFunc(all, func(u connectdir.User) bool { return u.ID == users[3].ID })
	if i < 0 || all[i].Tags["t"] != "v" {
		t.Errorf("ListUsers does not attach tags")
	}
	// after need not be a username that exists.
	rest := read(t, e, func(tx connectdir.Tx) ([]connectdir.User, error) { return tx.ListUsers(f.inst.ID, "a.", 2) })
	var restNames []string
	for _, u := range rest {
		restNames = append(restNames, u.Username)
	}
	equal(t, "ListUsers after a key between usernames", restNames, []string{"a.b", "a@b.c"})
	_, err = e.d.ListUsers(ctx, "missing", "", 10)
	wantKind(t, "Directory.ListUsers of a missing instance", err, connectdir.KindNotFound)
}
