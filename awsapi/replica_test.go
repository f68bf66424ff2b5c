package awsapi_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir/internal/testserver"
)

// Two server replicas on one PostgreSQL database keep the invariants when racing: the database
// (unique keys, foreign keys, serializable transactions) decides, not luck.
func TestReplicasRaceOnPostgres(t *testing.T) {
	dbURL := testserver.PostgresDatabase(t)
	a := testserver.Start(t, testserver.Options{Store: testserver.OpenPostgres(t, dbURL)})
	b := testserver.Start(t, testserver.Options{Store: testserver.OpenPostgres(t, dbURL)})
	if a.InstanceID != b.InstanceID {
		t.Fatalf("replicas bootstrapped different default instances: %s and %s", a.InstanceID, b.InstanceID)
	}
	inst := a.InstanceID
	// Each replica verifies the other's keys: they live in the shared store.
	clients := []*connect.Client{a.Client(), b.ClientWith(a.KeyID, a.Secret)}
	rp, sp := a.Profiles(t, inst, "Agent")
	ctx := t.Context()

	// race runs n calls split across both replicas at once and returns how many succeeded and
	// the refusals, by exception name.
	race := func(n int, call func(c *connect.Client, i int) error) (ok int, refused map[string]int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		refused = map[string]int{}
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := call(clients[i%2], i)
				mu.Lock()
				defer mu.Unlock()
				var ae interface{ ErrorCode() string }
				switch {
				case err == nil:
					ok++
				case errors.As(err, &ae):
					refused[ae.ErrorCode()]++
				default:
					refused[err.Error()]++
				}
			}()
		}
		close(start)
		wg.Wait()
		return ok, refused
	}

	t.Run("CreateUser same username", func(t *testing.T) {
		ok, refused := race(50, func(c *connect.Client, i int) error {
			_, err := c.CreateUser(ctx, &connect.CreateUserInput{
				InstanceId: &inst, Username: aws.String("contested"), Password: aws.String("Passw0rdX"),
				IdentityInfo:       &types.UserIdentityInfo{FirstName: aws.String("C"), LastName: aws.String(fmt.Sprint(i))},
				PhoneConfig:        &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone},
				SecurityProfileIds: []string{sp}, RoutingProfileId: &rp,
			})
			return err
		})
		if ok != 1 || refused["DuplicateResourceException"] != 49 {
			t.Fatalf("got %d successes and refusals %v; want 1 and 49 DuplicateResourceException", ok, refused)
		}
		users, err := clients[0].SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: &inst, SearchCriteria: &types.UserSearchCriteria{
			StringCondition: &types.StringCondition{FieldName: aws.String("Username"), Value: aws.String("contested"), ComparisonType: types.StringComparisonTypeExact}}})
		if err != nil || aws.ToInt64(users.ApproximateTotalCount) != 1 {
			t.Fatalf("users named contested: %v, %v; want exactly 1", users, err)
		}
	})

	if _, err := clients[0].UpdateUserHierarchyStructure(ctx, &connect.UpdateUserHierarchyStructureInput{InstanceId: &inst,
		HierarchyStructure: &types.HierarchyStructureUpdate{LevelOne: &types.HierarchyLevelUpdate{Name: aws.String("Region")},
			LevelTwo: &types.HierarchyLevelUpdate{Name: aws.String("Site")}}}); err != nil {
		t.Fatal(err)
	}
	parent, err := clients[0].CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &inst, Name: aws.String("EMEA")})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("CreateUserHierarchyGroup same name under one parent", func(t *testing.T) {
		ok, refused := race(50, func(c *connect.Client, _ int) error {
			_, err := c.CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &inst, Name: aws.String("Dublin"), ParentGroupId: parent.HierarchyGroupId})
			return err
		})
		if ok != 1 || refused["DuplicateResourceException"] != 49 {
			t.Fatalf("got %d successes and refusals %v; want 1 and 49 DuplicateResourceException", ok, refused)
		}
	})

	t.Run("DeleteUserHierarchyGroup while a user is assigned to it", func(t *testing.T) {
		u, err := clients[0].CreateUser(ctx, &connect.CreateUserInput{
			InstanceId: &inst, Username: aws.String("mover"), Password: aws.String("Passw0rdX"),
			IdentityInfo:       &types.UserIdentityInfo{FirstName: aws.String("M"), LastName: aws.String("V")},
			PhoneConfig:        &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone},
			SecurityProfileIds: []string{sp}, RoutingProfileId: &rp,
		})
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[string]int{}
		for round := range 20 {
			g, err := clients[0].CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &inst, Name: aws.String(fmt.Sprint("site-", round)), ParentGroupId: parent.HierarchyGroupId})
			if err != nil {
				t.Fatal(err)
			}
			var delErr, assignErr error
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, delErr = clients[round%2].DeleteUserHierarchyGroup(ctx, &connect.DeleteUserHierarchyGroupInput{InstanceId: &inst, HierarchyGroupId: g.HierarchyGroupId})
			}()
			go func() {
				defer wg.Done()
				_, assignErr = clients[(round+1)%2].UpdateUserHierarchy(ctx, &connect.UpdateUserHierarchyInput{InstanceId: &inst, UserId: u.UserId, HierarchyGroupId: g.HierarchyGroupId})
			}()
			wg.Wait()
			desc, err := clients[0].DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &inst, UserId: u.UserId})
			if err != nil {
				t.Fatal(err)
			}
			_, groupErr := clients[0].DescribeUserHierarchyGroup(ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: &inst, HierarchyGroupId: g.HierarchyGroupId})
			var nf *types.ResourceNotFoundException
			groupGone := errors.As(groupErr, &nf)
			assigned := aws.ToString(desc.User.HierarchyGroupId) == aws.ToString(g.HierarchyGroupId)
			var inUse *types.ResourceInUseException
			switch {
			case delErr == nil && assignErr != nil && errors.As(assignErr, &nf) && groupGone && !assigned:
				outcomes["deleted first"]++
			case assignErr == nil && delErr != nil && errors.As(delErr, &inUse) && !groupGone && assigned:
				outcomes["assigned first"]++
			default:
				t.Fatalf("round %d: delete=%v assign=%v groupGone=%v assigned=%v: an orphaned or lost change", round, delErr, assignErr, groupGone, assigned)
			}
			if assigned { // free the user for the next round
				if _, err := clients[0].UpdateUserHierarchy(ctx, &connect.UpdateUserHierarchyInput{InstanceId: &inst, UserId: u.UserId}); err != nil {
					t.Fatal(err)
				}
			}
		}
		t.Logf("outcomes over 20 rounds: %v", outcomes)
	})

	// Whatever a replica keeps of what it read, a write that one replica has answered is in the
	// next DescribeUser on the other.
	t.Run("DescribeUser on one replica after a write on the other", func(t *testing.T) {
		u, err := clients[0].CreateUser(ctx, &connect.CreateUserInput{
			InstanceId: &inst, Username: aws.String("seen"), Password: aws.String("Passw0rdX"),
			IdentityInfo:       &types.UserIdentityInfo{FirstName: aws.String("S"), LastName: aws.String("N")},
			PhoneConfig:        &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone},
			SecurityProfileIds: []string{sp}, RoutingProfileId: &rp,
		})
		if err != nil {
			t.Fatal(err)
		}
		describe := func(c *connect.Client) *types.User {
			t.Helper()
			out, err := c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &inst, UserId: u.UserId})
			if err != nil {
				t.Fatal(err)
			}
			return out.User
		}
		for round := range 10 {
			writer, reader := clients[round%2], clients[(round+1)%2]
			describe(reader)
			name := fmt.Sprint("Zoë-", round)
			if _, err := writer.UpdateUserIdentityInfo(ctx, &connect.UpdateUserIdentityInfoInput{InstanceId: &inst, UserId: u.UserId,
				IdentityInfo: &types.UserIdentityInfo{FirstName: &name, LastName: aws.String("N")}}); err != nil {
				t.Fatal(err)
			}
			if got := aws.ToString(describe(reader).IdentityInfo.FirstName); got != name {
				t.Fatalf("round %d: the other replica describes FirstName %q after the update to %q", round, got, name)
			}
			tag := fmt.Sprint("r", round)
			if _, err := writer.TagResource(ctx, &connect.TagResourceInput{ResourceArn: u.UserArn, Tags: map[string]string{"round": tag}}); err != nil {
				t.Fatal(err)
			}
			if got := describe(reader).Tags["round"]; got != tag {
				t.Fatalf("round %d: the other replica describes tag round=%q after tagging %q", round, got, tag)
			}
		}
	})

	// Readers racing a writer: while replica a renames a user again and again, DescribeUser calls
	// on replica b (coalesced into shared queries under load, sqlstore/userreads.go) never show a
	// name older than the last rename a had answered before the call began.
	t.Run("DescribeUser on one replica racing renames on the other", func(t *testing.T) {
		u, err := clients[0].CreateUser(ctx, &connect.CreateUserInput{
			InstanceId: &inst, Username: aws.String("renamed"), Password: aws.String("Passw0rdX"),
			IdentityInfo:       &types.UserIdentityInfo{FirstName: aws.String("n-0"), LastName: aws.String("N")},
			PhoneConfig:        &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone},
			SecurityProfileIds: []string{sp}, RoutingProfileId: &rp,
		})
		if err != nil {
			t.Fatal(err)
		}
		n := testserver.RaceReadsWithWrites(t, 16, 100, 0, func(i int64) error {
			_, err := clients[0].UpdateUserIdentityInfo(ctx, &connect.UpdateUserIdentityInfoInput{InstanceId: &inst, UserId: u.UserId,
				IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String(fmt.Sprint("n-", i)), LastName: aws.String("N")}})
			return err
		}, func() (int64, error) {
			out, err := clients[1].DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &inst, UserId: u.UserId})
			if err != nil {
				return 0, err
			}
			return strconv.ParseInt(strings.TrimPrefix(aws.ToString(out.User.IdentityInfo.FirstName), "n-"), 10, 64)
		})
		if n < 100 {
			t.Fatalf("only %d DescribeUser calls raced 100 renames", n)
		}
		t.Logf("%d DescribeUser calls on replica b raced 100 renames on replica a", n)
	})
}
