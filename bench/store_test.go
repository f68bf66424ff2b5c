package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/sqlstore"
)

// BenchmarkStoreDescribeUser measures the Directory over SQLite without HTTP: what one
// DescribeUser costs in the domain and the store alone (instance check, user row, tags).
func BenchmarkStoreDescribeUser(b *testing.B) {
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	sealer, _ := connectdir.NewSealer(make([]byte, 32))
	dir := &connectdir.Directory{Store: store, Region: "us-east-1", AccountID: "123456789012", Sealer: sealer}
	inst, err := dir.CreateInstance(ctx, connectdir.Instance{IdentityManagementType: connectdir.IdentitySAML})
	if err != nil {
		b.Fatal(err)
	}
	rps, _ := dir.ListRoutingProfiles(ctx, inst.ID, "", 1)
	sps, _ := dir.ListSecurityProfiles(ctx, inst.ID, "", 1)
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
