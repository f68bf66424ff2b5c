package sqlstore_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/internal/testserver"
	"github.com/connectdir/connectdir/sqlstore"
)

// PostgreSQL's DescribeUser reads are coalesced (userreads.go): concurrent reads share one query,
// and still each sees every write another replica answered before the read began. Two stores on
// one database stand for two replicas. The coalesced queries are slowed down so that many reads
// arrive while one is in flight: a read that joined a query already sent would see the state
// before the writes that were answered meanwhile.
func TestPostgresDescribeUserCoalesced(t *testing.T) {
	dbURL := testserver.PostgresDatabase(t)
	replica := func() *connectdir.Directory {
		s := testserver.OpenPostgres(t, dbURL)
		t.Cleanup(func() { s.Close() })
		return &connectdir.Directory{Store: s, Region: "us-east-1", AccountID: "123456789012"}
	}
	a, b := replica(), replica()
	ctx := t.Context()
	newInstance := func() (inst string, users []connectdir.User) {
		t.Helper()
		inst, rp, sp := samlInstance(t, a)
		for i := range 4 {
			u, err := a.CreateUser(ctx, connectdir.NewUser{User: connectdir.User{InstanceID: inst, Username: fmt.Sprint("u", i),
				IdentityInfo:       connectdir.IdentityInfo{FirstName: "n-0", LastName: "L'Écuyer"},
				SecurityProfileIDs: []string{sp}, RoutingProfileID: rp}}, false)
			if err != nil {
				t.Fatal(err)
			}
			users = append(users, u)
		}
		if err := a.TagResource(ctx, users[0].ARN, map[string]string{"team": "a"}); err != nil {
			t.Fatal(err)
		}
		return inst, users
	}
	inst, users := newInstance()
	other, _ := newInstance()
	defer sqlstore.SlowUserReads(2 * time.Millisecond)()

	t.Run("many reads, few queries, each its own answer", func(t *testing.T) {
		var queries atomic.Int32
		defer sqlstore.TraceSQL(func(q string, _ []any) {
			if strings.Contains(q, "ANY($1)") {
				queries.Add(1)
			}
		})()
		const reads = 64
		var wg sync.WaitGroup
		errs := make(chan error, reads)
		for i := range reads {
			wg.Add(1)
			go func() {
				defer wg.Done()
				want := users[i%len(users)]
				if i%8 == 7 { // the batch holds the user, but not in the instance this call asks about
					if _, err := b.DescribeUser(ctx, other, want.ID); connectdir.KindOf(err) != connectdir.KindNotFound {
						errs <- fmt.Errorf("read %d: a user asked for in another instance: %v; want not found", i, err)
					}
					return
				}
				switch got, err := b.DescribeUser(ctx, inst, want.ID); {
				case err != nil:
					errs <- fmt.Errorf("read %d: %v", i, err)
				case got.ID != want.ID || got.Username != want.Username || (i%len(users) == 0) != (got.Tags["team"] == "a"):
					errs <- fmt.Errorf("read %d: got user %s %s tags %v; want %s %s", i, got.ID, got.Username, got.Tags, want.ID, want.Username)
				default:
					// What a caller does with its user must not reach the other reads of its batch.
					if got.Tags != nil {
						got.Tags["team"] = "changed"
					}
					got.SecurityProfileIDs[0] = "changed"
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := queries.Load(); n == 0 || n > reads/4 {
			t.Errorf("%d reads made %d queries; want them coalesced into at most %d", reads, n, reads/4)
		}
	})

	t.Run("a read never shows a state older than a write answered before it began", func(t *testing.T) {
		u := users[1]
		// The jitter spreads the reads over the queries' flight: without it they would all arrive
		// together, just as the query they waited on answers.
		n := testserver.RaceReadsWithWrites(t, 8, 200, 3*time.Millisecond, func(i int64) error {
			return a.UpdateUserIdentityInfo(ctx, inst, u.ID, connectdir.IdentityInfo{FirstName: fmt.Sprint("n-", i), LastName: "L'Écuyer"})
		}, func() (int64, error) {
			got, err := b.DescribeUser(ctx, inst, u.ID)
			if err != nil {
				return 0, err
			}
			return strconv.ParseInt(strings.TrimPrefix(got.IdentityInfo.FirstName, "n-"), 10, 64)
		})
		if n < 50 {
			t.Fatalf("only %d reads raced the renames", n)
		}
		t.Logf("%d reads raced 200 renames", n)
	})
}
