package hrsync_test

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/connectdir/connectdir/hrsync"
	"github.com/connectdir/connectdir/internal/testserver"
)

var syncN = flag.Int("sync.n", 10000, "agents BenchmarkSync10k syncs")

// BenchmarkSync10k syncs a generated HR file of -sync.n agents (48 groups, tags, desk phones)
// into an empty SAML instance, and, in the same run, creates the same users with plain
// sequential CreateUser calls (no groups) as the baseline. Run with -benchtime=1x.
func BenchmarkSync10k(b *testing.B) {
	ts := testserver.Start(b, testserver.Options{})
	c := ts.Client(hrsync.Paced(0))
	ctx := context.Background()
	d := parse(b, hrFile(*syncN, nil))
	for range b.N {
		b.StopTimer()
		inst := testserver.NewSAMLInstance(b, c)
		b.StartTimer()
		start := time.Now()
		p, err := hrsync.MakePlan(ctx, c, inst, d, hrsync.PlanOptions{Concurrency: 16})
		if err != nil {
			b.Fatal(err)
		}
		if err := hrsync.Apply(ctx, c, p, hrsync.ApplyOptions{Concurrency: 16}); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		b.StopTimer()
		base := testserver.SequentialCreates(b, c, testserver.NewSAMLInstance(b, c), *syncN)
		b.ReportMetric(took.Seconds(), "sync-s")
		b.ReportMetric(base.Seconds(), "sequential-s")
		b.ReportMetric(base.Seconds()/took.Seconds(), "speedup")
		b.ReportMetric(float64(p.Calls()), "writes")
		b.StartTimer()
	}
}
