package bench

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/connectdir/connectdir/internal/testserver"
	"github.com/connectdir/connectdir/sqlstore"
)

// BenchmarkDescribeUserWrk is the reference run's DescribeUser figure (wrk -t2 -c32, one
// pre-signed request replayed, against a bare handler in the same run) on a small instance of
// the reference shape, so that it takes seconds instead of minutes to seed: the figure of the
// replayed request does not depend on the instance's size. For iterating on DescribeUser, e.g.
//
//	CONNECTDIR_BENCH_CPUPROFILE=/tmp/cpu.out go test ./bench -run '^$' -bench 'DescribeUserWrk/postgres' -benchtime 1x -v
//
// profiles the server's run only (not the seeding, not the bare handler).
func BenchmarkDescribeUserWrk(b *testing.B) {
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Skip("wrk not installed (apt-get install wrk)")
	}
	for _, sk := range stores() {
		b.Run(sk.name, func(b *testing.B) {
			var store *sqlstore.Store
			var queries func() int64 // statements the database has run, PostgreSQL only
			if sk.name == "postgres" {
				dbURL := testserver.PostgresDatabase(b)
				store = testserver.OpenPostgres(b, dbURL)
				queries = statements(b, dbURL)
			} else {
				store = sk.open(b).(*sqlstore.Store)
			}
			srv := testserver.Start(b, testserver.Options{Store: store})
			s := testserver.Seed(b, srv.Dir, store, testserver.Workload{Alias: "small", Users: 2_000, Shape: [5]int{2, 2, 2, 2, 3}})
			e := &env{srv: srv}
			bare := bareServer()
			baseRate, baseP99, _ := runWrk(b, bare.URL+"/users/x/y", nil, "")
			bare.Close()
			u := s.Users[len(s.Users)/2]
			ids := make([]string, len(s.Users))
			for i, u := range s.Users {
				ids[i] = u.ID
			}
			rec := e.presign(b, func(c *connect.Client) error {
				_, err := c.DescribeUser(context.Background(), &connect.DescribeUserInput{InstanceId: &s.Instance.ID, UserId: &u.ID})
				return err
			})
			var q0 int64
			if queries != nil {
				q0 = queries()
			}
			if f := os.Getenv("CONNECTDIR_BENCH_CPUPROFILE"); f != "" {
				stop := cpuProfile(b, f)
				defer stop()
			}
			rate, p99, non2xx := runWrk(b, rec.url, rec.header, "")
			b.Logf("%s: DescribeUser wrk -t2 -c32 10s: bare handler %.0f req/s (p99 %v); server %.0f req/s (p99 %v, %d non-2xx); ratio %.2f",
				sk.name, baseRate, baseP99, rate, p99, non2xx, rate/baseRate)
			if queries != nil {
				n := float64(queries() - q0)
				b.Logf("%s: %.0f statements in the database during the run, %.3f per request", sk.name, n, n/(rate*10))
			}
			// The same over every user of the instance, each request signed for its own user.
			rate, p99, non2xx = runWrk(b, srv.URL, nil, describeEveryUser(b, srv, s.Instance.ID, ids))
			b.Logf("%s: DescribeUser wrk -t2 -c32 10s, a random one of the %d users per request: server %.0f req/s (p99 %v, %d non-2xx); ratio %.2f",
				sk.name, len(s.Users), rate, p99, non2xx, rate/baseRate)
		})
	}
}

// statements returns a function counting the transactions PostgreSQL has committed in the
// database at dbURL (one per statement outside a transaction). The server flushes its counters at
// most once a second, so each count waits for that first.
func statements(b *testing.B, dbURL string) func() int64 {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return func() int64 {
		time.Sleep(1500 * time.Millisecond)
		var n int64
		if err := db.QueryRow(`SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
}

// cpuProfile writes a CPU profile of what runs until the returned function is called to file.
func cpuProfile(b *testing.B, file string) (stop func()) {
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
