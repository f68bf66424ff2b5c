// Package storetest is the conformance suite every connectdir.Store must pass.
package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/connectdir/connectdir"
)

// Run runs the suite against the stores open makes. Every call of open must return a fresh,
// empty, migrated store; Run closes it when the subtest ends, before any cleanup that open
// registered with t (such as dropping a database) runs.
func Run(t *testing.T, open func(t *testing.T) connectdir.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, e *env)
	}{
		{"Instances", testInstances},
		{"DeleteInstanceCascades", testDeleteInstance},
		{"Profiles", testProfiles},
		{"Users", testUsers},
		{"UpdateUserRoundTrip", testUpdateUser},
		{"DirectoryUserUpdates", testDirectoryUserUpdates},
		{"UsernameUnique", testUsernameUnique},
		{"CreateUserRefusals", testCreateUserRefusals},
		{"ListUsersPaging", testListUsers},
		{"SearchUsers", testSearchUsers},
		{"SearchUsersPaging", testSearchUsersPaging},
		{"PagesKeepEveryCharacter", testPagesKeepEveryCharacter},
		{"Levels", testLevels},
		{"Groups", testGroups},
		{"DirectoryGroups", testDirectoryGroups},
		{"Tags", testTags},
		{"DirectoryTags", testDirectoryTags},
		{"AccessKeys", testAccessKeys},
		{"FederationTokens", testFederationTokens},
		{"SessionKeys", testSessionKeys},
		{"Rollback", testRollback},
		{"ViewSnapshot", testViewSnapshot},
		{"ViewReadOnly", testViewReadOnly},
		{"PagingUnderConcurrentChange", testConcurrentPaging},
		{"RacingWriters", testRacingWriters},
		{"UserConfig", testUserConfig},
		{"Proficiencies", testProficiencies},
		{"SecurityProfileManagement", testSecurityProfileManagement},
		{"DescribeSeesWrites", testDescribeSeesWrites},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.run(t, newEnv(t, s))
		})
	}
}

const (
	region    = "us-west-2"
	accountID = "123456789012"
	arnPrefix = "arn:aws:connect:" + region + ":" + accountID + ":instance/"
)

// env is one store with a Directory over it and the clock the Directory reads.
type env struct {
	s     connectdir.Store
	d     *connectdir.Directory
	clock *clock
}

func newEnv(t *testing.T, s connectdir.Store) *env {
	sealer, err := connectdir.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.UnixMicro(1_767_323_045_123_456).UTC()}
	return &env{s: s, clock: c, d: &connectdir.Directory{Store: s, Region: region, AccountID: accountID, Sealer: sealer, Now: c.Now}}
}

// clock is a settable time with microsecond precision, the precision stores keep.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by a little over a second and returns the new time.
func (c *clock) Advance() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second + 3*time.Microsecond)
	return c.t
}

func (e *env) update(t *testing.T, fn func(connectdir.Tx) error) {
	t.Helper()
	if err := e.s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func (e *env) view(t *testing.T, fn func(connectdir.Tx) error) {
	t.Helper()
	if err := e.s.View(t.Context(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// read runs fn in a View and returns what it read.
func read[T any](t *testing.T, e *env, fn func(connectdir.Tx) (T, error)) T {
	t.Helper()
	var v T
	e.view(t, func(tx connectdir.Tx) (err error) {
		v, err = fn(tx)
		return err
	})
	return v
}

// readErr runs fn in a View and returns its error.
func readErr[T any](t *testing.T, e *env, fn func(connectdir.Tx) (T, error)) error {
	t.Helper()
	return e.s.View(t.Context(), func(tx connectdir.Tx) error {
		_, err := fn(tx)
		return err
	})
}

// write runs fn in an Update and returns the error Update returns.
func (e *env) write(t *testing.T, fn func(connectdir.Tx) error) error {
	t.Helper()
	return e.s.Update(t.Context(), fn)
}

func ptr[T any](v T) *T { return &v }

// equal fails the test when got and want differ, showing both as JSON (pointers as their values).
func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, dump(got), dump(want))
	}
}

func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

func wantNoRows(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, connectdir.ErrNoRows) {
		t.Errorf("%s: got error %v, want connectdir.ErrNoRows", what, err)
	}
}

