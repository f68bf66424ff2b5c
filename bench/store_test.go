package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/sqlstore"
)

// samlDirectory is a Directory over a fresh SQLite store, with a SAML instance and its profiles.
func samlDirectory(b *testing.B) (*sqlstore.Store, *connectdir.Directory, connectdir.Instance, []connectdir.RoutingProfile, []connectdir.SecurityProfile) {
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	sealer, _ := connectdir.NewSealer(make([]byte, 32))
	dir := &connectdir.Directory{Store: store, Region: "us-east-1", AccountID: "123456789012", Sealer: sealer}
	inst, err := dir.CreateInstance(ctx, connectdir.Instance{IdentityManagementType: connectdir.IdentitySAML})
	if err != nil {
		b.Fatal(err)
	}
	rps, _ := dir.ListRoutingProfiles(ctx, inst.ID, "", 1)
	sps, _ := dir.ListSecurityProfiles(ctx, inst.ID, "", 1)
	return store, dir, inst, rps, sps
}

// BenchmarkStoreDescribeUser measures the Directory over SQLite without HTTP: what one
// DescribeUser costs in the domain and the store alone (instance check, user row, tags).
func BenchmarkStoreDescribeUser(b *testing.B) {
	ctx := context.Background()
	_, dir, inst, rps, sps := samlDirectory(b)
	ids := make([]string, 100)
	for i := range ids {
		u, err := dir.CreateUser(ctx, connectdir.NewUser{User: connectdir.User{
			InstanceID: inst.ID, Username: fmt.Sprintf("user%03d", i), RoutingProfileID: rps[0].ID,
			SecurityProfileIDs: []string{sps[0].ID}, IdentityInfo: connectdir.IdentityInfo{FirstName: "A", LastName: "B"},
			Tags: map[string]string{"team": "blue"},
		}}, false)
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = u.ID
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := dir.DescribeUser(ctx, inst.ID, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStoreCreateUser measures CreateUser through the Directory over SQLite without HTTP,
// createClients calls at once: what group commit and the write path cost alone.
func BenchmarkStoreCreateUser(b *testing.B) {
	ctx := context.Background()
	store, dir, inst, rps, sps := samlDirectory(b)
	var seq atomic.Int64
	tx0, calls0 := store.GroupCommitStats()
	cpu0 := cpuTime()
	b.SetParallelism(createClients / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, err := dir.CreateUser(ctx, connectdir.NewUser{User: connectdir.User{
				InstanceID: inst.ID, Username: fmt.Sprintf("user%07d", seq.Add(1)), RoutingProfileID: rps[0].ID,
				SecurityProfileIDs: []string{sps[0].ID}, IdentityInfo: connectdir.IdentityInfo{FirstName: "Zoë", LastName: "O'Brien"},
				Tags: map[string]string{"team": "load", "cost-centre": "CC-1"},
			}}, false)
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b)
	tx, calls := store.GroupCommitStats()
	b.ReportMetric(float64(calls-calls0)/float64(max(1, tx-tx0)), "calls/tx")
	// CPU per call, the process's user and system time: on a machine shared with other work the
	// rate follows the CPU the process is given, this much less.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/call")
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
