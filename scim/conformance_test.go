package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir/scim"
)

// The behaviours RFC 7643/7644 require of a service provider, checked one by one besides the
// generic checker (checker_test.go), with the statuses and scimTypes it does not look at:
// discovery, authentication, CRUD with their errors, filters, paging, attribute projection,
// PATCH, ETags.

func errorOf(t *testing.T, m map[string]any, scimType string) {
	t.Helper()
	if s, _ := m["schemas"].([]any); len(s) != 1 || s[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Fatalf("not a SCIM error: %v", m)
	}
	if scimType != "" && m["scimType"] != scimType {
		t.Fatalf("scimType = %v, want %s (%v)", m["scimType"], scimType, m["detail"])
	}
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t, "local", mapping(t))
	spc := e.do("GET", "/ServiceProviderConfig", nil, 200)
	for _, k := range []string{"patch", "filter", "etag"} {
		if spc[k].(map[string]any)["supported"] != true {
			t.Fatalf("ServiceProviderConfig %s not supported: %v", k, spc)
		}
	}
	if spc["bulk"].(map[string]any)["supported"] != false {
		t.Fatal("bulk is not implemented but announced")
	}
	rts := e.do("GET", "/ResourceTypes", nil, 200)
	eq(t, "resource types", rts["totalResults"], any(float64(2)))
	for _, rt := range rts["Resources"].([]any) {
		rt := rt.(map[string]any)
		e.do("GET", "/ResourceTypes/"+rt["id"].(string), nil, 200)
		// Every resource type's schema, and its extensions', can be read.
		sc := e.do("GET", "/Schemas/"+rt["schema"].(string), nil, 200)
		eq(t, "schema id", sc["id"], rt["schema"])
		exts, _ := rt["schemaExtensions"].([]any)
		for _, ext := range exts {
			e.do("GET", "/Schemas/"+ext.(map[string]any)["schema"].(string), nil, 200)
		}
	}
	errorOf(t, e.do("GET", "/ResourceTypes/Nope", nil, 404), "")
	errorOf(t, e.do("GET", "/Schemas/urn:nope", nil, 404), "")
	errorOf(t, e.do("GET", "/Nothing/here", nil, 404), "")
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		errorOf(t, e.do(m, "/ResourceTypes", "{}", 405), "")
		errorOf(t, e.do(m, "/Schemas", "{}", 405), "")
	}
	errorOf(t, e.do("PUT", "/Users", "{}", 405), "")
	errorOf(t, e.do("POST", "/Users/x", "{}", 405), "")
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, "local", mapping(t))
	good := e.token
	for _, tok := range []string{"", "scim-not-a-token", strings.ToUpper(good)} {
		e.token = tok
		errorOf(t, e.do("GET", "/Users", nil, 401), "")
	}
	e.token = good
	e.do("GET", "/Users", nil, 200)
}

func newUser(name string, extra ...string) string {
	return fmt.Sprintf(`{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": %q,
		"name": {"givenName": "Given", "familyName": "Family"}, "displayName": "Display %s",
		"emails": [{"value": %q, "type": "work", "primary": true}], "active": true %s}`, name, name, name, strings.Join(extra, ""))
}

