package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir/internal/testserver"
	"github.com/connectdir/connectdir/sqlstore"
)

// BenchmarkReference measures the figures of issue 13 on the reference workload
// (testserver.Reference100k and Reference10k in one database), each against a baseline measured
// in the same run, and logs them as a table. Run it once per store:
//
//	go test ./bench -run '^$' -bench Reference -benchtime 1x -timeout 60m -v
//
// The DescribeUser figures need wrk (Debian: apt-get install wrk).
func BenchmarkReference(b *testing.B) {
	for _, sk := range stores() {
		b.Run(sk.name, func(b *testing.B) {
			store := sk.open(b).(*sqlstore.Store)
			srv := testserver.Start(b, testserver.Options{Store: store})
			small, big, ids := seedReference(b, sk.name, store, srv)
			e := &env{srv: srv}
			c := e.sdkClient()
			base := baselineLatency(b)
			b.Logf("%s: baseline (bare handler, sequential round trip): %v", sk.name, base)

			// 1. Pages.
			for _, s := range []*testserver.Seeded{small, big} {
				n := len(ids[s])
				start := time.Now()
				pages, users := walkListUsers(b, c, s.Instance.ID)
				walk := time.Since(start)
				if users != n {
					b.Fatalf("ListUsers walked %d users of %d", users, n)
				}
				b.Logf("%s %dk: full ListUsers walk (MaxResults 1000): %d pages in %v", sk.name, n/1000, pages, walk.Round(time.Millisecond))
			}
			type pageCase struct {
				name string
				call func(s *testserver.Seeded) error
			}
			cases := []pageCase{
				{"ListUsers page of 500 (middle)", func(s *testserver.Seeded) error {
					_, err := c.ListUsers(context.Background(), &connect.ListUsersInput{InstanceId: &s.Instance.ID, MaxResults: aws.Int32(500), NextToken: middleToken(b, c, s, len(ids[s]))})
					return err
				}},
				{"SearchUsers page of 500, leaf (EXACT)", func(s *testserver.Seeded) error {
					return searchGroup(c, s, s.Leaves()[len(s.Leaves())/2].ID, types.HierarchyGroupMatchTypeExact, 1)
				}},
				{"SearchUsers page of 500, LevelThree subtree", func(s *testserver.Seeded) error {
					return searchGroup(c, s, s.Groups[2][len(s.Groups[2])/2].ID, types.HierarchyGroupMatchTypeWithChildGroups, 1)
				}},
				{"SearchUsers page of 500, LevelOne subtree", func(s *testserver.Seeded) error {
					return searchGroup(c, s, s.Groups[0][len(s.Groups[0])/2].ID, types.HierarchyGroupMatchTypeWithChildGroups, 500)
				}},
				{"SearchUsers page of 500, by tag", func(s *testserver.Seeded) error {
					_, err := c.SearchUsers(context.Background(), &connect.SearchUsersInput{InstanceId: &s.Instance.ID, MaxResults: aws.Int32(500),
						SearchCriteria: &types.UserSearchCriteria{StringCondition: nil, HierarchyGroupCondition: nil},
						SearchFilter: &types.UserSearchFilter{TagFilter: &types.ControlPlaneTagFilter{AndConditions: []types.TagCondition{
							{TagKey: aws.String("team"), TagValue: aws.String(s.Leaves()[7].Name)}}}}})
					return err
				}},
			}
			for _, pc := range cases {
				var t10, t100 time.Duration
				for _, s := range []*testserver.Seeded{small, big} {
					d := timeCalls(b, 20, func() error { return pc.call(s) })
					if s == small {
						t10 = d
					} else {
						t100 = d
					}
				}
				b.Logf("%s: %s: 10k %v, 100k %v, 100k/10k %.2f, 100k/baseline %.0f", sk.name, pc.name,
					t10.Round(10*time.Microsecond), t100.Round(10*time.Microsecond), float64(t100)/float64(t10), float64(t100)/float64(base))
			}

			// 2. DescribeUser under wrk -t2 -c32, a pre-signed request replayed, against a bare
			// handler in the same run.
			if _, err := exec.LookPath("wrk"); err != nil {
				b.Logf("wrk not installed: DescribeUser figures skipped (apt-get install wrk)")
			} else {
				bare := bareServer()
				u := ids[big][len(ids[big])/2]
				rec := e.presign(b, func(c *connect.Client) error {
					_, err := c.DescribeUser(context.Background(), &connect.DescribeUserInput{InstanceId: &big.Instance.ID, UserId: &u})
					return err
				})
				baseRate, baseP99, _ := runWrk(b, bare.URL+"/users/x/y", nil, "")
				bare.Close()
				rate, p99, non2xx := runWrk(b, rec.url, rec.header, "")
				b.Logf("%s: DescribeUser wrk -t2 -c32 10s: bare handler %.0f req/s (p99 %v); server %.0f req/s (p99 %v, %d non-2xx); ratio %.2f",
					sk.name, baseRate, baseP99, rate, p99, non2xx, rate/baseRate)
				// The same over every user of the instance, each request signed for its own user and
				// picked at random: what a cache of users gives when the reads do not repeat.
				rate, p99, non2xx = runWrk(b, srv.URL, nil, describeEveryUser(b, srv, big.Instance.ID, ids[big]))
				b.Logf("%s: DescribeUser wrk -t2 -c32 10s, a random one of the %d users per request: server %.0f req/s (p99 %v, %d non-2xx); ratio %.2f",
					sk.name, len(ids[big]), rate, p99, non2xx, rate/baseRate)
			}

			// 3. CreateUser with 32 concurrent signing clients into a SAML instance, against the
			// same load generators on a bare handler.
			createFigures(b, sk.name, srv, c)
		})
	}
}

