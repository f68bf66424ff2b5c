package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/internal/testserver"
	"github.com/connectdir/connectdir/scim"
)

// env is a connectdir serving SCIM, and the Connect instance a token of it targets: its own
// (local), or a second connectdir at another endpoint standing in for Amazon Connect (remote),
// reached through an AWS profile as a real instance would be.
type env struct {
	t        testing.TB
	scimURL  string // base URL to give the identity provider
	token    string
	server   *testserver.Server // the one serving SCIM
	connect  *connect.Client    // the target, for checking results
	instance string
	store    scim.Store
}

func newServer(t testing.TB, store connectdir.Store) (*testserver.Server, scim.Store) {
	lt := &scim.LocalTarget{}
	var st scim.Store
	srv := testserver.Start(t, testserver.Options{Store: store, Wrap: func(api http.Handler, dir *connectdir.Directory) http.Handler {
		st = dir.Store.(scim.Store)
		mux := http.NewServeMux()
		mux.Handle(scim.Prefix, scim.New(scim.Config{Store: st, Local: lt}))
		mux.Handle("/", api)
		return mux
	}})
	lt.Endpoint, lt.Region = srv.URL, srv.Region
	lt.Credentials = credentials.NewStaticCredentialsProvider(srv.KeyID, srv.Secret, "")
	return srv, st
}

func mapping(t testing.TB) *scim.Mapping {
	b, err := os.ReadFile("../examples/scim-mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := scim.ParseMapping(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// envOptions vary the setup of newEnvWith.
type envOptions struct {
	target   string        // "local" or "remote"
	mapping  *scim.Mapping // nil: examples/scim-mapping.yaml
	postgres bool          // the SCIM server's store on PostgreSQL
	saml     bool          // a SAML instance instead of the bootstrapped CONNECT_MANAGED one
	remote   testserver.Options
	rps      float64
}

// newEnv starts the servers for target "local" or "remote".
func newEnv(t *testing.T, target string, m *scim.Mapping) *env {
	return newEnvWith(t, envOptions{target: target, mapping: m})
}

func newEnvWith(t *testing.T, o envOptions) *env {
	var store connectdir.Store
	if o.postgres {
		store = testserver.OpenPostgres(t, testserver.PostgresDatabase(t))
	}
	if o.mapping == nil {
		o.mapping = mapping(t)
	}
	srv, st := newServer(t, store)
	e := &env{t: t, scimURL: srv.URL + strings.TrimSuffix(scim.Prefix, "/"), server: srv, store: st}
	cfg := scim.TokenConfig{Mapping: o.mapping, RPS: o.rps}
	switch o.target {
	case "local":
		cfg.InstanceID = srv.InstanceID
		e.connect, e.instance = srv.Client(), srv.InstanceID
	case "remote":
		remote := testserver.Start(t, o.remote)
		dir := t.TempDir()
		creds := filepath.Join(dir, "credentials")
		os.WriteFile(creds, []byte("[realconnect]\naws_access_key_id = "+remote.KeyID+"\naws_secret_access_key = "+remote.Secret+"\n"), 0o600)
		os.WriteFile(filepath.Join(dir, "config"), nil, 0o600)
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
		t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
		cfg.InstanceID, cfg.EndpointURL, cfg.Profile, cfg.Region = remote.InstanceID, remote.URL, "realconnect", remote.Region
		e.connect, e.instance = remote.Client(), remote.InstanceID
	}
	if o.saml {
		cfg.InstanceID = testserver.NewSAMLInstance(t, e.connect)
		e.instance = cfg.InstanceID
	}
	var err error
	if _, e.token, err = scim.CreateToken(context.Background(), st, cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

// do sends one SCIM request and decodes the JSON answer; want is the expected status.
func (e *env) do(method, path string, body any, want int, hdr ...string) map[string]any {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		js, _ := json.Marshal(b)
		rd = bytes.NewReader(js)
	}
	req, _ := http.NewRequest(method, e.scimURL+path, rd)
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/scim+json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
		if out == nil {
			out = map[string]any{}
		}
		out["_etag"] = resp.Header.Get("ETag")
	}
	return out
}

// connectUser is a Connect user as checked through the Connect API.
type connectUser struct {
	ID, Username, FirstName, LastName, Email, Mobile string
	Hierarchy                                        []string
	RoutingProfile                                   string
	SecurityProfiles                                 []string
}

// user reads a user through the Connect API by username; nil when there is none.
func (e *env) user(username string) *connectUser {
	e.t.Helper()
	ctx := context.Background()
	out, err := e.connect.SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: &e.instance,
		SearchCriteria: &types.UserSearchCriteria{StringCondition: &types.StringCondition{FieldName: aws.String("Username"), Value: aws.String(username), ComparisonType: types.StringComparisonTypeExact}}})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(out.Users) == 0 {
		return nil
	}
	d, err := e.connect.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &e.instance, UserId: out.Users[0].Id})
	if err != nil {
		e.t.Fatal(err)
	}
	u := d.User
	cu := &connectUser{ID: aws.ToString(u.Id), Username: aws.ToString(u.Username), FirstName: aws.ToString(u.IdentityInfo.FirstName),
		LastName: aws.ToString(u.IdentityInfo.LastName), Email: aws.ToString(u.IdentityInfo.Email), Mobile: aws.ToString(u.IdentityInfo.Mobile)}
	if g := aws.ToString(u.HierarchyGroupId); g != "" {
		hg, err := e.connect.DescribeUserHierarchyGroup(ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: &e.instance, HierarchyGroupId: &g})
		if err != nil {
			e.t.Fatal(err)
		}
		p := hg.HierarchyGroup.HierarchyPath
		for _, s := range []*types.HierarchyGroupSummary{p.LevelOne, p.LevelTwo, p.LevelThree, p.LevelFour, p.LevelFive} {
			if s != nil {
				cu.Hierarchy = append(cu.Hierarchy, aws.ToString(s.Name))
			}
		}
	}
	rp, err := e.connect.DescribeRoutingProfile(ctx, &connect.DescribeRoutingProfileInput{InstanceId: &e.instance, RoutingProfileId: u.RoutingProfileId})
	if err != nil {
		e.t.Fatal(err)
	}
	cu.RoutingProfile = aws.ToString(rp.RoutingProfile.Name)
	sps, err := e.connect.ListSecurityProfiles(ctx, &connect.ListSecurityProfilesInput{InstanceId: &e.instance})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, sp := range sps.SecurityProfileSummaryList {
		for _, id := range u.SecurityProfileIds {
			if id == aws.ToString(sp.Id) {
				cu.SecurityProfiles = append(cu.SecurityProfiles, aws.ToString(sp.Name))
			}
		}
	}
	return cu
}

// mustUser is user, failing when the user does not exist.
func (e *env) mustUser(username string) *connectUser {
	e.t.Helper()
	u := e.user(username)
	if u == nil {
		e.t.Fatalf("Connect has no user %q", username)
	}
	return u
}
