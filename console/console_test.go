package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/console"
	"github.com/connectdir/connectdir/internal/testserver"
)

// startConsole starts a real connectdir server with the console mounted beside the API, as
// `connectdir serve` does, so that the console's default endpoint is that same server.
func startConsole(t testing.TB) *testserver.Server {
	t.Helper()
	var con http.Handler
	ts := testserver.Start(t, testserver.Options{Wrap: func(api http.Handler, _ *connectdir.Directory) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/", api)
		mux.Handle("GET /{$}", http.RedirectHandler(console.Prefix, http.StatusSeeOther))
		mux.Handle(console.Prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { con.ServeHTTP(w, r) }))
		return mux
	}})
	con = console.New(console.Config{Endpoint: ts.URL, Region: ts.Region})
	return ts
}

// browser is a cookie-keeping HTTP client that follows redirects, like a browser without scripts.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string // the token of the last page that had a form
}

func newBrowser(t testing.TB, ts *testserver.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: ts.URL, c: &http.Client{Jar: jar}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) (int, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(body)
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

// post submits a form with the current page's CSRF token unless the form sets csrf itself.
func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) login(ts *testserver.Server) string {
	b.t.Helper()
	b.get("/console/login")
	status, body := b.post("/console/login", url.Values{"access_key_id": {ts.KeyID}, "secret_access_key": {ts.Secret},
		"region": {ts.Region}, "instance_id": {ts.InstanceID}, "target": {"connectdir"}})
	if status != http.StatusOK || !strings.Contains(body, "User hierarchy") {
		b.t.Fatalf("login: status %d, body:\n%s", status, body)
	}
	return body
}

func mustContain(t testing.TB, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Fatalf("page lacks %q:\n%s", w, body)
		}
	}
}

func TestSignIn(t *testing.T) {
	ts := startConsole(t)
	b := newBrowser(t, ts)

	// Signed out, every page leads to the sign-in form.
	status, body := b.get("/console/users")
	if status != http.StatusOK || !strings.Contains(body, `action="/console/login"`) {
		t.Fatalf("signed-out users page: %d\n%s", status, body)
	}

	// A fresh browser (no cookie yet) gets the session cookie with the login form.
	resp, err := http.Get(ts.URL + "/console/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	u, _ := url.Parse(ts.URL + "/console/")
	if len(b.c.Jar.Cookies(u)) != 1 {
		t.Fatalf("cookies = %v", b.c.Jar.Cookies(u))
	}
	if sc := resp.Header.Get("Set-Cookie"); !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") || strings.Contains(sc, "Secure") {
		t.Errorf("Set-Cookie = %q", sc)
	}

	// A wrong secret is refused by DescribeInstance, and the secret is not echoed.
	b.get("/console/login")
	status, body = b.post("/console/login", url.Values{"access_key_id": {ts.KeyID}, "secret_access_key": {"wrong-secret-xyz"},
		"region": {ts.Region}, "instance_id": {ts.InstanceID}})
	if status != http.StatusUnauthorized || !strings.Contains(body, "Sign-in failed") || strings.Contains(body, "wrong-secret-xyz") {
		t.Fatalf("bad secret: %d\n%s", status, body)
	}
	// A wrong instance is refused too.
	status, body = b.post("/console/login", url.Values{"access_key_id": {ts.KeyID}, "secret_access_key": {ts.Secret},
		"region": {ts.Region}, "instance_id": {"00000000-0000-0000-0000-000000000000"}})
	if status != http.StatusUnauthorized || !strings.Contains(body, "ResourceNotFoundException") {
		t.Fatalf("bad instance: %d\n%s", status, body)
	}

	body = b.login(ts)
	mustContain(t, body, ts.InstanceID, "no hierarchy structure yet")
	if strings.Contains(body, ts.Secret) {
		t.Fatal("the secret key is in the page")
	}

	// Signing out ends the session server side.
	b.post("/console/logout", url.Values{})
	if _, body := b.get("/console/hierarchy"); !strings.Contains(body, `action="/console/login"`) {
		t.Fatalf("after sign-out:\n%s", body)
	}
}

