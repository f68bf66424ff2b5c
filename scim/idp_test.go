package scim_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
)

// The request sequences below are those Okta and Microsoft Entra ID send, as their SCIM
// documentation shows them (Okta: "SCIM 2.0 protocol reference"; Entra ID: "Tutorial: Develop and
// plan provisioning for a SCIM endpoint" and its request/response examples): the same methods,
// paths, bodies and quirks, with our own values. Each runs against this server's own instance
// and against a second connectdir standing in for Amazon Connect, and every outcome is checked
// through the Connect API.

func bothTargets(t *testing.T, run func(t *testing.T, e *env)) {
	for _, target := range []string{"local", "remote"} {
		t.Run(target, func(t *testing.T) { run(t, newEnv(t, target, mapping(t))) })
	}
}

func filterQuery(f string) string { return url.QueryEscape(f) }

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func sameSet(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func TestOkta(t *testing.T) { bothTargets(t, okta) }

func TestEntraID(t *testing.T) { bothTargets(t, entraID) }

// TestSequencesOnPostgres runs both with the SCIM state in PostgreSQL.
func TestSequencesOnPostgres(t *testing.T) {
	okta(t, newEnvWith(t, envOptions{target: "local", postgres: true}))
	entraID(t, newEnvWith(t, envOptions{target: "remote", postgres: true}))
}

func okta(t *testing.T, e *env) {
	// Okta looks the user up before creating it.
	lr := e.do("GET", "/Users?filter="+filterQuery(`userName eq "jdoe@example.com"`)+"&startIndex=1&count=100", nil, 200)
	eq(t, "totalResults before create", lr["totalResults"], any(float64(0)))

	created := e.do("POST", "/Users", `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName": "jdoe@example.com",
		"name": {"givenName": "John", "familyName": "Doe"},
		"emails": [{"primary": true, "value": "jdoe@example.com", "type": "work"}],
		"displayName": "John Doe",
		"locale": "en-US",
		"externalId": "00ujl29u0le5T6Aj10h7",
		"groups": [],
		"password": "1mz050nq-X",
		"active": true
	}`, 201)
	id := created["id"].(string)
	if _, ok := created["password"]; ok {
		t.Fatal("the password came back")
	}
	u := e.mustUser("jdoe@example.com")
	eq(t, "FirstName", u.FirstName, "John")
	eq(t, "LastName", u.LastName, "Doe")
	eq(t, "Email", u.Email, "jdoe@example.com")
	eq(t, "RoutingProfile", u.RoutingProfile, "Basic Routing Profile")
	sameSet(t, "SecurityProfiles", u.SecurityProfiles, "Agent")

	got := e.do("GET", "/Users/"+id, nil, 200)
	eq(t, "externalId", got["externalId"], any("00ujl29u0le5T6Aj10h7"))

	// Profile update: Okta sends the whole user with PUT.
	e.do("PUT", "/Users/"+id, `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"id": "`+id+`",
		"userName": "jdoe@example.com",
		"name": {"givenName": "Johnny", "familyName": "Doe"},
		"emails": [{"primary": true, "value": "jdoe@example.com", "type": "work"}],
		"phoneNumbers": [{"type": "mobile", "value": "+1 (555) 010-0100"}],
		"externalId": "00ujl29u0le5T6Aj10h7",
		"active": true,
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "Sales", "department": "EMEA"}
	}`, 200)
	u = e.mustUser("jdoe@example.com")
	eq(t, "FirstName after PUT", u.FirstName, "Johnny")
	eq(t, "Mobile", u.Mobile, "+15550100100")
	eq(t, "Hierarchy", fmt.Sprint(u.Hierarchy), "[Sales EMEA]")
	oldConnectID := u.ID

	// Rename: the SCIM id stays, Connect gets a new user under the new name.
	renamed := e.do("PUT", "/Users/"+id, `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"userName": "john.doe@example.com",
		"name": {"givenName": "Johnny", "familyName": "Doe"},
		"emails": [{"primary": true, "value": "john.doe@example.com", "type": "work"}],
		"externalId": "00ujl29u0le5T6Aj10h7",
		"active": true,
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "Sales", "department": "EMEA"}
	}`, 200)
	eq(t, "id after rename", renamed["id"], any(id))
	if e.user("jdoe@example.com") != nil {
		t.Fatal("the old username is still in Connect")
	}
	u = e.mustUser("john.doe@example.com")
	if u.ID == oldConnectID {
		t.Fatal("rename kept the Connect id: Connect cannot rename")
	}
	eq(t, "Hierarchy after rename", fmt.Sprint(u.Hierarchy), "[Sales EMEA]")

	// Deactivate and reactivate: PATCH with a path-less replace.
	e.do("PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "replace", "value": {"active": false}}]}`, 200)
	if e.user("john.doe@example.com") != nil {
		t.Fatal("a deactivated user is still in Connect (deactivate: delete)")
	}
	lr = e.do("GET", "/Users?filter="+filterQuery(`userName eq "john.doe@example.com"`), nil, 200)
	eq(t, "deactivated user still listed", lr["totalResults"], any(float64(1)))
	e.do("PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "replace", "value": {"active": true}}]}`, 200)
	u = e.mustUser("john.doe@example.com")
	eq(t, "FirstName after reactivation", u.FirstName, "Johnny")

	// Group push: create, rename, add a member, remove it, delete.
	g := e.do("POST", "/Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Supervisors", "members": []}`, 201)
	gid := g["id"].(string)
	e.do("PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "replace", "value": {"id": "`+gid+`", "displayName": "Connect Supervisors"}}]}`, 200)
	e.do("PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "add", "path": "members", "value": [{"value": "`+id+`", "display": "john.doe@example.com"}]}]}`, 200)
	sameSet(t, "SecurityProfiles in Connect Supervisors", e.mustUser("john.doe@example.com").SecurityProfiles, "Agent", "CallCenterManager")
	gu := e.do("GET", "/Users/"+id, nil, 200)
	if gs, _ := gu["groups"].([]any); len(gs) != 1 {
		t.Fatalf("user groups = %v", gu["groups"])
	}
	e.do("PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "remove", "path": "members[value eq \"`+id+`\"]"}]}`, 200)
	sameSet(t, "SecurityProfiles after removal", e.mustUser("john.doe@example.com").SecurityProfiles, "Agent")
	e.do("PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "add", "path": "members", "value": [{"value": "`+id+`"}]}]}`, 200)
	e.do("DELETE", "/Groups/"+gid, nil, 204)
	sameSet(t, "SecurityProfiles after group delete", e.mustUser("john.doe@example.com").SecurityProfiles, "Agent")
	e.do("GET", "/Groups/"+gid, nil, 404)

	e.do("DELETE", "/Users/"+id, nil, 204)
	if e.user("john.doe@example.com") != nil {
		t.Fatal("a deleted user is still in Connect")
	}
	e.do("GET", "/Users/"+id, nil, 404)
	e.do("DELETE", "/Users/"+id, nil, 404)
}

func entraID(t *testing.T, e *env) {
	lr := e.do("GET", "/Users?filter="+filterQuery(`userName eq "Test_User_dfeef4c5@contoso.com"`), nil, 200)
	eq(t, "totalResults before create", lr["totalResults"], any(float64(0)))
	created := e.do("POST", "/Users", `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
		"userName": "Test_User_dfeef4c5@contoso.com",
		"active": true,
		"emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea13b@contoso.com"}],
		"meta": {"resourceType": "User"},
		"name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
		"roles": []
	}`, 201)
	id := created["id"].(string)
	u := e.mustUser("Test_User_dfeef4c5@contoso.com")
	eq(t, "Email", u.Email, "Test_User_fd0ea13b@contoso.com")

	// Entra ID also matches on externalId.
	lr = e.do("GET", "/Users?filter="+filterQuery(`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`), nil, 200)
	eq(t, "by externalId", lr["totalResults"], any(float64(1)))

	// Update: capitalised ops, a filtered value path, an extension attribute by URN.
	e.do("PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
		{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@contoso.com"},
		{"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
		{"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+44 20 7946 0000"},
		{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division", "value": "Support"},
		{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Tier 1"},
		{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": [{"$ref": null, "value": "SomeManager"}]}
	]}`, 200)
	u = e.mustUser("Test_User_dfeef4c5@contoso.com")
	eq(t, "Email after PATCH", u.Email, "updatedEmail@contoso.com")
	eq(t, "LastName after PATCH", u.LastName, "updatedFamilyName")
	eq(t, "Mobile after PATCH", u.Mobile, "+442079460000")
	eq(t, "Hierarchy", fmt.Sprint(u.Hierarchy), "[Support Tier 1]")

	// Rename by PATCH.
	e.do("PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "Replace", "path": "userName", "value": "renamed@contoso.com"}]}`, 200)
	if e.user("Test_User_dfeef4c5@contoso.com") != nil {
		t.Fatal("old username still in Connect")
	}
	eq(t, "LastName after rename", e.mustUser("renamed@contoso.com").LastName, "updatedFamilyName")

	// Disable and enable, with the boolean as the string Entra ID sends.
	e.do("PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}`, 200)
	if e.user("renamed@contoso.com") != nil {
		t.Fatal("disabled user still in Connect")
	}
	got := e.do("GET", "/Users/"+id, nil, 200)
	eq(t, "active after disable", got["active"], any(false))
	e.do("PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "Replace", "path": "active", "value": "True"}]}`, 200)
	eq(t, "Hierarchy after enable", fmt.Sprint(e.mustUser("renamed@contoso.com").Hierarchy), "[Support Tier 1]")

	// Groups: create, look up without members, add a member, remove by value list, rename, delete.
	g := e.do("POST", "/Groups", `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
		"externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
		"displayName": "QualityAnalyst",
		"meta": {"resourceType": "Group"}
	}`, 201)
	gid := g["id"].(string)
	lr = e.do("GET", "/Groups?excludedAttributes=members&filter="+filterQuery(`displayName eq "QualityAnalyst"`), nil, 200)
	eq(t, "group by displayName", lr["totalResults"], any(float64(1)))
	e.do("PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "`+id+`"}]}]}`, 200)
	// group_names_are_security_profiles: the group named like a security profile grants it.
	sameSet(t, "SecurityProfiles in group QualityAnalyst", e.mustUser("renamed@contoso.com").SecurityProfiles, "QualityAnalyst")
	gm := e.do("GET", "/Groups/"+gid+"?excludedAttributes=members", nil, 200)
	if _, ok := gm["members"]; ok {
		t.Fatal("excludedAttributes=members returned members")
	}
	e.do("PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "`+id+`"}]}]}`, 200)
	sameSet(t, "SecurityProfiles after removal", e.mustUser("renamed@contoso.com").SecurityProfiles, "Agent")
	e.do("PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "Add", "path": "members", "value": [{"value": "`+id+`"}]}, {"op": "Replace", "path": "displayName", "value": "Connect Supervisors"}]}`, 200)
	sameSet(t, "SecurityProfiles after group rename", e.mustUser("renamed@contoso.com").SecurityProfiles, "Agent", "CallCenterManager")
	e.do("DELETE", "/Groups/"+gid, nil, 204)
	sameSet(t, "SecurityProfiles after group delete", e.mustUser("renamed@contoso.com").SecurityProfiles, "Agent")

	e.do("DELETE", "/Users/"+id, nil, 204)
	if e.user("renamed@contoso.com") != nil {
		t.Fatal("deleted user still in Connect")
	}
}
