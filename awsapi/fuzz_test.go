package awsapi_test

import (
	"io"
	"net/http"
	"net/url"
	"testing"
)

// Whatever body a signed client sends, the server answers with a refusal the SDKs can type or a
// success, never an internal error: bad input is the client's, and must be named as such.
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
	})
}
