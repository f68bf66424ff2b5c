// Package bench measures the request rate of the Connect API server over loopback, next to a
// bare net/http handler measured in the same run, so that figures compare as ratios rather than
// as absolute numbers that depend on the machine.
//
// What is measured, each with b.RunParallel and reported as req/s:
//   - BenchmarkBaseline: a bare handler returning a fixed DescribeUser-sized JSON answer, driven by
//     a plain keep-alive http.Client. The floor: loopback HTTP and the benchmark harness.
//   - BenchmarkDescribeUser, BenchmarkListUsers (MaxResults 100 over 1,000 users): the real server
//     (internal/testserver: SigV4 verification, model validation, the Directory, the SQL store).
//     "sdk" drives it with the aws-sdk-go-v2 Connect client, which signs every request in this
//     process; "presigned" replays one request the SDK signed, with a plain http.Client, so the
//     client side costs about what the baseline's does and the difference is the server's.
//   - BenchmarkSearchUsersWithChildGroups: 100,000 users in a 5-level tree of 5,000 groups;
//     SearchUsers with a HierarchyGroupCondition WITH_CHILD_GROUPS on one top-level group (20,000
//     matches), first page of 100 with ApproximateTotalCount, and EXACT on one leaf for comparison.
//
// Every store-backed benchmark runs against SQLite, and against PostgreSQL too when
// CONNECTDIR_TEST_POSTGRES holds a postgres:// URL of a server where the benchmark may CREATE
// DATABASE (each run creates its own database and drops it afterwards).
//
// Data is seeded once per store, outside the timed loops, straight through the Store in large
// transactions; nothing is kept between runs. Run with, e.g.:
//
//	go test ./bench/ -run '^$' -bench . -benchtime 3s -count 1
package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/internal/testserver"
	"github.com/connectdir/connectdir/sqlstore"
	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to create the benchmark's database
)

// parallelism multiplies GOMAXPROCS into the number of goroutines RunParallel runs: enough
// requests in flight that the server, not the round trip, is what limits the rate. Every benchmark
// uses the same value so that their rates compare.
const parallelism = 4

// transport is the client transport of every benchmark: keep-alive with an idle pool large enough
// for all the goroutines (net/http keeps only 2 idle connections per host by default, and the
// others would reconnect on every request).
func transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 256
	return t
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// describeUserAnswer is the shape and size of what the server answers to DescribeUser.
var describeUserAnswer = []byte(`{"User":{"Arn":"arn:aws:connect:us-east-1:123456789012:instance/5a0c7d22-4e7e-4f43-9d53-0f3d2b3d0c11/agent/8f6c1c0e-2f5e-4d8e-9a8e-2a3b4c5d6e7f",` +
	`"AutoAcceptConfigs":[{"AutoAccept":false,"Channel":"VOICE"}],"AfterContactWorkConfigs":[{"AfterContactWorkTimeLimit":0,"Channel":"VOICE"}],` +
	`"HierarchyGroupId":"","Id":"8f6c1c0e-2f5e-4d8e-9a8e-2a3b4c5d6e7f","IdentityInfo":{"FirstName":"First42","LastName":"Last42"},` +
	`"LastModifiedRegion":"us-east-1","LastModifiedTime":1.7640e+09,"PhoneConfig":{"AfterContactWorkTimeLimit":0,"AutoAccept":false,"PhoneType":"SOFT_PHONE"},` +
	`"PhoneNumberConfigs":[{"Channel":"VOICE","PhoneType":"SOFT_PHONE"}],"RoutingProfileId":"0b4d6f7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",` +
	`"SecurityProfileIds":["3c2b1a09-8f7e-4d6c-b5a4-0f1e2d3c4b5a"],"Tags":{},"Username":"user000042"}}`)

// bareServer is the baseline every figure is divided by: a net/http server that answers every
// request with describeUserAnswer and does nothing else.
func bareServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(describeUserAnswer)
	}))
}

// BenchmarkBaseline is the bare handler every other figure is divided by.
func BenchmarkBaseline(b *testing.B) {
	hs := bareServer()
	defer hs.Close()
	client := &http.Client{Transport: transport()}
	defer client.CloseIdleConnections()
	target := hs.URL + "/users/5a0c7d22-4e7e-4f43-9d53-0f3d2b3d0c11/8f6c1c0e-2f5e-4d8e-9a8e-2a3b4c5d6e7f"
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, target, nil)
			if err := roundTrip(client, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b)
}

