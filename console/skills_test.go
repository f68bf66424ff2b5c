package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
)

// A user's per-channel settings and proficiencies are shown and edited on their own page; a
// bad entry saves nothing.
func TestUserChannelsAndProficiencies(t *testing.T) {
	ts := startConsole(t)
	api := ts.Client()
	ctx := t.Context()
	inst := ts.InstanceID
	if _, err := api.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &inst, Name: aws.String("Language"),
		Values: &types.PredefinedAttributeValuesMemberStringList{Value: []string{"English", "French"}}}); err != nil {
		t.Fatal(err)
	}
	rp, sp := ts.Profiles(t, inst, "Agent")
	out, err := api.CreateUser(ctx, &connect.CreateUserInput{InstanceId: &inst, Username: aws.String("skilled"), Password: aws.String("Passw0rdX"),
		IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("S"), LastName: aws.String("K")},
		PhoneConfig:  &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone}, RoutingProfileId: &rp, SecurityProfileIds: []string{sp}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.UserId)
	if _, err := api.AssociateUserProficiencies(ctx, &connect.AssociateUserProficienciesInput{InstanceId: &inst, UserId: &id,
		UserProficiencies: []types.UserProficiency{{AttributeName: aws.String("Language"), AttributeValue: aws.String("English"), Level: aws.Float32(2)}}}); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, ts)
	b.login(ts)
	_, body := b.get("/console/users/" + id)
	mustContain(t, body, `/console/users/`+id+`/skills`)
	status, body := b.get("/console/users/" + id + "/skills")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	mustContain(t, body, "Language=English:2", `name="auto_accept_CHAT"`, `name="acw_TASK"`, "English, French")

	form := url.Values{"proficiencies": {"Language=French:4\nLanguage=English:3"}, "auto_accept_CHAT": {"on"},
		"acw_VOICE": {"0"}, "acw_CHAT": {"0"}, "acw_TASK": {"90"}, "acw_EMAIL": {"0"}}
	_, body = b.post("/console/users/"+id+"/skills", form)
	mustContain(t, body, "Saved: channel settings, add proficiencies, update proficiencies.")
	u := must(api.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &inst, UserId: &id})).User
	var chat bool
	var task int32
	for _, c := range u.AutoAcceptConfigs {
		if c.Channel == types.ChannelChat {
			chat = c.AutoAccept
		}
	}
	for _, c := range u.AfterContactWorkConfigs {
		if c.Channel == types.ChannelTask {
			task = c.AfterContactWorkConfig.AfterContactWorkTimeLimit
		}
	}
	if !chat || task != 90 {
		t.Errorf("after save: chat auto-accept %t, task ACW %d", chat, task)
	}
	profs := func() string {
		l := must(api.ListUserProficiencies(ctx, &connect.ListUserProficienciesInput{InstanceId: &inst, UserId: &id})).UserProficiencyList
		var parts []string
		for _, p := range l {
			parts = append(parts, aws.ToString(p.AttributeValue)+":"+string(rune('0'+int(aws.ToFloat32(p.Level)))))
		}
		return strings.Join(parts, ",")
	}
	if got := profs(); got != "English:3,French:4" {
		t.Errorf("proficiencies after save: %s", got)
	}
	mustContain(t, body, "Language=English:3\nLanguage=French:4")

	// A value the attribute lacks: the API's refusal is shown and nothing else changes.
	form.Set("proficiencies", "Language=German:1")
	_, body = b.post("/console/users/"+id+"/skills", form)
	mustContain(t, body, "InvalidParameterException")
	// A malformed line: refused before any call.
	form.Set("proficiencies", "Language French")
	_, body = b.post("/console/users/"+id+"/skills", form)
	mustContain(t, body, "Nothing saved: proficiency")
	if got := profs(); got != "English:3,French:4" {
		t.Errorf("proficiencies after refusals: %s", got)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
