package awsapi_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/internal/testserver"
)

// Tests of today's user API through aws-sdk-go-v2: UpdateUserConfig, predefined attributes,
// user proficiencies with SearchUsers' ListCondition, and security profile management.

// TestUpdateUserConfig: per-channel settings are set per channel, shown by DescribeUser and
// SearchUsers, and the VOICE entries and the legacy PhoneConfig stay one setting.
func TestUpdateUserConfig(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	id := e.createUser(t, e.userInput("config.user"))
	chat, task, voice := types.ChannelChat, types.ChannelTask, types.ChannelVoice
	must(e.c.UpdateUserConfig(ctx, &connect.UpdateUserConfigInput{InstanceId: &e.inst, UserId: &id,
		AutoAcceptConfigs: []types.AutoAcceptConfig{{Channel: chat, AutoAccept: true}, {Channel: voice, AutoAccept: true}},
		AfterContactWorkConfigs: []types.AfterContactWorkConfigPerChannel{
			{Channel: task, AfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: 300}},
			{Channel: voice, AfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: 20}}},
		PhoneNumberConfigs:      []types.PhoneNumberConfig{{Channel: voice, PhoneType: types.PhoneTypeDeskPhone, PhoneNumber: aws.String("+14155550111")}},
		VoiceEnhancementConfigs: []types.VoiceEnhancementConfig{{Channel: voice, VoiceEnhancementMode: types.VoiceEnhancementModeNoiseSuppression}},
	})).get(t)
	u := e.describeUser(t, e.inst, id)
	eq(t, "PhoneConfig", *u.PhoneConfig, types.UserPhoneConfig{PhoneType: types.PhoneTypeDeskPhone, AutoAccept: true,
		AfterContactWorkTimeLimit: 20, DeskPhoneNumber: aws.String("+14155550111")})
	eq(t, "AutoAcceptConfigs", u.AutoAcceptConfigs, []types.AutoAcceptConfig{{Channel: voice, AutoAccept: true}, {Channel: chat, AutoAccept: true}})
	eq(t, "AfterContactWorkConfigs", u.AfterContactWorkConfigs, []types.AfterContactWorkConfigPerChannel{
		{Channel: voice, AfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: 20}},
		{Channel: task, AfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: 300}}})
	eq(t, "VoiceEnhancementConfigs", u.VoiceEnhancementConfigs, []types.VoiceEnhancementConfig{{Channel: voice, VoiceEnhancementMode: types.VoiceEnhancementModeNoiseSuppression}})

	// SearchUsers carries the same members, its ACW limits in milliseconds.
	found := must(e.c.SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: &e.inst, SearchCriteria: &types.UserSearchCriteria{
		StringCondition: &types.StringCondition{FieldName: aws.String("ResourceId"), Value: &id, ComparisonType: types.StringComparisonTypeExact}}})).get(t)
	if len(found.Users) != 1 {
		t.Fatalf("SearchUsers found %d users", len(found.Users))
	}
	s := found.Users[0]
	eq(t, "SearchUsers AutoAcceptConfigs", s.AutoAcceptConfigs, u.AutoAcceptConfigs)
	eq(t, "SearchUsers AfterContactWorkConfigs", s.AfterContactWorkConfigs, []types.AfterContactWorkConfigPerChannel{
		{Channel: voice, AfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: 20_000}},
		{Channel: task, AfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: 300_000}}})
	eq(t, "SearchUsers PhoneConfig.AutoAccept", s.PhoneConfig.AutoAccept, true)

	// UpdateUserPhoneConfig, the legacy call, writes the VOICE entries.
	must(e.c.UpdateUserPhoneConfig(ctx, &connect.UpdateUserPhoneConfigInput{InstanceId: &e.inst, UserId: &id,
		PhoneConfig: &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone, AfterContactWorkTimeLimit: 5}})).get(t)
	u2 := e.describeUser(t, e.inst, id)
	eq(t, "PhoneNumberConfigs after UpdateUserPhoneConfig", u2.PhoneNumberConfigs, []types.PhoneNumberConfig{{Channel: voice, PhoneType: types.PhoneTypeSoftPhone}})
	eq(t, "AutoAcceptConfigs after UpdateUserPhoneConfig", u2.AutoAcceptConfigs, []types.AutoAcceptConfig{{Channel: voice}, {Channel: chat, AutoAccept: true}})

	refusals := []struct {
		what string
		in   *connect.UpdateUserConfigInput
		want exc
	}{
		{"a channel twice", &connect.UpdateUserConfigInput{AutoAcceptConfigs: []types.AutoAcceptConfig{{Channel: chat}, {Channel: chat}}}, invalidParam},
		{"an unknown channel", &connect.UpdateUserConfigInput{AutoAcceptConfigs: []types.AutoAcceptConfig{{Channel: "FAX"}}}, invalidParam},
		{"a desk phone without number", &connect.UpdateUserConfigInput{PhoneNumberConfigs: []types.PhoneNumberConfig{{Channel: voice, PhoneType: types.PhoneTypeDeskPhone}}}, invalidParam},
		{"a negative ACW limit", &connect.UpdateUserConfigInput{AfterContactWorkConfigs: []types.AfterContactWorkConfigPerChannel{
			{Channel: chat, AfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: -1}}}}, invalidParam},
		{"an unknown voice enhancement", &connect.UpdateUserConfigInput{VoiceEnhancementConfigs: []types.VoiceEnhancementConfig{{Channel: voice, VoiceEnhancementMode: "LOUD"}}}, invalidParam},
		{"an unknown user", &connect.UpdateUserConfigInput{UserId: aws.String("no-such-user")}, notFound},
	}
	for _, r := range refusals {
		r.in.InstanceId = &e.inst
		if r.in.UserId == nil {
			r.in.UserId = &id
		}
		_, err := e.c.UpdateUserConfig(ctx, r.in)
		wantErr(t, "UpdateUserConfig with "+r.what, err, r.want)
	}
	eq(t, "user after refusals", e.describeUser(t, e.inst, id).AutoAcceptConfigs, u2.AutoAcceptConfigs)
}

