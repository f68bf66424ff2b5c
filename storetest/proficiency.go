package storetest

import (
	"slices"
	"testing"

	"github.com/connectdir/connectdir"
)

// testUserConfig: UpdateUserConfig replaces the channels it names, keeps the others, and keeps
// the legacy PhoneConfig in step with the VOICE entries; a refusal changes nothing.
func testUserConfig(t *testing.T, e *env) {
	ctx := t.Context()
	di := e.dirInstance(t, "config", nil)
	u := e.dirUser(t, di, "agent", "", nil)
	acw := int32(45)
	must(t, "UpdateUserConfig", e.d.UpdateUserConfig(ctx, di.inst.ID, u.ID, connectdir.ChannelConfigs{
		AutoAccept: []connectdir.AutoAcceptConfig{{Channel: "CHAT", AutoAccept: true}, {Channel: "VOICE", AutoAccept: true}},
		AfterContactWork: []connectdir.AfterContactWorkConfig{{Channel: "TASK", AfterContactWorkTimeLimit: 120, AgentFirstCallbackTimeLimit: &acw},
			{Channel: "VOICE", AfterContactWorkTimeLimit: 30}},
		PhoneNumber:          []connectdir.PhoneNumberConfig{{Channel: "VOICE", PhoneType: connectdir.DeskPhone, PhoneNumber: "+14155550100"}},
		PersistentConnection: []connectdir.PersistentConnectionConfig{{Channel: "VOICE", PersistentConnection: true}},
		VoiceEnhancement:     []connectdir.VoiceEnhancementConfig{{Channel: "VOICE", VoiceEnhancementMode: "NOISE_SUPPRESSION"}},
	}))
	got := e.getUser(t, di.inst.ID, u.ID)
	equal(t, "PhoneConfig after UpdateUserConfig", got.PhoneConfig, connectdir.PhoneConfig{PhoneType: connectdir.DeskPhone, AutoAccept: true,
		AfterContactWorkTimeLimit: 30, DeskPhoneNumber: "+14155550100", PersistentConnection: ptr(true)})
	equal(t, "AutoAcceptConfigs", got.AutoAcceptConfigs, []connectdir.AutoAcceptConfig{{Channel: "VOICE", AutoAccept: true}, {Channel: "CHAT", AutoAccept: true}})
	equal(t, "AfterContactWorkConfigs", got.AfterContactWorkConfigs, []connectdir.AfterContactWorkConfig{{Channel: "VOICE", AfterContactWorkTimeLimit: 30},
		{Channel: "TASK", AfterContactWorkTimeLimit: 120, AgentFirstCallbackTimeLimit: &acw}})
	equal(t, "VoiceEnhancementConfigs", got.VoiceEnhancementConfigs, []connectdir.VoiceEnhancementConfig{{Channel: "VOICE", VoiceEnhancementMode: "NOISE_SUPPRESSION"}})

	// Only CHAT named: VOICE and TASK stay.
	must(t, "UpdateUserConfig CHAT", e.d.UpdateUserConfig(ctx, di.inst.ID, u.ID, connectdir.ChannelConfigs{
		AutoAccept: []connectdir.AutoAcceptConfig{{Channel: "CHAT", AutoAccept: false}}}))
	got2 := e.getUser(t, di.inst.ID, u.ID)
	equal(t, "AutoAcceptConfigs after CHAT only", got2.AutoAcceptConfigs, []connectdir.AutoAcceptConfig{{Channel: "VOICE", AutoAccept: true}, {Channel: "CHAT"}})
	equal(t, "AfterContactWorkConfigs after CHAT only", got2.AfterContactWorkConfigs, got.AfterContactWorkConfigs)

	// UpdateUserPhoneConfig writes the VOICE entries back.
	must(t, "UpdateUserPhoneConfig", e.d.UpdateUserPhoneConfig(ctx, di.inst.ID, u.ID, connectdir.PhoneConfig{PhoneType: connectdir.SoftPhone, AfterContactWorkTimeLimit: 7}))
	got3 := e.getUser(t, di.inst.ID, u.ID)
	equal(t, "PhoneNumberConfigs after UpdateUserPhoneConfig", got3.PhoneNumberConfigs, []connectdir.PhoneNumberConfig{{Channel: "VOICE", PhoneType: connectdir.SoftPhone}})
	if got3.AfterContactWorkConfigs[0] != (connectdir.AfterContactWorkConfig{Channel: "VOICE", AfterContactWorkTimeLimit: 7}) {
		t.Errorf("VOICE ACW after UpdateUserPhoneConfig = %+v", got3.AfterContactWorkConfigs[0])
	}

	for _, bad := range []struct {
		what string
		c    connectdir.ChannelConfigs
		kind connectdir.Kind
	}{
		{"a channel twice", connectdir.ChannelConfigs{AutoAccept: []connectdir.AutoAcceptConfig{{Channel: "CHAT"}, {Channel: "CHAT", AutoAccept: true}}}, connectdir.KindInvalidParameter},
		{"a desk phone without number", connectdir.ChannelConfigs{PhoneNumber: []connectdir.PhoneNumberConfig{{Channel: "VOICE", PhoneType: connectdir.DeskPhone}}}, connectdir.KindInvalidParameter},
		{"ACW beyond 24 days", connectdir.ChannelConfigs{AfterContactWork: []connectdir.AfterContactWorkConfig{{Channel: "CHAT", AfterContactWorkTimeLimit: 2_000_001}}}, connectdir.KindInvalidParameter},
	} {
		wantKind(t, "UpdateUserConfig with "+bad.what, e.d.UpdateUserConfig(ctx, di.inst.ID, u.ID, bad.c), bad.kind)
	}
	equal(t, "user after refusals", e.getUser(t, di.inst.ID, u.ID), got3)
	wantKind(t, "UpdateUserConfig of a missing user", e.d.UpdateUserConfig(ctx, di.inst.ID, "missing", connectdir.ChannelConfigs{}), connectdir.KindNotFound)
}

