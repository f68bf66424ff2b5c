package main

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/connect"
)

// snapshot import of users into a CONNECT_MANAGED instance without --passwords-out is refused
// before anything is written: no levels, no groups, no users.
func TestSnapshotImportWithoutPasswordsOutWritesNothing(t *testing.T) {
	const keyID, secret = "AKIAREFUSETEST000001", "refuse-test-secret-access-key-0001"
	ctx, stop := context.WithCancel(context.Background())
	endpoint, data, served := startServe(t, ctx, keyID, secret)
	t.Cleanup(func() { stop(); <-served })
	c, inst := serverInstance(t, ctx, endpoint, keyID, secret)
	awsEnv(t, data, keyID, secret)
	err := newApp().Run(ctx, []string{"connectdir", "snapshot", "import", "--instance", inst, "--endpoint-url", endpoint, "--rps", "0", "../../examples/snapshot.json"})
	if err == nil || !strings.Contains(err.Error(), "--passwords-out") {
		t.Fatalf("import without --passwords-out: %v, want a refusal naming --passwords-out", err)
	}
	hs, err := c.DescribeUserHierarchyStructure(ctx, &connect.DescribeUserHierarchyStructureInput{InstanceId: &inst})
	if err != nil {
		t.Fatal(err)
	}
	if s := hs.HierarchyStructure; s != nil && s.LevelOne != nil {
		t.Errorf("levels written before the refusal: %+v", s.LevelOne)
	}
	groups, err := c.ListUserHierarchyGroups(ctx, &connect.ListUserHierarchyGroupsInput{InstanceId: &inst})
	if err != nil || len(groups.UserHierarchyGroupSummaryList) != 0 {
		t.Errorf("groups written before the refusal: %v, %v", groups.UserHierarchyGroupSummaryList, err)
	}
	users, err := c.ListUsers(ctx, &connect.ListUsersInput{InstanceId: &inst})
	if err != nil || len(users.UserSummaryList) != 0 {
		t.Errorf("users written before the refusal: %v, %v", users.UserSummaryList, err)
	}
}
