package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connectdir/connectdir"
)

var errBoom = errors.New("storetest: the transaction fails on purpose")

// snapshot reads everything a Tx can list, as JSON, to compare the whole store before and after.
func (e *env) snapshot(t *testing.T) string {
	t.Helper()
	type inst struct {
		Instance connectdir.Instance
		Routing  []connectdir.RoutingProfile
		Security []connectdir.SecurityProfile
		Users    []connectdir.User
		Groups   []connectdir.HierarchyGroup
		Levels   []connectdir.HierarchyLevel
		ByGroup  map[string]int64
	}
	var out struct {
		Instances []inst
		Keys      []connectdir.AccessKey
	}
	e.view(t, func(tx connectdir.Tx) error {
		list, err := tx.ListInstances("", 1<<20)
		if err != nil {
			return err
		}
		for _, l := range list {
			var i inst
			if i.Instance, err = tx.GetInstance(l.ID); err != nil {
				return err
			}
			if i.Routing, err = tx.ListRoutingProfiles(l.ID, "", 1<<20); err != nil {
				return err
			}
			for j, p := range i.Routing {
				if i.Routing[j].Tags, err = tx.Tags(l.ID, p.ID); err != nil {
					return err
				}
			}
			if i.Security, err = tx.ListSecurityProfiles(l.ID, "", 1<<20); err != nil {
				return err
			}
			if i.Users, err = tx.ListUsers(l.ID, "", 1<<20); err != nil {
				return err
			}
			if i.Groups, err = tx.ListGroups(l.ID, "", 1<<20); err != nil {
				return err
			}
			for j, g := range i.Groups {
				if i.Groups[j].Tags, err = tx.Tags(l.ID, g.ID); err != nil {
					return err
				}
			}
			if i.Levels, err = tx.GetLevels(l.ID); err != nil {
				return err
			}
			if i.ByGroup, err = tx.CountUsersByGroup(l.ID); err != nil {
				return err
			}
			out.Instances = append(out.Instances, i)
		}
		out.Keys, err = tx.ListAccessKeys()
		return err
	})
	return dump(out)
}

