package testserver

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
)

// NewSAMLInstance creates a SAML instance through c and returns its id. Its users take no
// password, so loads and benchmarks there measure the directory, not argon2id.
func NewSAMLInstance(t testing.TB, c *connect.Client) string {
	t.Helper()
	out, err := c.CreateInstance(context.Background(), &connect.CreateInstanceInput{
		IdentityManagementType: types.DirectoryTypeSaml, InstanceAlias: aws.String(fmt.Sprintf("saml-%d", time.Now().UnixNano())),
		InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Id)
}

// SequentialCreates makes n users with CreateUser calls one after the other, as a simple script
// would, and returns how long that took: the baseline of the sync and copy benchmarks.
func SequentialCreates(t testing.TB, c *connect.Client, inst string, n int) time.Duration {
	t.Helper()
	ctx := context.Background()
	rp, sp := ProfileIDs(t, c, inst, "Agent")
	start := time.Now()
	for i := range n {
		_, err := c.CreateUser(ctx, &connect.CreateUserInput{InstanceId: &inst, Username: aws.String(fmt.Sprintf("base%06d", i)),
			IdentityInfo:       &types.UserIdentityInfo{FirstName: aws.String("F"), LastName: aws.String("L")},
			PhoneConfig:        &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone},
			RoutingProfileId:   &rp,
			SecurityProfileIds: []string{sp},
			Tags:               map[string]string{"team": "t"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return time.Since(start)
}