// seedReference loads the reference workload (testserver.Reference10k and Reference100k, in that
// order) into store through srv and returns both without their users, whose ids are in ids. The
// seeded users (about 100 MB of Go values) are the test's, not the server's: a server process
// never holds them, and left live they made every GC cycle of the server (and of the bare
// handler) mark them, which showed in every figure.
func seedReference(b *testing.B, storeName string, store *sqlstore.Store, srv *testserver.Server) (small, big *testserver.Seeded, ids map[*testserver.Seeded][]string) {
	small = testserver.Seed(b, srv.Dir, store, testserver.Reference10k)
	big = testserver.Seed(b, srv.Dir, store, testserver.Reference100k)
	if storeName == "postgres" {
		analyze(b, store)
	}
	ids = map[*testserver.Seeded][]string{}
	for _, s := range []*testserver.Seeded{small, big} {
		for _, u := range s.Users {
			ids[s] = append(ids[s], u.ID)
		}
		s.Users = nil
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.Logf("%s: Go heap in use after seeding, with the seeded users dropped: %d MB", storeName, ms.HeapAlloc>>20)
	return small, big, ids
}

// analyze gives PostgreSQL's planner statistics after the bulk load, as autovacuum would.
func analyze(b *testing.B, store *sqlstore.Store) {
	if err := store.Exec(context.Background(), `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

func baselineLatency(b *testing.B) time.Duration {
	bare := bareServer()
	defer bare.Close()
	client := &http.Client{Transport: transport()}
	return timeCalls(b, 500, func() error {
		req, _ := http.NewRequest(http.MethodGet, bare.URL+"/users/x/y", nil)
		return roundTrip(client, req)
	})
}

// timeCalls runs f n times after one warm-up call and returns the mean time of a call. Failures
// are logged, not fatal: one figure missing should not lose the others of a long run.
func timeCalls(b *testing.B, n int, f func() error) time.Duration {
	if err := f(); err != nil {
		b.Logf("warm-up call failed: %v", err)
	}
	start := time.Now()
	for range n {
		if err := f(); err != nil {
			b.Logf("call failed: %v", err)
		}
	}
	return time.Since(start) / time.Duration(n)
}

func walkListUsers(b *testing.B, c *connect.Client, inst string) (pages, users int) {
	for p := connect.NewListUsersPaginator(c, &connect.ListUsersInput{InstanceId: &inst, MaxResults: aws.Int32(1000)}); p.HasMorePages(); {
		out, err := p.NextPage(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		pages++
		users += len(out.UserSummaryList)
	}
	return pages, users
}

var middleTokens sync.Map // instance → token of the page in the middle

// middleToken is the NextToken of the ListUsers page halfway through an instance.
func middleToken(b *testing.B, c *connect.Client, s *testserver.Seeded, users int) *string {
	if t, ok := middleTokens.Load(s.Instance.ID); ok {
		return t.(*string)
	}
	var token *string
	for range users / 2 / 500 {
		out, err := c.ListUsers(context.Background(), &connect.ListUsersInput{InstanceId: &s.Instance.ID, MaxResults: aws.Int32(500), NextToken: token})
		if err != nil {
			b.Fatal(err)
		}
		token = out.NextToken
	}
	middleTokens.Store(s.Instance.ID, token)
	return token
}

// searchGroup asks for one page of 500 of a group's users and checks it holds at least min.
func searchGroup(c *connect.Client, s *testserver.Seeded, group string, match types.HierarchyGroupMatchType, min int) error {
	out, err := c.SearchUsers(context.Background(), &connect.SearchUsersInput{InstanceId: &s.Instance.ID, MaxResults: aws.Int32(500),
		SearchCriteria: &types.UserSearchCriteria{HierarchyGroupCondition: &types.HierarchyGroupCondition{Value: &group, HierarchyGroupMatchType: match}}})
	if err == nil && len(out.Users) < min {
		err = fmt.Errorf("SearchUsers %s %s: %d users", group, match, len(out.Users))
	}
	return err
}

var (
	wrkRate   = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkP99    = regexp.MustCompile(`\n\s+99%\s+([\d.]+)(us|ms|s)`)
	wrkNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// runWrk runs wrk -t2 -c32 -d10s --latency on url with the given headers and, unless "", the
// given Lua script, after the same for 2 s whose figures are dropped: the first seconds of a
// load (the likely part: connections opening, 32 from wrk and on PostgreSQL the pool's) put
// 130–400 ms in the p99 of whichever run came first on PostgreSQL, which is not what a warm
// server answers in.
func runWrk(b *testing.B, url string, h http.Header, script string) (rate float64, p99 time.Duration, non2xx int) {
	args := []string{"-t2", "-c32", "--latency"}
	if script != "" {
		args = append(args, "-s", script)
	}
	for k, vs := range h {
		if strings.EqualFold(k, "Host") || strings.EqualFold(k, "Content-Length") {
			continue
		}
		for _, v := range vs {
			args = append(args, "-H", k+": "+v)
		}
	}
	if out, err := exec.Command("wrk", append(append(args, "-d2s"), url)...).CombinedOutput(); err != nil {
		b.Fatalf("wrk (warm-up): %v\n%s", err, out)
	}
	out, err := exec.Command("wrk", append(append(args, "-d10s"), url)...).CombinedOutput()
	if err != nil {
		b.Fatalf("wrk: %v\n%s", err, out)
	}
	m := wrkRate.FindSubmatch(out)
	l := wrkP99.FindSubmatch(out)
	if m == nil || l == nil {
		b.Fatalf("wrk output not understood:\n%s", out)
	}
	rate, _ = strconv.ParseFloat(string(m[1]), 64)
	v, _ := strconv.ParseFloat(string(l[1]), 64)
	p99 = time.Duration(v * float64(map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[string(l[2])]))
	if n := wrkNon2xx.FindSubmatch(out); n != nil {
		non2xx, _ = strconv.Atoi(string(n[1]))
	}
	return rate, p99.Round(10 * time.Microsecond), non2xx
}

// describeEveryUser writes a wrk script that sends, per request, DescribeUser for one of the ids
// picked at random, each request signed (SigV4, as the SDK signs it) for its own path, and
// returns the script's path. The signatures stay valid for the verifier's clock skew (5 minutes).
func describeEveryUser(b *testing.B, srv *testserver.Server, instanceID string, ids []string) string {
	dir := b.TempDir()
	list, err := os.Create(filepath.Join(dir, "requests.tsv"))
	if err != nil {
		b.Fatal(err)
	}
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: srv.KeyID, SecretAccessKey: srv.Secret}
	const emptyBody = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" // SHA-256 of ""
	now := time.Now()
	w := bufio.NewWriter(list)
	for _, id := range ids {
		path := "/users/" + instanceID + "/" + id
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err := signer.SignHTTP(context.Background(), creds, req, emptyBody, "connect", srv.Region, now); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", path, req.Header.Get("Authorization"), req.Header.Get("X-Amz-Date"))
	}
	if err := errors.Join(w.Flush(), list.Close()); err != nil {
		b.Fatal(err)
	}
	script := filepath.Join(dir, "describe.lua")
	lua := `local reqs, n = {}, 0
function init(args)
  for line in io.lines(` + strconv.Quote(list.Name()) + `) do
    local p, a, d = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)")
    n = n + 1
    reqs[n] = wrk.format("GET", p, {["Authorization"] = a, ["X-Amz-Date"] = d})
  end
  math.randomseed(os.time() + #tostring({}))
end
function request() return reqs[math.random(n)] end
`
	if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
		b.Fatal(err)
	}
	return script
}
