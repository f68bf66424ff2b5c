package hrsync_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir/hrsync"
	"github.com/connectdir/connectdir/internal/testserver"
)

// The HR columns of today's user API: proficiencies as attribute=value:level;... and per-channel
// auto-accept and after-contact-work, synced, shown by the API, stable on a re-run, and checked
// against the instance's attributes before anything is written.
func TestSyncProficienciesAndChannels(t *testing.T) {
	ctx := context.Background()
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	inst := testserver.NewSAMLInstance(t, c)
	for name, vals := range map[string][]string{"Language": {"English", "French"}, "Product": {"Phones"}} {
		if _, err := c.CreatePredefinedAttribute(ctx, &connect.CreatePredefinedAttributeInput{InstanceId: &inst, Name: aws.String(name),
			Values: &types.PredefinedAttributeValuesMemberStringList{Value: vals}}); err != nil {
			t.Fatal(err)
		}
	}
	const header = "username,first_name,last_name,routing_profile,security_profiles,proficiencies,chat_auto_accept,chat_acw_timeout,task_acw_timeout\n"
	file := header +
		"ann,Ann,A,Basic Routing Profile,Agent,Language=French:4;Product=Phones:2,yes,30,\n" +
		"bo,Bo,B,Basic Routing Profile,Agent,,,,120\n"
	sync := func(csv string) *hrsync.Plan {
		t.Helper()
		p, err := hrsync.MakePlan(ctx, c, inst, parse(t, csv), hrsync.PlanOptions{Concurrency: 4})
		if err != nil {
			t.Fatal(err)
		}
		if err := hrsync.Apply(ctx, c, p, hrsync.ApplyOptions{Concurrency: 4}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sync(file)
	user := func(name string) types.User {
		t.Helper()
		out, err := c.SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: &inst, SearchCriteria: &types.UserSearchCriteria{
			StringCondition: &types.StringCondition{FieldName: aws.String("Username"), Value: &name, ComparisonType: types.StringComparisonTypeExact}}})
		if err != nil || len(out.Users) != 1 {
			t.Fatalf("finding %s: %v", name, err)
		}
		u, err := c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &inst, UserId: out.Users[0].Id})
		if err != nil {
			t.Fatal(err)
		}
		return *u.User
	}
	profs := func(name string) string {
		t.Helper()
		out, err := c.ListUserProficiencies(ctx, &connect.ListUserProficienciesInput{InstanceId: &inst, UserId: user(name).Id})
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, p := range out.UserProficiencyList {
			parts = append(parts, aws.ToString(p.AttributeName)+"="+aws.ToString(p.AttributeValue)+":"+string(rune('0'+int(aws.ToFloat32(p.Level)))))
		}
		return strings.Join(parts, ";")
	}
	if got := profs("ann"); got != "Language=French:4;Product=Phones:2" {
		t.Errorf("ann's proficiencies: %s", got)
	}
	ann := user("ann")
	if !hasAutoAccept(ann.AutoAcceptConfigs, types.ChannelChat) || acwOf(ann.AfterContactWorkConfigs, types.ChannelChat) != 30 {
		t.Errorf("ann's chat settings: %+v %+v", ann.AutoAcceptConfigs, ann.AfterContactWorkConfigs)
	}
	if acwOf(user("bo").AfterContactWorkConfigs, types.ChannelTask) != 120 {
		t.Errorf("bo's task ACW: %+v", user("bo").AfterContactWorkConfigs)
	}
	if p := sync(file); !p.Empty() {
		t.Fatalf("re-sync planned %d calls", p.Calls())
	}
	// Ann's levels change and Product goes; Bo gains one.
	changed := header +
		"ann,Ann,A,Basic Routing Profile,Agent,Language=French:5,yes,30,\n" +
		"bo,Bo,B,Basic Routing Profile,Agent,Language=English:1,,,120\n"
	if p := sync(changed); p.Calls() != 3 {
		t.Errorf("change planned %d calls, want 3 (update, remove, add)", p.Calls())
	}
	if got := profs("ann") + "|" + profs("bo"); got != "Language=French:5|Language=English:1" {
		t.Errorf("after the change: %s", got)
	}

	// A value the attribute lacks, or an attribute the instance lacks, is refused before any write.
	before := ts.API.Calls("AssociateUserProficiencies", "") + ts.API.Calls("UpdateUserProficiencies", "")
	bad := header + "ann,Ann,A,Basic Routing Profile,Agent,Language=German:3;Skill=Go:2,yes,30,\n"
	_, err := hrsync.MakePlan(ctx, c, inst, parse(t, bad), hrsync.PlanOptions{})
	var re hrsync.RowErrors
	if !errors.As(err, &re) || !strings.Contains(err.Error(), `"German" is not a value of predefined attribute "Language"`) ||
		!strings.Contains(err.Error(), `predefined attribute "Skill" does not exist`) {
		t.Fatalf("got %v", err)
	}
	if after := ts.API.Calls("AssociateUserProficiencies", "") + ts.API.Calls("UpdateUserProficiencies", ""); after != before {
		t.Error("a refused file wrote proficiencies")
	}
}

func hasAutoAccept(l []types.AutoAcceptConfig, ch types.Channel) bool {
	for _, c := range l {
		if c.Channel == ch {
			return c.AutoAccept
		}
	}
	return false
}

func acwOf(l []types.AfterContactWorkConfigPerChannel, ch types.Channel) int32 {
	for _, c := range l {
		if c.Channel == ch && c.AfterContactWorkConfig != nil {
			return c.AfterContactWorkConfig.AfterContactWorkTimeLimit
		}
	}
	return -1
}

// Bad cells of the new columns are reported with their row and column.
func TestParseSkillColumns(t *testing.T) {
	const header = "username,first_name,last_name,routing_profile,security_profiles,proficiencies,chat_auto_accept,task_acw_timeout\n"
	_, _, err := hrsync.ParseCSV(strings.NewReader(header +
		"ann,A,A,R,Agent,Language=French,maybe,-1\n" +
		"bo,B,B,R,Agent,Language=French:9;Language=French:2,,\n" +
		"cy,C,C,R,Agent,Language=French:2;Language=French:3,,\n"))
	for _, want := range []string{
		`row 2, column 6 (proficiencies): proficiency "Language=French": write attribute=value:level`,
		`row 2, column 7 (chat_auto_accept): auto accept "maybe": use yes or no`,
		`row 2, column 8 (task_acw_timeout): after-contact-work timeout "-1"`,
		`row 3, column 6 (proficiencies): proficiency "Language=French:9": write attribute=value:level with a level from 1 to 5`,
		`row 4, column 6 (proficiencies): proficiency Language=French given twice`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}
