package hrsync_test

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
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
		inst := newSAML(b, c)
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
		base := sequentialCreates(b, c, newSAML(b, c), *syncN)
		b.ReportMetric(took.Seconds(), "sync-s")
		b.ReportMetric(base.Seconds(), "sequential-s")
		b.ReportMetric(base.Seconds()/took.Seconds(), "speedup")
		b.ReportMetric(float64(p.Calls()), "writes")
		b.StartTimer()
	}
}

// sequentialCreates is the baseline: n CreateUser calls one after the other, as a simple script
// would make them.
func sequentialCreates(b *testing.B, c *connect.Client, inst string, n int) time.Duration {
	ctx := context.Background()
	rps, err := c.ListRoutingProfiles(ctx, &connect.ListRoutingProfilesInput{InstanceId: &inst})
	if err != nil {
		b.Fatal(err)
	}
	sps, err := c.ListSecurityProfiles(ctx, &connect.ListSecurityProfilesInput{InstanceId: &inst})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for i := range n {
		_, err := c.CreateUser(ctx, &connect.CreateUserInput{InstanceId: &inst, Username: aws.String(fmt.Sprintf("base%06d", i)),
			IdentityInfo:       &types.UserIdentityInfo{FirstName: aws.String("F"), LastName: aws.String("L")},
			PhoneConfig:        &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone},
			RoutingProfileId:   rps.RoutingProfileSummaryList[0].Id,
			SecurityProfileIds: []string{aws.ToString(sps.SecurityProfileSummaryList[0].Id)},
			Tags:               map[string]string{"team": "t"}})
		if err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}