func TestCreateGetReplaceDelete(t *testing.T) {
	e := newEnv(t, "local", mapping(t))
	u := e.do("POST", "/Users", newUser("ada@example.com", `, "externalId": "EXT-1"`), 201)
	id := u["id"].(string)
	meta := u["meta"].(map[string]any)
	eq(t, "ETag", u["_etag"], meta["version"])
	eq(t, "resourceType", meta["resourceType"], any("User"))
	if !strings.HasSuffix(meta["location"].(string), "/scim/v2/Users/"+id) {
		t.Fatalf("location %v", meta["location"])
	}

	// Refusals, each changing nothing.
	errorOf(t, e.do("POST", "/Users", newUser("ADA@example.com"), 409), "uniqueness")
	errorOf(t, e.do("POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "name": {"givenName": "a"}}`, 400), "invalidValue")
	errorOf(t, e.do("POST", "/Users", `{"userName": `, 400), "invalidSyntax")
	errorOf(t, e.do("POST", "/Users", newUser("nofirst@example.com", `, "name": {"familyName": "F"}`), 400), "invalidValue")
	eq(t, "users after refusals", e.do("GET", "/Users", nil, 200)["totalResults"], any(float64(1)))

	got := e.do("GET", "/Users/"+id, nil, 200)
	eq(t, "externalId kept", got["externalId"], any("EXT-1"))
	errorOf(t, e.do("GET", "/Users/no-such-id", nil, 404), "")
	e.do("GET", "/Users/"+id, nil, 304, "If-None-Match", got["_etag"].(string))

	// PUT replaces; a stale If-Match is refused with 412 and changes nothing.
	errorOf(t, e.do("PUT", "/Users/"+id, newUser("ada@example.com", `, "title": "x"`), 412, "If-Match", `W/"999"`), "")
	put := e.do("PUT", "/Users/"+id, newUser("ada@example.com", `, "title": "Engineer"`), 200, "If-Match", got["_etag"].(string))
	eq(t, "title", put["title"], any("Engineer"))
	if _, ok := put["externalId"]; ok {
		t.Fatal("PUT without externalId kept it: PUT replaces")
	}
	if put["_etag"] == got["_etag"] {
		t.Fatal("ETag did not change with the resource")
	}
	// The same PUT again changes nothing, so the version stays.
	again := e.do("PUT", "/Users/"+id, newUser("ada@example.com", `, "title": "Engineer"`), 200)
	eq(t, "ETag after identical PUT", again["_etag"], put["_etag"])
	// A second user cannot take the first one's name by PUT either.
	other := e.do("POST", "/Users", newUser("bob@example.com"), 201)
	errorOf(t, e.do("PUT", "/Users/"+other["id"].(string), newUser("Ada@Example.com"), 409), "uniqueness")

	e.do("DELETE", "/Users/"+id, nil, 204)
	errorOf(t, e.do("GET", "/Users/"+id, nil, 404), "")
}

func TestFiltersAndPaging(t *testing.T) {
	e := newEnv(t, "local", mapping(t))
	for i := range 7 {
		name := fmt.Sprintf("user%d@%s.example.com", i, []string{"red", "blue"}[i%2])
		e.do("POST", "/Users", newUser(name, fmt.Sprintf(`, "externalId": "X%d"`, i)), 201)
	}
	e.do("POST", "/Groups", `{"displayName": "Night Shift"}`, 201)
	first := e.do("GET", "/Users?filter="+filterQuery(`userName eq "user0@red.example.com"`), nil, 200)
	since := first["Resources"].([]any)[0].(map[string]any)["meta"].(map[string]any)["lastModified"].(string)
	for _, c := range []struct {
		filter string
		want   int
	}{
		{`userName eq "USER1@blue.example.com"`, 1}, // userName is caseExact false
		{`userName sw "user"`, 7},
		{`userName co "blue"`, 3},
		{`userName co "blue" and externalId eq "X1"`, 1},
		{`externalId eq "x1"`, 0}, // externalId is caseExact
		{`externalId eq "X1" or externalId eq "X2"`, 2},
		{`emails co "red.example"`, 4},
		{`emails.value sw "user6@"`, 1},
		{`emails[type eq "work" and value co "blue"]`, 3},
		{`emails[type eq "work"].value eq "user3@blue.example.com"`, 1}, // Entra ID's form
		{`emails[type eq "home"].value eq "user3@blue.example.com"`, 0},
		{`displayName eq "Display user2@red.example.com"`, 1},
		{`meta.lastModified ge "` + since + `"`, 7},
		{`meta.lastModified gt "2999-01-01T00:00:00Z"`, 0},
		{`not (userName sw "user")`, 0},
		{`active eq true`, 7},
	} {
		got := e.do("GET", "/Users?filter="+filterQuery(c.filter), nil, 200)
		if got["totalResults"] != float64(c.want) {
			t.Errorf("filter %s: totalResults %v, want %d", c.filter, got["totalResults"], c.want)
		}
	}
	errorOf(t, e.do("GET", "/Users?filter="+filterQuery(`userName eq`), nil, 400), "invalidFilter")
	errorOf(t, e.do("GET", "/Users?filter="+filterQuery(`userName zz "a"`), nil, 400), "invalidFilter")
	eq(t, "groups by displayName", e.do("GET", "/Groups?filter="+filterQuery(`displayName eq "night shift"`), nil, 200)["totalResults"], any(float64(1)))

	// Paging: 1-based startIndex, count, every user exactly once.
	seen := map[string]bool{}
	for start := 1; start <= 7; start += 3 {
		p := e.do("GET", fmt.Sprintf("/Users?startIndex=%d&count=3", start), nil, 200)
		eq(t, "totalResults", p["totalResults"], any(float64(7)))
		eq(t, "startIndex", p["startIndex"], any(float64(start)))
		rs := p["Resources"].([]any)
		eq(t, "itemsPerPage", p["itemsPerPage"], any(float64(len(rs))))
		for _, r := range rs {
			seen[r.(map[string]any)["id"].(string)] = true
		}
	}
	eq(t, "users paged through", len(seen), 7)
	z := e.do("GET", "/Users?count=0", nil, 200)
	eq(t, "count=0 items", len(z["Resources"].([]any)), 0)
	eq(t, "count=0 total", z["totalResults"], any(float64(7)))
	eq(t, "startIndex<1 is 1", e.do("GET", "/Users?startIndex=-4&count=1", nil, 200)["startIndex"], any(float64(1)))
	errorOf(t, e.do("GET", "/Users?count=many", nil, 400), "invalidValue")

	// The same query as a SearchRequest body, per resource type and across them.
	sr := e.do("POST", "/Users/.search", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
		"filter": "userName co \"blue\"", "startIndex": 1, "count": 2, "attributes": ["userName"]}`, 200)
	eq(t, ".search totalResults", sr["totalResults"], any(float64(3)))
	eq(t, ".search page", len(sr["Resources"].([]any)), 2)
	eq(t, "/.search across types", e.do("POST", "/.search", `{"filter": "meta.lastModified ge \"`+since+`\""}`, 200)["totalResults"], any(float64(8)))
	errorOf(t, e.do("POST", "/Users/.search", `{"filter": "userName eq"}`, 400), "invalidFilter")

	// attributes and excludedAttributes.
	a := e.do("GET", "/Users?count=1&attributes=userName", nil, 200)["Resources"].([]any)[0].(map[string]any)
	if a["userName"] == nil || a["id"] == nil || a["name"] != nil || a["emails"] != nil {
		t.Fatalf("attributes=userName gave %v", a)
	}
	x := e.do("GET", "/Users?count=1&excludedAttributes=emails,name", nil, 200)["Resources"].([]any)[0].(map[string]any)
	if x["emails"] != nil || x["name"] != nil || x["userName"] == nil {
		t.Fatalf("excludedAttributes=emails,name gave %v", x)
	}
}

func TestPatchOperations(t *testing.T) {
	e := newEnv(t, "local", mapping(t))
	id := e.do("POST", "/Users", newUser("pat@example.com", `, "phoneNumbers": [{"type": "work", "value": "+15550000001"}]`), 201)["id"].(string)
	patch := func(ops string, want int) map[string]any {
		return e.do("PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [`+ops+`]}`, want)
	}
	r := patch(`{"op": "add", "path": "nickName", "value": "Patty"},
		{"op": "replace", "path": "name.givenName", "value": "Patricia"},
		{"op": "add", "path": "emails", "value": [{"type": "home", "value": "pat@home.example.com"}]},
		{"op": "replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+15550000002"},
		{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter", "value": "CC-7"},
		{"op": "replace", "value": {"title": "Lead", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "Ops"}}}`, 200)
	// The answer and a later GET agree on every change.
	for _, m := range []map[string]any{r, e.do("GET", "/Users/"+id, nil, 200)} {
		eq(t, "nickName", m["nickName"], any("Patty"))
		eq(t, "givenName", m["name"].(map[string]any)["givenName"], any("Patricia"))
		eq(t, "familyName kept", m["name"].(map[string]any)["familyName"], any("Family"))
		eq(t, "emails", len(m["emails"].([]any)), 2)
		eq(t, "work phone", m["phoneNumbers"].([]any)[0].(map[string]any)["value"], any("+15550000002"))
		ent := m["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
		eq(t, "costCenter", ent["costCenter"], any("CC-7"))
		eq(t, "division", ent["division"], any("Ops"))
		eq(t, "title", m["title"], any("Lead"))
	}
	eq(t, "Connect FirstName", e.mustUser("pat@example.com").FirstName, "Patricia")
	eq(t, "Connect hierarchy", fmt.Sprint(e.mustUser("pat@example.com").Hierarchy), "[Ops]")

	r = patch(`{"op": "remove", "path": "emails[type eq \"home\"]"}, {"op": "remove", "path": "nickName"},
		{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division"}`, 200)
	eq(t, "emails after remove", len(r["emails"].([]any)), 1)
	if _, ok := r["nickName"]; ok {
		t.Fatal("nickName not removed")
	}
	if e.mustUser("pat@example.com").Hierarchy != nil {
		t.Fatal("removing the division did not take the user out of its group")
	}

	before := e.do("GET", "/Users/"+id, nil, 200)
	errorOf(t, patch(`{"op": "remove"}`, 400), "noTarget")
	errorOf(t, patch(`{"op": "move", "path": "title", "value": "x"}`, 400), "invalidSyntax")
	errorOf(t, patch(`{"op": "replace", "path": "emails[type eq ]", "value": "x"}`, 400), "invalidPath")
	errorOf(t, patch(`{"op": "replace", "path": "id", "value": "other"}`, 400), "mutability")
	errorOf(t, patch(`{"op": "replace", "value": {"id": "other"}}`, 400), "mutability")
	errorOf(t, patch(`{"op": "replace", "path": "title", "value": "x"}, {"op": "remove"}`, 400), "noTarget")
	errorOf(t, e.do("PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}`, 400), "invalidValue")
	after := e.do("GET", "/Users/"+id, nil, 200)
	eq(t, "refused PATCHes changed nothing (ETag)", after["_etag"], before["_etag"])
	eq(t, "title after refusals", after["title"], any("Lead"))
	errorOf(t, e.do("PATCH", "/Users/no-such", `{"Operations": [{"op": "add", "path": "title", "value": "x"}]}`, 404), "")
}

// An identity provider retries; a user that exists in Connect before SCIM knows it is taken
// over instead of refused.
func TestIdempotentWrites(t *testing.T) {
	e := newEnv(t, "local", mapping(t))
	ctx := context.Background()
	rp, sp := e.server.Profiles(t, e.instance, "Agent")
	pre, err := e.connect.CreateUser(ctx, &connect.CreateUserInput{InstanceId: &e.instance, Username: aws.String("existing@example.com"),
		Password: aws.String("Passw0rd!x"), IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("Old"), LastName: aws.String("Name")},
		PhoneConfig: &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone}, RoutingProfileId: &rp, SecurityProfileIds: []string{sp}})
	if err != nil {
		t.Fatal(err)
	}
	u := e.do("POST", "/Users", newUser("existing@example.com"), 201)
	cu := e.mustUser("existing@example.com")
	eq(t, "adopted Connect id", cu.ID, aws.ToString(pre.UserId))
	eq(t, "adopted FirstName", cu.FirstName, "Given")

	body := newUser("existing@example.com", `, "title": "T"`)
	e.do("PUT", "/Users/"+u["id"].(string), body, 200)
	e.do("PUT", "/Users/"+u["id"].(string), body, 200)
	log, err := e.store.SCIMLog(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Method != "PUT" || len(log[0].Calls) != 0 {
		t.Fatalf("a repeated PUT made Connect calls: %+v", log)
	}
	e.do("DELETE", "/Users/"+u["id"].(string), nil, 204)
	e.do("DELETE", "/Users/"+u["id"].(string), nil, 404)
}

func TestLogRecordsCalls(t *testing.T) {
	e := newEnv(t, "local", mapping(t))
	e.do("POST", "/Users", newUser("logged@example.com"), 201)
	e.do("POST", "/Users", newUser("logged@example.com"), 409)
	log, err := e.store.SCIMLog(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 {
		t.Fatalf("log has %d entries", len(log))
	}
	eq(t, "newest first", log[0].Status, 409)
	eq(t, "created", log[1].Status, 201)
	if !strings.Contains(strings.Join(log[1].Calls, ","), "CreateUser") {
		t.Fatalf("create logged calls %v", log[1].Calls)
	}
	if !strings.Contains(log[0].Detail, "taken") {
		t.Fatalf("refusal logged detail %q", log[0].Detail)
	}
}

// Entries past the retention go; the rest stay.
func TestLogRetention(t *testing.T) {
	e := newEnv(t, "local", mapping(t))
	ctx := context.Background()
	old := time.Now().Add(-31 * 24 * time.Hour)
	for i, at := range []time.Time{old, time.Now().Add(-29 * 24 * time.Hour)} {
		if err := e.store.AppendSCIMLog(ctx, scim.LogEntry{ID: fmt.Sprint("seeded-", i), At: at, Method: "GET", Path: "/x", Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	e.do("GET", "/Users", nil, 200) // the first request after a start prunes
	log, err := e.store.SCIMLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range log {
		ids = append(ids, l.ID)
	}
	if len(log) != 2 || log[1].ID != "seeded-1" {
		t.Fatalf("log after pruning: %v; want the request and the 29-day-old entry", ids)
	}
}

// Identity providers send requests in parallel (Entra ID several at once) and retry: of
// concurrent creates of one userName exactly one succeeds, and Connect gets one user.
func TestConcurrentCreates(t *testing.T) {
	e := newEnv(t, "local", mapping(t))
	statuses := make(chan int, 16)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "same@example.com"
			if i%2 == 1 {
				name = fmt.Sprintf("other%d@example.com", i)
			}
			req, _ := http.NewRequest("POST", e.scimURL+"/Users", strings.NewReader(newUser(name)))
			req.Header.Set("Authorization", "Bearer "+e.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if i%2 == 0 {
				statuses <- resp.StatusCode
			} else if resp.StatusCode != 201 {
				t.Errorf("create %s: %d", name, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[201] != 1 || count[409] != 7 {
		t.Fatalf("concurrent creates of one userName: %v; want one 201 and seven 409", count)
	}
	e.mustUser("same@example.com")
	eq(t, "SCIM users", e.do("GET", "/Users", nil, 200)["totalResults"], any(float64(9)))
	users, err := e.connect.ListUsers(context.Background(), &connect.ListUsersInput{InstanceId: &e.instance})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "Connect users", len(users.UserSummaryList), 9)
}