func TestCSRFRefused(t *testing.T) {
	ts := startConsole(t)
	b := newBrowser(t, ts)
	b.login(ts)
	ctx := context.Background()
	for _, token := range []string{"", "not-the-token"} {
		status, _ := b.post("/console/hierarchy/structure", url.Values{"csrf": {token}, "level1": {"Planet"}})
		if status != http.StatusForbidden {
			t.Fatalf("token %q: status %d, want 403", token, status)
		}
		status, _ = b.post("/console/hierarchy/groups", url.Values{"csrf": {token}, "name": {"Earth"}})
		if status != http.StatusForbidden {
			t.Fatalf("token %q: status %d, want 403", token, status)
		}
	}
	// Nothing changed.
	out, err := ts.Client().DescribeUserHierarchyStructure(ctx, &connect.DescribeUserHierarchyStructureInput{InstanceId: &ts.InstanceID})
	if err != nil {
		t.Fatal(err)
	}
	if h := out.HierarchyStructure; h != nil && h.LevelOne != nil {
		t.Fatalf("structure changed: level one %q", aws.ToString(h.LevelOne.Name))
	}
	// The sign-in form is protected too (login CSRF).
	other := newBrowser(t, ts)
	status, _ := other.post("/console/login", url.Values{"csrf": {""}, "access_key_id": {ts.KeyID}, "secret_access_key": {ts.Secret},
		"region": {ts.Region}, "instance_id": {ts.InstanceID}})
	if status != http.StatusForbidden {
		t.Fatalf("login without token: %d", status)
	}
	// With the token the same post works: the refusal was the token's doing.
	status, _ = b.post("/console/hierarchy/structure", url.Values{"level1": {"Planet"}})
	if status != http.StatusOK {
		t.Fatalf("with token: %d", status)
	}
}

func TestUsernameEscaped(t *testing.T) {
	ts := startConsole(t)
	ctx := context.Background()
	rp, sp := ts.Profiles(t, ts.InstanceID, "Agent")
	const evil = `<script>alert("x")</script>`
	out, err := ts.Client().CreateUser(ctx, &connect.CreateUserInput{InstanceId: &ts.InstanceID, Username: aws.String(evil),
		Password: aws.String("Passw0rd!"), RoutingProfileId: &rp, SecurityProfileIds: []string{sp},
		IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("<b>Eve</b>"), LastName: aws.String("Doe")},
		PhoneConfig:  &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone}})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, ts)
	b.login(ts)
	for _, path := range []string{"/console/users", "/console/users/" + aws.ToString(out.UserId), "/console/users/" + aws.ToString(out.UserId) + "/edit"} {
		_, body := b.get(path)
		if strings.Contains(body, "<script>") || strings.Contains(body, "<b>Eve") {
			t.Fatalf("%s: unescaped markup:\n%s", path, body)
		}
		mustContain(t, body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;")
	}
}

