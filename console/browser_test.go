package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

const chromiumPath = "/usr/bin/chromium"

// chrome drives one headless Chromium tab; every helper fails the test on error.
type chrome struct {
	t         *testing.T
	ctx       context.Context
	base      string
	artifacts string
}

func newChrome(t *testing.T, base string) *chrome {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required in CI: %v", err)
		}
		t.Skipf("chromium not installed (%v): apt-get install chromium", err)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860), // a laptop screen
	)
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 10*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	dir := os.Getenv("CONNECTDIR_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &chrome{t: t, ctx: ctx, base: base, artifacts: dir}
}

func (c *chrome) do(actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	if err := chromedp.Do(c.ctx, actions...); err != nil {
		c.t.Fatal(err)
	}
}

func (c *chrome) open(path string) { c.t.Helper(); c.do(chromedp.Navigate(c.base + path)) }

// click clicks the element an XPath finds.
func (c *chrome) click(xpath string) { c.t.Helper(); c.do(chromedp.Click(chromedp.Search(xpath))) }

// fill replaces an input's text by typing, as a person would.
func (c *chrome) fill(css, text string) {
	c.t.Helper()
	c.do(chromedp.Clear(chromedp.CSS(css)), chromedp.SendKeys(chromedp.CSS(css), text))
}

// waitText waits until the element css selects shows want, and returns its text.
func (c *chrome) waitText(css, want string) string {
	c.t.Helper()
	return c.waitTextFor(css, want, 15*time.Second)
}

// waitTextFor is waitText with a deadline of its own, for long work.
func (c *chrome) waitTextFor(css, want string, wait time.Duration) string {
	c.t.Helper()
	deadline := time.Now().Add(wait)
	var text string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(c.ctx, 2*time.Second)
		var err error
		text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
		cancel()
		if err == nil && strings.Contains(text, want) {
			return text
		}
		time.Sleep(100 * time.Millisecond)
	}
	page, _ := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS("body")))
	c.t.Fatalf("%s never showed %q; the page shows:\n%s", css, want, page)
	return ""
}

// screenshot saves the whole page as a test artifact and, if docName is set and
// CONNECTDIR_SCREENSHOTS_DIR is, as a documentation image.
func (c *chrome) screenshot(name, docName string) {
	c.t.Helper()
	png, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.artifacts, name+".png"), png, 0o644); err != nil {
		c.t.Fatal(err)
	}
	if dir := os.Getenv("CONNECTDIR_SCREENSHOTS_DIR"); dir != "" && docName != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			c.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, docName), png, 0o644); err != nil {
			c.t.Fatal(err)
		}
	}
}

// openGroup browses from the top of the hierarchy down through the named groups.
func (c *chrome) openGroup(names ...string) {
	c.t.Helper()
	c.open("/console/hierarchy")
	for _, n := range names {
		c.click(`//table//a[normalize-space()="` + n + `"]`)
		c.waitText("section.current h2", n)
	}
}

// rowLink is the XPath of a link in the table row of the group named group.
func rowLink(group, link string) string {
	return `//tr[td/a[normalize-space()="` + group + `"]]//a[normalize-space()="` + link + `"]`
}

