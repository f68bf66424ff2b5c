package console_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/connectdir/connectdir/console"
	"github.com/connectdir/connectdir/hrsync"
	"github.com/connectdir/connectdir/internal/testserver"
	"github.com/connectdir/connectdir/snapshot"
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

// signIn signs in through the form, to instanceID; with "" the instance id is left empty, for
// the console to open the only instance or offer those the key reaches.
func (c *chrome) signIn(ts *testserver.Server, instanceID string) {
	c.t.Helper()
	c.open("/console/login")
	c.waitText("h1", "Sign in")
	c.fill("#access_key_id", ts.KeyID)
	c.fill("#secret_access_key", ts.Secret)
	c.fill("#region", ts.Region)
	if instanceID != "" {
		c.fill("#instance_id", instanceID)
	}
	c.click(`//button[normalize-space()="Save configuration and sign in"]`)
	if instanceID != "" {
		c.waitText("header .who", instanceID)
	}
}

// rows is the text of each body row of the tables css selects (cells joined by tabs).
func (c *chrome) rows(css string) []string {
	c.t.Helper()
	js := `Array.from(document.querySelectorAll(` + strconv.Quote(css+" tbody tr") + `)).map(r => Array.from(r.cells).map(td => td.textContent.trim()).join("\t"))`
	rows, err := chromedp.Run(c.ctx, chromedp.Evaluate[[]string](js))
	if err != nil {
		c.t.Fatal(err)
	}
	return rows
}

