package awsapi_test

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"io"
	"net/http"
	"net/url"
	"testing"
)

// Whatever body a signed client sends, the server answers with a refusal the SDKs can type or a
// success, never an internal error: bad input is the client's, and must be named as such. A body
// that is JSON but not an object, or that names a member twice, is a SerializationException on
// every route (GETs and DELETEs included); a member named in another case is never used, so no
// user stored through the fuzzed CreateUser route exceeds the model's limits.
func FuzzRequestBodies(f *testing.F) {
	e := start(f)
	user := e.createUser(f, e.userInput("fuzz.target"))
	arn := "arn:aws:connect:us-east-1:123456789012:instance/" + e.inst + "/agent/" + user
	routes := []struct{ method, path string }{
		{http.MethodPut, "/users/" + e.inst},
		{http.MethodPost, "/search-users"},
		{http.MethodPost, "/user-hierarchy-structure/" + e.inst},
		{http.MethodPut, "/user-hierarchy-groups/" + e.inst},
		{http.MethodPost, "/users/" + e.inst + "/" + user + "/phone-config"},
		{http.MethodPost, "/users/" + e.inst + "/" + user + "/identity-info"},
		{http.MethodPost, "/tags/" + url.PathEscape(arn)},
		{http.MethodPut, "/instance"},
		{http.MethodGet, "/users/" + e.inst + "/" + user},
		{http.MethodDelete, "/user-hierarchy-groups/" + e.inst + "/" + user},
		{http.MethodPost, "/users/" + e.inst + "/" + user + "/routing-profile"},
	}
	for i, seed := range []string{
		`{"Username":"a","SecurityProfileIds":["x"],"RoutingProfileId":"y","PhoneConfig":{"PhoneType":"SOFT_PHONE"}}`,
		`{"InstanceId":"` + e.inst + `","SearchCriteria":{"OrConditions":[{"StringCondition":{"FieldName":"Username","Value":"a","ComparisonType":"CONTAINS"}}]}}`,
		`{"HierarchyStructure":{"LevelOne":{"Name":"A"},"LevelThree":{"Name":"C"}}}`,
		`{"Name":"","ParentGroupId":null,"Tags":{"aws:x":"y"}}`,
		`{"PhoneConfig":{"PhoneType":"DESK_PHONE","AfterContactWorkTimeLimit":-1e99}}`,
		`{"IdentityInfo":{"Email":"\u0000@"}}`,
		`{"tags":{}}`,
		`{"IdentityManagementType":"SAML","InboundCallsEnabled":"yes"}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`{"InstanceId":"` + e.inst + `","MaxResults":1e3,"NextToken":"\ud800"}`,
		`null`, `[]`, `"x"`, `1`, `true`, `{}{}`, `{"Username":"a","Username":"b"}`,
		`{"Username":"case.fuzz","username":"` + strings.Repeat("u", 200) + `","Password":"Passw0rdX","IdentityInfo":{"FirstName":"A","firstName":"` + strings.Repeat("f", 200) + `"},"PhoneConfig":{"PhoneType":"SOFT_PHONE"},"RoutingProfileId":"` + e.rp + `","SecurityProfileIds":["` + e.sp + `"],"tags":{"a":"b"}}`,
		`null`, `[1]`, `"x"`, `-0`,
	} {
		f.Add(uint8(i), []byte(seed))
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := routes[int(route)%len(routes)]
		resp := e.signed(t, r.method, r.path, body)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s %q: %d %s", r.method, r.path, body, resp.StatusCode, b)
		}
		if resp.StatusCode >= 400 && resp.Header.Get("X-Amzn-ErrorType") == "" {
			t.Fatalf("%s %s %q: %d without X-Amzn-ErrorType", r.method, r.path, body, resp.StatusCode)
		}
		if notObject(body) && resp.Header.Get("X-Amzn-ErrorType") != "SerializationException" {
			t.Fatalf("%s %s %q: %d %q, want SerializationException for a body that is not one JSON object", r.method, r.path, body, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
		if r.method == http.MethodPut && r.path == "/users/"+e.inst && resp.StatusCode == 200 {
			var out struct{ UserId string }
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatal(err)
			}
			u := e.describeUser(t, e.inst, out.UserId)
			if len([]rune(aws.ToString(u.Username))) > 100 || len([]rune(aws.ToString(u.IdentityInfo.FirstName))) > 100 || len(u.Tags) > 50 {
				t.Fatalf("%q: stored past the model's limits: %+v", body, u)
			}
		}
	})
}

// notObject reports whether body is valid JSON text that is not an object.
func notObject(body []byte) bool {
	d := json.NewDecoder(bytes.NewReader(body))
	var v any
	if err := d.Decode(&v); err != nil {
		return false // not JSON at all: refused, but by whatever name
	}
	if _, more := d.Token(); more == nil {
		return false // trailing data; the refusal is checked elsewhere
	}
	_, isObject := v.(map[string]any)
	return !isObject && len(bytes.TrimSpace(body)) > 0
}
