package sqlstore_test

import (
	"testing"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/internal/testserver"
)

// PostgreSQL refuses U+0000 and invalid UTF-8 in text. A call that brings one past the API's own
// check (SCIM, the console, a direct caller of Directory) gets InvalidParameter, not an internal
// error, and writes nothing; a DescribeUser for such an id is a plain "not found" and does not
// fail the coalesced query it would have shared with other reads.
func TestPostgresBadText(t *testing.T) {
	s := testserver.OpenPostgres(t, testserver.PostgresDatabase(t))
	defer s.Close()
	ctx := t.Context()
	d := &connectdir.Directory{Store: s, Region: "us-east-1", AccountID: "123456789012"}
	inst, rp, sp := samlInstance(t, d)
	_, err := d.CreateUser(ctx, connectdir.NewUser{User: connectdir.User{InstanceID: inst, Username: "nul",
		IdentityInfo:       connectdir.IdentityInfo{FirstName: "a\x00b", LastName: "x"},
		SecurityProfileIDs: []string{sp}, RoutingProfileID: rp}}, false)
	if connectdir.KindOf(err) != connectdir.KindInvalidParameter {
		t.Fatalf("CreateUser with a NUL in FirstName: %v, want an invalid parameter", err)
	}
	if list, err := d.ListUsers(ctx, inst, "", 10); err != nil || len(list) != 0 {
		t.Fatalf("%d users after the refused CreateUser (%v), want 0", len(list), err)
	}
	for _, id := range []string{"a\x00b", "\xff"} {
		_, err := d.DescribeUser(ctx, inst, id)
		if connectdir.KindOf(err) != connectdir.KindNotFound {
			t.Errorf("DescribeUser %q: %v, want not found", id, err)
		}
	}
}

// samlInstance creates a SAML instance through d (its users need no password) and returns it
// with its first routing and security profiles.
func samlInstance(t *testing.T, d *connectdir.Directory) (inst, routingProfile, securityProfile string) {
	t.Helper()
	ctx := t.Context()
	in, err := d.CreateInstance(ctx, connectdir.Instance{IdentityManagementType: connectdir.IdentitySAML})
	if err != nil {
		t.Fatal(err)
	}
	rps, err := d.ListRoutingProfiles(ctx, in.ID, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	sps, err := d.ListSecurityProfiles(ctx, in.ID, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	return in.ID, rps[0].ID, sps[0].ID
}
