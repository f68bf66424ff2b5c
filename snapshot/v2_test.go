package snapshot_test

import (
	"context"
	"encoding/json"

	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir/hrsync"
	"github.com/connectdir/connectdir/internal/testserver"
)

// apiView is an instance as the API shows it, by name, with ids and times left out: what a copy
// must carry over.
type apiView struct {
	SecurityProfiles map[string]any
	Attributes       map[string][]string
	Users            map[string]any
}

func viewOf(t *testing.T, c *connect.Client, inst string) apiView {
	t.Helper()
	ctx := context.Background()
	v := apiView{SecurityProfiles: map[string]any{}, Attributes: map[string][]string{}, Users: map[string]any{}}
	spName := map[string]string{}
	for p := connect.NewListSecurityProfilesPaginator(c, &connect.ListSecurityProfilesInput{InstanceId: &inst}); p.HasMorePages(); {
		for _, s := range must(p.NextPage(ctx))(t).SecurityProfileSummaryList {
			spName[aws.ToString(s.Id)] = aws.ToString(s.Name)
			d := must(c.DescribeSecurityProfile(ctx, &connect.DescribeSecurityProfileInput{InstanceId: &inst, SecurityProfileId: s.Id}))(t).SecurityProfile
			perms := must(c.ListSecurityProfilePermissions(ctx, &connect.ListSecurityProfilePermissionsInput{InstanceId: &inst, SecurityProfileId: s.Id}))(t).Permissions
			v.SecurityProfiles[aws.ToString(s.Name)] = map[string]any{"description": aws.ToString(d.Description), "permissions": perms}
		}
	}
	rpName := map[string]string{}
	for p := connect.NewListRoutingProfilesPaginator(c, &connect.ListRoutingProfilesInput{InstanceId: &inst}); p.HasMorePages(); {
		for _, s := range must(p.NextPage(ctx))(t).RoutingProfileSummaryList {
			rpName[aws.ToString(s.Id)] = aws.ToString(s.Name)
		}
	}
	for p := connect.NewListPredefinedAttributesPaginator(c, &connect.ListPredefinedAttributesInput{InstanceId: &inst}); p.HasMorePages(); {
		for _, s := range must(p.NextPage(ctx))(t).PredefinedAttributeSummaryList {
			a := must(c.DescribePredefinedAttribute(ctx, &connect.DescribePredefinedAttributeInput{InstanceId: &inst, Name: s.Name}))(t).PredefinedAttribute
			v.Attributes[aws.ToString(a.Name)] = a.Values.(*types.PredefinedAttributeValuesMemberStringList).Value
		}
	}
	for p := connect.NewListUsersPaginator(c, &connect.ListUsersInput{InstanceId: &inst}); p.HasMorePages(); {
		for _, s := range must(p.NextPage(ctx))(t).UserSummaryList {
			u := must(c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &inst, UserId: s.Id}))(t).User
			var sps []string
			for _, id := range u.SecurityProfileIds {
				sps = append(sps, spName[id])
			}
			slices.Sort(sps)
			profs := must(c.ListUserProficiencies(ctx, &connect.ListUserProficienciesInput{InstanceId: &inst, UserId: s.Id}))(t).UserProficiencyList
			v.Users[aws.ToString(u.Username)] = map[string]any{
				"identity": u.IdentityInfo, "phone": u.PhoneConfig, "routing": rpName[aws.ToString(u.RoutingProfileId)], "security": sps,
				"auto_accept": u.AutoAcceptConfigs, "acw": u.AfterContactWorkConfigs, "numbers": u.PhoneNumberConfigs,
				"persistent": u.PersistentConnectionConfigs, "voice": u.VoiceEnhancementConfigs, "proficiencies": profs, "tags": u.Tags,
			}
		}
	}
	return v
}