func TestHierarchy(t *testing.T) {
	ts := startConsole(t)
	ctx := context.Background()
	api := ts.Client()
	b := newBrowser(t, ts)
	b.login(ts)

	// A gap in the level names is refused in place.
	_, body := b.get("/console/hierarchy/structure")
	status, body := b.post("/console/hierarchy/structure", url.Values{"level1": {"Planet"}, "level3": {"City"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "without a gap") {
		t.Fatalf("gap: %d\n%s", status, body)
	}
	levels := []string{"Planet", "Continent", "Country", "City", "Team"}
	form := url.Values{}
	for i, l := range levels {
		form.Set(fmt.Sprintf("level%d", i+1), l)
	}
	_, body = b.post("/console/hierarchy/structure", form)
	mustContain(t, body, "Saved the user hierarchy structure", "Add Planet")

	// Add a group at each level, walking down.
	names := []string{"Earth", "Europe", "France", "Paris", "Support"}
	parent := ""
	var ids []string
	for i, n := range names {
		_, body = b.post("/console/hierarchy/groups", url.Values{"name": {n}, "parent": {parent}})
		mustContain(t, body, "Added "+n)
		list, err := api.ListUserHierarchyGroups(ctx, &connect.ListUserHierarchyGroupsInput{InstanceId: &ts.InstanceID})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range list.UserHierarchyGroupSummaryList {
			if aws.ToString(g.Name) == n {
				parent = aws.ToString(g.Id)
			}
		}
		ids = append(ids, parent)
		_, body = b.get("/console/hierarchy?group=" + parent)
		// The breadcrumb carries the whole path.
		mustContain(t, body, names[:i+1]...)
		if i < 4 {
			mustContain(t, body, "Add "+levels[i+1])
		} else {
			mustContain(t, body, "the last level")
		}
	}
	_, body = b.post("/console/hierarchy/groups", url.Values{"name": {"Lyon"}, "parent": {ids[2]}})
	mustContain(t, body, "Added Lyon")

	// Put a user in Paris: the count shows, and deleting Paris's team is fine but Paris is in use.
	rp, sp := ts.Profiles(t, ts.InstanceID, "Agent")
	if _, err := api.CreateUser(ctx, &connect.CreateUserInput{InstanceId: &ts.InstanceID, Username: aws.String("agent1"),
		Password: aws.String("Passw0rd!"), RoutingProfileId: &rp, IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("A"), LastName: aws.String("B")}, SecurityProfileIds: []string{sp}, HierarchyGroupId: &ids[3],
		PhoneConfig: &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone}}); err != nil {
		t.Fatal(err)
	}
	_, body = b.get("/console/hierarchy?group=" + ids[2])
	if !regexp.MustCompile(`Paris</a></td>\s*<td>City</td>\s*<td class="num">1</td>`).MatchString(body) {
		t.Fatalf("Paris should show 1 user:\n%s", body)
	}
	_, body = b.post("/console/hierarchy/groups/"+ids[4]+"/delete", url.Values{"parent": {ids[3]}, "name": {"Support"}})
	mustContain(t, body, "Deleted Support")
	_, body = b.get("/console/hierarchy/groups/" + ids[3] + "/delete")
	mustContain(t, body, "Delete Paris?", "It has 1 user")
	_, body = b.post("/console/hierarchy/groups/"+ids[3]+"/delete", url.Values{"parent": {ids[2]}, "name": {"Paris"}})
	mustContain(t, body, "Could not delete Paris: ResourceInUseException")

	// Rename, and the JSON view.
	_, body = b.post("/console/hierarchy/groups/"+ids[2]+"/rename", url.Values{"name": {"République française"}, "back": {ids[1]}})
	mustContain(t, body, "Renamed to République française")
	_, body = b.get("/console/hierarchy/groups/" + ids[2])
	mustContain(t, body, `&#34;LevelId&#34;: &#34;3&#34;`, "République française", `&#34;LevelOne&#34;`)

	// Removing levels that still have groups is refused and shown in place.
	status, body = b.post("/console/hierarchy/structure", url.Values{"level1": {"Planet"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Exception") {
		t.Fatalf("shrinking a structure in use: %d\n%s", status, body)
	}
}

func TestUsers(t *testing.T) {
	ts := startConsole(t)
	ctx := context.Background()
	api := ts.Client()
	rp, sp := ts.Profiles(t, ts.InstanceID, "Agent")
	// 55 users: more than one page of 50.
	for i := range 55 {
		first := "Ann"
		if i%5 == 0 {
			first = "Zed"
		}
		if _, err := api.CreateUser(ctx, &connect.CreateUserInput{InstanceId: &ts.InstanceID, Username: aws.String(fmt.Sprintf("user%02d", i)),
			Password: aws.String("Passw0rd!"), RoutingProfileId: &rp, SecurityProfileIds: []string{sp},
			IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String(first), LastName: aws.String("Smith")},
			PhoneConfig:  &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone}}); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, ts)
	b.login(ts)
	_, body := b.get("/console/users")
	mustContain(t, body, "Users <span class=\"count\">(55)</span>", "1–50 of 55", "Next page")
	rows := strings.Count(body, `<tr><td><a href="/console/users/`)
	if rows != 50 {
		t.Fatalf("first page has %d users:\n%s", rows, body)
	}
	next := regexp.MustCompile(`href="(/console/users\?[^"]+)" rel="next"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no next link")
	}
	_, body = b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	mustContain(t, body, "51–55 of 55", "First page")
	if strings.Contains(body, "Next page") {
		t.Fatal("the last page links to a next page")
	}

	// Search matches username, first or last name.
	_, body = b.get("/console/users?q=zed")
	mustContain(t, body, "(11)")
	_, body = b.get("/console/users?q=user07")
	mustContain(t, body, "(1)", "user07")

	// Create through the form, with a group, then see the detail page.
	if _, err := api.UpdateUserHierarchyStructure(ctx, &connect.UpdateUserHierarchyStructureInput{InstanceId: &ts.InstanceID,
		HierarchyStructure: &types.HierarchyStructureUpdate{LevelOne: &types.HierarchyLevelUpdate{Name: aws.String("Site")},
			LevelTwo: &types.HierarchyLevelUpdate{Name: aws.String("Team")}}}); err != nil {
		t.Fatal(err)
	}
	site, err := api.CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &ts.InstanceID, Name: aws.String("Lisbon")})
	if err != nil {
		t.Fatal(err)
	}
	team, err := api.CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &ts.InstanceID, Name: aws.String("Billing"), ParentGroupId: site.HierarchyGroupId})
	if err != nil {
		t.Fatal(err)
	}
	_, body = b.get("/console/users/new")
	mustContain(t, body, "Lisbon / Billing", "Basic Routing Profile", "CallCenterManager")
	form := url.Values{"username": {"jdoe"}, "password": {"short"}, "first_name": {"Jane"}, "last_name": {"Doe"}, "email": {"jane@example.com"},
		"phone_type": {"DESK_PHONE"}, "desk_phone": {"+12065550100"}, "auto_accept": {"on"}, "acw": {"30"},
		"routing_profile": {rp}, "security_profile": {sp}, "hierarchy_group": {aws.ToString(team.HierarchyGroupId)}}
	status, body := b.post("/console/users", form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "InvalidParameterException") || !strings.Contains(body, `value="jdoe"`) {
		t.Fatalf("weak password: %d\n%s", status, body)
	}
	form.Set("password", "Str0ngPassword")
	_, body = b.post("/console/users", form)
	mustContain(t, body, "Created user jdoe", "Details for jdoe", "Jane", "jane@example.com", "Desk phone", "&#43;12065550100",
		"30 seconds", "Basic Routing Profile", "Agent", "Lisbon / Billing", "arn:aws:connect:")
	id := regexp.MustCompile(`/console/users/([0-9a-f-]{36})/edit`).FindStringSubmatch(body)[1]

	// Edit each part.
	b.get("/console/users/" + id + "/edit")
	_, body = b.post("/console/users/"+id+"/phone", url.Values{"phone_type": {"SOFT_PHONE"}, "acw": {"0"}})
	mustContain(t, body, "Saved.", "Soft phone", "No limit")
	_, body = b.post("/console/users/"+id+"/identity", url.Values{"first_name": {"Janet"}, "last_name": {"Doe"}, "email": {"janet@example.com"}})
	mustContain(t, body, "Janet", "janet@example.com")
	_, qa := ts.Profiles(t, ts.InstanceID, "QualityAnalyst")
	_, body = b.post("/console/users/"+id+"/security", url.Values{"security_profile": {sp, qa}})
	mustContain(t, body, "Agent, QualityAnalyst")
	_, body = b.post("/console/users/"+id+"/hierarchy", url.Values{"hierarchy_group": {aws.ToString(site.HierarchyGroupId)}})
	mustContain(t, body, `<dd id="hierarchy">Lisbon</dd>`)
	_, body = b.post("/console/users/"+id+"/routing", url.Values{"routing_profile": {"nope"}})
	mustContain(t, body, "Not saved:")

	// Delete with confirmation.
	_, body = b.get("/console/users/" + id + "/delete")
	mustContain(t, body, "Delete jdoe?", "Yes, delete")
	_, body = b.post("/console/users/"+id+"/delete", url.Values{"username": {"jdoe"}})
	mustContain(t, body, "Deleted user jdoe", "(55)")
	if _, err := api.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &ts.InstanceID, UserId: &id}); err == nil {
		t.Fatal("user still exists")
	}
}

func TestCookieSecureOverTLS(t *testing.T) {
	hs := httptest.NewTLSServer(console.New(console.Config{Endpoint: "http://127.0.0.1:1"}))
	defer hs.Close()
	resp, err := hs.Client().Get(hs.URL + "/console/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if sc := resp.Header.Get("Set-Cookie"); !strings.Contains(sc, "Secure") || !strings.Contains(sc, "HttpOnly") {
		t.Fatalf("Set-Cookie over TLS = %q", sc)
	}
}
