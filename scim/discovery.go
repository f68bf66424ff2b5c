package scim

import (
	"net/http"
	"strings"
)

// The discovery endpoints (RFC 7644 §4) need no token: identity providers and checkers read them
// before they are configured, and they say nothing about any tenant.

func (s *Server) serviceProviderConfig(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{
		"schemas":          []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"documentationUri": "https://github.com/connectdir/connectdir#provision-from-okta-or-entra-id",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": maxResults},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": false},
		"etag":             map[string]any{"supported": true},
		"authenticationSchemes": []any{map[string]any{
			"type": "oauthbearertoken", "name": "Bearer token", "primary": true,
			"description": "A token made by `connectdir scim token create`, sent as Authorization: Bearer TOKEN",
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": baseURL(r) + "/ServiceProviderConfig"},
	})
}

func resourceTypeList(base string) []map[string]any {
	return []map[string]any{
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}, "id": "User", "name": "User",
			"endpoint": "/Users", "description": "A Connect user", "schema": UserSchema,
			"schemaExtensions": []any{map[string]any{"schema": Enterprise, "required": false}},
			"meta":             map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/User"}},
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}, "id": "Group", "name": "Group",
			"endpoint": "/Groups", "description": "Security and routing profiles by membership", "schema": GroupSchema,
			"meta": map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/Group"}},
	}
}

func (s *Server) resourceTypes(w http.ResponseWriter, r *http.Request) {
	list := resourceTypeList(baseURL(r))
	if name := r.PathValue("name"); name != "" {
		for _, rt := range list {
			if strings.EqualFold(rt["id"].(string), name) {
				writeJSON(w, 200, rt)
				return
			}
		}
		writeError(w, &Error{Status: 404, Detail: "no resource type " + name})
		return
	}
	writeJSON(w, 200, listOf(list))
}

func listOf(list []map[string]any) map[string]any {
	return map[string]any{"schemas": []string{listResponseSchema}, "totalResults": len(list), "startIndex": 1,
		"itemsPerPage": len(list), "Resources": list}
}

// attr describes one attribute in the Schemas answer (RFC 7643 §7).
func attr(name, typ string, opts ...func(map[string]any)) map[string]any {
	a := map[string]any{"name": name, "type": typ, "multiValued": false, "description": "", "required": false,
		"caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}
	for _, o := range opts {
		o(a)
	}
	return a
}

func set(k string, v any) func(map[string]any) { return func(a map[string]any) { a[k] = v } }

func sub(attrs ...map[string]any) func(map[string]any) {
	return func(a map[string]any) { a["subAttributes"] = attrs }
}

var multi = set("multiValued", true)

func multiValuedOf(name string, types ...string) map[string]any {
	return attr(name, "complex", multi, sub(
		attr("value", "string"),
		attr("display", "string"),
		attr("type", "string", set("canonicalValues", types)),
		attr("primary", "boolean"),
	))
}

func schemaList(base string) []map[string]any {
	user := []map[string]any{
		attr("userName", "string", set("required", true), set("uniqueness", "server"),
			set("description", "Connect Username. Connect cannot rename a user: a new userName recreates the Connect user under the same SCIM id.")),
		// Required here, unlike in RFC 7643: Connect requires a first and a last name (except on
		// EXISTING_DIRECTORY instances), and a checker or client reads this to know what to send.
		attr("name", "complex", set("required", true), sub(attr("formatted", "string"),
			attr("familyName", "string", set("required", true)), attr("givenName", "string", set("required", true)),
			attr("middleName", "string"), attr("honorificPrefix", "string"), attr("honorificSuffix", "string"))),
		attr("displayName", "string"),
		attr("nickName", "string"),
		attr("title", "string"),
		attr("userType", "string"),
		attr("preferredLanguage", "string"),
		attr("locale", "string"),
		attr("timezone", "string"),
		attr("active", "boolean"),
		attr("password", "string", set("mutability", "writeOnly"), set("returned", "never")),
		multiValuedOf("emails", "work", "home", "other"),
		multiValuedOf("phoneNumbers", "work", "home", "mobile", "fax", "pager", "other"),
		attr("groups", "complex", multi, set("mutability", "readOnly"), sub(
			attr("value", "string", set("mutability", "readOnly")), attr("$ref", "reference", set("mutability", "readOnly"), set("referenceTypes", []string{"Group"})),
			attr("display", "string", set("mutability", "readOnly")), attr("type", "string", set("mutability", "readOnly")))),
	}
	group := []map[string]any{
		attr("displayName", "string", set("required", true), set("uniqueness", "server")),
		attr("members", "complex", multi, sub(attr("value", "string", set("mutability", "immutable")),
			attr("$ref", "reference", set("mutability", "immutable"), set("referenceTypes", []string{"User", "Group"})), attr("display", "string", set("mutability", "readOnly")),
			attr("type", "string", set("mutability", "immutable")))),
	}
	ent := []map[string]any{
		attr("employeeNumber", "string"), attr("costCenter", "string"), attr("organization", "string"),
		attr("division", "string"), attr("department", "string"),
		attr("manager", "complex", sub(attr("value", "string"), attr("$ref", "reference", set("referenceTypes", []string{"User"})), attr("displayName", "string", set("mutability", "readOnly")))),
	}
	mk := func(id, name, desc string, attrs []map[string]any) map[string]any {
		return map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Schema"}, "id": id, "name": name,
			"description": desc, "attributes": attrs, "meta": map[string]any{"resourceType": "Schema", "location": base + "/Schemas/" + id}}
	}
	return []map[string]any{
		mk(UserSchema, "User", "User Account", user),
		mk(GroupSchema, "Group", "Group", group),
		mk(Enterprise, "EnterpriseUser", "Enterprise User", ent),
	}
}

func (s *Server) schemas(w http.ResponseWriter, r *http.Request) {
	list := schemaList(baseURL(r))
	if urn := r.PathValue("urn"); urn != "" {
		for _, sc := range list {
			if strings.EqualFold(sc["id"].(string), urn) {
				writeJSON(w, 200, sc)
				return
			}
		}
		writeError(w, &Error{Status: 404, Detail: "no schema " + urn})
		return
	}
	writeJSON(w, 200, listOf(list))
}