// TestBrowserWalkthrough follows the seed walkthrough in a real browser.
func TestBrowserWalkthrough(t *testing.T) {
	ts := startConsole(t)
	c := newChrome(t, ts.URL)

	// Sign in ("Save Configurations").
	c.open("/")
	c.waitText("h1", "Sign in")
	c.fill("#access_key_id", ts.KeyID)
	c.fill("#secret_access_key", ts.Secret)
	c.fill("#region", ts.Region)
	c.fill("#instance_id", ts.InstanceID)
	c.screenshot("01-login", "")
	c.click(`//button[normalize-space()="Save configuration and sign in"]`)
	c.waitText("main", "no hierarchy structure yet")
	c.waitText("header .who", ts.InstanceID)

	// Define a five-level structure.
	c.click(`//a[normalize-space()="Manage user hierarchy structure"]`)
	c.waitText("h1", "User hierarchy structure")
	levels := []string{"Planet", "Continent", "Country", "City", "Team"}
	for i, l := range levels {
		c.fill("#level"+string(rune('1'+i)), l)
	}
	c.screenshot("02-structure", "")
	c.click(`//button[normalize-space()="Save user hierarchy structure"]`)
	c.waitText(".flash.ok", "Saved the user hierarchy structure")
	c.waitText("ol.levels", "Planet")

	// Add a group at each level, going down one level each time: "Add <level name>".
	path := []string{"Earth", "Europe", "France", "Paris", "Support"}
	for i, name := range path {
		c.waitText("form.add button", "Add "+levels[i])
		c.fill("#new-group", name)
		c.click(`//form[contains(@class,"add")]//button`)
		c.waitText(".flash.ok", "Added "+name)
		c.waitText("table.list", name)
		if i < len(path)-1 {
			c.click(`//table//a[normalize-space()="` + name + `"]`)
			c.waitText("section.current h2", name)
			c.waitText("nav.crumbs", path[0])
		}
	}
	// More groups beside them, to rename and delete.
	c.fill("#new-group", "Billing")
	c.click(`//form[contains(@class,"add")]//button`)
	c.waitText(".flash.ok", "Added Billing")
	c.fill("#new-group", "Sales")
	c.click(`//form[contains(@class,"add")]//button`)
	c.waitText(".flash.ok", "Added Sales")
	c.openGroup("Earth", "Europe", "France")
	c.fill("#new-group", "Lyon")
	c.click(`//form[contains(@class,"add")]//button`)
	c.waitText(".flash.ok", "Added Lyon")

	// Rename Lyon inline.
	c.click(`//tr[td/a[normalize-space()="Lyon"]]//summary`)
	rename := chromedp.Search(`//tr[td/a[normalize-space()="Lyon"]]//input[@name="name"]`)
	c.do(chromedp.Clear(rename), chromedp.SendKeys(rename, "Lyon Part-Dieu"))
	c.click(`//tr[td/a[normalize-space()="Lyon"]]//button[normalize-space()="Rename hierarchy"]`)
	c.waitText(".flash.ok", "Renamed to Lyon Part-Dieu")
	c.waitText("table.list", "Lyon Part-Dieu")

	// Delete Sales, after the confirmation.
	c.openGroup("Earth", "Europe", "France", "Paris")
	c.click(rowLink("Sales", "Delete"))
	c.waitText("h1", "Delete Sales?")
	c.click(`//button[normalize-space()="Yes, delete"]`)
	c.waitText(".flash.ok", "Deleted Sales")
	if text := c.waitText("table.list", "Support"); strings.Contains(text, "Sales") {
		t.Fatalf("Sales still listed: %s", text)
	}

	// The describe view as JSON.
	c.click(rowLink("Support", "JSON"))
	c.waitText("pre.json", `"LevelId": "5"`)
	c.waitText("pre.json", `"Name": "Paris"`)

	// Create a user.
	c.click(`//header//a[normalize-space()="Users"]`)
	c.waitText("h1", "Users (0)")
	c.click(`//a[normalize-space()="Create user"]`)
	c.waitText("h1", "Create user")
	c.fill("#username", "jdoe")
	c.fill("#password", "Str0ngPassword")
	c.fill("#first_name", "Jane")
	c.fill("#last_name", "Doe")
	c.fill("#email", "jane.doe@example.com")
	c.click(`//label[normalize-space()="Agent"]/input`)
	c.screenshot("03-create-user", "")
	c.click(`//button[normalize-space()="Create user"]`)
	c.waitText(".flash.ok", "Created user jdoe")
	c.waitText("h1", "Details for jdoe")
	c.waitText("#hierarchy", "Not in a group")

	// Assign it to a group typed into the picker.
	c.click(`//a[normalize-space()="Edit"]`)
	c.waitText("h1", "Edit jdoe")
	c.fill("#hierarchy_group", "Earth / Europe / France / Paris / Support")
	c.click(`//button[@id="save"]`)
	c.waitText(".flash.ok", "Saved hierarchy group.")
	c.waitText("#hierarchy", "Earth / Europe / France / Paris / Support")

	// The group in use cannot be deleted: the refusal shows on the page.
	c.openGroup("Earth", "Europe", "France", "Paris")
	c.screenshot("04-hierarchy", "hierarchy.png")
	c.waitText("table.groups", "Cannot be deleted: it has 1 user.")
	if n, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.evaluate('`+rowLink("Support", "Delete")+`', document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null).snapshotLength`)); err != nil || n != 0 {
		t.Fatalf("a Delete link for a group in use (%d, %v)", n, err)
	}

	// Find the user by search (typed, submitted with Enter).
	c.click(`//header//a[normalize-space()="Users"]`)
	c.waitText("h1", "Users (1)")
	c.do(chromedp.SendKeys(chromedp.CSS("#q"), "DOE"+kb.Enter))
	c.waitText("main", "Users matching “DOE”")
	c.screenshot("06-user-search", "")
	c.click(`//table//a[normalize-space()="jdoe"]`)
	c.waitText("h1", "Details for jdoe")

	// Edit its phone configuration.
	c.click(`//a[normalize-space()="Edit"]`)
	c.waitText("h1", "Edit jdoe")
	c.click(`//input[@name="phone_type" and @value="DESK_PHONE"]`)
	c.fill("#desk_phone", "+12065550100")
	c.fill("#acw", "45")
	c.screenshot("07-user-edit", "")
	c.click(`//button[@id="save"]`)
	c.waitText(".flash.ok", "Saved phone settings.")
	c.waitText("#phone-type", "Desk phone")
	c.waitText("#desk-phone", "+12065550100")
	c.waitText("main", "45 seconds")
	_, userID, _ := strings.Cut(c.waitText("#arn", "/agent/"), "/agent/")
	c.open("/console/users/" + userID) // again, without the "Saved." message, for the docs
	c.waitText("h1", "Details for jdoe")
	c.screenshot("05-user", "user.png")

	// Delete it.
	c.click(`//a[normalize-space()="Delete"]`)
	c.waitText("h1", "Delete jdoe?")
	c.click(`//button[normalize-space()="Yes, delete"]`)
	c.waitText(".flash.ok", "Deleted user jdoe")
	c.waitText("h1", "Users (0)")
}

