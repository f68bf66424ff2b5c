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
	"sync"
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
	ts, _ := startConsoleWith(t, console.Config{})
	return ts
}

// startConsoleWith is startConsole with settings, returning the console handler as well.
func startConsoleWith(t testing.TB, cfg console.Config) (*testserver.Server, http.Handler) {
	t.Helper()
	var con http.Handler
	ts := testserver.Start(t, testserver.Options{Wrap: func(api http.Handler, _ *connectdir.Directory) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/", api)
		mux.Handle("GET /{$}", http.RedirectHandler(console.Prefix, http.StatusSeeOther))
		mux.Handle(console.Prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { con.ServeHTTP(w, r) }))
		return mux
	}})
	cfg.Endpoint, cfg.Region = ts.URL, ts.Region
	con = console.New(cfg)
	return ts, con
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
	// Usernames cannot hold markup (the API refuses characters outside [a-zA-Z0-9_-.@]); names can.
	const evil = `<script>alert("x")</script>`
	out, err := ts.Client().CreateUser(ctx, &connect.CreateUserInput{InstanceId: &ts.InstanceID, Username: aws.String("eve"),
		Password: aws.String("Passw0rd!"), RoutingProfileId: &rp, SecurityProfileIds: []string{sp},
		IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("<b>Eve</b>"), LastName: aws.String(evil)},
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
	// A level name of spaces is refused with a reason, not "Saved" with nothing saved.
	status, body = b.post("/console/hierarchy/structure", url.Values{"level1": {"Planet"}, "level2": {"   "}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "level 2 name is only spaces") {
		t.Fatalf("spaces: %d\n%s", status, body)
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
	// Names past the form's limit are refused by the console too, and nothing is made.
	_, body = b.post("/console/hierarchy/groups", url.Values{"name": {strings.Repeat("x", 200)}, "parent": {ids[2]}})
	mustContain(t, body, "Not added: Group names can have at most 100 characters; this one has 200.")
	_, body = b.post("/console/hierarchy/groups/"+ids[2]+"/rename", url.Values{"name": {strings.Repeat("y", 101)}, "back": {ids[1]}})
	mustContain(t, body, "Not renamed: Group names can have at most 100 characters; this one has 101.")
	if list, err := api.ListUserHierarchyGroups(ctx, &connect.ListUserHierarchyGroupsInput{InstanceId: &ts.InstanceID}); err != nil || len(list.UserHierarchyGroupSummaryList) != 6 {
		t.Fatalf("groups after refused names: %v", err)
	}

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
	mustContain(t, body, "Delete Paris?", "cannot be deleted: it has 1 user.")
	if strings.Contains(body, "Yes, delete") {
		t.Fatalf("delete offered for a group in use:\n%s", body)
	}
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
	// 105 users: three pages of 50 (made two at a time: hashing their passwords is the slow part).
	var wg sync.WaitGroup
	errs := make(chan error, 105)
	sem := make(chan struct{}, 2)
	for i := range 105 {
		first := "Ann"
		if i%5 == 0 {
			first = "Zed"
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := api.CreateUser(ctx, &connect.CreateUserInput{InstanceId: &ts.InstanceID, Username: aws.String(fmt.Sprintf("user%02d", i)),
				Password: aws.String("Passw0rd!"), RoutingProfileId: &rp, SecurityProfileIds: []string{sp},
				IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String(first), LastName: aws.String("Smith")},
				PhoneConfig:  &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, ts)
	b.login(ts)
	link := func(body, rel string) string {
		t.Helper()
		m := regexp.MustCompile(`href="(/console/users\?[^"]*)" rel="` + rel + `"`).FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return strings.ReplaceAll(m[1], "&amp;", "&")
	}
	usersOf := func(body string) string {
		return strings.Join(regexp.MustCompile(`<a href="/console/users/[0-9a-f-]{36}">user\d+</a>`).FindAllString(body, -1), ",")
	}
	_, p1 := b.get("/console/users")
	mustContain(t, p1, "Users <span class=\"count\">(105)</span>", "1–50 of 105", "Next page")
	if rows := strings.Count(p1, `<tr><td><a href="/console/users/`); rows != 50 {
		t.Fatalf("first page has %d users:\n%s", rows, p1)
	}
	if link(p1, "prev") != "" || strings.Contains(p1, "First page") {
		t.Fatal("the first page links back")
	}
	_, p2 := b.get(link(p1, "next"))
	mustContain(t, p2, "51–100 of 105", "First page", "Previous page")
	_, p3 := b.get(link(p2, "next"))
	mustContain(t, p3, "101–105 of 105", "First page")
	if link(p3, "next") != "" {
		t.Fatal("the last page links to a next page")
	}

	// Previous page: SearchUsers tokens only lead forward, so the session remembers them.
	_, back2 := b.get(link(p3, "prev"))
	mustContain(t, back2, "51–100 of 105")
	if usersOf(back2) != usersOf(p2) || usersOf(p2) == "" {
		t.Fatalf("page 2 going back differs from page 2 going forward:\n%s\n%s", usersOf(back2), usersOf(p2))
	}
	_, back1 := b.get(link(back2, "prev"))
	mustContain(t, back1, "1–50 of 105")
	if usersOf(back1) != usersOf(p1) {
		t.Fatal("page 1 going back differs from page 1")
	}
	// A session that never saw page 2 can only go back to the first page.
	other := newBrowser(t, ts)
	other.login(ts)
	_, body := other.get(link(p2, "next"))
	mustContain(t, body, "101–105 of 105", "First page")
	if link(body, "prev") != "" {
		t.Fatal("a previous link without a known token")
	}
	// A search pages on its own, and going back keeps the search.
	_, s1 := b.get("/console/users?q=ann")
	mustContain(t, s1, "1–50 of 84")
	_, s2 := b.get(link(s1, "next"))
	mustContain(t, s2, "51–84 of 84")
	if prev := link(s2, "prev"); !strings.Contains(prev, "q=ann") {
		t.Fatalf("previous link %q loses the search", prev)
	}
	_, body = b.get(link(s2, "prev"))
	mustContain(t, body, "1–50 of 84")

	// Search matches username, first or last name.
	_, body = b.get("/console/users?q=zed")
	mustContain(t, body, "(21)")
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

	// Edit: one Save sends the parts that changed (here one part at a time).
	was := func(part string) string {
		t.Helper()
		_, body := b.get("/console/users/" + id + "/edit")
		m := regexp.MustCompile(`name="was_` + part + `" value="([0-9a-f]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("the edit form has no was_%s:\n%s", part, body)
		}
		return m[1]
	}
	_, body = b.post("/console/users/"+id+"/edit", url.Values{"was_phone": {was("phone")}, "phone_type": {"SOFT_PHONE"}, "acw": {"0"}})
	mustContain(t, body, "Saved phone settings.", "Soft phone", "No limit")
	_, body = b.post("/console/users/"+id+"/edit", url.Values{"was_identity": {was("identity")}, "first_name": {"Janet"}, "last_name": {"Doe"}, "email": {"janet@example.com"}})
	mustContain(t, body, "Saved identity.", "Janet", "janet@example.com")
	_, qa := ts.Profiles(t, ts.InstanceID, "QualityAnalyst")
	_, body = b.post("/console/users/"+id+"/edit", url.Values{"was_security": {was("security")}, "security_profile": {sp, qa}})
	mustContain(t, body, "Agent, QualityAnalyst")
	_, body = b.post("/console/users/"+id+"/edit", url.Values{"was_hierarchy": {was("hierarchy")}, "hierarchy_group": {"lisbon"}})
	mustContain(t, body, `<dd id="hierarchy">Lisbon</dd>`)
	status, body = b.post("/console/users/"+id+"/edit", url.Values{"was_routing": {was("routing")}, "routing_profile": {"nope"}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown routing profile: %d", status)
	}
	mustContain(t, body, "Routing profile: not saved", `id="routing_profile-error">Choose a routing profile that exists.`)

	// Delete with confirmation.
	_, body = b.get("/console/users/" + id + "/delete")
	mustContain(t, body, "Delete jdoe?", "Yes, delete")
	_, body = b.post("/console/users/"+id+"/delete", url.Values{"username": {"jdoe"}})
	mustContain(t, body, "Deleted user jdoe", "(105)")
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

// Behind a proxy that terminates TLS, the cookie is Secure too.
func TestCookieSecureBehindTLSProxy(t *testing.T) {
	hs := httptest.NewServer(console.New(console.Config{Endpoint: "http://127.0.0.1:1"}))
	defer hs.Close()
	req, _ := http.NewRequest("GET", hs.URL+"/console/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if sc := resp.Header.Get("Set-Cookie"); !strings.Contains(sc, "Secure") {
		t.Fatalf("Set-Cookie behind a TLS proxy = %q", sc)
	}
}

// apiCalls counts, server side, the API calls made between two points of a test.
type apiCalls struct {
	ts   *testserver.Server
	mark map[string]int
}

var countedOps = []string{"ListUserHierarchyGroups", "DescribeUserHierarchyGroup", "SearchUsers", "DescribeUserHierarchyStructure",
	"ListRoutingProfiles", "ListSecurityProfiles"}

func newAPICalls(ts *testserver.Server) *apiCalls {
	c := &apiCalls{ts: ts}
	c.reset()
	return c
}

func (c *apiCalls) reset() {
	c.mark = map[string]int{}
	for _, op := range countedOps {
		c.mark[op] = c.ts.API.Calls(op, "")
	}
}

// since returns the calls of op made since the last reset.
func (c *apiCalls) since(op string) int { return c.ts.API.Calls(op, "") - c.mark[op] }

// seedTree makes a three-level structure with 300 groups through the API: 60 sites; the first
// 20 sites have 3 teams each, and each of those teams 3 squads. It returns group ids by name.
func seedTree(t *testing.T, ts *testserver.Server) map[string]string {
	t.Helper()
	ctx := context.Background()
	api := ts.Client()
	if _, err := api.UpdateUserHierarchyStructure(ctx, &connect.UpdateUserHierarchyStructureInput{InstanceId: &ts.InstanceID,
		HierarchyStructure: &types.HierarchyStructureUpdate{LevelOne: &types.HierarchyLevelUpdate{Name: aws.String("Site")},
			LevelTwo: &types.HierarchyLevelUpdate{Name: aws.String("Team")}, LevelThree: &types.HierarchyLevelUpdate{Name: aws.String("Squad")}}}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	create := func(name, parent string) string {
		in := &connect.CreateUserHierarchyGroupInput{InstanceId: &ts.InstanceID, Name: aws.String(name)}
		if parent != "" {
			in.ParentGroupId = aws.String(parent)
		}
		out, err := api.CreateUserHierarchyGroup(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = aws.ToString(out.HierarchyGroupId)
		return ids[name]
	}
	for s := range 60 {
		site := create(fmt.Sprintf("Site %02d", s), "")
		if s >= 20 {
			continue
		}
		for tm := range 3 {
			team := create(fmt.Sprintf("Team %02d-%d", s, tm), site)
			for sq := range 3 {
				create(fmt.Sprintf("Squad %02d-%d-%d", s, tm, sq), team)
			}
		}
	}
	if len(ids) != 300 {
		t.Fatalf("seeded %d groups", len(ids))
	}
	return ids
}

// TestGroupTreeCache checks that a session reads the group tree once, that the console's own
// writes keep it right without reading it again, that each page sees changes made elsewhere
// with one list call, and that Refresh reads it again.
func TestGroupTreeCache(t *testing.T) {
	ts := startConsole(t)
	ctx := context.Background()
	ids := seedTree(t, ts)
	calls := newAPICalls(ts)
	b := newBrowser(t, ts)
	pagesRE := regexp.MustCompile(`<td><a href="/console/hierarchy\?group=`)

	// expect checks the calls since the last check, and starts counting again.
	expect := func(step string, describes, lists, searches int) {
		t.Helper()
		if got := calls.since("DescribeUserHierarchyGroup"); describes >= 0 && got != describes {
			t.Errorf("%s: %d DescribeUserHierarchyGroup calls, want %d", step, got, describes)
		}
		if got := calls.since("ListUserHierarchyGroups"); got != lists {
			t.Errorf("%s: %d ListUserHierarchyGroups calls, want %d", step, got, lists)
		}
		if got := calls.since("SearchUsers"); searches >= 0 && got != searches {
			t.Errorf("%s: %d SearchUsers calls, want %d", step, got, searches)
		}
		calls.reset()
	}

	// The first view (sign-in lands on the hierarchy) reads the tree: one list, and a describe
	// for each group not already named in the path of another.
	body := b.login(ts)
	cold := calls.since("DescribeUserHierarchyGroup")
	t.Logf("cold load of 300 groups: %d DescribeUserHierarchyGroup, %d ListUserHierarchyGroups, %d SearchUsers",
		cold, calls.since("ListUserHierarchyGroups"), calls.since("SearchUsers"))
	if cold < 220 || cold > 300 { // the 180 squads and the 40 childless sites need their own describe
		t.Errorf("cold load: %d describes, want 220 to 300", cold)
	}
	expect("first view", -1, 1, 50)
	mustContain(t, body, "1–50 of 60", "Page 1 of 2", "Site 00", "Site 49", "Groups as of")
	if n := len(pagesRE.FindAllString(body, -1)); n != 50 {
		t.Fatalf("first page lists %d groups", n)
	}

	// Later views describe nothing (one list checks for changes), and count users only for the
	// groups they show.
	_, body = b.get("/console/hierarchy")
	expect("second view", 0, 1, 50)
	mustContain(t, body, "Site 49")
	_, body = b.get("/console/hierarchy?page=2")
	expect("third view (page 2)", 0, 1, 10)
	mustContain(t, body, "51–60 of 60", "Site 59", "Previous page")
	if strings.Contains(body, "Site 49") {
		t.Fatal("page 2 repeats page 1")
	}
	_, body = b.get("/console/hierarchy?group=" + ids["Site 00"])
	// One search, the site's members: its page holds the whole subtree, so the teams' counts
	// and the direct count are counted from it.
	expect("a site", 0, 1, 1)
	mustContain(t, body, "Team 00-2", "Add Team")
	_, body = b.get("/console/hierarchy?group=" + ids["Team 00-1"])
	expect("a team", 0, 1, 1)
	// Only the users directly in the team cannot count the subtree: 3 squads, the team's
	// subtree and its direct members.
	_, body = b.get("/console/hierarchy?scope=direct&group=" + ids["Team 00-1"])
	expect("a team's direct members", 0, 1, 5)
	mustContain(t, body, "Site 00</a>", "Squad 00-1-2", "Add Squad")
	_, body = b.get("/console/users/new")
	expect("the user form", 0, 1, -1)
	mustContain(t, body, "Site 19 / Team 19-2 / Squad 19-2-2")

	// Create, rename and delete through the console: each shows at once, without reading the tree.
	_, body = b.post("/console/hierarchy/groups", url.Values{"name": {"Aardvark"}, "parent": {ids["Team 00-1"]}})
	expect("create", 0, 1, 1)
	mustContain(t, body, "Added Aardvark", "Aardvark</a>")
	newID := regexp.MustCompile(`<a href="/console/hierarchy\?group=([0-9a-f-]{36})">Aardvark</a>`).FindStringSubmatch(body)
	if newID == nil {
		t.Fatalf("the new group is not listed:\n%s", body)
	}
	_, body = b.get("/console/hierarchy?group=" + newID[1])
	expect("the new group", 0, 1, 1)
	mustContain(t, body, "Site 00</a>", "Team 00-1</a>", "Aardvark", "the last level", "/agent-group/"+newID[1])

	_, body = b.post("/console/hierarchy/groups/"+ids["Site 00"]+"/rename", url.Values{"name": {"Harbour"}, "back": {""}})
	expect("rename", 0, 1, 50)
	mustContain(t, body, "Renamed to Harbour", "Harbour</a>")
	_, body = b.get("/console/users/new")
	expect("the user form after rename", 0, 1, -1)
	mustContain(t, body, "Harbour / Team 00-1 / Aardvark")
	if strings.Contains(body, "Site 00") {
		t.Fatal("the old name is still shown")
	}

	_, body = b.get("/console/hierarchy/groups/" + newID[1] + "/delete")
	expect("the delete form", 0, 1, 1)
	mustContain(t, body, "Delete Aardvark?", "Harbour / Team 00-1 / Aardvark")
	_, body = b.post("/console/hierarchy/groups/"+newID[1]+"/delete", url.Values{"parent": {ids["Team 00-1"]}, "name": {"Aardvark"}})
	expect("delete", 0, 1, 1)
	mustContain(t, body, "Deleted Aardvark", "Squad 00-1-0")
	if strings.Contains(body, "Aardvark</a>") {
		t.Fatal("the deleted group is still listed")
	}

	// A group added, renamed or deleted elsewhere shows on the next page: the list names it, and
	// only the new group is described.
	if _, err := ts.Client().CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &ts.InstanceID, Name: aws.String("Outpost")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Client().UpdateUserHierarchyGroupName(ctx, &connect.UpdateUserHierarchyGroupNameInput{InstanceId: &ts.InstanceID,
		HierarchyGroupId: aws.String(ids["Site 01"]), Name: aws.String("Quay")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Client().DeleteUserHierarchyGroup(ctx, &connect.DeleteUserHierarchyGroupInput{InstanceId: &ts.InstanceID,
		HierarchyGroupId: aws.String(ids["Site 59"])}); err != nil {
		t.Fatal(err)
	}
	calls.reset()
	_, body = b.get("/console/hierarchy")
	expect("changed elsewhere", 1, 1, 50)
	mustContain(t, body, "Outpost", "Quay", "1–50 of 60")
	_, body = b.get("/console/hierarchy?page=2")
	expect("changed elsewhere, page 2", 0, 1, 10)
	if strings.Contains(body, "Site 59") || strings.Contains(body, "Site 01<") {
		t.Fatalf("a group deleted or renamed elsewhere is still listed:\n%s", body)
	}
	_, body = b.get("/console/users/new")
	mustContain(t, body, "Quay / Team 01-0", "Outpost")
	calls.reset()

	if status, _ := b.post("/console/hierarchy/refresh", url.Values{"csrf": {"wrong"}}); status != http.StatusForbidden {
		t.Fatalf("refresh without the form token: %d", status)
	}
	_, body = b.post("/console/hierarchy/refresh", url.Values{"back": {""}})
	if got := calls.since("DescribeUserHierarchyGroup"); got < 200 {
		t.Errorf("refresh: %d describes, want a full read", got)
	}
	expect("refresh", -1, 1, 50)
	mustContain(t, body, "Reloaded the hierarchy groups", "Outpost", "1–50 of 60")

	// Pages of one session that all find no tree wait for a single read of it.
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	b.post("/console/hierarchy/refresh", url.Values{"back": {""}})
	b.c.CheckRedirect = nil
	calls.reset()
	var wg sync.WaitGroup
	var mu sync.Mutex
	bodies := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := b.c.Get(ts.URL + "/console/hierarchy?page=2")
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), "Site 58") {
				t.Errorf("concurrent view: %d\n%s", resp.StatusCode, body)
			}
			mu.Lock()
			bodies++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if got := calls.since("DescribeUserHierarchyGroup"); got < 220 || got > 301 {
		t.Errorf("4 concurrent views with no tree: %d describes, want one read", got)
	}
	if got := calls.since("ListUserHierarchyGroups"); got < 1 || got > 4 {
		t.Errorf("4 concurrent views: %d lists", got)
	}
	calls.reset()

	// Each session has its own tree.
	other := newBrowser(t, ts)
	other.login(ts)
	if got := calls.since("DescribeUserHierarchyGroup"); got < 200 {
		t.Errorf("another session: %d describes, want a full read", got)
	}
	calls.reset()
}

// Anyone can start a session by opening the sign-in form; the number of sessions is bounded,
// and a flood of new ones pushes out sessions that never signed in before a signed-in one.
func TestSessionsBounded(t *testing.T) {
	ts, con := startConsoleWith(t, console.Config{MaxSessions: 3})
	b := newBrowser(t, ts)
	b.login(ts)
	for range 50 {
		resp, err := http.Get(ts.URL + "/console/login") // no cookie jar: a new session each time
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if n := console.Sessions(con); n > 3 {
		t.Fatalf("%d sessions held, want at most 3", n)
	}
	if _, body := b.get("/console/hierarchy"); !strings.Contains(body, "no hierarchy structure yet") {
		t.Fatalf("the signed-in session was evicted:\n%s", body)
	}
	// The newest sign-in form still works.
	other := newBrowser(t, ts)
	other.login(ts)
}

// Sign-out changes state, so it needs the form token like any other post.
func TestLogoutNeedsToken(t *testing.T) {
	ts := startConsole(t)
	b := newBrowser(t, ts)
	b.login(ts)
	if status, _ := b.post("/console/logout", url.Values{"csrf": {""}}); status != http.StatusForbidden {
		t.Fatalf("sign-out without token: %d, want 403", status)
	}
	if _, body := b.get("/console/hierarchy"); !strings.Contains(body, "no hierarchy structure yet") {
		t.Fatalf("signed out by a post without token:\n%s", body)
	}
}

// A custom endpoint is shown in the header and logged, so one carrying credentials is refused.
func TestEndpointWithCredentialsRefused(t *testing.T) {
	ts := startConsole(t)
	b := newBrowser(t, ts)
	b.get("/console/login")
	for _, ep := range []string{"http://user:hunter2@" + strings.TrimPrefix(ts.URL, "http://"), ts.URL + "/?token=hunter2"} {
		status, body := b.post("/console/login", url.Values{"access_key_id": {ts.KeyID}, "secret_access_key": {ts.Secret},
			"region": {ts.Region}, "instance_id": {ts.InstanceID}, "endpoint": {ep}})
		if status != http.StatusUnauthorized || !strings.Contains(body, "must not contain a user name") {
			t.Fatalf("endpoint %s: %d\n%s", ep, status, body)
		}
	}
}

// Values that choose where a post lands (back, parent) stay inside the console.
func TestRedirectsStayInConsole(t *testing.T) {
	ts := startConsole(t)
	b := newBrowser(t, ts)
	b.login(ts)
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	defer func() { b.c.CheckRedirect = nil }()
	for _, evil := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		form := url.Values{"csrf": {b.csrf}, "back": {evil}, "parent": {evil}, "name": {"x"}}
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/console/hierarchy/refresh", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/console/") || strings.HasPrefix(loc, "//") {
			t.Fatalf("back=%q redirects to %q", evil, loc)
		}
	}
}

// Tags on users and groups are shown and edited; the structure reads as JSON; another instance
// of the same sign-in is picked from ListInstances without signing out.
func TestTagsInstancesStructure(t *testing.T) {
	ts := startConsole(t)
	ctx := context.Background()
	api := ts.Client()
	b := newBrowser(t, ts)
	b.login(ts)
	rp, sp := ts.Profiles(t, ts.InstanceID, "Agent")
	if _, err := api.UpdateUserHierarchyStructure(ctx, &connect.UpdateUserHierarchyStructureInput{InstanceId: &ts.InstanceID,
		HierarchyStructure: &types.HierarchyStructureUpdate{LevelOne: &types.HierarchyLevelUpdate{Name: aws.String("Site")}}}); err != nil {
		t.Fatal(err)
	}
	g, err := api.CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &ts.InstanceID, Name: aws.String("Dublin"),
		Tags: map[string]string{"cost-centre": "17", "old": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	gid := aws.ToString(g.HierarchyGroupId)

	// Group tags: shown, then replaced (one changed, one removed, one added).
	_, body := b.get("/console/hierarchy/groups/" + gid)
	mustContain(t, body, "<dt>cost-centre</dt><dd>17</dd>", "<dt>old</dt><dd>x</dd>")
	_, body = b.post("/console/hierarchy/groups/"+gid+"/tags", url.Values{"tags": {"cost-centre = 18\nowner=ops"}})
	mustContain(t, body, "Saved the tags.", "<dt>cost-centre</dt><dd>18</dd>", "<dt>owner</dt><dd>ops</dd>")
	dg, err := api.DescribeUserHierarchyGroup(ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: &ts.InstanceID, HierarchyGroupId: &gid})
	if err != nil || len(dg.HierarchyGroup.Tags) != 2 || dg.HierarchyGroup.Tags["old"] != "" || dg.HierarchyGroup.Tags["owner"] != "ops" {
		t.Fatalf("group tags %v, %v", dg.HierarchyGroup.Tags, err)
	}
	_, body = b.post("/console/hierarchy/groups/"+gid+"/tags", url.Values{"tags": {"aws:x=1"}})
	mustContain(t, body, "Tags not saved: Line 1: keys starting with aws: are reserved.")

	// User tags: made with the user, shown, edited in the one form.
	b.get("/console/users/new")
	_, body = b.post("/console/users", url.Values{"username": {"tagged"}, "password": {"Str0ngPassword"}, "first_name": {"T"}, "last_name": {"G"},
		"phone_type": {"SOFT_PHONE"}, "routing_profile": {rp}, "security_profile": {sp}, "hierarchy_group": {"Dublin"}, "tags": {"team=blue"}})
	mustContain(t, body, "Created user tagged", "<dt>team</dt><dd>blue</dd>", `<dd id="hierarchy">Dublin</dd>`)
	id := regexp.MustCompile(`/console/users/([0-9a-f-]{36})/edit`).FindStringSubmatch(body)[1]
	_, body = b.get("/console/users/" + id + "/edit")
	was := regexp.MustCompile(`name="was_tags" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	if was == nil {
		t.Fatalf("no was_tags:\n%s", body)
	}
	_, body = b.post("/console/users/"+id+"/edit", url.Values{"was_tags": {was[1]}, "tags": {"team=green\nshift=night"}})
	mustContain(t, body, "Saved tags.", "<dt>shift</dt><dd>night</dd>", "<dt>team</dt><dd>green</dd>")
	du, err := api.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &ts.InstanceID, UserId: &id})
	if err != nil || du.User.Tags["team"] != "green" || du.User.Tags["shift"] != "night" {
		t.Fatalf("user tags %v %v", du.User.Tags, err)
	}

	// The structure as JSON.
	_, body = b.get("/console/hierarchy/structure/json")
	mustContain(t, body, `id="structure-json"`, "&#34;LevelOne&#34;", "&#34;Name&#34;: &#34;Site&#34;")

	// Another instance, picked from the list: the pages then show that instance.
	other, err := api.CreateInstance(ctx, &connect.CreateInstanceInput{IdentityManagementType: types.DirectoryTypeConnectManaged,
		InstanceAlias: aws.String("second"), InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	_, body = b.get("/console/instances")
	mustContain(t, body, "second ("+aws.ToString(other.Id)+")", "Switch to this instance")
	_, body = b.post("/console/instances", url.Values{"instance": {aws.ToString(other.Id)}})
	mustContain(t, body, "Switched to instance second", aws.ToString(other.Id), "no hierarchy structure yet")
	_, body = b.get("/console/users")
	mustContain(t, body, "Users <span class=\"count\">(0)</span>")
	_, body = b.post("/console/instances", url.Values{"instance": {"00000000-0000-0000-0000-000000000000"}})
	mustContain(t, body, "Could not switch: ResourceNotFoundException")
	_, body = b.post("/console/instances", url.Values{"instance": {ts.InstanceID}})
	mustContain(t, body, "Switched to instance", "Dublin")
}

// The profile names are listed once a minute per session, not on every page; a profile made
// elsewhere meanwhile is named all the same, at the cost of one listing.
func TestProfileNamesKept(t *testing.T) {
	ts := startConsole(t)
	ctx := context.Background()
	api := ts.Client()
	rp, sp := ts.Profiles(t, ts.InstanceID, "Agent")
	create := func(username string, sps ...string) string {
		out, err := api.CreateUser(ctx, &connect.CreateUserInput{InstanceId: &ts.InstanceID, Username: aws.String(username), Password: aws.String("Str0ngPassword"),
			IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("F"), LastName: aws.String("L")}, PhoneConfig: &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone},
			RoutingProfileId: &rp, SecurityProfileIds: sps})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.UserId)
	}
	agent := create("agent1", sp)
	b := newBrowser(t, ts)
	b.login(ts)
	calls := newAPICalls(ts)
	for _, path := range []string{"/console/users", "/console/users/" + agent, "/console/users/" + agent + "/edit", "/console/users/new"} {
		_, body := b.get(path)
		mustContain(t, body, "Basic Routing Profile")
	}
	if r, s := calls.since("ListRoutingProfiles"), calls.since("ListSecurityProfiles"); r > 1 || s > 1 {
		t.Fatalf("four pages listed the profiles %d and %d times, want once at most", r, s)
	}
	out, err := api.CreateSecurityProfile(ctx, &connect.CreateSecurityProfileInput{InstanceId: &ts.InstanceID, SecurityProfileName: aws.String("Night Supervisor")})
	if err != nil {
		t.Fatal(err)
	}
	boss := create("boss1", aws.ToString(out.SecurityProfileId))
	calls.reset()
	_, body := b.get("/console/users/" + boss)
	mustContain(t, body, "Night Supervisor")
	if s := calls.since("ListSecurityProfiles"); s != 1 {
		t.Fatalf("a profile made elsewhere: %d listings, want 1", s)
	}
	_, body = b.get("/console/users/new")
	mustContain(t, body, "Night Supervisor")
}