// wantConflict checks that err is a *connectdir.ErrConflict on the constraint kind c.
func wantConflict(t *testing.T, what string, err error, c string) {
	t.Helper()
	var ce *connectdir.ErrConflict
	if !errors.As(err, &ce) {
		t.Errorf("%s: got error %v (%T), want *connectdir.ErrConflict{Constraint: %q}", what, err, err, c)
		return
	}
	if ce.Constraint != c {
		t.Errorf("%s: got conflict on %q (%v), want %q", what, ce.Constraint, ce, c)
	}
}

func wantKind(t *testing.T, what string, err error, k connectdir.Kind) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got no error, want kind %d", what, k)
		return
	}
	if got := connectdir.KindOf(err); got != k {
		t.Errorf("%s: got error %v of kind %d, want kind %d", what, err, got, k)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// pageAll reads every page of a keyset-paged list with the given limit, checking that no page is
// longer than limit and that keys strictly increase (bytewise) across pages. It returns the keys.
func pageAll[T any](t *testing.T, what string, limit int, page func(after string, limit int) ([]T, error), key func(T) string) []string {
	t.Helper()
	var keys []string
	after := ""
	for range 10_000 {
		items, err := page(after, limit)
		if err != nil {
			t.Fatalf("%s: page after %q: %v", what, after, err)
		}
		if len(items) > limit {
			t.Fatalf("%s: page after %q has %d items, limit %d", what, after, len(items), limit)
		}
		for _, it := range items {
			k := key(it)
			if len(keys) > 0 && k <= keys[len(keys)-1] {
				t.Fatalf("%s: key %q follows %q: keys must strictly increase (bytewise)", what, k, keys[len(keys)-1])
			}
			keys = append(keys, k)
		}
		if len(items) < limit {
			return keys
		}
		after = keys[len(keys)-1]
	}
	t.Fatalf("%s: paging does not end", what)
	return nil
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// ---- fixtures ----

// fixture is an instance inserted through the raw Tx with two routing and three security profiles.
type fixture struct {
	inst connectdir.Instance
	rps  []connectdir.RoutingProfile
	sps  []connectdir.SecurityProfile
}

func (e *env) rawInstance(t *testing.T, id string) fixture {
	t.Helper()
	now := e.clock.Now()
	f := fixture{inst: connectdir.Instance{ID: id, ARN: arnPrefix + id, Alias: "alias-" + id,
		IdentityManagementType: connectdir.IdentitySAML, InboundCallsEnabled: true, Status: "ACTIVE", CreatedTime: now}}
	for i := range 2 {
		rid := fmt.Sprintf("%s-rp%d", id, i)
		f.rps = append(f.rps, connectdir.RoutingProfile{InstanceID: id, ID: rid, ARN: f.inst.ARN + "/routing-profile/" + rid,
			Name: fmt.Sprintf("Routing %d", i), Description: "routing profile " + rid, DefaultOutboundQueueID: "queue-" + rid,
			IsDefault: i == 0, LastModifiedTime: now, LastModifiedRegion: region})
	}
	for i := range 3 {
		sid := fmt.Sprintf("%s-sp%d", id, i)
		f.sps = append(f.sps, connectdir.SecurityProfile{InstanceID: id, ID: sid, ARN: f.inst.ARN + "/security-profile/" + sid,
			Name: fmt.Sprintf("Security %d", i), Description: "security profile " + sid, LastModifiedTime: now, LastModifiedRegion: region})
	}
	e.update(t, func(tx connectdir.Tx) error {
		if err := tx.InsertInstance(f.inst); err != nil {
			return err
		}
		for _, p := range f.rps {
			if err := tx.InsertRoutingProfile(p); err != nil {
				return err
			}
		}
		for _, p := range f.sps {
			if err := tx.InsertSecurityProfile(p); err != nil {
				return err
			}
		}
		return nil
	})
	return f
}

// user is a minimal valid user of the fixture.
func (f fixture) user(e *env, id, username string) connectdir.User {
	return connectdir.User{
		InstanceID: f.inst.ID, ID: id, ARN: f.inst.ARN + "/agent/" + id, Username: username,
		IdentityInfo:       connectdir.IdentityInfo{FirstName: "First" + username, LastName: "Last" + username},
		PhoneConfig:        connectdir.PhoneConfig{PhoneType: connectdir.SoftPhone},
		SecurityProfileIDs: []string{f.sps[0].ID},
		RoutingProfileID:   f.rps[0].ID,
		LastModifiedTime:   e.clock.Now(), LastModifiedRegion: region,
	}
}

// group is a group of the fixture under parent (nil for LevelOne), with its derived members set.
func (f fixture) group(e *env, id, name string, parent *connectdir.HierarchyGroup) connectdir.HierarchyGroup {
	g := connectdir.HierarchyGroup{InstanceID: f.inst.ID, ID: id, ARN: f.inst.ARN + "/agent-group/" + id, Name: name, Level: 1,
		LastModifiedTime: e.clock.Now(), LastModifiedRegion: region}
	parentPath := ""
	if parent != nil {
		g.Level, g.ParentID, parentPath = parent.Level+1, parent.ID, parent.Path
	}
	g.Path = connectdir.GroupPath(parentPath, id)
	return g
}

func (e *env) insertUsers(t *testing.T, users ...connectdir.User) {
	t.Helper()
	e.update(t, func(tx connectdir.Tx) error {
		for _, u := range users {
			if err := tx.InsertUser(u, ""); err != nil {
				return fmt.Errorf("insert %s: %w", u.Username, err)
			}
		}
		return nil
	})
}

func (e *env) insertGroups(t *testing.T, groups ...connectdir.HierarchyGroup) {
	t.Helper()
	e.update(t, func(tx connectdir.Tx) error {
		for _, g := range groups {
			if err := tx.InsertGroup(g); err != nil {
				return fmt.Errorf("insert group %s: %w", g.ID, err)
			}
		}
		return nil
	})
}

// dirInstance is an instance made through the Directory, with its default profiles.
type dirInstance struct {
	inst connectdir.Instance
	rp   connectdir.RoutingProfile
	sps  []connectdir.SecurityProfile
}

func (e *env) dirInstance(t *testing.T, alias string, tags map[string]string) dirInstance {
	t.Helper()
	ctx := t.Context()
	inst, err := e.d.CreateInstance(ctx, connectdir.Instance{Alias: alias, IdentityManagementType: connectdir.IdentitySAML,
		InboundCallsEnabled: true, Tags: tags})
	must(t, "CreateInstance", err)
	rps, err := e.d.ListRoutingProfiles(ctx, inst.ID, "", 100)
	must(t, "ListRoutingProfiles", err)
	sps, err := e.d.ListSecurityProfiles(ctx, inst.ID, "", 100)
	must(t, "ListSecurityProfiles", err)
	if len(rps) != 1 || len(sps) != len(connectdir.DefaultSecurityProfiles) {
		t.Fatalf("new instance has %d routing and %d security profiles, want 1 and %d", len(rps), len(sps), len(connectdir.DefaultSecurityProfiles))
	}
	return dirInstance{inst: inst, rp: rps[0], sps: sps}
}

// newUser is a valid CreateUser input for a SAML instance.
func (di dirInstance) newUser(username, groupID string, tags map[string]string) connectdir.NewUser {
	return connectdir.NewUser{User: connectdir.User{
		InstanceID: di.inst.ID, Username: username,
		IdentityInfo:       connectdir.IdentityInfo{FirstName: "F" + username, LastName: "L" + username},
		SecurityProfileIDs: []string{di.sps[0].ID}, RoutingProfileID: di.rp.ID, HierarchyGroupID: groupID, Tags: tags,
	}}
}

func (e *env) dirUser(t *testing.T, di dirInstance, username, groupID string, tags map[string]string) connectdir.User {
	t.Helper()
	u, err := e.d.CreateUser(t.Context(), di.newUser(username, groupID, tags), false)
	must(t, "CreateUser "+username, err)
	return u
}

// runConcurrently runs fn(i) for i in [0, n) on n goroutines started together and returns
// their errors.
func runConcurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			start.Wait()
			errs[i] = fn(i)
		})
	}
	start.Done()
	done.Wait()
	return errs
}

// inView runs fn in a View and returns what it read and the View's error.
func inView[T any](t *testing.T, e *env, fn func(connectdir.Tx) (T, error)) (T, error) {
	var v T
	err := e.s.View(t.Context(), func(tx connectdir.Tx) (err error) {
		v, err = fn(tx)
		return err
	})
	return v, err
}