// testProficiencies: predefined attributes and proficiencies obey their rules on every store,
// and SearchUsers finds users by proficiency.
func testProficiencies(t *testing.T, e *env) {
	ctx := t.Context()
	di := e.dirInstance(t, "skills", nil)
	inst := di.inst.ID
	must(t, "CreatePredefinedAttribute", e.d.CreatePredefinedAttribute(ctx, connectdir.PredefinedAttribute{InstanceID: inst, Name: "Language",
		Values: []string{"English", "French", "Japanese"}, Purposes: []string{"routing"}, EnableValueValidationOnAssociation: ptr(true)}))
	must(t, "CreatePredefinedAttribute", e.d.CreatePredefinedAttribute(ctx, connectdir.PredefinedAttribute{InstanceID: inst, Name: "Product", Values: []string{"Phones"}}))
	wantKind(t, "CreatePredefinedAttribute twice", e.d.CreatePredefinedAttribute(ctx, connectdir.PredefinedAttribute{InstanceID: inst, Name: "Language"}), connectdir.KindDuplicate)
	wantKind(t, "CreatePredefinedAttribute aws:", e.d.CreatePredefinedAttribute(ctx, connectdir.PredefinedAttribute{InstanceID: inst, Name: "aws:x"}), connectdir.KindInvalidParameter)
	wantKind(t, "CreatePredefinedAttribute repeated value", e.d.CreatePredefinedAttribute(ctx, connectdir.PredefinedAttribute{InstanceID: inst, Name: "X", Values: []string{"a", "a"}}), connectdir.KindInvalidParameter)

	a, err := e.d.DescribePredefinedAttribute(ctx, inst, "Language")
	must(t, "DescribePredefinedAttribute", err)
	equal(t, "attribute", a, connectdir.PredefinedAttribute{InstanceID: inst, Name: "Language", Values: []string{"English", "French", "Japanese"},
		Purposes: []string{"routing"}, EnableValueValidationOnAssociation: ptr(true), LastModifiedTime: e.clock.Now(), LastModifiedRegion: region})
	keys := pageAll(t, "ListPredefinedAttributes", 1, func(after string, limit int) ([]connectdir.PredefinedAttribute, error) {
		return e.d.ListPredefinedAttributes(ctx, inst, after, limit)
	}, func(a connectdir.PredefinedAttribute) string { return a.Name })
	equal(t, "attribute names", keys, []string{"Language", "Product"})

	u := e.dirUser(t, di, "polyglot", "", nil)
	v := e.dirUser(t, di, "mono", "", nil)
	must(t, "Associate", e.d.AssociateUserProficiencies(ctx, inst, u.ID, []connectdir.UserProficiency{
		{AttributeName: "Language", AttributeValue: "French", Level: 4}, {AttributeName: "Language", AttributeValue: "English", Level: 2}}))
	must(t, "Associate", e.d.AssociateUserProficiencies(ctx, inst, v.ID, []connectdir.UserProficiency{{AttributeName: "Product", AttributeValue: "Phones", Level: 5}}))
	for _, bad := range []struct {
		what string
		p    connectdir.UserProficiency
		kind connectdir.Kind
	}{
		{"a value the attribute lacks", connectdir.UserProficiency{AttributeName: "Language", AttributeValue: "German", Level: 1}, connectdir.KindInvalidParameter},
		{"a missing attribute", connectdir.UserProficiency{AttributeName: "Nope", AttributeValue: "x", Level: 1}, connectdir.KindNotFound},
		{"a fractional level", connectdir.UserProficiency{AttributeName: "Language", AttributeValue: "Japanese", Level: 2.5}, connectdir.KindInvalidParameter},
	} {
		wantKind(t, "Associate "+bad.what, e.d.AssociateUserProficiencies(ctx, inst, u.ID, []connectdir.UserProficiency{bad.p}), bad.kind)
	}
	wantKind(t, "Update a proficiency the user lacks", e.d.UpdateUserProficiencies(ctx, inst, u.ID,
		[]connectdir.UserProficiency{{AttributeName: "Language", AttributeValue: "Japanese", Level: 1}}), connectdir.KindInvalidRequest)
	must(t, "Update", e.d.UpdateUserProficiencies(ctx, inst, u.ID, []connectdir.UserProficiency{{AttributeName: "Language", AttributeValue: "English", Level: 3}}))
	list, err := e.d.ListUserProficiencies(ctx, inst, u.ID)
	must(t, "ListUserProficiencies", err)
	equal(t, "proficiencies", list, connectdir.UserProficiencyList{Proficiencies: []connectdir.UserProficiency{
		{AttributeName: "Language", AttributeValue: "English", Level: 3}, {AttributeName: "Language", AttributeValue: "French", Level: 4}},
		LastModifiedTime: e.clock.Now(), LastModifiedRegion: region})

	// Rules of attributes in use.
	wantKind(t, "DeletePredefinedAttribute in use", e.d.DeletePredefinedAttribute(ctx, inst, "Language"), connectdir.KindInUse)
	wantKind(t, "UpdatePredefinedAttribute dropping a used value", e.d.UpdatePredefinedAttribute(ctx, inst, "Language",
		connectdir.AttributeUpdate{Values: &[]string{"English"}}), connectdir.KindInvalidRequest)
	must(t, "UpdatePredefinedAttribute dropping an unused value", e.d.UpdatePredefinedAttribute(ctx, inst, "Language",
		connectdir.AttributeUpdate{Values: &[]string{"English", "French", "Spanish"}}))

	// SearchUsers by proficiency.
	search := func(conds ...connectdir.ProficiencyCond) []string {
		t.Helper()
		users, _, err := e.d.SearchUsers(ctx, inst, connectdir.Cond{Op: connectdir.OpProficiency, Proficiency: conds}, connectdir.SearchKey{}, 100)
		must(t, "SearchUsers", err)
		var names []string
		for _, u := range users {
			names = append(names, u.Username)
		}
		slices.Sort(names)
		return names
	}
	equal(t, "name=language", search(connectdir.ProficiencyCond{Field: "name", Comparison: "EXACT", Value: "language"}), []string{"polyglot"})
	equal(t, "value starts with fr, level >= 4", search(connectdir.ProficiencyCond{Field: "value", Comparison: "STARTS_WITH", Value: "fr"},
		connectdir.ProficiencyCond{Field: "limit", Comparison: "GREATER_OR_EQUAL", Min: ptr(int32(4))}), []string{"polyglot"})
	// The conditions hold for one proficiency: English is 3, French 4, none is both English and 4.
	equal(t, "English at 4", search(connectdir.ProficiencyCond{Field: "value", Comparison: "EXACT", Value: "english"},
		connectdir.ProficiencyCond{Field: "limit", Comparison: "EQUAL", Min: ptr(int32(4))}), []string(nil))
	equal(t, "level range 5..5", search(connectdir.ProficiencyCond{Field: "limit", Comparison: "RANGE", Min: ptr(int32(5)), Max: ptr(int32(5))}), []string{"mono"})
	equal(t, "level < 4", search(connectdir.ProficiencyCond{Field: "limit", Comparison: "LESSER", Max: ptr(int32(4))}), []string{"polyglot"})
	equal(t, "level <> 5", search(connectdir.ProficiencyCond{Field: "limit", Comparison: "NOT_EQUAL", Min: ptr(int32(5))}), []string{"polyglot"})

	must(t, "Disassociate", e.d.DisassociateUserProficiencies(ctx, inst, u.ID, []connectdir.UserProficiency{
		{AttributeName: "Language", AttributeValue: "English"}, {AttributeName: "Language", AttributeValue: "French"}}))
	wantKind(t, "Disassociate again", e.d.DisassociateUserProficiencies(ctx, inst, u.ID, []connectdir.UserProficiency{
		{AttributeName: "Language", AttributeValue: "English"}}), connectdir.KindInvalidRequest)
	must(t, "DeletePredefinedAttribute no longer in use", e.d.DeletePredefinedAttribute(ctx, inst, "Language"))
	wantKind(t, "DescribePredefinedAttribute deleted", second(e.d.DescribePredefinedAttribute(ctx, inst, "Language")), connectdir.KindNotFound)

	// A deleted user's proficiencies go with it, so the attribute is free again.
	must(t, "DeleteUser", e.d.DeleteUser(ctx, inst, v.ID))
	must(t, "DeletePredefinedAttribute after the user went", e.d.DeletePredefinedAttribute(ctx, inst, "Product"))
}