func testRollback(t *testing.T, e *env) {
	f := e.rawInstance(t, "i-rb")
	victim := e.rawInstance(t, "i-rb-victim")
	g := f.group(e, "rb-g", "Group", nil)
	g2 := f.group(e, "rb-g2", "Group 2", &g)
	e.insertGroups(t, g, g2)
	eu := f.fullUser(e, "rb-u", "existing", g2)
	eu2 := f.user(e, "rb-u2", "existing2")
	e.insertUsers(t, eu, eu2, victim.user(e, "rb-vu", "victim"))
	key := connectdir.AccessKey{ID: "AKIAROLLBACK0000001", SecretEncrypted: []byte("sealed"), UserName: "rb", CreatedTime: e.clock.Now()}
	e.update(t, func(tx connectdir.Tx) error {
		if err := tx.TagResource(f.inst.ID, eu.ID, map[string]string{"t": "1"}); err != nil {
			return err
		}
		if err := tx.InsertAccessKey(key); err != nil {
			return err
		}
		return tx.PutLevels(f.inst.ID, []connectdir.HierarchyLevel{{Number: 1, Name: "L1"}, {Number: 2, Name: "L2"}})
	})
	before := e.snapshot(t)

	fresh := e.rawInstanceValue("i-rb-new")
	nu := f.user(e, "rb-new-u", "newcomer")
	ng := f.group(e, "rb-new-g", "New group", &g)
	accessHash, refreshHash := connectdir.TokenHash("rb-access"), connectdir.TokenHash("rb-refresh")
	tok := connectdir.FederationToken{AccessTokenExpiration: e.clock.Now(), RefreshTokenExpiration: e.clock.Now()}

	cases := []struct {
		name    string
		fn      func(tx connectdir.Tx) error
		wantErr func(t *testing.T, err error)
	}{
		{"one write", func(tx connectdir.Tx) error {
			if err := tx.InsertInstance(fresh.inst); err != nil {
				return err
			}
			return errBoom
		}, nil},
		{"writes to every table", func(tx connectdir.Tx) error {
			steps := []func() error{
				func() error { return tx.InsertInstance(fresh.inst) },
				func() error { return tx.InsertRoutingProfile(fresh.rps[0]) },
				func() error { return tx.InsertSecurityProfile(fresh.sps[0]) },
				func() error { return tx.InsertGroup(ng) },
				func() error {
					grouped := nu
					grouped.HierarchyGroupID, grouped.HierarchyPath = ng.ID, ng.Path
					return tx.InsertUser(grouped, "hash")
				},
				func() error { return tx.TagResource(f.inst.ID, nu.ID, map[string]string{"new": "tag"}) },
				func() error { return tx.TagResource(fresh.inst.ID, fresh.inst.ID, map[string]string{"new": "tag"}) },
				func() error {
					return tx.PutLevels(fresh.inst.ID, []connectdir.HierarchyLevel{{Number: 1, Name: "Only"}})
				},
				func() error {
					return tx.InsertAccessKey(connectdir.AccessKey{ID: "AKIAROLLBACK0000002", SecretEncrypted: []byte{1}, UserName: "x"})
				},
				func() error { return tx.InsertFederationToken(f.inst.ID, nu.ID, accessHash, refreshHash, tok) },
			}
			for i, s := range steps {
				if err := s(); err != nil {
					return fmt.Errorf("step %d: %w", i, err)
				}
			}
			// The writes are visible inside the transaction.
			if _, err := tx.GetUser(f.inst.ID, nu.ID); err != nil {
				return fmt.Errorf("own write not visible: %w", err)
			}
			return errBoom
		}, nil},
		{"changes and deletes of existing rows", func(tx connectdir.Tx) error {
			changed := eu
			changed.Tags = nil
			changed.IdentityInfo.FirstName, changed.HierarchyGroupID, changed.HierarchyPath = "Changed", "", ""
			steps := []func() error{
				func() error { return tx.UpdateUser(changed) },
				func() error { return tx.RenameGroup(f.inst.ID, g.ID, "Renamed", e.clock.Now(), region) },
				func() error { return tx.UntagResource(f.inst.ID, eu.ID, []string{"t"}) },
				func() error { return tx.TagResource(f.inst.ID, eu2.ID, map[string]string{"added": "1"}) },
				func() error { return tx.PutLevels(f.inst.ID, nil) },
				func() error { return tx.DeleteUser(f.inst.ID, eu2.ID) },
				func() error { return tx.DeleteGroup(f.inst.ID, g2.ID) },
				func() error { return tx.DeleteInstance(victim.inst.ID) },
			}
			for i, s := range steps {
				if err := s(); err != nil {
					return fmt.Errorf("step %d: %w", i, err)
				}
			}
			return errBoom
		}, nil},
		{"a refused write after others", func(tx connectdir.Tx) error {
			if err := tx.InsertUser(nu, ""); err != nil {
				return err
			}
			if err := tx.TagResource(f.inst.ID, nu.ID, map[string]string{"a": "b"}); err != nil {
				return err
			}
			dup := f.user(e, "rb-dup", eu.Username)
			return tx.InsertUser(dup, "")
		}, func(t *testing.T, err error) { wantConflict(t, "Update ending in a duplicate", err, "unique") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			err := e.s.Update(t.Context(), func(tx connectdir.Tx) error {
				calls++
				return c.fn(tx)
			})
			if c.wantErr != nil {
				c.wantErr(t, err)
			} else if !errors.Is(err, errBoom) {
				t.Fatalf("Update returned %v, want the error fn returned", err)
			}
			if calls != 1 {
				t.Errorf("fn ran %d times for an error that is not a serialization failure, want once", calls)
			}
			if after := e.snapshot(t); after != before {
				t.Errorf("the failed Update left changes:\n before %s\n after  %s", before, after)
			}
		})
	}
	// Nor did the token stay: its hashes are free (a store could keep it where no list shows it).
	e.insertUsers(t, nu)
	must(t, "InsertFederationToken with the hashes of a rolled-back token", e.write(t, func(tx connectdir.Tx) error {
		return tx.InsertFederationToken(f.inst.ID, nu.ID, accessHash, refreshHash, tok)
	}))
}