func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A copy between two instances of users with chat and task settings and proficiencies, where the
// target lacks one security profile and two attributes: the copy makes them first, and the two
// instances then read the same through the API, by name.
func TestCopyTodaysUserAPI(t *testing.T) {
	ctx := context.Background()
	src, dst := testserver.Start(t, testserver.Options{}), testserver.Start(t, testserver.Options{})
	cs, cd := src.Client(hrsync.Paced(0)), dst.Client(hrsync.Paced(0))
	a, b := testserver.NewSAMLInstance(t, cs), testserver.NewSAMLInstance(t, cd)

	sup := must(cs.CreateSecurityProfile(ctx, &connect.CreateSecurityProfileInput{InstanceId: &a, SecurityProfileName: aws.String("Supervisor"),
		Description: aws.String("team leads"), Permissions: []string{"BasicAgentAccess", "Users.View", "AgentGrouping.View"}}))(t).SecurityProfileId
	for name, vals := range map[string][]string{"Language": {"English", "French", "Japanese"}, "Product": {"Phones", "Tablets"}} {
		must(cs.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &a, Name: aws.String(name),
			Values: &types.PredefinedAttributeValuesMemberStringList{Value: vals}}))(t)
	}
	rp, agent := testserver.ProfileIDs(t, cs, a, "Agent")
	mk := func(name string, sps ...string) string {
		return aws.ToString(must(cs.CreateUser(ctx, &connect.CreateUserInput{InstanceId: &a, Username: aws.String(name),
			IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("F" + name), LastName: aws.String("L" + name)},
			PhoneConfig:  &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone}, RoutingProfileId: &rp, SecurityProfileIds: sps}))(t).UserId)
	}
	chat, task, voice := types.ChannelChat, types.ChannelTask, types.ChannelVoice
	ann, bo, cy := mk("ann", agent), mk("bo", *sup), mk("cy", agent, *sup)
	must(cs.UpdateUserConfig(ctx, &connect.UpdateUserConfigInput{InstanceId: &a, UserId: &ann,
		AutoAcceptConfigs: []types.AutoAcceptConfig{{Channel: chat, AutoAccept: true}, {Channel: voice, AutoAccept: true, AgentFirstCallbackAutoAccept: aws.Bool(true)}},
		AfterContactWorkConfigs: []types.AfterContactWorkConfigPerChannel{{Channel: task, AfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: 120},
			AgentFirstCallbackAfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: 60}}},
		PersistentConnectionConfigs: []types.PersistentConnectionConfig{{Channel: voice, PersistentConnection: aws.Bool(true)}},
		VoiceEnhancementConfigs:     []types.VoiceEnhancementConfig{{Channel: voice, VoiceEnhancementMode: types.VoiceEnhancementModeVoiceIsolation}}}))(t)
	must(cs.UpdateUserConfig(ctx, &connect.UpdateUserConfigInput{InstanceId: &a, UserId: &bo,
		AutoAcceptConfigs:       []types.AutoAcceptConfig{{Channel: task, AutoAccept: true}},
		AfterContactWorkConfigs: []types.AfterContactWorkConfigPerChannel{{Channel: chat, AfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: 30}}}}))(t)
	prof := func(n, v string, l float32) types.UserProficiency {
		return types.UserProficiency{AttributeName: &n, AttributeValue: &v, Level: &l}
	}
	must(cs.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: &a, UserId: &ann,
		UserProficiencies: []types.UserProficiency{prof("Language", "French", 4), prof("Product", "Phones", 2)}}))(t)
	must(cs.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: &a, UserId: &cy,
		UserProficiencies: []types.UserProficiency{prof("Language", "Japanese", 5)}}))(t)

	// The target lacks the Supervisor profile and both attributes.
	before := viewOf(t, cd, b)
	if _, ok := before.SecurityProfiles["Supervisor"]; ok || len(before.Attributes) != 0 {
		t.Fatalf("target not as the test needs it: %s", jsonOf(t, before))
	}

	s := export(t, cs, a)
	if s.Version != 2 || len(s.PredefinedAttributes) != 2 {
		t.Fatalf("export: version %d, %d attributes", s.Version, len(s.PredefinedAttributes))
	}
	p := importSnap(t, cd, b, s)
	if len(p.CreateSecurityProfiles) != 1 || p.CreateSecurityProfiles[0].Name != "Supervisor" || len(p.PutAttributes) != 2 {
		t.Errorf("plan: create %v, attributes %v", p.CreateSecurityProfiles, p.PutAttributes)
	}
	if x, y := jsonOf(t, viewOf(t, cs, a)), jsonOf(t, viewOf(t, cd, b)); x != y {
		t.Fatalf("after the copy the instances differ:\nsource %s\ntarget %s", x, y)
	}
	for _, op := range []string{"CreateSecurityProfile", "CreatePredefinedAttribute", "UpdateUserConfig", "AssociateUserProficiencies"} {
		if n := dst.API.Calls(op, "OK"); n == 0 {
			t.Errorf("the copy made no %s call", op)
		}
	}

	// Copying again writes nothing.
	if p := importSnap(t, cd, b, export(t, cs, a)); !p.Empty() {
		t.Fatalf("second copy planned %d calls: %s", p.Calls(), jsonOf(t, p))
	}
	// Drift in the target is put back: a proficiency level, a chat setting, a removed proficiency.
	must(cd.UpdateUserProficiencies(ctx, &connect.UpdateUserProficienciesInput{InstanceId: &b, UserId: aws.String(userID(t, cd, b, "ann")),
		UserProficiencies: []types.UserProficiency{prof("Language", "French", 1)}}))(t)
	must(cd.UpdateUserConfig(ctx, &connect.UpdateUserConfigInput{InstanceId: &b, UserId: aws.String(userID(t, cd, b, "bo")),
		AutoAcceptConfigs: []types.AutoAcceptConfig{{Channel: task, AutoAccept: false}}}))(t)
	must(cd.DisassociateUserProficiencies(ctx, &connect.DisassociateUserProficienciesInput{InstanceId: &b, UserId: aws.String(userID(t, cd, b, "cy")),
		UserProficiencies: []types.UserProficiencyDisassociate{{AttributeName: aws.String("Language"), AttributeValue: aws.String("Japanese")}}}))(t)
	if p := importSnap(t, cd, b, s); p.Calls() != 3 {
		t.Errorf("drift plan has %d calls, want 3: %s", p.Calls(), jsonOf(t, p))
	}
	if x, y := jsonOf(t, viewOf(t, cs, a)), jsonOf(t, viewOf(t, cd, b)); x != y {
		t.Fatalf("after the drift was put back the instances differ:\nsource %s\ntarget %s", x, y)
	}
}

