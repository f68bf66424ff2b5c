package hrsync_test

import (
	"context"
	"testing"

	"github.com/connectdir/connectdir/hrsync"
	"github.com/connectdir/connectdir/internal/testserver"
)

// TestResyncCalls counts, from the server's request metrics, the calls of re-syncing 10,000
// agents: with the group cache warm an unchanged file takes at most 30 calls (no
// DescribeUserHierarchyGroup), and a 1% change adds only its writes and the DescribeUser calls it
// needs. Against the real service (about 2 calls a second) these calls are the sync's duration.
func TestResyncCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("syncs 10,000 agents")
	}
	const n = 10_000
	ts := testserver.Start(t, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	inst := testserver.NewSAMLInstance(t, c)
	ctx := context.Background()
	cachePath := hrsync.GroupCachePath(t.TempDir(), ts.URL, inst)
	open := func() *hrsync.GroupCache {
		cache, err := hrsync.OpenGroupCache(cachePath, ts.URL, inst)
		if err != nil {
			t.Fatal(err)
		}
		return cache
	}
	calls := func(op string) int { return ts.API.Calls(op, "") }
	plan := func(d *hrsync.Desired, cache *hrsync.GroupCache) *hrsync.Plan {
		p, err := hrsync.MakePlan(ctx, c, inst, d, hrsync.PlanOptions{Concurrency: 8, Parents: cache})
		if err != nil {
			t.Fatal(err)
		}
		if cache != nil {
			if err := cache.Save(); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	apply := func(p *hrsync.Plan) {
		if err := hrsync.Apply(ctx, c, p, hrsync.ApplyOptions{Concurrency: 8}); err != nil {
			t.Fatal(err)
		}
	}
	d := parse(t, hrFile(n, nil))
	apply(plan(d, open()))

	// Cold: the groups are described once more (the first plan saw none of them).
	before, describedGroups := calls(""), calls("DescribeUserHierarchyGroup")
	if p := plan(d, open()); !p.Empty() {
		t.Fatalf("unchanged re-sync plans %d calls", p.Calls())
	}
	t.Logf("unchanged re-sync of %d agents, cache cold: %d calls (%d DescribeUserHierarchyGroup)", n, calls("")-before, calls("DescribeUserHierarchyGroup")-describedGroups)

	// Warm, read back from its file: no group is described.
	cache := open()
	if cache.Len() != 3+9+36 {
		t.Fatalf("the cache knows %d groups, want 48", cache.Len())
	}
	before, describedGroups = calls(""), calls("DescribeUserHierarchyGroup")
	if p := plan(d, cache); !p.Empty() {
		t.Fatalf("unchanged re-sync plans %d calls", p.Calls())
	}
	warm := calls("") - before
	t.Logf("unchanged re-sync of %d agents, cache warm: %d calls", n, warm)
	if warm > 30 || calls("DescribeUserHierarchyGroup") != describedGroups {
		t.Errorf("unchanged re-sync with a warm cache: %d calls, %d DescribeUserHierarchyGroup; want at most 30 and none", warm, calls("DescribeUserHierarchyGroup")-describedGroups)
	}

	// 1%: 100 agents change their last name. Each needs its DescribeUser (the identity is
	// replaced whole, and its other fields must survive) and one UpdateUserIdentityInfo.
	changed := parse(t, hrFile(n, func(i int, f []string) []string {
		if i%100 == 0 {
			f[2] = "Renamed"
		}
		return f
	}))
	before, describes, describedGroups := calls(""), calls("DescribeUser"), calls("DescribeUserHierarchyGroup")
	p := plan(changed, open())
	apply(p)
	total, described := calls("")-before, calls("DescribeUser")-describes
	if len(p.UpdateUsers) != n/100 || p.Calls() != n/100 || described != n/100 || calls("DescribeUserHierarchyGroup") != describedGroups {
		t.Errorf("1%% change: %d updates, %d writes, %d DescribeUser, %d DescribeUserHierarchyGroup; want %d, %d, %d, 0",
			len(p.UpdateUsers), p.Calls(), described, calls("DescribeUserHierarchyGroup")-describedGroups, n/100, n/100, n/100)
	}
	if total != warm+2*n/100 {
		t.Errorf("1%% change took %d calls, want the unchanged re-sync's %d plus %d", total, warm, 2*n/100)
	}
	t.Logf("1%% change: %d calls (%d reads of the instance, %d DescribeUser, %d writes)", total, warm, described, p.Calls())
}