// rawInstanceValue is what rawInstance inserts, not inserted.
func (e *env) rawInstanceValue(id string) fixture {
	now := e.clock.Now()
	f := fixture{inst: connectdir.Instance{ID: id, ARN: arnPrefix + id, IdentityManagementType: connectdir.IdentitySAML, Status: "ACTIVE", CreatedTime: now}}
	f.rps = []connectdir.RoutingProfile{{InstanceID: id, ID: id + "-rp", Name: "rp", LastModifiedTime: now}}
	f.sps = []connectdir.SecurityProfile{{InstanceID: id, ID: id + "-sp", Name: "sp", LastModifiedTime: now}}
	return f
}

func testViewSnapshot(t *testing.T, e *env) {
	f := e.rawInstance(t, "i-snap")
	u := f.user(e, "snap-u", "snap")
	e.insertUsers(t, u)
	writerDone := make(chan error, 1)
	var first, second struct {
		users []connectdir.User
		user  connectdir.User
		n     int
	}
	readAll := func(tx connectdir.Tx, into *struct {
		users []connectdir.User
		user  connectdir.User
		n     int
	}) error {
		var err error
		if into.users, err = tx.ListUsers(f.inst.ID, "", 100); err != nil {
			return err
		}
		if into.user, err = tx.GetUser(f.inst.ID, u.ID); err != nil {
			return err
		}
		into.n, err = tx.CountInstances()
		return err
	}
	blocked := false
	err := e.s.View(t.Context(), func(tx connectdir.Tx) error {
		if err := readAll(tx, &first); err != nil {
			return err
		}
		go func() {
			writerDone <- e.s.Update(t.Context(), func(tx connectdir.Tx) error {
				changed := u
				changed.IdentityInfo.FirstName = "Changed"
				if err := tx.UpdateUser(changed); err != nil {
					return err
				}
				if err := tx.InsertUser(f.user(e, "snap-u2", "snap2"), ""); err != nil {
					return err
				}
				return tx.InsertInstance(connectdir.Instance{ID: "i-snap-2", Status: "ACTIVE"})
			})
		}()
		select {
		case err := <-writerDone:
			if err != nil {
				return fmt.Errorf("concurrent writer: %w", err)
			}
		case <-time.After(5 * time.Second):
			// The store makes writers wait for readers: the View is trivially a snapshot.
			blocked = true
		}
		return readAll(tx, &second)
	})
	must(t, "View", err)
	if blocked {
		must(t, "concurrent writer", <-writerDone)
		t.Log("writers wait for an open View on this store")
	}
	equal(t, "users read twice in one View", second.users, first.users)
	equal(t, "user read twice in one View", second.user, first.user)
	equal(t, "instances counted twice in one View", second.n, first.n)
	// The writer did commit: a new View sees it.
	if got := read(t, e, func(tx connectdir.Tx) (int, error) { return tx.CountInstances() }); got != first.n+1 {
		t.Errorf("a View after the writer counts %d instances, want %d", got, first.n+1)
	}
	if got := e.getUser(t, f.inst.ID, u.ID).IdentityInfo.FirstName; got != "Changed" {
		t.Errorf("a View after the writer sees first name %q", got)
	}
}