func stringList(vals ...string) types.PredefinedAttributeValues {
	return &types.PredefinedAttributeValuesMemberStringList{Value: vals}
}

// TestPredefinedAttributes: every attribute operation and its refusals.
func TestPredefinedAttributes(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	for _, name := range []string{"Language", "Product", "Region"} {
		must(e.c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String(name),
			Values: stringList(name+" A", name+" B"), Purposes: []string{"routing"},
			AttributeConfiguration: &types.InputPredefinedAttributeConfiguration{EnableValueValidationOnAssociation: true}})).get(t)
	}
	d := must(e.c.DescribePredefinedAttribute(ctx, &connect.DescribePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("Language")})).get(t).PredefinedAttribute
	eq(t, "Name", aws.ToString(d.Name), "Language")
	eq(t, "Values", d.Values, stringList("Language A", "Language B"))
	eq(t, "Purposes", d.Purposes, []string{"routing"})
	eq(t, "EnableValueValidationOnAssociation", d.AttributeConfiguration.EnableValueValidationOnAssociation, true)
	if d.LastModifiedTime == nil || aws.ToString(d.LastModifiedRegion) != "us-east-1" {
		t.Errorf("LastModified %v %v", d.LastModifiedTime, aws.ToString(d.LastModifiedRegion))
	}

	var names []string
	p := connect.NewListPredefinedAttributesPaginator(e.c, &connect.ListPredefinedAttributesInput{InstanceId: &e.inst, MaxResults: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		pages++
		for _, a := range must(p.NextPage(ctx)).get(t).PredefinedAttributeSummaryList {
			names = append(names, aws.ToString(a.Name))
		}
	}
	eq(t, "ListPredefinedAttributes", names, []string{"Language", "Product", "Region"})
	eq(t, "pages of 2", pages, 2)

	search := func(c *types.PredefinedAttributeSearchCriteria) ([]string, int64) {
		t.Helper()
		out := must(e.c.SearchPredefinedAttributes(ctx, &connect.SearchPredefinedAttributesInput{InstanceId: &e.inst, SearchCriteria: c})).get(t)
		var got []string
		for _, a := range out.PredefinedAttributes {
			got = append(got, aws.ToString(a.Name))
		}
		return got, aws.ToInt64(out.ApproximateTotalCount)
	}
	cond := func(cmp types.StringComparisonType, v string) *types.PredefinedAttributeSearchCriteria {
		return &types.PredefinedAttributeSearchCriteria{StringCondition: &types.StringCondition{FieldName: aws.String("name"), Value: &v, ComparisonType: cmp}}
	}
	got, total := search(cond(types.StringComparisonTypeStartsWith, "pro"))
	eq(t, "search STARTS_WITH pro", got, []string{"Product"})
	eq(t, "its total", total, int64(1))
	got, _ = search(&types.PredefinedAttributeSearchCriteria{OrConditions: []types.PredefinedAttributeSearchCriteria{
		*cond(types.StringComparisonTypeExact, "region"), *cond(types.StringComparisonTypeContains, "guag")}})
	eq(t, "search OR", got, []string{"Language", "Region"})
	got, total = search(nil)
	eq(t, "search all", got, []string{"Language", "Product", "Region"})
	eq(t, "total", total, int64(3))

	must(e.c.UpdatePredefinedAttribute(ctx, &connect.UpdatePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("Language"),
		Values: stringList("English", "French")})).get(t)
	d = must(e.c.DescribePredefinedAttribute(ctx, &connect.DescribePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("Language")})).get(t).PredefinedAttribute
	eq(t, "Values after update", d.Values, stringList("English", "French"))
	eq(t, "Purposes kept", d.Purposes, []string{"routing"})

	// In use: an agent speaks French.
	user := e.createUser(t, e.userInput("speaker"))
	must(e.c.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: &e.inst, UserId: &user,
		UserProficiencies: []types.UserProficiency{{AttributeName: aws.String("Language"), AttributeValue: aws.String("French"), Level: aws.Float32(3)}}})).get(t)

	refusals := []struct {
		what string
		call func() error
		want exc
	}{
		{"Create a taken name", func() error {
			return second(e.c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("Product"), Values: stringList("x")}))
		}, duplicate},
		{"Create a reserved name", func() error {
			return second(e.c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("connect:x"), Values: stringList("x")}))
		}, invalidParam},
		{"Create with a value twice", func() error {
			return second(e.c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("Twice"), Values: stringList("x", "x")}))
		}, invalidParam},
		{"Create a name over 100 characters", func() error {
			return second(e.c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String(fmt.Sprintf("%0101d", 0))}))
		}, invalidParam},
		{"Describe a missing one", func() error {
			return second(e.c.DescribePredefinedAttribute(ctx, &connect.DescribePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("Missing")}))
		}, notFound},
		{"Update a missing one", func() error {
			return second(e.c.UpdatePredefinedAttribute(ctx, &connect.UpdatePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("Missing"), Values: stringList("x")}))
		}, notFound},
		{"Update dropping a value in use", func() error {
			return second(e.c.UpdatePredefinedAttribute(ctx, &connect.UpdatePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("Language"), Values: stringList("English")}))
		}, invalidReq},
		{"Delete one in use", func() error {
			return second(e.c.DeletePredefinedAttribute(ctx, &connect.DeletePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("Language")}))
		}, inUse},
		{"Delete a missing one", func() error {
			return second(e.c.DeletePredefinedAttribute(ctx, &connect.DeletePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("Missing")}))
		}, notFound},
		{"Search on another field", func() error {
			return second(e.c.SearchPredefinedAttributes(ctx, &connect.SearchPredefinedAttributesInput{InstanceId: &e.inst, SearchCriteria: &types.PredefinedAttributeSearchCriteria{
				StringCondition: &types.StringCondition{FieldName: aws.String("Values"), Value: aws.String("x"), ComparisonType: types.StringComparisonTypeExact}}}))
		}, invalidParam},
	}
	for _, r := range refusals {
		wantErr(t, r.what, r.call(), r.want)
	}
	got, _ = search(nil)
	eq(t, "attributes after refusals", got, []string{"Language", "Product", "Region"})

	must(e.c.DeletePredefinedAttribute(ctx, &connect.DeletePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("Region")})).get(t)
	got, _ = search(nil)
	eq(t, "attributes after delete", got, []string{"Language", "Product"})
}

