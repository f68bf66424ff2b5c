package snapshot_test

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/hrsync"
	"github.com/connectdir/connectdir/internal/testserver"
	"github.com/connectdir/connectdir/snapshot"
)

var copyN = flag.Int("copy.n", 100000, "users BenchmarkCopy100k copies")

// BenchmarkCopy100k copies -copy.n users in 30 groups from one server's SAML instance to
// another's through the API (export with SearchUsers pages of 500, no DescribeUser; import via
// the sync planner). The source is seeded through the Directory directly, to save time; the
// baseline, measured in the same run, is the same number of sequential CreateUser calls.
// Run with -benchtime=1x.
func BenchmarkCopy100k(b *testing.B) {
	ctx := context.Background()
	src, dst := testserver.Start(b, testserver.Options{}), testserver.Start(b, testserver.Options{})
	cs, cd := src.Client(hrsync.Paced(0)), dst.Client(hrsync.Paced(0))
	from := seed(b, src, *copyN)
	for range b.N {
		b.StopTimer()
		to := testserver.NewSAMLInstance(b, cd)
		b.StartTimer()
		start := time.Now()
		s, err := snapshot.Export(ctx, cs, from, snapshot.ExportOptions{Concurrency: 16, SkipDescribe: true})
		if err != nil {
			b.Fatal(err)
		}
		exported := time.Since(start)
		p, err := snapshot.Plan(ctx, cd, to, s, hrsync.PlanOptions{Concurrency: 16})
		if err != nil {
			b.Fatal(err)
		}
		if err := hrsync.Apply(ctx, cd, p, hrsync.ApplyOptions{Concurrency: 16}); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		b.StopTimer()
		if len(s.Users) != *copyN || len(p.CreateUsers) != *copyN {
			b.Fatalf("copied %d of %d users", len(p.CreateUsers), *copyN)
		}
		base := testserver.SequentialCreates(b, cd, testserver.NewSAMLInstance(b, cd), *copyN)
		b.ReportMetric(exported.Seconds(), "export-s")
		b.ReportMetric(took.Seconds(), "copy-s")
		b.ReportMetric(base.Seconds(), "sequential-s")
		b.ReportMetric(base.Seconds()/took.Seconds(), "speedup")
		b.StartTimer()
	}
}

// seed fills a new SAML instance of ts with n users in 3x10 groups, through the Directory.
func seed(b *testing.B, ts *testserver.Server, n int) string {
	ctx := context.Background()
	dir := ts.Dir
	inst, err := dir.CreateInstance(ctx, connectdir.Instance{Alias: "bench-src", IdentityManagementType: connectdir.IdentitySAML})
	if err != nil {
		b.Fatal(err)
	}
	if err := dir.UpdateHierarchyStructure(ctx, inst.ID, [connectdir.MaxLevels]string{"Region", "Team"}); err != nil {
		b.Fatal(err)
	}
	rp, sp := ts.Profiles(b, inst.ID, "Agent")
	var leaves []string
	for r := range 3 {
		g, err := dir.CreateHierarchyGroup(ctx, inst.ID, fmt.Sprintf("Region%d", r), "", nil)
		if err != nil {
			b.Fatal(err)
		}
		for t := range 10 {
			leaf, err := dir.CreateHierarchyGroup(ctx, inst.ID, fmt.Sprintf("Team%d", t), g.ID, nil)
			if err != nil {
				b.Fatal(err)
			}
			leaves = append(leaves, leaf.ID)
		}
	}
	start := time.Now()
	for i := range n {
		u := connectdir.User{InstanceID: inst.ID, Username: fmt.Sprintf("user%06d", i),
			IdentityInfo:     connectdir.IdentityInfo{FirstName: "F", LastName: fmt.Sprint(i)},
			PhoneConfig:      connectdir.PhoneConfig{PhoneType: connectdir.SoftPhone, AfterContactWorkTimeLimit: int32(i % 60)},
			RoutingProfileID: rp, SecurityProfileIDs: []string{sp}, HierarchyGroupID: leaves[i%len(leaves)],
			Tags: map[string]string{"n": fmt.Sprint(i % 7)}}
		if _, err := dir.CreateUser(ctx, connectdir.NewUser{User: u}, true); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %d users in %s", n, time.Since(start))
	return inst.ID
}
