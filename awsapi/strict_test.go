package awsapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Member names are matched exactly, as the model spells them: a member whose name differs only
// in case is a member the service does not know, ignored, and never stands in for the real one
// past the model's limits (encoding/json alone matches names case-insensitively, last one wins).
func TestCaseVariantMembersAreIgnored(t *testing.T) {
	e := start(t)
	long := func(n int) string { return strings.Repeat("x", n) }
	manyTags := map[string]string{}
	for i := range 300 {
		manyTags[fmt.Sprintf("k%d", i)] = "v"
	}
	body := map[string]any{
		"Username": "case.user", "Password": "Passw0rdX",
		"IdentityInfo":     map[string]any{"FirstName": "Ada", "LastName": "Lovelace", "firstname": long(20000), "FIRSTNAME": long(20000)},
		"PhoneConfig":      map[string]any{"PhoneType": "SOFT_PHONE", "phonetype": "DESK_PHONE", "deskphonenumber": "+12065550100"},
		"RoutingProfileId": e.rp, "SecurityProfileIds": []string{e.sp},
		"username": long(10000), "USERNAME": long(10000), "tags": manyTags, "securityprofileids": []string{long(500)},
	}
	raw, _ := json.Marshal(body)
	resp := e.signed(t, http.MethodPut, "/users/"+e.inst, raw)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("CreateUser with case variants: %d %s", resp.StatusCode, b)
	}
	var out struct{ UserId string }
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	u := e.describeUser(t, e.inst, out.UserId)
	eq(t, "Username", aws.ToString(u.Username), "case.user")
	eq(t, "FirstName", aws.ToString(u.IdentityInfo.FirstName), "Ada")
	eq(t, "PhoneType", string(u.PhoneConfig.PhoneType), "SOFT_PHONE")
	eq(t, "tags stored", len(u.Tags), 0)
	eq(t, "SecurityProfileIds", u.SecurityProfileIds, []string{e.sp})

	// An update whose only member is a case variant of the required one lacks the required one.
	raw, _ = json.Marshal(map[string]any{"identityinfo": map[string]any{"FirstName": long(20000)}})
	resp = e.signed(t, http.MethodPost, "/users/"+e.inst+"/"+out.UserId+"/identity-info", raw)
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "InvalidParameterException" {
		t.Errorf("UpdateUserIdentityInfo with only a case variant: %d %s, want 400 InvalidParameterException", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
	arn := "arn:aws:connect:us-east-1:123456789012:instance/" + e.inst + "/agent/" + out.UserId
	// TagResource's member is "tags", lower case, in the model.
	raw, _ = json.Marshal(map[string]any{"tags": map[string]string{"ok": "1"}, "Tags": manyTags, "TAGS": manyTags})
	resp = e.signed(t, http.MethodPost, "/tags/"+url.PathEscape(arn), raw)
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("TagResource with a case variant: %d %s", resp.StatusCode, b)
	}
	u = e.describeUser(t, e.inst, out.UserId)
	eq(t, "FirstName after update", aws.ToString(u.IdentityInfo.FirstName), "Ada")
	eq(t, "tags after TagResource", u.Tags, map[string]string{"ok": "1"})
}

// A member named twice is refused, whichever copy a reader would have kept, at any depth.
func TestDuplicatedMemberRefused(t *testing.T) {
	e := start(t)
	for _, body := range []string{
		`{"Username":"dup.one","Username":"dup.two","Password":"Passw0rdX","IdentityInfo":{"FirstName":"A"},"PhoneConfig":{"PhoneType":"SOFT_PHONE"},"RoutingProfileId":"` + e.rp + `","SecurityProfileIds":["` + e.sp + `"]}`,
		`{"Username":"dup.three","Password":"Passw0rdX","IdentityInfo":{"FirstName":"A","FirstName":"B"},"PhoneConfig":{"PhoneType":"SOFT_PHONE"},"RoutingProfileId":"` + e.rp + `","SecurityProfileIds":["` + e.sp + `"]}`,
		`{"Username":"dup.four","Password":"Passw0rdX","IdentityInfo":{"FirstName":"A"},"PhoneConfig":{"PhoneType":"SOFT_PHONE"},"RoutingProfileId":"` + e.rp + `","SecurityProfileIds":["` + e.sp + `"],"Tags":{"a":"1","a":"2"}}`,
	} {
		resp := e.signed(t, http.MethodPut, "/users/"+e.inst, []byte(body))
		if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "SerializationException" {
			b, _ := io.ReadAll(resp.Body)
			t.Errorf("%s: %d %s %s, want 400 SerializationException", body, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), b)
		}
	}
	if names := e.usernames(t, e.inst); len(names) != 0 {
		t.Errorf("users stored from refused bodies: %v", names)
	}
}

// A body that is JSON but not an object (null, an array, a string, a number) is refused with
// SerializationException on every operation, before anything runs; null used to panic the
// handlers of operations with path members.
func TestEveryOperationNonObjectBody(t *testing.T) {
	e := start(t)
	x := e.fixture(t)
	for _, body := range []string{`null`, `[]`, `"x"`, `1`, `{} {}`, `{"a":1`} {
		c := e.Client(func(o *connect.Options) {
			// Replace the serialized body before signing, so the signature covers what is sent.
			o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
				return st.Build.Add(middleware.BuildMiddlewareFunc("swapBody", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
					req := in.Request.(*smithyhttp.Request)
					req.Header.Set("Content-Type", "application/json")
					r, err := req.SetStream(bytes.NewReader([]byte(body)))
					if err != nil {
						return middleware.BuildOutput{}, middleware.Metadata{}, err
					}
					in.Request = r
					return next.HandleBuild(ctx, in)
				}), middleware.Before)
			})
			o.RetryMaxAttempts = 1
		})
		for _, op := range allOps() {
			t.Run(body+"/"+op.name, func(t *testing.T) {
				wantCode(t, op.name, op.call(t.Context(), c, x), "SerializationException", 400)
			})
		}
	}
	// Nothing ran: the fixture's user and group are still there, no instance was added.
	e.describeUser(t, x.inst, x.user)
	must(e.c.DescribeUserHierarchyGroup(t.Context(), &connect.DescribeUserHierarchyGroupInput{InstanceId: &x.inst, HierarchyGroupId: &x.group})).get(t)
	if n := len(must(e.c.ListInstances(t.Context(), &connect.ListInstancesInput{})).get(t).InstanceSummaryList); n != 2 {
		t.Errorf("%d instances, want the 2 the test made", n)
	}
}
