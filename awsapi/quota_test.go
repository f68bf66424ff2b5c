package awsapi_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/internal/testserver"
)

// With quotas set, creation beyond them is refused with the exception each operation lists, and
// nothing is created.
func TestQuotas(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Quotas: connectdir.Quotas{Instances: 2, UsersPerInstance: 2, GroupsPerInstance: 2}})
	c, ctx := srv.Client(), t.Context()
	saml := func() (*connect.CreateInstanceOutput, error) {
		return c.CreateInstance(ctx, &connect.CreateInstanceInput{IdentityManagementType: types.DirectoryTypeSaml,
			InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true)})
	}
	second, err := saml() // the bootstrapped instance is the first
	if err != nil {
		t.Fatal(err)
	}
	var quota *types.ServiceQuotaExceededException
	if _, err := saml(); !errors.As(err, &quota) {
		t.Fatalf("third instance: %v, want ServiceQuotaExceededException", err)
	}
	if list, _ := c.ListInstances(ctx, &connect.ListInstancesInput{}); len(list.InstanceSummaryList) != 2 {
		t.Fatalf("instances after the refusal: %d, want 2", len(list.InstanceSummaryList))
	}

	inst := aws.ToString(second.Id)
	rp, sp := srv.Profiles(t, inst, "Agent")
	user := func(i int) error {
		_, err := c.CreateUser(ctx, &connect.CreateUserInput{InstanceId: &inst, Username: aws.String(fmt.Sprint("agent", i)),
			IdentityInfo:       &types.UserIdentityInfo{FirstName: aws.String("A"), LastName: aws.String("B")},
			SecurityProfileIds: []string{sp}, RoutingProfileId: &rp})
		return err
	}
	for i := range 2 {
		if err := user(i); err != nil {
			t.Fatal(err)
		}
	}
	var limit *types.LimitExceededException
	if err := user(2); !errors.As(err, &limit) {
		t.Fatalf("third user: %v, want LimitExceededException", err)
	}
	if list, _ := c.ListUsers(ctx, &connect.ListUsersInput{InstanceId: &inst}); len(list.UserSummaryList) != 2 {
		t.Fatalf("users after the refusal: %d, want 2", len(list.UserSummaryList))
	}
	// The quota is per instance: the first instance still takes users.
	firstRP, firstSP := srv.Profiles(t, srv.InstanceID, "Agent")
	if _, err := c.CreateUser(ctx, &connect.CreateUserInput{InstanceId: &srv.InstanceID, Username: aws.String("elsewhere"),
		Password:           aws.String("Passw0rdX"),
		IdentityInfo:       &types.UserIdentityInfo{FirstName: aws.String("A"), LastName: aws.String("B")},
		SecurityProfileIds: []string{firstSP}, RoutingProfileId: &firstRP}); err != nil {
		t.Fatalf("user in another instance: %v", err)
	}

	if _, err := c.UpdateUserHierarchyStructure(ctx, &connect.UpdateUserHierarchyStructureInput{InstanceId: &inst,
		HierarchyStructure: &types.HierarchyStructureUpdate{LevelOne: &types.HierarchyLevelUpdate{Name: aws.String("Region")}}}); err != nil {
		t.Fatal(err)
	}
	group := func(name string) error {
		_, err := c.CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &inst, Name: &name})
		return err
	}
	for _, name := range []string{"EMEA", "AMER"} {
		if err := group(name); err != nil {
			t.Fatal(err)
		}
	}
	if err := group("APAC"); !errors.As(err, &limit) {
		t.Fatalf("third group: %v, want LimitExceededException", err)
	}
	if list, _ := c.ListUserHierarchyGroups(ctx, &connect.ListUserHierarchyGroupsInput{InstanceId: &inst}); len(list.UserHierarchyGroupSummaryList) != 2 {
		t.Fatalf("groups after the refusal: %d, want 2", len(list.UserHierarchyGroupSummaryList))
	}
}

// The rate limit is the account's, as AWS applies it: a second access key does not get a
// budget of its own.
func TestThrottleIsPerAccount(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{ThrottleRPS: 0.001, ThrottleBurst: 3})
	ctx := t.Context()
	_, secret, err := srv.Dir.CreateAccessKey(ctx, "second")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := srv.Dir.ListAccessKeys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("keys: %v, %v", keys, err)
	}
	secondID := keys[0].ID
	if secondID == srv.KeyID {
		secondID = keys[1].ID
	}
	first, second := srv.Client(), srv.ClientWith(secondID, secret)
	for i := range 3 {
		if _, err := first.ListInstances(ctx, &connect.ListInstancesInput{}); err != nil {
			t.Fatalf("request %d within the burst: %v", i, err)
		}
	}
	_, err = second.ListInstances(ctx, &connect.ListInstancesInput{})
	var ae interface{ ErrorCode() string }
	if !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" {
		t.Fatalf("the other key's request after the account's burst: %v, want ThrottlingException", err)
	}
}
