package awsapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir/internal/testserver"
)

// A NUL character in any string of a request (body, map key, path, query), or invalid UTF-8 in a
// path member, is refused with InvalidParameterException on both stores, and nothing is written. PostgreSQL's
// text cannot hold them: they used to reach it and come back as a 500 InternalServiceException.
// (Invalid UTF-8 in the JSON body never arrives: encoders and the server's decoder both turn it
// into U+FFFD.)
func TestBadTextRefused(t *testing.T) {
	stores := map[string]func(t *testing.T) testserver.Options{
		"sqlite": func(t *testing.T) testserver.Options { return testserver.Options{} },
		"postgres": func(t *testing.T) testserver.Options {
			return testserver.Options{Store: testserver.OpenPostgres(t, testserver.PostgresDatabase(t))}
		},
	}
	for name, opts := range stores {
		t.Run(name, func(t *testing.T) {
			srv := testserver.Start(t, opts(t))
			c, inst, ctx := srv.Client(), srv.InstanceID, t.Context()
			rp, sp := srv.Profiles(t, inst, "Agent")
			user := func(username, first string, tags map[string]string) *connect.CreateUserInput {
				return &connect.CreateUserInput{InstanceId: &inst, Username: aws.String(username), Password: aws.String("Passw0rd!x"),
					IdentityInfo:     &types.UserIdentityInfo{FirstName: aws.String(first), LastName: aws.String("Núñez")},
					PhoneConfig:      &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone},
					RoutingProfileId: &rp, SecurityProfileIds: []string{sp}, Tags: tags}
			}
			ok, err := c.CreateUser(ctx, user("ok", "Zoë", nil))
			if err != nil {
				t.Fatal(err)
			}
			calls := map[string]func() error{
				"NUL in a body string": func() error { _, err := c.CreateUser(ctx, user("nul1", "a\x00b", nil)); return err },
				"NUL in a tag value": func() error {
					_, err := c.CreateUser(ctx, user("nul2", "a", map[string]string{"k": "v\x00"}))
					return err
				},
				"NUL in a tag key (a map key)": func() error {
					_, err := c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: ok.UserArn, Tags: map[string]string{"k\x00": "v"}})
					return err
				},
				"NUL in a path member": func() error {
					_, err := c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &inst, UserId: aws.String(*ok.UserId + "\x00")})
					return err
				},
				"invalid UTF-8 in a path member": func() error {
					_, err := c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &inst, UserId: aws.String("\xff")})
					return err
				},
				"NUL in a query member": func() error {
					_, err := c.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: ok.UserArn, TagKeys: []string{"k\x00"}})
					return err
				},
				"NUL in a search string": func() error {
					_, err := c.SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: &inst, SearchCriteria: str("Username", types.StringComparisonTypeContains, "o\x00")})
					return err
				},
			}
			for what, call := range calls {
				wantErr(t, what, call(), invalidParam)
			}
			out, err := c.ListUsers(ctx, &connect.ListUsersInput{InstanceId: &inst})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.UserSummaryList) != 1 {
				t.Fatalf("%d users after the refusals, want the 1 created before them", len(out.UserSummaryList))
			}
			u, err := c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &inst, UserId: ok.UserId})
			if err != nil || len(u.User.Tags) != 0 {
				t.Fatalf("the user after the refusals: %v, tags %v", err, u.User.Tags)
			}
		})
	}
}