func userID(t *testing.T, c *connect.Client, inst, username string) string {
	arn := userARN(t, c, inst, username)
	return arn[len(arn)-36:]
}

// The version-1 example file still imports, and says nothing of what version 2 added: the
// users it makes have no proficiencies, and an import leaves those a user has.
func TestVersion1ExampleStillImports(t *testing.T) {
	ctx := context.Background()
	ex := readExample(t)
	if ex.Version != 1 {
		t.Fatalf("examples/snapshot.json is version %d; this test needs a version-1 file", ex.Version)
	}
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	inst := testserver.NewSAMLInstance(t, c)
	p := importSnap(t, c, inst, ex)
	if len(p.CreateUsers) != len(ex.Users) || len(p.CreateSecurityProfiles) != 0 || len(p.PutAttributes) != 0 {
		t.Fatalf("plan: %d users (want %d), %d profiles, %d attributes", len(p.CreateUsers), len(ex.Users), len(p.CreateSecurityProfiles), len(p.PutAttributes))
	}
	must(c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &inst, Name: aws.String("Language"),
		Values: &types.PredefinedAttributeValuesMemberStringList{Value: []string{"English"}}}))(t)
	id := userID(t, c, inst, ex.Users[0].Username)
	must(c.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: &inst, UserId: &id,
		UserProficiencies: []types.UserProficiency{{AttributeName: aws.String("Language"), AttributeValue: aws.String("English"), Level: aws.Float32(3)}}}))(t)
	if p := importSnap(t, c, inst, ex); !p.Empty() {
		t.Fatalf("re-import of the version-1 file planned %d calls", p.Calls())
	}
	if n := len(must(c.ListUserProficiencies(ctx, &connect.ListUserProficienciesInput{InstanceId: &inst, UserId: &id}))(t).UserProficiencyList); n != 1 {
		t.Errorf("the version-1 import touched proficiencies: %d left", n)
	}
}
