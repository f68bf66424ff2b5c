package awsapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
)

// TestShapesAsTheServiceSends reads the raw JSON: members AWS's documented outputs always carry
// are there even when empty (DeskPhoneNumber "", Tags {}, DirectoryUserId), and the last page
// of every list carries "NextToken": null, which scripts written against the service test for.
func TestShapesAsTheServiceSends(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	id := e.createUser(t, e.userInput("soft.phone"))
	g := must(func() (*connect.CreateUserHierarchyGroupOutput, error) {
		if _, err := e.c.UpdateUserHierarchyStructure(ctx, &connect.UpdateUserHierarchyStructureInput{InstanceId: &e.inst,
			HierarchyStructure: &types.HierarchyStructureUpdate{LevelOne: &types.HierarchyLevelUpdate{Name: aws.String("One")}}}); err != nil {
			return nil, err
		}
		return e.c.CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &e.inst, Name: aws.String("g")})
	}()).get(t)

	doc := func(method, path, body string) map[string]any {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		resp := e.signed(t, method, path, b)
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, err)
		}
		return m
	}
	user := doc("GET", "/users/"+e.inst+"/"+id, "")["User"].(map[string]any)
	if pc := user["PhoneConfig"].(map[string]any); pc["DeskPhoneNumber"] != "" {
		t.Errorf("DescribeUser PhoneConfig.DeskPhoneNumber = %#v, want \"\"", pc["DeskPhoneNumber"])
	}
	if tags, ok := user["Tags"].(map[string]any); !ok || len(tags) != 0 {
		t.Errorf("DescribeUser Tags = %#v, want {}", user["Tags"])
	}
	if d, _ := user["DirectoryUserId"].(string); len(d) != 36 {
		t.Errorf("DescribeUser DirectoryUserId = %#v, want a UUID", user["DirectoryUserId"])
	}
	search := doc("POST", "/search-users", `{"InstanceId":"`+e.inst+`"}`)
	for _, u := range search["Users"].([]any) {
		u := u.(map[string]any)
		if tags, ok := u["Tags"].(map[string]any); !ok || len(tags) != 0 {
			t.Errorf("SearchUsers %v Tags = %#v, want {}", u["Username"], u["Tags"])
		}
		if u["PhoneConfig"].(map[string]any)["DeskPhoneNumber"] != "" {
			t.Errorf("SearchUsers %v: no DeskPhoneNumber", u["Username"])
		}
	}
	rp, sp := e.Profiles(t, e.inst, "Agent")
	for path, member := range map[string]string{
		"/user-hierarchy-groups/" + e.inst + "/" + aws.ToString(g.HierarchyGroupId): "HierarchyGroup",
		"/routing-profiles/" + e.inst + "/" + rp:                                    "RoutingProfile",
		"/security-profiles/" + e.inst + "/" + sp:                                   "SecurityProfile",
		"/instance/" + e.inst:                                                       "Instance",
	} {
		r := doc("GET", path, "")[member].(map[string]any)
		if _, ok := r["Tags"].(map[string]any); !ok {
			t.Errorf("%s: Tags = %#v, want an object", member, r["Tags"])
		}
	}

	lists := []struct{ method, path, body string }{
		{"GET", "/instance", ""},
		{"GET", "/users-summary/" + e.inst, ""},
		{"GET", "/routing-profiles-summary/" + e.inst, ""},
		{"GET", "/security-profiles-summary/" + e.inst, ""},
		{"GET", "/user-hierarchy-groups-summary/" + e.inst, ""},
		{"POST", "/search-users", `{"InstanceId":"` + e.inst + `"}`},
	}
	for _, l := range lists {
		m := doc(l.method, l.path, l.body)
		if tok, present := m["NextToken"]; !present || tok != nil {
			t.Errorf("%s %s last page: NextToken = %#v (present %v), want null", l.method, l.path, tok, present)
		}
	}
	// A first page of one: a token, then null on the last.
	e.createUser(t, e.userInput("second"))
	m := doc("GET", "/users-summary/"+e.inst+"?maxResults=1", "")
	tok, _ := m["NextToken"].(string)
	if tok == "" {
		t.Fatalf("first page of two: NextToken = %#v", m["NextToken"])
	}
	if m = doc("GET", "/users-summary/"+e.inst+"?maxResults=1&nextToken="+tok, ""); m["NextToken"] != nil {
		t.Errorf("last page: NextToken = %#v, want null", m["NextToken"])
	}
	// The SDK reads the null as no token: its paginator ends.
	if names := e.usernames(t, e.inst); len(names) != 2 {
		t.Errorf("paginator: %v", names)
	}
}

// TestUsernameRules: the API reference's rules per identity management type — characters from
// [a-zA-Z0-9_-.\@], "@" only in an email form, at most 64 characters with SAML.
func TestUsernameRules(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	inst, rp, sp := e.samlInstance(t)
	for _, c := range []struct {
		name     string
		saml, ok bool
	}{
		{"testuser", false, true},
		{"test.user_x-1", false, true},
		{"a@example.com", false, true},
		{"bad user!", false, false},
		{"bad user!", true, false},
		{"testuser@example", false, false},
		{"testuser@example", true, false},
		{"a@b@example.com", true, false},
		{"@example.com", true, false},
		{"ünïcode", true, false},
		{"Test_User_dfeef4c5@contoso.com", false, true},
		{strings.Repeat("a", 100), false, true},
		{strings.Repeat("a", 21), true, true},
		{strings.Repeat("a", 64), true, true},
		{strings.Repeat("a", 65), true, false},
		{"jane.doe@example.com", true, true},
	} {
		var err error
		if c.saml {
			_, err = e.c.CreateUser(ctx, samlUser(inst, rp, sp, c.name, "F", "L"))
		} else {
			_, err = e.c.CreateUser(ctx, e.userInput(c.name))
		}
		if c.ok && err != nil {
			t.Errorf("%q (SAML %v): %v", c.name, c.saml, err)
		}
		if !c.ok {
			wantErr(t, c.name, err, invalidParam)
		}
	}
}
