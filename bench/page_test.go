package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/internal/testserver"
	"github.com/connectdir/connectdir/sqlstore"
)

// BenchmarkSearchPage times one SearchUsers page of 500 of a LevelOne subtree (10,000 of the
// reference workload's 100,000 users; 1,000 of 10,000) in three layers, one call at a time, so
// that ns/op is the latency of a page and the layers' differences say where it goes (cpu-us/op
// is the process's CPU per call, client and server, which moves less with the machine's load):
//   - store: Directory.SearchUsers, no HTTP (the count and the page query, scanning rows);
//   - presigned: one request the SDK signed, replayed with a plain http.Client (the server's
//     whole cost: SigV4, decoding, the store, encoding 500 users, loopback);
//   - sdk: the aws-sdk-go-v2 client, as BenchmarkReference times it (adds signing and the
//     client's decoding of 500 users).
//
// "page2" is the second page, reached with the first page's token; "leaf" an EXACT search of a
// LevelFive group (about 20 users at 100k, 2 at 10k). Profile the server with
//
//	go test ./bench -run '^$' -bench 'SearchPage/sqlite/100k/page1/presigned' -benchtime 200x -cpuprofile cpu.out
func BenchmarkSearchPage(b *testing.B) {
	for _, sk := range stores() {
		b.Run(sk.name, func(b *testing.B) {
			store := sk.open(b).(*sqlstore.Store)
			srv := testserver.Start(b, testserver.Options{Store: store})
			type target struct{ name, inst, group, leaf string }
			var targets []target
			small, big, ids := seedReference(b, sk.name, store, srv)
			for _, s := range []*testserver.Seeded{small, big} {
				targets = append(targets, target{fmt.Sprintf("%dk", len(ids[s])/1000), s.Instance.ID, s.Groups[0][len(s.Groups[0])/2].ID, s.Leaves()[len(s.Leaves())/2].ID})
			}
			e := &env{srv: srv}
			c := e.sdkClient()
			for _, tg := range targets {
				b.Run(tg.name, func(b *testing.B) {
					in := func(token *string) *connect.SearchUsersInput {
						return &connect.SearchUsersInput{InstanceId: &tg.inst, MaxResults: aws.Int32(500), NextToken: token,
							SearchCriteria: &types.UserSearchCriteria{HierarchyGroupCondition: &types.HierarchyGroupCondition{
								Value: &tg.group, HierarchyGroupMatchType: types.HierarchyGroupMatchTypeWithChildGroups}}}
					}
					first, err := c.SearchUsers(context.Background(), in(nil))
					if err != nil || len(first.Users) != 500 || first.NextToken == nil {
						b.Fatalf("first page: %v", err)
					}
					cond := connectdir.Cond{Op: connectdir.OpAnd, Children: []connectdir.Cond{{Op: connectdir.OpGroup, GroupID: tg.group, WithChildren: true}}}
					b.Run("store", func(b *testing.B) {
						defer cpuPerOp(b)()
						for range b.N {
							list, _, err := srv.Dir.SearchUsers(context.Background(), tg.inst, cond, connectdir.SearchKey{}, 501)
							if err != nil || len(list) != 501 {
								b.Fatalf("%d users, %v", len(list), err)
							}
						}
					})
					for _, page := range []struct {
						name  string
						token *string
					}{{"page1", nil}, {"page2", first.NextToken}} {
						b.Run(page.name, func(b *testing.B) {
							b.Run("presigned", func(b *testing.B) {
								r := e.presign(b, func(c *connect.Client) error {
									_, err := c.SearchUsers(context.Background(), in(page.token))
									return err
								})
								client := &http.Client{Transport: transport()}
								defer client.CloseIdleConnections()
								defer cpuPerOp(b)()
								for range b.N {
									req, _ := http.NewRequest(r.method, r.url, bytes.NewReader(r.body))
									req.Header = r.header.Clone()
									if err := roundTrip(client, req); err != nil {
										b.Fatal(err)
									}
								}
							})
							b.Run("sdk", func(b *testing.B) {
								defer cpuPerOp(b)()
								for range b.N {
									out, err := c.SearchUsers(context.Background(), in(page.token))
									if err != nil || len(out.Users) != 500 {
										b.Fatalf("%v", err)
									}
								}
							})
						})
					}
					b.Run("leaf/sdk", func(b *testing.B) {
						in := &connect.SearchUsersInput{InstanceId: &tg.inst, MaxResults: aws.Int32(500),
							SearchCriteria: &types.UserSearchCriteria{HierarchyGroupCondition: &types.HierarchyGroupCondition{
								Value: &tg.leaf, HierarchyGroupMatchType: types.HierarchyGroupMatchTypeExact}}}
						defer cpuPerOp(b)()
						for range b.N {
							out, err := c.SearchUsers(context.Background(), in)
							if err != nil || len(out.Users) == 0 {
								b.Fatalf("leaf: %v", err)
							}
						}
					})
				})
			}
		})
	}
}

// cpuPerOp reports the process's CPU time (user and system, every goroutine: client and server
// alike) per operation, as cpu-us/op: unlike ns/op it barely moves with what else the machine
// runs. Use as defer cpuPerOp(b)().
func cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	b.ResetTimer()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-us/op")
	}
}