// testSecurityProfileManagement: security profiles are created with permissions, updated,
// and deleted only when no user has them.
func testSecurityProfileManagement(t *testing.T, e *env) {
	ctx := t.Context()
	di := e.dirInstance(t, "profiles", nil)
	inst := di.inst.ID
	agent := slices.IndexFunc(di.sps, func(sp connectdir.SecurityProfile) bool { return sp.Name == "Agent" })
	_, perms, err := e.d.SecurityProfilePermissions(ctx, inst, di.sps[agent].ID)
	must(t, "SecurityProfilePermissions of Agent", err)
	equal(t, "Agent's permissions", perms, []string{"BasicAgentAccess", "OutboundCallAccess"})

	sp, err := e.d.CreateSecurityProfile(ctx, connectdir.SecurityProfile{InstanceID: inst, Name: "Supervisor", Description: "leads",
		Tags: map[string]string{"team": "a"}}, []string{"Users.View", "BasicAgentAccess", "Users.View"})
	must(t, "CreateSecurityProfile", err)
	_, err = e.d.CreateSecurityProfile(ctx, connectdir.SecurityProfile{InstanceID: inst, Name: "Supervisor"}, nil)
	wantKind(t, "CreateSecurityProfile with a taken name", err, connectdir.KindDuplicate)
	_, err = e.d.CreateSecurityProfile(ctx, connectdir.SecurityProfile{InstanceID: inst, Name: "bad/name"}, nil)
	wantKind(t, "CreateSecurityProfile with a bad name", err, connectdir.KindInvalidParameter)

	got, perms, err := e.d.SecurityProfilePermissions(ctx, inst, sp.ID)
	must(t, "SecurityProfilePermissions", err)
	equal(t, "permissions, sorted and once", perms, []string{"BasicAgentAccess", "Users.View"})
	equal(t, "profile", got, connectdir.SecurityProfile{InstanceID: inst, ID: sp.ID, ARN: sp.ARN, Name: "Supervisor", Description: "leads",
		Tags: map[string]string{"team": "a"}, LastModifiedTime: e.clock.Now(), LastModifiedRegion: region})

	at := e.clock.Advance()
	must(t, "UpdateSecurityProfile", e.d.UpdateSecurityProfile(ctx, inst, sp.ID, ptr("leads of teams"), &[]string{"Users.Edit"}))
	got, perms, err = e.d.SecurityProfilePermissions(ctx, inst, sp.ID)
	must(t, "SecurityProfilePermissions", err)
	equal(t, "permissions after update", perms, []string{"Users.Edit"})
	if got.Description != "leads of teams" || !got.LastModifiedTime.Equal(at) {
		t.Errorf("after update: %+v", got)
	}
	must(t, "UpdateSecurityProfile description only", e.d.UpdateSecurityProfile(ctx, inst, sp.ID, ptr("x"), nil))
	_, perms, _ = e.d.SecurityProfilePermissions(ctx, inst, sp.ID)
	equal(t, "permissions kept", perms, []string{"Users.Edit"})

	nu := di.newUser("holder", "", nil)
	nu.SecurityProfileIDs = []string{sp.ID}
	u, err := e.d.CreateUser(ctx, nu, false)
	must(t, "CreateUser", err)
	wantKind(t, "DeleteSecurityProfile in use", e.d.DeleteSecurityProfile(ctx, inst, sp.ID), connectdir.KindInUse)
	must(t, "UpdateUserSecurityProfiles", e.d.UpdateUserSecurityProfiles(ctx, inst, u.ID, []string{di.sps[agent].ID}))
	must(t, "DeleteSecurityProfile", e.d.DeleteSecurityProfile(ctx, inst, sp.ID))
	wantKind(t, "DescribeSecurityProfile deleted", second(e.d.DescribeSecurityProfile(ctx, inst, sp.ID)), connectdir.KindNotFound)
	wantKind(t, "DeleteSecurityProfile again", e.d.DeleteSecurityProfile(ctx, inst, sp.ID), connectdir.KindNotFound)
	// The name is free again.
	_, err = e.d.CreateSecurityProfile(ctx, connectdir.SecurityProfile{InstanceID: inst, Name: "Supervisor"}, nil)
	must(t, "CreateSecurityProfile after delete", err)
}