func second[T any](_ T, err error) error { return err }

func proficiency(name, value string, level float32) types.UserProficiency {
	return types.UserProficiency{AttributeName: &name, AttributeValue: &value, Level: &level}
}

// TestUserProficiencies: associate, update, list and disassociate, with the rules of values
// and levels; SearchUsers' ListCondition with each documented operator.
func TestUserProficiencies(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	must(e.c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("Language"),
		Values: stringList("English", "French", "Japanese")})).get(t)
	must(e.c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("Product"),
		Values: stringList("Phones", "Tablets")})).get(t)
	ada := e.createUser(t, e.userInput("ada"))
	bob := e.createUser(t, e.userInput("bob"))
	must(e.c.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: &e.inst, UserId: &ada,
		UserProficiencies: []types.UserProficiency{proficiency("Language", "French", 4), proficiency("Language", "English", 2), proficiency("Product", "Phones", 1)}})).get(t)
	must(e.c.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: &e.inst, UserId: &bob,
		UserProficiencies: []types.UserProficiency{proficiency("Language", "Japanese", 5)}})).get(t)
	must(e.c.UpdateUserProficiencies(ctx, &connect.UpdateUserProficienciesInput{InstanceId: &e.inst, UserId: &ada,
		UserProficiencies: []types.UserProficiency{proficiency("Language", "English", 3)}})).get(t)

	var got []types.UserProficiency
	p := connect.NewListUserProficienciesPaginator(e.c, &connect.ListUserProficienciesInput{InstanceId: &e.inst, UserId: &ada, MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page := must(p.NextPage(ctx)).get(t)
		if page.LastModifiedTime == nil || aws.ToString(page.LastModifiedRegion) != "us-east-1" {
			t.Errorf("ListUserProficiencies LastModified %v %q", page.LastModifiedTime, aws.ToString(page.LastModifiedRegion))
		}
		got = append(got, page.UserProficiencyList...)
	}
	eq(t, "ada's proficiencies", got, []types.UserProficiency{proficiency("Language", "English", 3), proficiency("Language", "French", 4), proficiency("Product", "Phones", 1)})

	refusals := []struct {
		what string
		call func() error
		want exc
	}{
		{"Associate a value the attribute lacks", func() error {
			return second(e.c.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: &e.inst, UserId: &ada,
				UserProficiencies: []types.UserProficiency{proficiency("Language", "German", 3)}}))
		}, invalidParam},
		{"Associate a missing attribute", func() error {
			return second(e.c.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: &e.inst, UserId: &ada,
				UserProficiencies: []types.UserProficiency{proficiency("Skill", "x", 3)}}))
		}, notFound},
		{"Associate level 6", func() error {
			return second(e.c.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: &e.inst, UserId: &ada,
				UserProficiencies: []types.UserProficiency{proficiency("Language", "Japanese", 6)}}))
		}, invalidParam},
		{"Associate level 2.5", func() error {
			return second(e.c.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: &e.inst, UserId: &ada,
				UserProficiencies: []types.UserProficiency{proficiency("Language", "Japanese", 2.5)}}))
		}, invalidParam},
		{"Associate to a missing user", func() error {
			return second(e.c.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: &e.inst, UserId: aws.String("nobody"),
				UserProficiencies: []types.UserProficiency{proficiency("Language", "Japanese", 2)}}))
		}, notFound},
		{"Update one the user lacks", func() error {
			return second(e.c.UpdateUserProficiencies(ctx, &connect.UpdateUserProficienciesInput{InstanceId: &e.inst, UserId: &ada,
				UserProficiencies: []types.UserProficiency{proficiency("Language", "Japanese", 2)}}))
		}, invalidReq},
		{"Disassociate one the user lacks", func() error {
			return second(e.c.DisassociateUserProficiencies(ctx, &connect.DisassociateUserProficienciesInput{InstanceId: &e.inst, UserId: &ada,
				UserProficiencies: []types.UserProficiencyDisassociate{{AttributeName: aws.String("Language"), AttributeValue: aws.String("Japanese")}}}))
		}, invalidReq},
		{"List for a missing user", func() error {
			return second(e.c.ListUserProficiencies(ctx, &connect.ListUserProficienciesInput{InstanceId: &e.inst, UserId: aws.String("nobody")}))
		}, notFound},
	}
	for _, r := range refusals {
		wantErr(t, r.what, r.call(), r.want)
	}

	// ListCondition: every condition of the list holds for one proficiency of the user.
	search := func(conds ...types.Condition) []string {
		t.Helper()
		out := must(e.c.SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: &e.inst, SearchCriteria: &types.UserSearchCriteria{
			ListCondition: &types.ListCondition{TargetListType: types.TargetListTypeProficiencies, Conditions: conds}}})).get(t)
		var names []string
		for _, u := range out.Users {
			names = append(names, aws.ToString(u.Username))
		}
		slices.Sort(names)
		return names
	}
	str := func(field, value string, cmp types.StringComparisonType) types.Condition {
		return types.Condition{StringCondition: &types.StringCondition{FieldName: &field, Value: &value, ComparisonType: cmp}}
	}
	num := func(cmp types.NumberComparisonType, min, max *int32) types.Condition {
		return types.Condition{NumberCondition: &types.NumberCondition{FieldName: aws.String("limit"), ComparisonType: cmp, MinValue: min, MaxValue: max}}
	}
	i := aws.Int32
	tests := []struct {
		what  string
		conds []types.Condition
		want  []string
	}{
		{"name EXACT", []types.Condition{str("name", "Language", types.StringComparisonTypeExact)}, []string{"ada", "bob"}},
		{"value CONTAINS", []types.Condition{str("value", "pan", types.StringComparisonTypeContains)}, []string{"bob"}},
		{"value STARTS_WITH", []types.Condition{str("value", "Ph", types.StringComparisonTypeStartsWith)}, []string{"ada"}},
		{"GREATER_OR_EQUAL 4", []types.Condition{num(types.NumberComparisonTypeGreaterOrEqual, i(4), nil)}, []string{"ada", "bob"}},
		{"GREATER 4", []types.Condition{num(types.NumberComparisonTypeGreater, i(4), nil)}, []string{"bob"}},
		{"LESSER_OR_EQUAL 1", []types.Condition{num(types.NumberComparisonTypeLesserOrEqual, nil, i(1))}, []string{"ada"}},
		{"LESSER 2", []types.Condition{num(types.NumberComparisonTypeLesser, nil, i(2))}, []string{"ada"}},
		{"EQUAL 5", []types.Condition{num(types.NumberComparisonTypeEqual, i(5), nil)}, []string{"bob"}},
		{"NOT_EQUAL 5", []types.Condition{num(types.NumberComparisonTypeNotEqual, i(5), nil)}, []string{"ada"}},
		{"RANGE 2..3", []types.Condition{num(types.NumberComparisonTypeRange, i(2), i(3))}, []string{"ada"}},
		{"English at 4 or more: no one", []types.Condition{str("value", "English", types.StringComparisonTypeExact),
			num(types.NumberComparisonTypeGreaterOrEqual, i(4), nil)}, nil},
		{"French at 4 or more", []types.Condition{str("value", "French", types.StringComparisonTypeExact),
			num(types.NumberComparisonTypeGreaterOrEqual, i(4), nil)}, []string{"ada"}},
	}
	for _, tc := range tests {
		eq(t, "SearchUsers "+tc.what, search(tc.conds...), tc.want)
	}
	for _, bad := range []struct {
		what string
		cond types.Condition
	}{
		{"string field level", str("level", "3", types.StringComparisonTypeExact)},
		{"number field level", types.Condition{NumberCondition: &types.NumberCondition{FieldName: aws.String("level"), ComparisonType: types.NumberComparisonTypeEqual, MinValue: i(3)}}},
		{"RANGE without MaxValue", num(types.NumberComparisonTypeRange, i(1), nil)},
	} {
		_, err := e.c.SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: &e.inst, SearchCriteria: &types.UserSearchCriteria{
			ListCondition: &types.ListCondition{TargetListType: types.TargetListTypeProficiencies, Conditions: []types.Condition{bad.cond}}}})
		wantErr(t, "SearchUsers with "+bad.what, err, invalidParam)
	}

	must(e.c.DisassociateUserProficiencies(ctx, &connect.DisassociateUserProficienciesInput{InstanceId: &e.inst, UserId: &ada,
		UserProficiencies: []types.UserProficiencyDisassociate{{AttributeName: aws.String("Product"), AttributeValue: aws.String("Phones")}}})).get(t)
	list := must(e.c.ListUserProficiencies(ctx, &connect.ListUserProficienciesInput{InstanceId: &e.inst, UserId: &ada})).get(t)
	eq(t, "after disassociate", list.UserProficiencyList, []types.UserProficiency{proficiency("Language", "English", 3), proficiency("Language", "French", 4)})
	must(e.c.DeletePredefinedAttribute(ctx, &connect.DeletePredefinedAttributeInput{InstanceId: &e.inst, Name: aws.String("Product")})).get(t)
}