// roundTrip sends req, reads the whole answer and requires a 200.
func roundTrip(client *http.Client, req *http.Request) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s", req.Method, req.URL.Path, resp.Status)
	}
	return nil
}

// ---- stores ----

type storeKind struct {
	name string
	open func(b *testing.B) connectdir.Store
}

// stores lists the stores to measure: SQLite always, PostgreSQL when CONNECTDIR_TEST_POSTGRES is set.
func stores() []storeKind {
	list := []storeKind{{"sqlite", func(b *testing.B) connectdir.Store {
		s, err := sqlstore.OpenSQLite(context.Background(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		return s
	}}}
	if os.Getenv("CONNECTDIR_TEST_POSTGRES") != "" {
		list = append(list, storeKind{"postgres", func(b *testing.B) connectdir.Store {
			return testserver.OpenPostgres(b, testserver.PostgresDatabase(b))
		}})
	}
	return list
}

// ---- seeding ----

// env is a running server with a SAML instance to seed.
type env struct {
	srv      *testserver.Server
	inst     connectdir.Instance
	template connectdir.User // a user as CreateUser shapes it, copied for every seeded user
}

// newEnv starts a server on store and creates a SAML instance (users need no password there).
func newEnv(b *testing.B, store connectdir.Store) *env {
	ctx := context.Background()
	srv := testserver.Start(b, testserver.Options{Store: store})
	dir := srv.Dir
	inst, err := dir.CreateInstance(ctx, connectdir.Instance{IdentityManagementType: connectdir.IdentitySAML, Alias: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	rps, err := dir.ListRoutingProfiles(ctx, inst.ID, "", 10)
	if err != nil || len(rps) == 0 {
		b.Fatalf("routing profiles: %v %v", rps, err)
	}
	sps, err := dir.ListSecurityProfiles(ctx, inst.ID, "", 10)
	if err != nil {
		b.Fatal(err)
	}
	var agent string
	for _, sp := range sps {
		if sp.Name == "Agent" {
			agent = sp.ID
		}
	}
	// One user made by the Directory gives the exact shape (normalised phone and channel
	// configs) of a user created through the API; it is removed again so the counts stay exact.
	t, err := dir.CreateUser(ctx, connectdir.NewUser{User: connectdir.User{
		InstanceID: inst.ID, Username: "template",
		IdentityInfo:       connectdir.IdentityInfo{FirstName: "Template", LastName: "User"},
		RoutingProfileID:   rps[0].ID,
		SecurityProfileIDs: []string{agent},
	}}, false)
	if err != nil {
		b.Fatal(err)
	}
	if err := dir.DeleteUser(ctx, inst.ID, t.ID); err != nil {
		b.Fatal(err)
	}
	return &env{srv: srv, inst: inst, template: t}
}

// seedBatch bounds the rows of one seeding transaction.
const seedBatch = 20_000

// seedUsers inserts n users user000000… straight through the Store; group, when not nil, places
// user i in a group. It returns the user ids in order.
func (e *env) seedUsers(b *testing.B, n int, group func(i int) connectdir.HierarchyGroup) []string {
	ids := make([]string, n)
	now := time.Now().UTC()
	for start := 0; start < n; start += seedBatch {
		end := min(n, start+seedBatch)
		err := e.srv.Dir.Store.Update(context.Background(), func(tx connectdir.Tx) error {
			for i := start; i < end; i++ {
				u := e.template
				u.ID = uuid.NewString()
				u.ARN = e.inst.ARN + "/agent/" + u.ID
				u.Username = fmt.Sprintf("user%06d", i)
				u.IdentityInfo = connectdir.IdentityInfo{FirstName: fmt.Sprintf("First%d", i), LastName: fmt.Sprintf("Last%d", i)}
				u.LastModifiedTime = now
				u.Tags = nil
				if group != nil {
					g := group(i)
					u.HierarchyGroupID, u.HierarchyPath = g.ID, g.Path
				}
				if err := tx.InsertUser(u, ""); err != nil {
					return err
				}
				ids[i] = u.ID
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

// tree is a seeded hierarchy: groups by level, LevelOne first, each level ordered by its
// LevelOne ancestor (so a top group's leaves are one contiguous run of leaves()).
type tree [connectdir.MaxLevels][]connectdir.HierarchyGroup

func (t *tree) leaves() []connectdir.HierarchyGroup { return t[connectdir.MaxLevels-1] }

// seedTree defines the five levels and inserts groups with counts per level: each level's groups
// are spread evenly over the parents of the level above.
func (e *env) seedTree(b *testing.B, counts [connectdir.MaxLevels]int) *tree {
	ctx := context.Background()
	dir := e.srv.Dir
	if err := dir.UpdateHierarchyStructure(ctx, e.inst.ID, [connectdir.MaxLevels]string{"Region", "Country", "Site", "Department", "Team"}); err != nil {
		b.Fatal(err)
	}
	var t tree
	now := time.Now().UTC()
	for level := range connectdir.MaxLevels {
		n := counts[level]
		t[level] = make([]connectdir.HierarchyGroup, n)
		for i := range n {
			g := connectdir.HierarchyGroup{InstanceID: e.inst.ID, ID: uuid.NewString(), Name: fmt.Sprintf("L%d-%d", level+1, i),
				Level: level + 1, LastModifiedTime: now, LastModifiedRegion: dir.Region}
			g.ARN = e.inst.ARN + "/agent-group/" + g.ID
			parentPath := ""
			if level > 0 {
				parent := t[level-1][i*len(t[level-1])/n]
				g.ParentID, parentPath = parent.ID, parent.Path
			}
			g.Path = connectdir.GroupPath(parentPath, g.ID)
			t[level][i] = g
		}
	}
	err := dir.Store.Update(ctx, func(tx connectdir.Tx) error {
		for _, level := range t {
			for _, g := range level {
				if err := tx.InsertGroup(g); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return &t
}

// ---- drivers ----

// sdkClient is the server's aws-sdk-go-v2 client (signing every request, retries off) on the
// benchmark transport.
func (e *env) sdkClient() *connect.Client {
	return e.srv.Client(func(o *connect.Options) { o.HTTPClient = &http.Client{Transport: transport()} })
}

// recorded is one request as the SDK signed and sent it.
type recorded struct {
	method, url string
	header      http.Header
	body        []byte
}

type recorder struct {
	next *http.Client
	last *recorded
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.last = &recorded{method: req.Method, url: req.URL.String(), header: req.Header.Clone(), body: body}
	return r.next.Do(req)
}

// presign captures the request call makes through the SDK: signed, it stays valid for the
// verifier's clock skew (5 minutes), longer than any one benchmark.
func (e *env) presign(b *testing.B, call func(c *connect.Client) error) recorded {
	rec := &recorder{next: &http.Client{Transport: transport()}}
	c := e.srv.Client(func(o *connect.Options) { o.HTTPClient = rec })
	if err := call(c); err != nil {
		b.Fatal(err)
	}
	if rec.last == nil {
		b.Fatal("the SDK sent no request")
	}
	return *rec.last
}

// replay sends a recorded request in parallel with a plain http.Client, as BenchmarkBaseline does.
func replay(b *testing.B, r recorded) {
	client := &http.Client{Transport: transport()}
	defer client.CloseIdleConnections()
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var body io.Reader
			if r.body != nil {
				body = bytes.NewReader(r.body)
			}
			req, _ := http.NewRequest(r.method, r.url, body)
			req.Header = r.header.Clone()
			if err := roundTrip(client, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b)
}

// sdkParallel runs call in parallel; each goroutine gets its own counter value sequence.
func sdkParallel(b *testing.B, call func(ctx context.Context, n uint64) error) {
	var next atomic.Uint64
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if err := call(ctx, next.Add(1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b)
}

// ---- the API benchmarks ----

// userCount is how many users DescribeUser and ListUsers run over.
const userCount = 1_000

func BenchmarkDescribeUser(b *testing.B) {
	for _, sk := range stores() {
		b.Run(sk.name, func(b *testing.B) {
			e := newEnv(b, sk.open(b))
			ids := e.seedUsers(b, userCount, nil)
			inst := e.inst.ID
			b.Run("sdk", func(b *testing.B) {
				c := e.sdkClient()
				sdkParallel(b, func(ctx context.Context, n uint64) error {
					out, err := c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &inst, UserId: &ids[n%userCount]})
					if err == nil && out.User == nil {
						err = fmt.Errorf("DescribeUser: no user")
					}
					return err
				})
			})
			b.Run("presigned", func(b *testing.B) {
				replay(b, e.presign(b, func(c *connect.Client) error {
					_, err := c.DescribeUser(context.Background(), &connect.DescribeUserInput{InstanceId: &inst, UserId: &ids[userCount/2]})
					return err
				}))
			})
		})
	}
}

func BenchmarkListUsers(b *testing.B) {
	for _, sk := range stores() {
		b.Run(sk.name, func(b *testing.B) {
			e := newEnv(b, sk.open(b))
			e.seedUsers(b, userCount, nil)
			inst := e.inst.ID
			b.Run("sdk", func(b *testing.B) {
				c := e.sdkClient()
				b.SetParallelism(parallelism)
				b.ResetTimer()
				// Each goroutine walks the pages in turn, starting over after the last.
				b.RunParallel(func(pb *testing.PB) {
					ctx := context.Background()
					var token *string
					for pb.Next() {
						out, err := c.ListUsers(ctx, &connect.ListUsersInput{InstanceId: &inst, MaxResults: aws.Int32(100), NextToken: token})
						if err != nil {
							b.Error(err)
							return
						}
						if len(out.UserSummaryList) != 100 {
							b.Errorf("ListUsers: page of %d users, want 100", len(out.UserSummaryList))
							return
						}
						token = out.NextToken
					}
				})
				reportRate(b)
			})
			b.Run("presigned", func(b *testing.B) {
				replay(b, e.presign(b, func(c *connect.Client) error {
					_, err := c.ListUsers(context.Background(), &connect.ListUsersInput{InstanceId: &inst, MaxResults: aws.Int32(100)})
					return err
				}))
			})
		})
	}
}

// The search tree: 5 top groups, 5,000 groups in all, 4,220 leaves holding 100,000 users.
var (
	treeCounts  = [connectdir.MaxLevels]int{5, 25, 125, 625, 4220}
	searchUsers = 100_000
)

func BenchmarkSearchUsersWithChildGroups(b *testing.B) {
	for _, sk := range stores() {
		b.Run(sk.name, func(b *testing.B) {
			e := newEnv(b, sk.open(b))
			start := time.Now()
			t := e.seedTree(b, treeCounts)
			leaves := t.leaves()
			e.seedUsers(b, searchUsers, func(i int) connectdir.HierarchyGroup { return leaves[i*len(leaves)/searchUsers] })
			b.Logf("%s: seeded %d groups and %d users in %v", sk.name, sum(treeCounts[:]), searchUsers, time.Since(start).Round(time.Millisecond))

			inst := e.inst.ID
			top, leaf := t[0][0], leaves[0]
			wantTop := int64(searchUsers / len(t[0])) // leaves and users are spread evenly
			search := func(c *connect.Client, group string, match types.HierarchyGroupMatchType) (*connect.SearchUsersOutput, error) {
				return c.SearchUsers(context.Background(), &connect.SearchUsersInput{InstanceId: &inst, MaxResults: aws.Int32(100),
					SearchCriteria: &types.UserSearchCriteria{HierarchyGroupCondition: &types.HierarchyGroupCondition{
						Value: &group, HierarchyGroupMatchType: match}}})
			}
			// Check once what each case finds, so a broken query cannot pass for a fast one.
			c := e.sdkClient()
			out, err := search(c, top.ID, types.HierarchyGroupMatchTypeWithChildGroups)
			if err != nil {
				b.Fatal(err)
			}
			if got := aws.ToInt64(out.ApproximateTotalCount); got != wantTop || len(out.Users) != 100 {
				b.Fatalf("WITH_CHILD_GROUPS: %d users of %d, want 100 of %d", len(out.Users), got, wantTop)
			}
			out, err = search(c, leaf.ID, types.HierarchyGroupMatchTypeExact)
			if err != nil {
				b.Fatal(err)
			}
			leafCount := aws.ToInt64(out.ApproximateTotalCount)
			if leafCount < 20 || int64(len(out.Users)) != leafCount {
				b.Fatalf("EXACT: %d users of %d", len(out.Users), leafCount)
			}
			b.Logf("WITH_CHILD_GROUPS matches %d users, EXACT %d", wantTop, leafCount)

			for _, cs := range []struct {
				name  string
				group string
				match types.HierarchyGroupMatchType
			}{
				{"WITH_CHILD_GROUPS", top.ID, types.HierarchyGroupMatchTypeWithChildGroups},
				{"EXACT", leaf.ID, types.HierarchyGroupMatchTypeExact},
			} {
				b.Run(cs.name+"/sdk", func(b *testing.B) {
					c := e.sdkClient()
					sdkParallel(b, func(ctx context.Context, _ uint64) error {
						_, err := search(c, cs.group, cs.match)
						return err
					})
				})
				b.Run(cs.name+"/presigned", func(b *testing.B) {
					replay(b, e.presign(b, func(c *connect.Client) error {
						_, err := search(c, cs.group, cs.match)
						return err
					}))
				})
			}
		})
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
