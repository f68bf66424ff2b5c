package awsapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir/internal/testserver"
)

// nested wraps leaf in depth levels of AndConditions.
func nested(leaf *types.UserSearchCriteria, depth int) *types.UserSearchCriteria {
	c := leaf
	for range depth {
		c = &types.UserSearchCriteria{AndConditions: []types.UserSearchCriteria{*c}}
	}
	return c
}

// TestSearchUsersBounds: criteria too deep or too wide, and bodies too deep or too large, are
// refused as client errors the SDK can type, never answered with a 500, and the server keeps
// serving.
func TestSearchUsersBounds(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	e.createUser(t, e.userInput("bounded"))
	search := func(crit *types.UserSearchCriteria, filter *types.UserSearchFilter) (*connect.SearchUsersOutput, error) {
		return e.c.SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: &e.inst, SearchCriteria: crit, SearchFilter: filter})
	}
	leaf := str("Username", types.StringComparisonTypeExact, "bounded")

	// Nine wrappers make ten levels: the deepest allowed, and it still finds the user.
	out := must(search(nested(leaf, 9), nil)).get(t)
	eq(t, "users found ten levels down", len(out.Users), 1)

	_, err := search(nested(leaf, 10), nil)
	wantErr(t, "criteria eleven levels deep", err, invalidParam)

	wide := &types.UserSearchCriteria{}
	for range 300 {
		wide.OrConditions = append(wide.OrConditions, *leaf)
	}
	_, err = search(wide, nil)
	wantErr(t, "300 OR conditions", err, invalidParam)

	var tags []types.TagCondition
	for range 250 {
		tags = append(tags, types.TagCondition{TagKey: aws.String("k"), TagValue: aws.String("v")})
	}
	_, err = search(nil, &types.UserSearchFilter{TagFilter: &types.ControlPlaneTagFilter{AndConditions: tags}})
	wantErr(t, "250 tag conditions", err, invalidParam)

	// A body nested far deeper than any criteria, sent raw: refused before anything walks it.
	for _, depth := range []int{40, 5000, 40000} {
		crit := `{"StringCondition":{"FieldName":"Username","Value":"bounded"}}`
		crit = strings.Repeat(`{"AndConditions":[`, depth) + crit + strings.Repeat(`]}`, depth)
		resp := e.signed(t, http.MethodPost, "/search-users", []byte(`{"InstanceId":"`+e.inst+`","SearchCriteria":`+crit+`}`))
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "InvalidParameterException" {
			t.Errorf("criteria %d levels deep: %d %s, want 400 InvalidParameterException", depth, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	}
	// Deep nesting elsewhere is refused the same way; the instance operations say InvalidRequestException.
	deep := strings.Repeat("[", 200) + strings.Repeat("]", 200)
	for path, want := range map[string]string{
		"/users/" + e.inst: "InvalidParameterException",
		"/instance":        "InvalidRequestException",
	} {
		resp := e.signed(t, http.MethodPut, path, []byte(`{"Tags":{"a":`+deep+`}}`))
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != want {
			t.Errorf("PUT %s with a deep body: %d %s, want 400 %s", path, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), want)
		}
	}

	// A body beyond the server's bound is the client's error, typed by the SDK.
	_, err = search(str("Username", types.StringComparisonTypeExact, strings.Repeat("a", 2<<20)), nil)
	wantErr(t, "a 2 MiB body", err, invalidReq)

	out = must(search(leaf, nil)).get(t)
	eq(t, "users found after the refusals", len(out.Users), 1)
	if n := e.Server.API.Calls("SearchUsers", "InternalServiceException"); n != 0 {
		t.Errorf("%d SearchUsers calls ended in InternalServiceException", n)
	}
}