// TestBrowserSignInPicksInstance signs in with an endpoint's credentials alone: with one
// instance the console opens it, with several it offers those ListInstances names, and another
// is opened later without signing out.
func TestBrowserSignInPicksInstance(t *testing.T) {
	ts := startConsole(t)
	c := newChrome(t, ts.URL)
	// One instance: signed in to it.
	c.signIn(ts, "")
	c.waitText("header .who", ts.InstanceID)
	c.waitText("h1", "User hierarchy")
	c.click(`//button[normalize-space()="Sign out"]`)
	c.waitText("h1", "Sign in")

	// Two: chosen from the list, then switched without signing out.
	ctx := context.Background()
	second, err := ts.Client().CreateInstance(ctx, &connect.CreateInstanceInput{IdentityManagementType: types.DirectoryTypeConnectManaged,
		InstanceAlias: aws.String("second-site"), InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	secondID := aws.ToString(second.Id)
	if _, err := ts.Client().UpdateUserHierarchyStructure(ctx, &connect.UpdateUserHierarchyStructureInput{InstanceId: &secondID,
		HierarchyStructure: &types.HierarchyStructureUpdate{LevelOne: &types.HierarchyLevelUpdate{Name: aws.String("Campus")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Client().CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &secondID, Name: aws.String("Galway")}); err != nil {
		t.Fatal(err)
	}
	c.signIn(ts, "")
	c.waitText("h1", "Choose an instance")
	c.waitText("header .who", "Choose an instance")
	list := c.waitText("table.instances", "second-site ("+secondID+")")
	if !strings.Contains(list, ts.InstanceID) {
		t.Fatalf("the picker lacks the first instance:\n%s", list)
	}
	// A page of an instance, asked for before choosing, leads back to the picker.
	c.open("/console/users")
	c.waitText("h1", "Choose an instance")
	c.click(`//tr[td[contains(., "second-site")]]//button[normalize-space()="Open this instance"]`)
	c.waitText(".flash.ok", "Switched to instance second-site")
	c.waitText("header .who", secondID)
	c.waitText("table.groups", "Galway")
	// The other instance, from the header, still signed in.
	c.click(`//header//a[@title="Switch instance"]`)
	c.waitText("h1", "Instances")
	c.click(`//tr[td[contains(., "` + ts.InstanceID + `")]]//button[normalize-space()="Switch to this instance"]`)
	c.waitText("header .who", ts.InstanceID)
	if text := c.waitText("main", "User hierarchy"); strings.Contains(text, "Galway") {
		t.Fatalf("the first instance shows the second's groups:\n%s", text)
	}
}