func testViewReadOnly(t *testing.T, e *env) {
	f := e.rawInstance(t, "i-ro")
	err := e.s.View(t.Context(), func(tx connectdir.Tx) error {
		if err := tx.InsertInstance(connectdir.Instance{ID: "i-ro-written", Status: "ACTIVE"}); err != nil {
			return err
		}
		return tx.DeleteInstance(f.inst.ID)
	})
	if err == nil {
		t.Errorf("a View that writes succeeded, want an error: View is read-only")
	}
	wantNoRows(t, "GetInstance of an instance written in a View", readErr(t, e, func(tx connectdir.Tx) (connectdir.Instance, error) { return tx.GetInstance("i-ro-written") }))
	if _, err := inView(t, e, func(tx connectdir.Tx) (connectdir.Instance, error) { return tx.GetInstance(f.inst.ID) }); err != nil {
		t.Errorf("a delete inside a View took effect: %v", err)
	}
}

func testConcurrentPaging(t *testing.T, e *env) {
	ctx := t.Context()
	di := e.dirInstance(t, "paging", nil)
	in := di.inst.ID
	user := func(id, name string) connectdir.User {
		return connectdir.User{InstanceID: in, ID: id, Username: name, PhoneConfig: connectdir.PhoneConfig{PhoneType: connectdir.SoftPhone},
			SecurityProfileIDs: []string{di.sps[0].ID}, RoutingProfileID: di.rp.ID, LastModifiedTime: e.clock.Now()}
	}
	// Stable users exist throughout; churn users, whose names fall between theirs, come and go.
	const slots = 60
	var stable []string
	e.update(t, func(tx connectdir.Tx) error {
		for i := 0; i < slots; i += 2 {
			name := fmt.Sprintf("u%03d", i)
			stable = append(stable, name)
			if err := tx.InsertUser(user("stable-"+name, name), ""); err != nil {
				return err
			}
		}
		return nil
	})

	const writers, opsPerWriter = 3, 40
	var done atomic.Bool
	var wg sync.WaitGroup
	writeErrs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for op := range opsPerWriter {
				slot := (op*7 + w*13) % slots
				name := fmt.Sprintf("u%03d-c%d", slot, op)
				id := fmt.Sprintf("churn-%d-%d", w, op)
				err := e.s.Update(ctx, func(tx connectdir.Tx) error { return tx.InsertUser(user(id, name), "") })
				if err == nil {
					err = e.s.Update(ctx, func(tx connectdir.Tx) error { return tx.DeleteUser(in, id) })
				}
				if err == nil && op%5 == 0 {
					// Leave some behind for a while: the next page may start after them.
					keep := fmt.Sprintf("keep-%d-%d", w, op)
					err = e.s.Update(ctx, func(tx connectdir.Tx) error {
						return tx.InsertUser(user(keep, fmt.Sprintf("u%03d-k%d-%d", slot, w, op)), "")
					})
				}
				if err != nil {
					writeErrs <- fmt.Errorf("writer %d op %d: %w", w, op, err)
					return
				}
			}
		})
	}
	go func() { wg.Wait(); done.Store(true) }()

	passes := 0
	for passes < 2 || !done.Load() {
		passes++
		seen := pageAll(t, fmt.Sprintf("pass %d of Directory.ListUsers", passes), 3, func(after string, limit int) ([]connectdir.User, error) {
			return e.d.ListUsers(ctx, in, after, limit)
		}, func(u connectdir.User) string { return u.Username }) // pageAll fails on a repeated or out-of-order name
		for _, name := range stable {
			if !slices.Contains(seen, name) {
				t.Fatalf("pass %d: user %s, which existed throughout, was not returned", passes, name)
			}
		}
		if passes > 1000 {
			t.Fatal("writers do not finish")
		}
	}
	wg.Wait()
	close(writeErrs)
	for err := range writeErrs {
		t.Error(err)
	}
	t.Logf("%d paging passes while writers ran", passes)
}

// oneWins checks that exactly one of racing calls creating the same thing succeeded and every
// other was refused as a duplicate.
func oneWins(t *testing.T, op string, errs []error) {
	t.Helper()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			wantKind(t, "a losing "+op, err, connectdir.KindDuplicate)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d racing %s calls succeeded, want 1", ok, len(errs), op)
	}
}

