package console_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/connectdir/connectdir/hrsync"
	"github.com/connectdir/connectdir/internal/testserver"
)

// company is the administrator's instance of the issue: 300 agents in a five-level hierarchy.
type company struct {
	levels []string
	users  []hrsync.User
	// subtree counts the users in each group and its subgroups, by path.
	subtree map[string]int
	direct  map[string]int
	ids     map[string]string // group id by path
}

var (
	companySites = map[string][]string{ // country path -> sites
		"Earth Corp/Europe/Ireland":         {"Dublin", "Cork"},
		"Earth Corp/Europe/France":          {"Paris", "Lyon"},
		"Earth Corp/Americas/United States": {"Boston", "Austin"},
		"Earth Corp/Americas/Canada":        {"Toronto"},
		"Earth Corp/Europe/Germany":         {"Berlin"},
		"Earth Corp/Europe/Portugal":        {"Lisbon"},
		"Earth Corp/Americas/Mexico":        {"Monterrey"},
	}
	firstNames = []string{"Ana", "Bruno", "Chloé", "Dmitri", "Eva", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kenji", "Lea", "Mateo", "Nora", "Omar", "Pia", "Rafael", "Sofia", "Timo", "Ula"}
	lastNames  = []string{"Silva", "Novak", "Moreau", "Ivanova", "Berg", "Haddad", "Lund", "Costa", "Weber", "Okafor", "Sato", "Klein", "Ruiz", "Dubois", "Nair"}
)

// newCompany plans the 300 users: most in teams, one manager directly in each site, and the
// people the issue names: Tomás Fischer, and two Olga Fischers in different sites.
func newCompany() *company {
	c := &company{levels: []string{"Company", "Region", "Country", "Site", "Team"}, subtree: map[string]int{}, direct: map[string]int{}, ids: map[string]string{}}
	var sites []string
	for country, list := range companySites {
		for _, s := range list {
			sites = append(sites, country+"/"+s)
		}
	}
	slices.Sort(sites)
	var teams []string
	for _, s := range sites {
		for _, t := range []string{"Support", "Billing", "Sales"} {
			teams = append(teams, s+"/"+t)
		}
	}
	add := func(username, first, last, group string) {
		u := hrsync.User{Username: username, FirstName: first, LastName: last, Email: strings.ToLower(username) + "@example.com",
			Hierarchy: group, RoutingProfile: "Basic Routing Profile", SecurityProfiles: []string{"Agent"},
			Phone: hrsync.Phone{Type: "SOFT_PHONE"}, Password: "Passw0rd!Seed"}
		c.users = append(c.users, u)
		c.direct[group]++
		for p := group; p != ""; p = parent(p) {
			c.subtree[p]++
		}
	}
	add("tomas.fischer", "Tomás", "Fischer", teams[0])
	add("olga.fischer", "Olga", "Fischer", teams[1])
	add("olga.fischer2", "Olga", "Fischer", teams[len(teams)-1])
	for _, s := range sites {
		add("mgr."+strings.ToLower(last(s)), "Site", "Manager "+last(s), s)
	}
	for i := 0; len(c.users) < 300; i++ {
		f, l := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
		add(fmt.Sprintf("%s.%s%d", strings.ToLower(strings.ReplaceAll(f, "é", "e")), strings.ToLower(l), i), f, l, teams[i%len(teams)])
	}
	return c
}

func parent(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

func last(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

func name(s *types.HierarchyGroupSummary) string {
	if s == nil {
		return ""
	}
	return aws.ToString(s.Name)
}

// seed creates the company in an instance through the API (the sync engine makes the calls).
func (c *company) seed(t testing.TB, ts *testserver.Server, instanceID string) {
	t.Helper()
	ctx := context.Background()
	api := ts.Client()
	d := &hrsync.Desired{Levels: c.levels, Users: c.users, Fields: hrsync.FieldAll &^ hrsync.FieldGroupTags}
	p, err := hrsync.MakePlan(ctx, api, instanceID, d, hrsync.PlanOptions{Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := hrsync.Apply(ctx, api, p, hrsync.ApplyOptions{Concurrency: 4}); err != nil {
		t.Fatal(err)
	}
	pg := connect.NewListUserHierarchyGroupsPaginator(api, &connect.ListUserHierarchyGroupsInput{InstanceId: &instanceID})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range out.UserHierarchyGroupSummaryList {
			d, err := api.DescribeUserHierarchyGroup(ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: &instanceID, HierarchyGroupId: g.Id})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			hp := d.HierarchyGroup.HierarchyPath
			for _, s := range []string{name(hp.LevelOne), name(hp.LevelTwo), name(hp.LevelThree), name(hp.LevelFour), name(hp.LevelFive)} {
				if s != "" {
					names = append(names, s)
				}
			}
			c.ids[strings.Join(names, "/")] = aws.ToString(g.Id)
		}
	}
}

// signIn signs in through the form, to instanceID.
func (c *chrome) signIn(ts *testserver.Server, instanceID string) {
	c.t.Helper()
	c.open("/console/login")
	c.waitText("h1", "Sign in")
	c.fill("#access_key_id", ts.KeyID)
	c.fill("#secret_access_key", ts.Secret)
	c.fill("#region", ts.Region)
	c.fill("#instance_id", instanceID)
	c.click(`//button[normalize-space()="Save configuration and sign in"]`)
	c.waitText("header .who", instanceID)
}

// rows is the text of each body row of the tables css selects (cells joined by tabs).
func (c *chrome) rows(css string) []string {
	c.t.Helper()
	js := `Array.from(document.querySelectorAll(` + strconv.Quote(css+" tbody tr") + `)).map(r => Array.from(r.cells).map(td => td.innerText.trim()).join("\t"))`
	rows, err := chromedp.Run(c.ctx, chromedp.Evaluate[[]string](js))
	if err != nil {
		c.t.Fatal(err)
	}
	return rows
}

// TestBrowserAdministrator walks through the administrator's day over 300 agents in a
// five-level hierarchy. Each subtest is one of the problems the issue lists.
func TestBrowserAdministrator(t *testing.T) {
	ts := startConsole(t)
	co := newCompany()
	c := newChrome(t, ts.URL)
	co.seed(t, ts, ts.InstanceID)
	c.signIn(ts, ts.InstanceID)

	t.Run("1 members of a site with the subtree count", func(t *testing.T) {
		c.t = t
		dublin := "Earth Corp/Europe/Ireland/Dublin"
		c.openGroup("Earth Corp", "Europe", "Ireland")
		// The Ireland page counts the users of each site with its teams.
		if row := c.waitText(`table.groups`, "Dublin"); !strings.Contains(row, fmt.Sprintf("Dublin\tSite\t%d", co.subtree[dublin])) {
			t.Fatalf("the Dublin row does not count its %d users:\n%s", co.subtree[dublin], row)
		}
		c.click(`//table//a[normalize-space()="Dublin"]`)
		c.waitText("section.current h2", "Dublin")
		c.waitText("#subtree-count", fmt.Sprint(co.subtree[dublin]))
		c.waitText("#direct-count", fmt.Sprint(co.direct[dublin]))
		c.waitText("#members", fmt.Sprintf("1–%d of %d", co.subtree[dublin], co.subtree[dublin]))
		rows := c.rows("#members table")
		if len(rows) != co.subtree[dublin] {
			t.Fatalf("%d member rows, want %d", len(rows), co.subtree[dublin])
		}
		for _, r := range rows {
			if !strings.Contains(r, "Earth Corp / Europe / Ireland / Dublin") {
				t.Fatalf("a member outside Dublin: %q", r)
			}
		}
		c.screenshot("11-group-members", "group-members.png")
		// Switch to the users directly in the site: its manager.
		c.click(`//nav[contains(@class,"tabs")]//a[starts-with(normalize-space(),"Directly in")]`)
		c.waitText("#members", "mgr.dublin")
		if rows := c.rows("#members table"); len(rows) != co.direct[dublin] {
			t.Fatalf("%d direct rows, want %d", len(rows), co.direct[dublin])
		}
		// Each row links to the user.
		c.click(`//table//a[normalize-space()="mgr.dublin"]`)
		c.waitText("h1", "Details for mgr.dublin")
		// The top group counts everyone.
		c.open("/console/hierarchy")
		c.waitText("table.groups", "Earth Corp\tCompany\t300")
	})

	t.Run("4 search by full name, email, group", func(t *testing.T) {
		c.t = t
		search := func(text string) []string {
			c.open("/console/users")
			c.do(chromedp.SendKeys(chromedp.CSS("#q"), text+kb.Enter))
			c.waitText("main", "Users matching “"+text+"”")
			return c.rows("table.users")
		}
		if rows := search("Tomás Fischer"); len(rows) != 1 || !strings.Contains(rows[0], "tomas.fischer") {
			t.Fatalf("Tomás Fischer: %q", rows)
		}
		if rows := search("fischer tomás"); len(rows) != 1 {
			t.Fatalf("fischer tomás: %q", rows)
		}
		// Two Olga Fischers, told apart by their hierarchy column.
		rows := search("Olga Fischer")
		if len(rows) != 2 || !strings.Contains(rows[0], "Earth Corp / ") || strings.Split(rows[0], "\t")[3] == strings.Split(rows[1], "\t")[3] {
			t.Fatalf("Olga Fischer: %q", rows)
		}
		if rows := search("olga.fischer2@example.com"); len(rows) != 1 || !strings.Contains(rows[0], "olga.fischer2@example.com") {
			t.Fatalf("email: %q", rows)
		}
		if rows := search("TOMAS.FISCHER@example.com"); len(rows) != 1 || !strings.Contains(rows[0], "Tomás") {
			t.Fatalf("email in capitals: %q", rows)
		}
		// Filter by a group typed in part, and by security profile.
		c.open("/console/users")
		c.do(chromedp.SendKeys(chromedp.CSS("#group"), "Lisbon"+kb.Enter))
		lisbon := "Earth Corp/Europe/Portugal/Lisbon"
		c.waitText("h1", fmt.Sprintf("Users (%d)", co.subtree[lisbon]))
		got, err := chromedp.Run(c.ctx, chromedp.Value(chromedp.CSS("#group")))
		if err != nil || got != "Earth Corp / Europe / Portugal / Lisbon" {
			t.Fatalf("picker value %q, %v", got, err)
		}
		c.do(chromedp.SetValue(chromedp.CSS("#sp"), securityID(t, ts, "Admin")))
		c.click(`//button[normalize-space()="Search"]`)
		c.waitText("main", "No user matches")
		c.screenshot("12-users-filter", "")
	})

	t.Run("2 identity and phone in one Save", func(t *testing.T) {
		c.t = t
		id := userID(t, ts, ts.InstanceID, "tomas.fischer")
		c.open("/console/users/" + id + "/edit")
		c.waitText("h1", "Edit tomas.fischer")
		c.fill("#first_name", "Tomasz")
		c.click(`//input[@name="phone_type" and @value="DESK_PHONE"]`)
		c.fill("#desk_phone", "+35312345678")
		c.screenshot("13-user-edit", "user-edit.png")
		c.click(`//button[@id="save"]`)
		c.waitText(".flash.ok", "Saved identity and phone settings.")
		c.waitText("main", "Tomasz")
		c.waitText("#desk-phone", "+35312345678")
		u := describeUser(t, ts, ts.InstanceID, id)
		if aws.ToString(u.IdentityInfo.FirstName) != "Tomasz" || u.PhoneConfig.PhoneType != types.PhoneTypeDeskPhone ||
			aws.ToString(u.PhoneConfig.DeskPhoneNumber) != "+35312345678" || aws.ToString(u.IdentityInfo.Email) != "tomas.fischer@example.com" {
			t.Fatalf("after one Save: %+v %+v", u.IdentityInfo, u.PhoneConfig)
		}

		// A part that fails is reported and keeps what was typed; the other part is saved.
		c.click(`//a[normalize-space()="Edit"]`)
		c.waitText("h1", "Edit tomas.fischer")
		c.fill("#last_name", "Fischer-Braun")
		c.fill("#desk_phone", "01 234 5678")
		c.click(`//button[@id="save"]`)
		c.waitText("ul.outcomes", "Identity: saved")
		c.waitText("ul.outcomes", "Phone settings: not saved")
		c.waitText("#desk_phone-error", "international form")
		if v, _ := chromedp.Run(c.ctx, chromedp.Value(chromedp.CSS("#desk_phone"))); v != "01 234 5678" {
			t.Fatalf("the typed desk phone was lost: %q", v)
		}
		if u := describeUser(t, ts, ts.InstanceID, id); aws.ToString(u.IdentityInfo.LastName) != "Fischer-Braun" || aws.ToString(u.PhoneConfig.DeskPhoneNumber) != "+35312345678" {
			t.Fatalf("after a half-failed Save: %+v %+v", u.IdentityInfo, u.PhoneConfig)
		}
		c.fill("#desk_phone", "+35312340000")
		c.click(`//button[@id="save"]`)
		c.waitText(".flash.ok", "Saved phone settings.") // the identity, saved already, is not sent again
	})

	t.Run("3 a missing field shown next to it in plain words", func(t *testing.T) {
		c.t = t
		c.open("/console/users/new")
		c.waitText("h1", "Create user")
		c.fill("#username", "new.agent")
		c.fill("#password", "Str0ngPassword")
		c.fill("#first_name", "New")
		c.fill("#last_name", "Agent")
		c.click(`//button[normalize-space()="Create user"]`)
		c.waitText("#security_profile-error", "Choose at least one security profile.")
		if text := c.waitText("main", "not created"); strings.Contains(text, "operation error") || strings.Contains(text, "CreateUserInput") {
			t.Fatalf("raw SDK text shown:\n%s", text)
		}
		if v, _ := chromedp.Run(c.ctx, chromedp.Value(chromedp.CSS("#username"))); v != "new.agent" {
			t.Fatalf("the typed username was lost: %q", v)
		}
		// A refusal by the API lands next to its field too, its message kept as the detail.
		c.fill("#username", "olga.fischer")
		c.fill("#password", "Str0ngPassword")
		c.click(`//label[normalize-space()="Agent"]/input`)
		c.click(`//button[normalize-space()="Create user"]`)
		c.waitText("#username-error", "Another user already has this username.")
		c.waitText("#username-error .detail", "Exception")
	})

	t.Run("5 typing Dub in the picker finds Dublin", func(t *testing.T) {
		c.t = t
		id := userID(t, ts, ts.InstanceID, "olga.fischer")
		c.open("/console/users/" + id + "/edit")
		c.waitText("h1", "Edit olga.fischer")
		c.fill("#hierarchy_group", "Dub")
		// What Chromium offers under the field: the datalist's options holding what was typed.
		offered, err := chromedp.Run(c.ctx, chromedp.Evaluate[[]string](`Array.from(document.getElementById("hierarchy_group").list.options).map(o => o.value).filter(v => v.toLowerCase().includes("dub"))`))
		if err != nil || len(offered) == 0 || offered[0] != "Earth Corp / Europe / Ireland / Dublin" {
			t.Fatalf("typing Dub offers %q (%v)", offered, err)
		}
		// Without choosing (no script needed), Save takes the one group named like it.
		c.click(`//button[@id="save"]`)
		c.waitText(".flash.ok", "Saved hierarchy group.")
		c.waitText("#hierarchy", "Earth Corp / Europe / Ireland / Dublin")
		if g := aws.ToString(describeUser(t, ts, ts.InstanceID, id).HierarchyGroupId); g != co.ids["Earth Corp/Europe/Ireland/Dublin"] {
			t.Fatalf("group %s, want Dublin", g)
		}
	})
}

// userID finds a user's id through the API.
func userID(t *testing.T, ts *testserver.Server, instanceID, username string) string {
	t.Helper()
	out, err := ts.Client().SearchUsers(context.Background(), &connect.SearchUsersInput{InstanceId: &instanceID,
		SearchCriteria: &types.UserSearchCriteria{StringCondition: &types.StringCondition{FieldName: aws.String("Username"),
			Value: aws.String(username), ComparisonType: types.StringComparisonTypeExact}}})
	if err != nil || len(out.Users) != 1 {
		t.Fatalf("user %s: %v (%d found)", username, err, len(out.Users))
	}
	return aws.ToString(out.Users[0].Id)
}

func describeUser(t *testing.T, ts *testserver.Server, instanceID, id string) *types.User {
	t.Helper()
	out, err := ts.Client().DescribeUser(context.Background(), &connect.DescribeUserInput{InstanceId: &instanceID, UserId: &id})
	if err != nil {
		t.Fatal(err)
	}
	return out.User
}

func securityID(t *testing.T, ts *testserver.Server, name string) string {
	t.Helper()
	_, id := ts.Profiles(t, ts.InstanceID, name)
	return id
}