// TestBrowserAdministrator walks through the administrator's day over 300 agents in a
// five-level hierarchy. Each subtest is one of the problems the issue lists.
func TestBrowserAdministrator(t *testing.T) {
	// Another connectdir server, with keys of its own, that the console's operator lets it
	// reach: the copy's "other endpoint" target.
	other := testserver.Start(t, testserver.Options{})
	ts, _ := startConsoleWith(t, console.Config{Endpoints: []string{other.URL}})
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
		// Its teams' counts (counted from the members' page, which holds the whole site).
		teams := c.waitText(`table.groups`, "Support")
		for _, team := range []string{"Billing", "Sales", "Support"} {
			if want := fmt.Sprintf("%s\tTeam\t%d", team, co.subtree[dublin+"/"+team]); !strings.Contains(teams, want) {
				t.Fatalf("the %s row does not count its %d users:\n%s", team, co.subtree[dublin+"/"+team], teams)
			}
		}
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
		// The new page (the old one lists mgr.dublin too), loaded with its scroll to #members
		// done, so that the click below does not land while the page still moves.
		c.waitText(`nav.tabs [aria-current]`, "Directly in")
		c.do(chromedp.WaitReady("body"), chromedp.Poll[chromedp.Void](`document.readyState === "complete"`))
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

	t.Run("page-load times over 300 users", func(t *testing.T) {
		c.t = t
		c.pageTimes(t, []page{
			{"hierarchy, top level", "/console/hierarchy"},
			{"group page: a site and its 28 members", "/console/hierarchy?group=" + co.ids["Earth Corp/Europe/Ireland/Dublin"]},
			{"group page: the top group, 300 members (first 50)", "/console/hierarchy?group=" + co.ids["Earth Corp"]},
			{"users, first page of 300", "/console/users"},
			{"users, full-name search", "/console/users?q=Olga+Fischer"},
			{"users, email search", "/console/users?q=olga.fischer2%40example.com"},
			{"users, filtered by a country's subtree", "/console/users?group=" + co.ids["Earth Corp/Europe/Ireland"]},
			{"user details", "/console/users/" + userID(t, ts, ts.InstanceID, "olga.fischer")},
			{"user edit form", "/console/users/" + userID(t, ts, ts.InstanceID, "olga.fischer") + "/edit"},
			{"bulk upload", "/console/bulk"},
			{"copy", "/console/copy"},
		})
	})

	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(c.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	// download waits for a file to land in downloads and returns its lines.
	download := func(t *testing.T, name string) []string {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if b, err := os.ReadFile(filepath.Join(downloads, name)); err == nil && len(b) > 0 {
				return strings.Split(strings.TrimSpace(string(b)), "\n")
			}
		}
		t.Fatalf("no download %s", name)
		return nil
	}
	jobID := func() string {
		u, err := chromedp.Run(c.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return u[strings.LastIndex(u, "/")+1:]
	}

	t.Run("6 bulk upload: bad cells named, then the fixed file applied", func(t *testing.T) {
		c.t = t
		teams := []string{}
		for p := range co.ids {
			if strings.Count(p, "/") == 4 {
				teams = append(teams, p)
			}
		}
		slices.Sort(teams)
		moved := map[string]string{}
		edit := func(bad bool) func(i int, row []string) bool {
			return func(i int, row []string) bool {
				switch {
				case i < 5: // five new agents take the first five rows' places; those users stay as they are
					row[0], row[3] = fmt.Sprintf("bulk.new%d", i), fmt.Sprintf("bulk.new%d@example.com", i)
				case i%15 == 0 && strings.Count(row[4], "/") == 4: // twenty-odd agents change teams
					row[4] = teams[(slices.Index(teams, row[4])+1)%len(teams)]
					moved[row[0]] = row[4]
				}
				if bad && i == 56 {
					row[7] = "cell" // row 58 of the file (the header is row 1)
				}
				if bad && i == 230 {
					row[9] = "maybe" // row 232
				}
				return true
			}
		}
		badFile := co.csv(t, "agents-bad.csv", edit(true))
		c.open("/console/bulk")
		c.waitText("h1", "Bulk upload")
		c.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{badFile}))
		c.click(`//button[normalize-space()="Upload and plan"]`)
		c.waitText(".flash.error", "agents-bad.csv was not uploaded: 2 cells need a fix")
		rows := c.rows("#problems")
		if len(rows) != 2 || !strings.HasPrefix(rows[0], "58\t8 (phone_type)\t") || !strings.Contains(rows[0], `"cell"`) ||
			!strings.HasPrefix(rows[1], "232\t10 (auto_accept)\t") || !strings.Contains(rows[1], `"maybe"`) {
			t.Fatalf("problems: %q", rows)
		}
		if out, err := ts.Client().SearchUsers(context.Background(), &connect.SearchUsersInput{InstanceId: &ts.InstanceID,
			SearchCriteria: &types.UserSearchCriteria{StringCondition: &types.StringCondition{FieldName: aws.String("Username"),
				Value: aws.String("bulk.new"), ComparisonType: types.StringComparisonTypeContains}}}); err != nil || len(out.Users) != 0 {
			t.Fatalf("a refused file changed the instance: %v", err)
		}

		goodFile := co.csv(t, "agents.csv", edit(false))
		c.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{goodFile}))
		c.click(`//button[normalize-space()="Upload and plan"]`)
		c.waitTextFor("#job-state", "Plan ready", time.Minute)
		plan := strings.Join(c.rows("#plan table"), "\n")
		for _, want := range []string{"users to create\t5", fmt.Sprintf("of them moved to another group\t%d", len(moved))} {
			if !strings.Contains(plan, want) {
				t.Fatalf("plan lacks %q:\n%s", want, plan)
			}
		}
		c.screenshot("14-bulk-plan", "bulk-plan.png")
		id := jobID()
		c.click(`//button[@id="apply"]`)
		// A second tab of the session sees the job and its progress.
		tab, cancel := chromedp.NewContext(c.ctx)
		defer cancel()
		if err := chromedp.Do(tab, chromedp.Navigate(c.base+"/console/jobs")); err != nil {
			t.Fatal(err)
		}
		if text, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("table.jobs"))); err != nil || !strings.Contains(text, "agents.csv") {
			t.Fatalf("the second tab does not see the job: %q %v", text, err)
		}
		c.waitTextFor("#job-state", "Done", 2*time.Minute)
		c.waitText("#passwords", "5 new users got generated passwords")
		c.click(`//button[normalize-space()="Download passwords (CSV)"]`)
		lines := download(t, "passwords-"+id+".csv")
		if len(lines) != 6 || lines[0] != "username,password" || !strings.HasPrefix(lines[1], "bulk.new") {
			t.Fatalf("passwords file: %q", lines)
		}
		c.open("/console/jobs/" + id)
		c.waitText("main", "The generated passwords were downloaded")
		for name, group := range moved {
			u := describeUser(t, ts, ts.InstanceID, userID(t, ts, ts.InstanceID, name))
			if aws.ToString(u.HierarchyGroupId) != co.ids[group] {
				t.Fatalf("%s is not in %s", name, group)
			}
		}
		userID(t, ts, ts.InstanceID, "bulk.new4")
		// The same file again: nothing to do.
		c.open("/console/bulk")
		c.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{goodFile}))
		c.click(`//button[normalize-space()="Upload and plan"]`)
		c.waitTextFor("#plan", "Nothing to do", time.Minute)
	})

	t.Run("6 copy a hierarchy of 300 users to a second instance", func(t *testing.T) {
		c.t = t
		// A SAML target: its users take no password, so the copy measures the console and the
		// engine rather than 300 password hashes; SAML users have no email, so none is copied.
		target := testserver.NewSAMLInstance(t, ts.Client())
		c.open("/console/copy")
		c.waitText("h1", "Copy to another instance")
		c.do(chromedp.SetValue(chromedp.CSS("#instance"), target))
		c.click(`//input[@name="describe"]`) // off: no emails
		c.click(`//button[normalize-space()="Preview the copy"]`)
		c.waitTextFor("#job-state", "Plan ready", 2*time.Minute)
		plan := strings.Join(c.rows("#plan table"), "\n")
		if !strings.Contains(plan, "users to create\t305") {
			t.Fatalf("copy plan:\n%s", plan)
		}
		c.screenshot("15-copy", "copy.png")
		c.click(`//button[@id="apply"]`)
		c.waitTextFor("#job-state", "Done", 5*time.Minute)
		// Both instances, read through the API, hold the same hierarchy and users.
		sameInstances(t, ts.Client(), ts.InstanceID, ts.Client(), target, 305)
	})

	t.Run("6 copy to another server with its own credentials", func(t *testing.T) {
		c.t = t
		ctx := context.Background()
		// The path a copy to Amazon Connect takes (a client of its own, signed with the target's
		// key), here to another connectdir server, which real Amazon Connect stands in for.
		target := testserver.NewSAMLInstance(t, other.Client())
		c.open("/console/copy")
		c.waitText("h1", "Copy to another instance")
		c.click(`//input[@name="target" and @value="aws"]`)
		c.fill("#access_key_id", other.KeyID)
		c.fill("#secret_access_key", other.Secret)
		c.fill("#region", other.Region)
		c.fill("#aws_instance", target)
		c.fill("#endpoint", other.URL)
		c.click(`//input[@name="describe"]`) // off: SAML users have no email
		c.click(`//button[normalize-space()="Preview the copy"]`)
		c.waitTextFor("#job-state", "Plan ready", 2*time.Minute)
		c.waitText("main", "instance "+target+" at "+other.URL)
		if plan := strings.Join(c.rows("#plan table"), "\n"); !strings.Contains(plan, "users to create\t305") {
			t.Fatalf("copy plan:\n%s", plan)
		}
		c.click(`//button[@id="apply"]`)
		c.waitTextFor("#job-state", "Done", 5*time.Minute)
		sameInstances(t, ts.Client(), ts.InstanceID, other.Client(), target, 305)
		// The key of this server signs nothing on the other.
		if _, err := other.ClientWith(ts.KeyID, ts.Secret).DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: &target}); err == nil {
			t.Fatal("the other server accepts this server's key")
		}
	})

	t.Run("6 tags shown and edited, the structure as JSON", func(t *testing.T) {
		c.t = t
		ctx := context.Background()
		dublin := co.ids["Earth Corp/Europe/Ireland/Dublin"]
		c.openGroup("Earth Corp", "Europe", "Ireland")
		c.click(rowLink("Dublin", "JSON"))
		c.waitText("h1", "Dublin")
		c.waitText("#tags", "No tags.")
		c.do(chromedp.SetValue(chromedp.CSS("#tags-text"), "cost-centre=IE-17\nowner=ops"))
		c.click(`//button[normalize-space()="Save tags"]`)
		c.waitText(".flash.ok", "Saved the tags.")
		c.waitText("#tags dl", "cost-centre")
		g, err := ts.Client().DescribeUserHierarchyGroup(ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: &ts.InstanceID, HierarchyGroupId: &dublin})
		if err != nil || g.HierarchyGroup.Tags["cost-centre"] != "IE-17" || g.HierarchyGroup.Tags["owner"] != "ops" {
			t.Fatalf("group tags %v %v", g.HierarchyGroup.Tags, err)
		}
		c.do(chromedp.SetValue(chromedp.CSS("#tags-text"), "owner=night-ops"))
		c.click(`//button[normalize-space()="Save tags"]`)
		c.waitText("#tags dl", "night-ops") // the page after the save, not the one before it
		if g, err := ts.Client().DescribeUserHierarchyGroup(ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: &ts.InstanceID, HierarchyGroupId: &dublin}); err != nil ||
			len(g.HierarchyGroup.Tags) != 1 || g.HierarchyGroup.Tags["owner"] != "night-ops" {
			t.Fatalf("group tags after removing one: %v %v", g.HierarchyGroup.Tags, err)
		}
		// A user's tags, in the one edit form.
		id := userID(t, ts, ts.InstanceID, "mgr.cork")
		c.open("/console/users/" + id + "/edit")
		c.waitText("h1", "Edit mgr.cork")
		c.do(chromedp.SetValue(chromedp.CSS("#tags"), "shift=night"))
		c.click(`//button[@id="save"]`)
		c.waitText(".flash.ok", "Saved tags.")
		c.waitText("main", "night")
		if u := describeUser(t, ts, ts.InstanceID, id); u.Tags["shift"] != "night" {
			t.Fatalf("user tags %v", u.Tags)
		}
		// The structure as JSON, from the hierarchy page.
		c.open("/console/hierarchy/structure/json")
		c.waitText("pre.json", `"LevelOne"`)
		c.waitText("pre.json", `"Name": "Team"`)
	})

	t.Run("7 delete only where it can succeed, groups made elsewhere, names too long or blank", func(t *testing.T) {
		c.t = t
		ctx := context.Background()
		// A site with teams and users says why it cannot be deleted, and offers no Delete.
		c.openGroup("Earth Corp", "Europe", "Ireland")
		row := c.waitText("table.groups", "Dublin")
		if !strings.Contains(row, fmt.Sprintf("Cannot be deleted: it has 3 subgroups and %d users.", co.subtree["Earth Corp/Europe/Ireland/Dublin"])) {
			t.Fatalf("Dublin's row:\n%s", row)
		}
		if n, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.evaluate('//tr[td/a[normalize-space()="Dublin"]]//a[normalize-space()="Delete"]', document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null).snapshotLength`)); err != nil || n != 0 {
			t.Fatalf("Delete offered for Dublin (%d, %v)", n, err)
		}
		// A group made elsewhere shows on the next page, with no Refresh; being empty, it can go.
		if _, err := ts.Client().CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &ts.InstanceID,
			Name: aws.String("Galway"), ParentGroupId: aws.String(co.ids["Earth Corp/Europe/Ireland"])}); err != nil {
			t.Fatal(err)
		}
		c.openGroup("Earth Corp", "Europe", "Ireland")
		c.waitText("table.groups", "Galway")
		c.click(rowLink("Galway", "Delete"))
		c.waitText("h1", "Delete Galway?")
		c.click(`//button[normalize-space()="Yes, delete"]`)
		c.waitText(".flash.ok", "Deleted Galway")
		// A name past the form's limit (set around maxlength, as a script or an old browser
		// would) is refused by the server with its reason; nothing is added.
		c.do(chromedp.SetValue(chromedp.CSS("#new-group"), strings.Repeat("x", 200)))
		c.click(`//form[contains(@class,"add")]//button`)
		c.waitText(".flash.error", "Group names can have at most 100 characters; this one has 200.")
		if text := c.waitText("table.groups", "Dublin"); strings.Contains(text, "xxxxxxxxxx") {
			t.Fatalf("the long name was added:\n%s", text)
		}
		// A level name of spaces is refused, not "Saved" with nothing saved.
		c.open("/console/hierarchy/structure")
		c.fill("#level2", "   ")
		c.click(`//button[normalize-space()="Save user hierarchy structure"]`)
		c.waitText("main", "The level 2 name is only spaces")
		out, err := ts.Client().DescribeUserHierarchyStructure(ctx, &connect.DescribeUserHierarchyStructureInput{InstanceId: &ts.InstanceID})
		if err != nil || aws.ToString(out.HierarchyStructure.LevelTwo.Name) != "Region" {
			t.Fatalf("level two after a refused save: %v", err)
		}
	})
}