func testRacingWriters(t *testing.T, e *env) {
	ctx := t.Context()
	di := e.dirInstance(t, "racing", nil)
	in := di.inst.ID
	const n = 8

	t.Run("Username", func(t *testing.T) {
		errs := runConcurrently(n, func(int) error {
			_, err := e.d.CreateUser(ctx, di.newUser("contested", "", nil), false)
			return err
		})
		oneWins(t, "CreateUser", errs)
		users, err := e.d.ListUsers(ctx, in, "", 100)
		must(t, "ListUsers", err)
		if len(users) != 1 {
			t.Errorf("%d users after the race, want 1", len(users))
		}
	})

	t.Run("SiblingName", func(t *testing.T) {
		must(t, "UpdateHierarchyStructure", e.d.UpdateHierarchyStructure(ctx, in, [connectdir.MaxLevels]string{"One"}))
		errs := runConcurrently(n, func(int) error {
			_, err := e.d.CreateHierarchyGroup(ctx, in, "Contested", "", nil)
			return err
		})
		oneWins(t, "CreateHierarchyGroup", errs)
		groups, err := e.d.ListHierarchyGroups(ctx, in, "", 100)
		must(t, "ListHierarchyGroups", err)
		if len(groups) != 1 {
			t.Errorf("%d groups after the race, want 1", len(groups))
		}
	})

	t.Run("WriteSkew", func(t *testing.T) {
		// Two transactions each check that a resource has no tags, wait until both have checked,
		// then tag it. Run one after the other, only the first tags; a store whose writers could
		// interleave must abort one and run it again (its check then sees the other's tag).
		const racers = 2
		var arrived sync.WaitGroup
		arrived.Add(racers)
		allArrived := make(chan struct{})
		go func() { arrived.Wait(); close(allArrived) }()
		runs := make([]int, racers)
		errs := runConcurrently(racers, func(i int) error {
			return e.s.Update(ctx, func(tx connectdir.Tx) error {
				runs[i]++
				tags, err := tx.Tags(in, di.sps[0].ID)
				if err != nil {
					return err
				}
				if runs[i] == 1 {
					arrived.Done()
					select {
					case <-allArrived:
					case <-time.After(300 * time.Millisecond): // writers queue on this store
					}
				}
				if len(tags) > 0 {
					return nil
				}
				return tx.TagResource(in, di.sps[0].ID, map[string]string{fmt.Sprintf("winner-%d", i): "yes"})
			})
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("racer %d: %v", i, err)
			}
		}
		tags := read(t, e, func(tx connectdir.Tx) (map[string]string, error) { return tx.Tags(in, di.sps[0].ID) })
		if len(tags) != 1 {
			t.Errorf("tags after two check-then-tag transactions: %v, want exactly one winner", tags)
		}
		t.Logf("runs of each transaction: %v", runs)
	})

	t.Run("TagLimit", func(t *testing.T) {
		// Each call adds 10 new tags and then checks the total against MaxTags (50): a store that
		// let the calls miss each other's writes would let more than five through.
		const callers, per = 6, 10
		errs := runConcurrently(callers, func(i int) error {
			tags := map[string]string{}
			for j := range per {
				tags[fmt.Sprintf("c%d-%d", i, j)] = "v"
			}
			return e.d.TagResource(ctx, di.rp.ARN, tags)
		})
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				wantKind(t, "a refused TagResource", err, connectdir.KindInvalidParameter)
			}
		}
		tags, err := e.d.ListTags(ctx, di.rp.ARN)
		must(t, "ListTags", err)
		if len(tags) > connectdir.MaxTags || len(tags) != ok*per {
			t.Errorf("%d tags after %d successful TagResource calls of %d tags each (limit %d)", len(tags), ok, per, connectdir.MaxTags)
		}
		if ok != connectdir.MaxTags/per {
			t.Errorf("%d TagResource calls succeeded, want %d", ok, connectdir.MaxTags/per)
		}
	})
}