// TestSecurityProfileManagement: create, update, list permissions, delete, and the refusals.
func TestSecurityProfileManagement(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	agentPerms := must(e.c.ListSecurityProfilePermissions(ctx, &connect.ListSecurityProfilePermissionsInput{InstanceId: &e.inst, SecurityProfileId: &e.sp})).get(t)
	eq(t, "Agent's permissions", agentPerms.Permissions, []string{"BasicAgentAccess", "OutboundCallAccess"})

	out := must(e.c.CreateSecurityProfile(ctx, &connect.CreateSecurityProfileInput{InstanceId: &e.inst, SecurityProfileName: aws.String("Team Lead"),
		Description: aws.String("leads"), Permissions: []string{"Users.View", "BasicAgentAccess", "AgentGrouping.View"}, Tags: map[string]string{"k": "v"}})).get(t)
	id := aws.ToString(out.SecurityProfileId)
	eq(t, "Arn", aws.ToString(out.SecurityProfileArn), "arn:aws:connect:us-east-1:123456789012:instance/"+e.inst+"/security-profile/"+id)
	d := must(e.c.DescribeSecurityProfile(ctx, &connect.DescribeSecurityProfileInput{InstanceId: &e.inst, SecurityProfileId: &id})).get(t).SecurityProfile
	eq(t, "name", aws.ToString(d.SecurityProfileName), "Team Lead")
	eq(t, "description", aws.ToString(d.Description), "leads")
	eq(t, "tags", d.Tags, map[string]string{"k": "v"})

	var perms []string
	p := connect.NewListSecurityProfilePermissionsPaginator(e.c, &connect.ListSecurityProfilePermissionsInput{InstanceId: &e.inst, SecurityProfileId: &id, MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		perms = append(perms, must(p.NextPage(ctx)).get(t).Permissions...)
	}
	eq(t, "permissions", perms, []string{"AgentGrouping.View", "BasicAgentAccess", "Users.View"})

	must(e.c.UpdateSecurityProfile(ctx, &connect.UpdateSecurityProfileInput{InstanceId: &e.inst, SecurityProfileId: &id,
		Description: aws.String("leads of teams"), Permissions: []string{"Users.Edit", "Users.View"}})).get(t)
	perms = must(e.c.ListSecurityProfilePermissions(ctx, &connect.ListSecurityProfilePermissionsInput{InstanceId: &e.inst, SecurityProfileId: &id})).get(t).Permissions
	eq(t, "permissions after update", perms, []string{"Users.Edit", "Users.View"})
	d = must(e.c.DescribeSecurityProfile(ctx, &connect.DescribeSecurityProfileInput{InstanceId: &e.inst, SecurityProfileId: &id})).get(t).SecurityProfile
	eq(t, "description after update", aws.ToString(d.Description), "leads of teams")

	in := e.userInput("lead")
	in.SecurityProfileIds = []string{id}
	user := e.createUser(t, in)
	refusals := []struct {
		what string
		call func() error
		want exc
	}{
		{"Create a taken name", func() error {
			return second(e.c.CreateSecurityProfile(ctx, &connect.CreateSecurityProfileInput{InstanceId: &e.inst, SecurityProfileName: aws.String("Agent")}))
		}, duplicate},
		{"Create a name outside the pattern", func() error {
			return second(e.c.CreateSecurityProfile(ctx, &connect.CreateSecurityProfileInput{InstanceId: &e.inst, SecurityProfileName: aws.String("a/b")}))
		}, invalidParam},
		{"Create a description over 250 characters", func() error {
			return second(e.c.CreateSecurityProfile(ctx, &connect.CreateSecurityProfileInput{InstanceId: &e.inst, SecurityProfileName: aws.String("Long"),
				Description: aws.String(fmt.Sprintf("%0251d", 0))}))
		}, invalidParam},
		{"Update a missing one", func() error {
			return second(e.c.UpdateSecurityProfile(ctx, &connect.UpdateSecurityProfileInput{InstanceId: &e.inst, SecurityProfileId: aws.String("missing"), Description: aws.String("x")}))
		}, notFound},
		{"Delete one in use", func() error {
			return second(e.c.DeleteSecurityProfile(ctx, &connect.DeleteSecurityProfileInput{InstanceId: &e.inst, SecurityProfileId: &id}))
		}, inUse},
		{"Delete a missing one", func() error {
			return second(e.c.DeleteSecurityProfile(ctx, &connect.DeleteSecurityProfileInput{InstanceId: &e.inst, SecurityProfileId: aws.String("missing")}))
		}, notFound},
		{"List permissions of a missing one", func() error {
			return second(e.c.ListSecurityProfilePermissions(ctx, &connect.ListSecurityProfilePermissionsInput{InstanceId: &e.inst, SecurityProfileId: aws.String("missing")}))
		}, notFound},
	}
	for _, r := range refusals {
		wantErr(t, r.what, r.call(), r.want)
	}
	must(e.c.UpdateUserSecurityProfiles(ctx, &connect.UpdateUserSecurityProfilesInput{InstanceId: &e.inst, UserId: &user, SecurityProfileIds: []string{e.sp}})).get(t)
	must(e.c.DeleteSecurityProfile(ctx, &connect.DeleteSecurityProfileInput{InstanceId: &e.inst, SecurityProfileId: &id})).get(t)
	_, err := e.c.DescribeSecurityProfile(ctx, &connect.DescribeSecurityProfileInput{InstanceId: &e.inst, SecurityProfileId: &id})
	wantErr(t, "DescribeSecurityProfile after delete", err, notFound)
}

// userAPIOps are the calls of today's user API for the every-operation tests.
func userAPIOps() []opCall {
	ignore := func(_ any, err error) error { return err }
	return []opCall{
		{"UpdateUserConfig", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.UpdateUserConfig(ctx, &connect.UpdateUserConfigInput{InstanceId: &x.inst, UserId: &x.user,
				AutoAcceptConfigs: []types.AutoAcceptConfig{{Channel: types.ChannelChat, AutoAccept: true}}}))
		}},
		{"CreatePredefinedAttribute", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &x.inst, Name: aws.String("Skill"), Values: stringList("a")}))
		}},
		{"DescribePredefinedAttribute", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.DescribePredefinedAttribute(ctx, &connect.DescribePredefinedAttributeInput{InstanceId: &x.inst, Name: aws.String("Skill")}))
		}},
		{"ListPredefinedAttributes", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.ListPredefinedAttributes(ctx, &connect.ListPredefinedAttributesInput{InstanceId: &x.inst}))
		}},
		{"SearchPredefinedAttributes", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.SearchPredefinedAttributes(ctx, &connect.SearchPredefinedAttributesInput{InstanceId: &x.inst}))
		}},
		{"UpdatePredefinedAttribute", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.UpdatePredefinedAttribute(ctx, &connect.UpdatePredefinedAttributeInput{InstanceId: &x.inst, Name: aws.String("Skill"), Values: stringList("a", "b")}))
		}},
		{"AssociateUserProficiencies", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: &x.inst, UserId: &x.user,
				UserProficiencies: []types.UserProficiency{proficiency("Skill", "a", 1)}}))
		}},
		{"UpdateUserProficiencies", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.UpdateUserProficiencies(ctx, &connect.UpdateUserProficienciesInput{InstanceId: &x.inst, UserId: &x.user,
				UserProficiencies: []types.UserProficiency{proficiency("Skill", "a", 2)}}))
		}},
		{"ListUserProficiencies", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.ListUserProficiencies(ctx, &connect.ListUserProficienciesInput{InstanceId: &x.inst, UserId: &x.user}))
		}},
		{"DisassociateUserProficiencies", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.DisassociateUserProficiencies(ctx, &connect.DisassociateUserProficienciesInput{InstanceId: &x.inst, UserId: &x.user,
				UserProficiencies: []types.UserProficiencyDisassociate{{AttributeName: aws.String("Skill"), AttributeValue: aws.String("a")}}}))
		}},
		{"DeletePredefinedAttribute", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.DeletePredefinedAttribute(ctx, &connect.DeletePredefinedAttributeInput{InstanceId: &x.inst, Name: aws.String("Skill")}))
		}},
		{"CreateSecurityProfile", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.CreateSecurityProfile(ctx, &connect.CreateSecurityProfileInput{InstanceId: &x.inst, SecurityProfileName: aws.String("Extra")}))
		}},
		{"UpdateSecurityProfile", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.UpdateSecurityProfile(ctx, &connect.UpdateSecurityProfileInput{InstanceId: &x.inst, SecurityProfileId: &x.sp, Description: aws.String("d")}))
		}},
		{"ListSecurityProfilePermissions", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.ListSecurityProfilePermissions(ctx, &connect.ListSecurityProfilePermissionsInput{InstanceId: &x.inst, SecurityProfileId: &x.sp}))
		}},
		{"DeleteSecurityProfile", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.DeleteSecurityProfile(ctx, &connect.DeleteSecurityProfileInput{InstanceId: &x.inst, SecurityProfileId: &x.sp}))
		}},
	}
}