// csv writes the company as an HR file, changed by edit (which may return false to leave a
// user out).
func (co *company) csv(t *testing.T, name string, edit func(i int, row []string) bool) string {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"username", "first_name", "last_name", "email", "hierarchy", "routing_profile", "security_profiles", "phone_type", "desk_phone", "auto_accept", "acw_timeout"})
	for i, u := range co.users {
		row := []string{u.Username, u.FirstName, u.LastName, u.Email, u.Hierarchy, u.RoutingProfile, strings.Join(u.SecurityProfiles, ";"), "soft", "", "no", "0"}
		if edit(i, row) {
			_ = w.Write(row)
		}
	}
	w.Flush()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sameInstances reads two instances through the API and fails unless they hold the same
// hierarchy and the same users, users of them.
func sameInstances(t *testing.T, fromAPI *connect.Client, from string, toAPI *connect.Client, to string, users int) {
	t.Helper()
	ctx := context.Background()
	a, err := snapshot.Export(ctx, fromAPI, from, snapshot.ExportOptions{Concurrency: 4, SkipDescribe: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := snapshot.Export(ctx, toAPI, to, snapshot.ExportOptions{Concurrency: 4, SkipDescribe: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Users) != users || len(a.Groups) < 30 {
		t.Fatalf("source: %d users, %d groups", len(a.Users), len(a.Groups))
	}
	if a, b := comparable(t, a), comparable(t, b); a != b {
		t.Fatalf("the copy differs from its source:\n%s\n----\n%s", a[:min(len(a), 3000)], b[:min(len(b), 3000)])
	}
}

// comparable is a snapshot without what differs between two instances by nature.
func comparable(t *testing.T, s *snapshot.Snapshot) string {
	t.Helper()
	s.ExportedAt, s.Source = time.Time{}, snapshot.Source{}
	for i := range s.Users {
		s.Users[i].DirectoryUserID = ""
	}
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type page struct{ name, path string }

// pageTimes loads each page in the browser a few times and reports, as medians: the page-load
// time the browser's own Navigation Timing gives (navigation start to the end of the load event:
// HTML, stylesheet, layout), the server's share of it (request sent to the last byte of the
// answer), and the time the test waited for it (the load plus the DevTools round trips).
// CONNECTDIR_PAGE_TIMES names a file to write the table to, for BENCHMARKS.md.
func (c *chrome) pageTimes(t *testing.T, pages []page) {
	t.Helper()
	const runs = 9
	var table strings.Builder
	table.WriteString("| page | load, median | load, slowest | server, median | test waited, median | load ÷ baseline |\n|---|---:|---:|---:|---:|---:|\n")
	// The baseline is a page of the same console that makes no API call: the sign-in form.
	var base time.Duration
	pages = append([]page{{"baseline: the sign-in form (no API call)", "/console/login"}}, pages...)
	median := func(ds []time.Duration) time.Duration { slices.Sort(ds); return ds[len(ds)/2] }
	for _, p := range pages {
		c.open(p.path) // warm: the session's group tree is read once per session, the stylesheet once
		var loads, server, waited []time.Duration
		for range runs {
			start := time.Now()
			c.open(p.path)
			waited = append(waited, time.Since(start))
			nt, err := chromedp.Run(c.ctx, chromedp.Evaluate[[]float64](`(() => { const n = performance.getEntriesByType("navigation")[0]; return [n.loadEventEnd - n.startTime, n.responseEnd - n.requestStart] })()`))
			if err != nil || len(nt) != 2 || nt[0] <= 0 {
				t.Fatalf("navigation timing of %s: %v %v", p.path, nt, err)
			}
			loads = append(loads, time.Duration(nt[0]*float64(time.Millisecond)))
			server = append(server, time.Duration(nt[1]*float64(time.Millisecond)))
		}
		load := median(loads)
		if base == 0 {
			base = load
		}
		t.Logf("%-50s load %6.1f ms (slowest %6.1f), server %5.1f ms, test waited %6.1f ms, %4.1f× baseline",
			p.name, ms(load), ms(loads[runs-1]), ms(median(server)), ms(median(waited)), ms(load)/ms(base))
		fmt.Fprintf(&table, "| %s | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.1f |\n", p.name, ms(load), ms(loads[runs-1]), ms(median(server)), ms(median(waited)), ms(load)/ms(base))
		// A loose bound that still catches a page gone quadratic, even on a busy machine;
		// BENCHMARKS.md has the figures.
		if load > 3*time.Second {
			t.Errorf("%s: median load %v", p.name, load)
		}
	}
	if f := os.Getenv("CONNECTDIR_PAGE_TIMES"); f != "" {
		if err := os.WriteFile(f, []byte(table.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

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
