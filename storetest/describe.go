package storetest

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/connectdir/connectdir"
)

// testDescribeSeesWrites: DescribeUser (a Read outside any transaction, which a store may answer
// from a cache) sees every write that returned before it began, whatever the path of the write,
// and never goes back to an older state once it has shown a newer one, with writers racing it.
func testDescribeSeesWrites(t *testing.T, e *env) {
	ctx := t.Context()
	di := e.dirInstance(t, "describe", nil)
	in := di.inst.ID
	var levels [connectdir.MaxLevels]string
	levels[0] = "Site"
	must(t, "UpdateHierarchyStructure", e.d.UpdateHierarchyStructure(ctx, in, levels))
	group, err := e.d.CreateHierarchyGroup(ctx, in, "Lyon", "", nil)
	must(t, "CreateHierarchyGroup", err)
	u := e.dirUser(t, di, "zoe", "", map[string]string{"team": "a"})
	describe := func(what string) connectdir.User {
		t.Helper()
		got, err := e.d.DescribeUser(ctx, in, u.ID)
		must(t, "DescribeUser after "+what, err)
		return got
	}
	describe("CreateUser") // whatever a store keeps of this read, the writes below must replace it
	describe("CreateUser")

	steps := []struct {
		what  string
		write func() error
		check func(connectdir.User) bool
	}{
		{"UpdateUserIdentityInfo", func() error {
			return e.d.UpdateUserIdentityInfo(ctx, in, u.ID, connectdir.IdentityInfo{FirstName: "Zoë", LastName: "L'Écuyer"})
		}, func(u connectdir.User) bool { return u.IdentityInfo.LastName == "L'Écuyer" }},
		{"UpdateUserPhoneConfig", func() error {
			return e.d.UpdateUserPhoneConfig(ctx, in, u.ID, connectdir.PhoneConfig{PhoneType: connectdir.SoftPhone, AfterContactWorkTimeLimit: 42})
		}, func(u connectdir.User) bool { return u.PhoneConfig.AfterContactWorkTimeLimit == 42 }},
		{"UpdateUserSecurityProfiles", func() error {
			return e.d.UpdateUserSecurityProfiles(ctx, in, u.ID, []string{di.sps[1].ID, di.sps[2].ID})
		}, func(u connectdir.User) bool { return len(u.SecurityProfileIDs) == 2 }},
		{"UpdateUserHierarchy", func() error { return e.d.UpdateUserHierarchy(ctx, in, u.ID, group.ID) },
			func(u connectdir.User) bool { return u.HierarchyGroupID == group.ID }},
		{"TagResource", func() error { return e.d.TagResource(ctx, u.ARN, map[string]string{"site": "lyon"}) },
			func(u connectdir.User) bool {
				return maps.Equal(u.Tags, map[string]string{"team": "a", "site": "lyon"})
			}},
		{"UntagResource", func() error { return e.d.UntagResource(ctx, u.ARN, []string{"team"}) },
			func(u connectdir.User) bool { return maps.Equal(u.Tags, map[string]string{"site": "lyon"}) }},
		{"a Store.Update of the row", func() error {
			return e.s.Update(ctx, func(tx connectdir.Tx) error {
				got, err := tx.GetUser(in, u.ID)
				if err != nil {
					return err
				}
				got.IdentityInfo.Email = "zoe@example.com"
				return tx.UpdateUser(got)
			})
		}, func(u connectdir.User) bool { return u.IdentityInfo.Email == "zoe@example.com" }},
	}
	for _, s := range steps {
		must(t, s.what, s.write())
		if got := describe(s.what); !s.check(got) {
			t.Errorf("DescribeUser after %s returned the user before it: %s", s.what, dump(got))
		}
		describe(s.what)
	}
	// What a caller does with the answer is not what the next caller gets.
	got := describe("changing an answer")
	got.Tags["site"] = "changed"
	got.SecurityProfileIDs[0] = "changed"
	if again := describe("changing an answer"); again.Tags["site"] != "lyon" || again.SecurityProfileIDs[0] == "changed" {
		t.Errorf("a caller's change to DescribeUser's answer reached the next answer: %s", dump(again))
	}
	must(t, "DeleteUser", e.d.DeleteUser(ctx, in, u.ID))
	_, err = e.d.DescribeUser(ctx, in, u.ID)
	wantKind(t, "DescribeUser after DeleteUser", err, connectdir.KindNotFound)

	// Racing: one writer renames a user n times, one write after another, and publishes each
	// rename once it has returned; readers check that DescribeUser shows at least the last
	// published rename that preceded it and never less than they saw before.
	r := e.dirUser(t, di, "racer", "", nil)
	describeRacer := func() (connectdir.User, error) { return e.d.DescribeUser(ctx, in, r.ID) }
	const renames, readers = 150, 3
	var published atomic.Int64
	var writerDone atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, readers+1)
	wg.Go(func() {
		defer writerDone.Store(true)
		for i := 1; i <= renames; i++ {
			if err := e.d.UpdateUserIdentityInfo(ctx, in, r.ID, connectdir.IdentityInfo{FirstName: "n" + strconv.Itoa(i), LastName: "Núñez"}); err != nil {
				errs <- err
				return
			}
			published.Store(int64(i))
		}
	})
	for range readers {
		wg.Go(func() {
			seen := int64(0)
			for last := false; !last; {
				last = writerDone.Load() // one more read after the writer's end: it must show the last rename
				before := published.Load()
				got, err := describeRacer()
				if err != nil {
					errs <- err
					return
				}
				n, _ := strconv.ParseInt(strings.TrimPrefix(got.IdentityInfo.FirstName, "n"), 10, 64)
				if n < before || n < seen {
					errs <- fmt.Errorf("DescribeUser showed rename %d after rename %d had returned and rename %d had been seen", n, before, seen)
					return
				}
				seen = n
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