// With quotas set, CreatePredefinedAttribute and CreateSecurityProfile beyond them get the
// LimitExceededException their model lists, and create nothing.
func TestUserAPIQuotas(t *testing.T) {
	s := testserver.Start(t, testserver.Options{Quotas: connectdir.Quotas{AttributesPerInstance: 1, SecurityProfilesPerInstance: 5}})
	c, ctx, inst := s.Client(), t.Context(), s.InstanceID
	limit := exception[*types.LimitExceededException]("LimitExceededException", 429)
	must(c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &inst, Name: aws.String("One"), Values: stringList("a")})).get(t)
	_, err := c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &inst, Name: aws.String("Two"), Values: stringList("a")})
	wantErr(t, "CreatePredefinedAttribute beyond the quota", err, limit)
	must(c.CreateSecurityProfile(ctx, &connect.CreateSecurityProfileInput{InstanceId: &inst, SecurityProfileName: aws.String("Fifth")})).get(t)
	_, err = c.CreateSecurityProfile(ctx, &connect.CreateSecurityProfileInput{InstanceId: &inst, SecurityProfileName: aws.String("Sixth")})
	wantErr(t, "CreateSecurityProfile beyond the quota", err, limit)
	if n := len(must(c.ListSecurityProfiles(ctx, &connect.ListSecurityProfilesInput{InstanceId: &inst})).get(t).SecurityProfileSummaryList); n != 5 {
		t.Errorf("%d security profiles, want 5", n)
	}
	if n := len(must(c.ListPredefinedAttributes(ctx, &connect.ListPredefinedAttributesInput{InstanceId: &inst})).get(t).PredefinedAttributeSummaryList); n != 1 {
		t.Errorf("%d attributes, want 1", n)
	}
}