// TestInstanceAndFederationURLs: the members the real service fills on every instance
// (ServiceRole, InstanceAccessUrl) and on every federation token (SignInUrl) are present.
func TestInstanceAndFederationURLs(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	role := regexp.MustCompile(`^arn:aws:iam::123456789012:role/aws-service-role/connect\.amazonaws\.com/AWSServiceRoleForAmazonConnect_\w+$`)
	console := e.URL + "/console/"

	inst := must(e.c.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: &e.inst})).get(t).Instance
	if !role.MatchString(aws.ToString(inst.ServiceRole)) {
		t.Errorf("DescribeInstance ServiceRole %q", aws.ToString(inst.ServiceRole))
	}
	eq(t, "DescribeInstance InstanceAccessUrl", aws.ToString(inst.InstanceAccessUrl), console)
	for _, s := range must(e.c.ListInstances(ctx, &connect.ListInstancesInput{})).get(t).InstanceSummaryList {
		if !role.MatchString(aws.ToString(s.ServiceRole)) {
			t.Errorf("ListInstances ServiceRole %q", aws.ToString(s.ServiceRole))
		}
		eq(t, "ListInstances InstanceAccessUrl", aws.ToString(s.InstanceAccessUrl), console)
	}

	e.createUser(t, e.userInput("admin"))
	fed := must(e.c.GetFederationToken(ctx, &connect.GetFederationTokenInput{InstanceId: &e.inst})).get(t)
	eq(t, "SignInUrl", aws.ToString(fed.SignInUrl), console+"login")

	// The wire form: timestamps are epoch-seconds numbers, as rest-json reads them.
	var raw struct {
		Credentials map[string]any
		SignInUrl   string
	}
	if err := json.Unmarshal([]byte(e.rawGet(t, "/user/federate/"+e.inst)), &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw.Credentials["AccessTokenExpiration"].(float64); !ok {
		t.Errorf("AccessTokenExpiration on the wire: %#v", raw.Credentials["AccessTokenExpiration"])
	}
}

// SearchUsers gives AfterContactWorkTimeLimit in milliseconds, as the service documents, while
// DescribeUser gives seconds.
func TestSearchUsersACWInMilliseconds(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c, ctx, inst := srv.Client(), t.Context(), srv.InstanceID
	rp, sp := srv.Profiles(t, inst, "Agent")
	created, err := c.CreateUser(ctx, &connect.CreateUserInput{
		InstanceId: &inst, Username: aws.String("acw"), Password: aws.String("Passw0rdX"),
		IdentityInfo:       &types.UserIdentityInfo{FirstName: aws.String("A"), LastName: aws.String("W")},
		PhoneConfig:        &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone, AfterContactWorkTimeLimit: 45},
		SecurityProfileIds: []string{sp}, RoutingProfileId: &rp,
	})
	if err != nil {
		t.Fatal(err)
	}
	desc, err := c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &inst, UserId: created.UserId})
	if err != nil || desc.User.PhoneConfig.AfterContactWorkTimeLimit != 45 {
		t.Fatalf("DescribeUser ACW = %v, %v; want 45 seconds", desc, err)
	}
	found, err := c.SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: &inst, SearchCriteria: &types.UserSearchCriteria{
		StringCondition: &types.StringCondition{FieldName: aws.String("Username"), Value: aws.String("acw"), ComparisonType: types.StringComparisonTypeExact}}})
	if err != nil || len(found.Users) != 1 {
		t.Fatalf("SearchUsers: %v, %v", found, err)
	}
	u := found.Users[0]
	if u.PhoneConfig.AfterContactWorkTimeLimit != 45000 {
		t.Errorf("SearchUsers PhoneConfig ACW = %d, want 45000 ms", u.PhoneConfig.AfterContactWorkTimeLimit)
	}
	if len(u.AfterContactWorkConfigs) != 1 || u.AfterContactWorkConfigs[0].AfterContactWorkConfig.AfterContactWorkTimeLimit != 45000 {
		t.Errorf("SearchUsers AfterContactWorkConfigs = %+v, want VOICE 45000 ms", u.AfterContactWorkConfigs)
	}
}
