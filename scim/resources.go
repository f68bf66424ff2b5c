package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/connectdir/connectdir"
	"github.com/google/uuid"
	filter "github.com/scim2/filter-parser/v2"
)

const listResponseSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

// maxResults bounds a page, as ServiceProviderConfig says.
const maxResults = 1000

func etag(v int64) string { return fmt.Sprintf(`W/"%d"`, v) }

// group is a stored SCIM group with its members' ids.
type group struct {
	r       Resource
	name    string
	members map[string]bool
}

func (s *Server) groups(ctx context.Context, c *call) ([]group, error) {
	rs, err := s.cfg.Store.ListSCIMResources(ctx, c.t.key, KindGroup)
	if err != nil {
		return nil, err
	}
	out := make([]group, 0, len(rs))
	for _, r := range rs {
		out = append(out, toGroup(r))
	}
	return out, nil
}

func toGroup(r Resource) group {
	var m map[string]any
	_ = json.Unmarshal([]byte(r.JSON), &m)
	g := group{r: r, name: str(get(m, "displayName")), members: map[string]bool{}}
	arr, _ := get(m, "members").([]any)
	for _, el := range arr {
		em, _ := el.(map[string]any)
		if v := str(get(em, "value")); v != "" {
			g.members[v] = true
		}
	}
	return g
}

// groupsOf returns the groups a user is a member of, by name order.
func groupsOf(userID string, gs []group) []group {
	var out []group
	for _, g := range gs {
		if g.members[userID] {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b group) int { return strings.Compare(a.name, b.name) })
	return out
}

func groupNames(gs []group) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.name)
	}
	return out
}

// render is the resource as returned: what was written, its id, the read-only attributes, meta.
func (c *call) render(r Resource, gs []group) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(r.JSON), &m); err != nil || m == nil {
		m = map[string]any{}
	}
	m["id"] = r.ID
	m[keyOf(m, "schemas")] = schemasOf(r.Kind, m)
	if r.Kind == KindUser {
		var refs []any
		for _, g := range groupsOf(r.ID, gs) {
			refs = append(refs, map[string]any{"value": g.r.ID, "display": g.name, "$ref": c.base + "/Groups/" + g.r.ID, "type": "direct"})
		}
		if refs != nil {
			m["groups"] = refs
		}
	}
	m["meta"] = map[string]any{
		"resourceType": r.Kind,
		"created":      r.Created.Format(time.RFC3339Nano),
		"lastModified": r.Modified.Format(time.RFC3339Nano),
		"version":      etag(r.Version),
		"location":     c.base + "/" + r.Kind + "s/" + r.ID,
	}
	return m
}

// schemasOf lists the core schema and the extensions the resource holds data of, as RFC 7643
// §3 requires, whatever the client sent (an extension emptied by PATCH is no longer listed).
func schemasOf(kind string, m map[string]any) []any {
	core := UserSchema
	if kind == KindGroup {
		core = GroupSchema
	}
	out := []any{core}
	for k, v := range m {
		if ext, ok := v.(map[string]any); ok && strings.HasPrefix(strings.ToLower(k), "urn:") && isSchemaURN(k) {
			if len(ext) == 0 {
				delete(m, k)
				continue
			}
			out = append(out, k)
		}
	}
	slices.SortFunc(out[1:], func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
	return out
}

// project applies the attributes and excludedAttributes parameters (RFC 7644 §3.4.2.5) to the
// top-level attributes; id, schemas and meta always stay.
func project(m map[string]any, q url.Values) map[string]any {
	split := func(s string) map[string]bool {
		out := map[string]bool{}
		for _, a := range strings.Split(s, ",") {
			a = strings.TrimSpace(a)
			if i := strings.LastIndex(a, ":"); i >= 0 && !isSchemaURN(a) {
				a = a[i+1:] // a core or extension attribute named by its URN
			}
			if i := strings.IndexByte(a, '.'); i >= 0 {
				a = a[:i]
			}
			if a != "" {
				out[strings.ToLower(a)] = true
			}
		}
		return out
	}
	always := func(k string) bool {
		k = strings.ToLower(k)
		return k == "id" || k == "schemas" || k == "meta"
	}
	if a := q.Get("attributes"); a != "" {
		keep := split(a)
		for k := range m {
			if !always(k) && !keep[strings.ToLower(k)] {
				delete(m, k)
			}
		}
	}
	if a := q.Get("excludedAttributes"); a != "" {
		drop := split(a)
		for k := range m {
			if !always(k) && drop[strings.ToLower(k)] {
				delete(m, k)
			}
		}
	}
	return m
}

// nameEquality recognises `userName eq "x"` (or `displayName eq` for groups), the query every
// identity provider makes before creating, so it is answered from the index.
func nameEquality(e filter.Expression, kind string) (string, bool) {
	ae, ok := e.(*filter.AttributeExpression)
	if !ok || ae.Operator != filter.EQ || ae.AttributePath.SubAttribute != nil {
		return "", false
	}
	if u := ae.AttributePath.URI(); u != "" && !strings.EqualFold(u, UserSchema) && !strings.EqualFold(u, GroupSchema) {
		return "", false
	}
	v, ok := ae.CompareValue.(string)
	want := "userName"
	switch kind {
	case "":
		return "", false
	case KindGroup:
		want = "displayName"
	}
	return strings.ToLower(v), ok && strings.EqualFold(ae.AttributePath.AttributeName, want)
}

func (s *Server) list(c *call, w http.ResponseWriter, r *http.Request) error {
	return s.query(c, w, r, r.URL.Query())
}

// search is POST …/.search (RFC 7644 §3.4.3): the query parameters in a SearchRequest body, so
// that a filter need not appear in URLs and their logs.
func (s *Server) search(c *call, w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Schemas            []string `json:"schemas"`
		Attributes         []string `json:"attributes"`
		ExcludedAttributes []string `json:"excludedAttributes"`
		Filter             string   `json:"filter"`
		StartIndex         *int     `json:"startIndex"`
		Count              *int     `json:"count"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return badRequest("invalidSyntax", "the body is not a SearchRequest: %v", err)
	}
	q := url.Values{}
	if req.Filter != "" {
		q.Set("filter", req.Filter)
	}
	if len(req.Attributes) > 0 {
		q.Set("attributes", strings.Join(req.Attributes, ","))
	}
	if len(req.ExcludedAttributes) > 0 {
		q.Set("excludedAttributes", strings.Join(req.ExcludedAttributes, ","))
	}
	if req.StartIndex != nil {
		q.Set("startIndex", strconv.Itoa(*req.StartIndex))
	}
	if req.Count != nil {
		q.Set("count", strconv.Itoa(*req.Count))
	}
	return s.query(c, w, r, q)
}

var subAttrFilter = regexp.MustCompile(`^\s*([A-Za-z][\w:.-]*)\[(.+)\]\.([A-Za-z]\w*)\s+((?i:eq|ne|co|sw|ew|gt|ge|lt|le)\s+.+)$`)

func (s *Server) query(c *call, w http.ResponseWriter, r *http.Request, q url.Values) error {
	ctx := r.Context()
	var expr filter.Expression
	if f := strings.TrimSpace(q.Get("filter")); f != "" {
		var err error
		if expr, err = filter.ParseFilter([]byte(f)); err != nil {
			// Entra ID matches on email as `emails[type eq "work"].value eq "x"`, which RFC 7644's
			// grammar lacks; it means `emails[type eq "work" and value eq "x"]`.
			if m := subAttrFilter.FindStringSubmatch(f); m != nil && !strings.Contains(strings.ToLower(m[2]), " or ") {
				expr, err = filter.ParseFilter([]byte(m[1] + "[" + m[2] + " and " + m[3] + " " + m[4] + "]"))
			}
		}
		if err != nil {
			return badRequest("invalidFilter", "filter %q: %v", f, err)
		}
	}
	start, count := 1, 100
	if v := q.Get("startIndex"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return badRequest("invalidValue", "startIndex must be an integer")
		}
		start = max(n, 1) // RFC 7644 §3.4.2.4: less than 1 is 1
	}
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return badRequest("invalidValue", "count must be an integer")
		}
		count = min(max(n, 0), maxResults)
	}
	var rs []Resource
	if name, ok := nameEquality(expr, c.kind); ok {
		res, err := s.cfg.Store.SCIMResourceByName(ctx, c.t.key, c.kind, name)
		if err == nil {
			rs = []Resource{res}
		} else if !errors.Is(err, connectdir.ErrNoRows) {
			return err
		}
	} else {
		kinds := []string{c.kind}
		if c.kind == "" { // POST /.search: every resource type
			kinds = []string{KindUser, KindGroup}
		}
		for _, k := range kinds {
			more, err := s.cfg.Store.ListSCIMResources(ctx, c.t.key, k)
			if err != nil {
				return err
			}
			rs = append(rs, more...)
		}
	}
	gs, err := s.groups(ctx, c)
	if err != nil {
		return err
	}
	var matched []map[string]any
	for _, res := range rs {
		m := c.render(res, gs)
		if expr == nil || matches(expr, m) {
			matched = append(matched, m)
		}
	}
	page := []map[string]any{}
	if from := start - 1; from < len(matched) {
		for _, m := range matched[from:min(from+count, len(matched))] {
			page = append(page, project(m, q))
		}
	}
	c.detail = fmt.Sprintf("%d of %d", len(page), len(matched))
	writeJSON(w, 200, map[string]any{"schemas": []string{listResponseSchema}, "totalResults": len(matched),
		"startIndex": start, "itemsPerPage": len(page), "Resources": page})
	return nil
}

func (s *Server) load(ctx context.Context, c *call, id string) (Resource, error) {
	res, err := s.cfg.Store.GetSCIMResource(ctx, c.t.key, c.kind, id)
	if errors.Is(err, connectdir.ErrNoRows) {
		return res, notFound(c.kind, id)
	}
	return res, err
}

func (s *Server) get(c *call, w http.ResponseWriter, r *http.Request) error {
	res, err := s.load(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, res.Version) {
		w.Header().Set("ETag", etag(res.Version))
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	gs, err := s.groups(r.Context(), c)
	if err != nil {
		return err
	}
	s.respond(c, w, 200, res, gs, r.URL.Query())
	return nil
}

func (s *Server) respond(c *call, w http.ResponseWriter, status int, res Resource, gs []group, q url.Values) {
	m := c.render(res, gs)
	w.Header().Set("ETag", etag(res.Version))
	if status == 201 {
		w.Header().Set("Location", c.base+"/"+res.Kind+"s/"+res.ID)
	}
	writeJSON(w, status, project(m, q))
}

func etagMatches(header string, v int64) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(etag(v), "W/") {
			return true
		}
	}
	return false
}

// loadForWrite reads the resource a write names, refusing it when If-Match names another version.
func (s *Server) loadForWrite(c *call, r *http.Request) (Resource, error) {
	res, err := s.load(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return res, err
	}
	if im := r.Header.Get("If-Match"); im != "" && !etagMatches(im, res.Version) {
		return res, &Error{Status: 412, Detail: fmt.Sprintf("If-Match %s: the resource is at %s", im, etag(res.Version))}
	}
	return res, nil
}

// decode reads a resource body, dropping what a client may not set (id, meta, and a user's
// groups, which follow from group membership), and takes out the write-only password.
func decode(r *http.Request, kind string) (map[string]any, string, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, "", badRequest("invalidSyntax", "reading the body: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, "", badRequest("invalidSyntax", "the body is not a JSON object")
	}
	for _, k := range []string{"id", "meta"} {
		delete(m, keyOf(m, k))
	}
	if kind == KindUser {
		delete(m, keyOf(m, "groups"))
	}
	pw := str(get(m, "password"))
	delete(m, keyOf(m, "password"))
	normalize(m)
	return m, pw, nil
}

func (s *Server) create(c *call, w http.ResponseWriter, r *http.Request) error {
	m, pw, err := decode(r, c.kind)
	if err != nil {
		return err
	}
	c.t.mu.Lock()
	defer c.t.mu.Unlock()
	now := time.Now().UTC()
	res := Resource{Target: c.t.key, Kind: c.kind, ID: uuid.NewString(), Created: now}
	if c.kind == KindUser {
		if _, ok := m[keyOf(m, "active")]; !ok {
			m["active"] = true
		}
	}
	return s.write(c, w, r, res, m, pw, 201)
}

func (s *Server) replace(c *call, w http.ResponseWriter, r *http.Request) error {
	m, pw, err := decode(r, c.kind)
	if err != nil {
		return err
	}
	c.t.mu.Lock()
	defer c.t.mu.Unlock()
	res, err := s.loadForWrite(c, r)
	if err != nil {
		return err
	}
	return s.write(c, w, r, res, m, pw, 200)
}

func (s *Server) patch(c *call, w http.ResponseWriter, r *http.Request) error {
	var req patchRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return badRequest("invalidSyntax", "the body is not a PatchOp: %v", err)
	}
	if len(req.Schemas) > 0 && !slices.Contains(req.Schemas, patchOpSchema) {
		return badRequest("invalidSyntax", "schemas must be [%q]", patchOpSchema)
	}
	c.t.mu.Lock()
	defer c.t.mu.Unlock()
	res, err := s.loadForWrite(c, r)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(res.JSON), &m); err != nil {
		return err
	}
	if err := applyPatch(m, req.Operations, res.ID); err != nil {
		return err
	}
	// Okta sets a password by PATCH; Connect has no call to change one, so it is not kept.
	delete(m, keyOf(m, "password"))
	normalize(m)
	return s.write(c, w, r, res, m, "", 200)
}

// write checks and saves a user or group resource and answers with it.
func (s *Server) write(c *call, w http.ResponseWriter, r *http.Request, res Resource, m map[string]any, pw string, status int) error {
	ctx := r.Context()
	nameAttr := "userName"
	if c.kind == KindGroup {
		nameAttr = "displayName"
	}
	name := strings.TrimSpace(str(get(m, nameAttr)))
	if name == "" {
		return badRequest("invalidValue", "%s is required", nameAttr)
	}
	if other, err := s.cfg.Store.SCIMResourceByName(ctx, c.t.key, c.kind, strings.ToLower(name)); err == nil && other.ID != res.ID {
		return &Error{Status: 409, ScimType: "uniqueness", Detail: fmt.Sprintf("%s %q is taken by %s", nameAttr, name, other.ID)}
	} else if err != nil && !errors.Is(err, connectdir.ErrNoRows) {
		return err
	}
	if ext, ok := get(m, "externalId").(string); ok {
		res.ExternalID = ext
	} else {
		res.ExternalID = ""
	}
	res.NameLC = strings.ToLower(name)
	gs, err := s.groups(ctx, c)
	if err != nil {
		return err
	}
	isNew := res.Version == 0
	if c.kind == KindUser {
		res, err = s.syncUser(ctx, c, res, m, pw, gs)
	} else {
		res, gs, err = s.syncGroup(ctx, c, res, m, gs)
	}
	if err != nil {
		return err
	}
	if isNew {
		c.detail = fmt.Sprintf("created %s %s", strings.ToLower(c.kind), res.ID)
	}
	s.respond(c, w, status, res, gs, r.URL.Query())
	return nil
}

// syncUser brings the Connect user of res in line with the resource m and stores both. Nothing
// is called or written when nothing changed: an identity provider's retry or re-push costs no
// Connect call.
func (s *Server) syncUser(ctx context.Context, c *call, res Resource, m map[string]any, pw string, gs []group) (Resource, error) {
	if err := c.t.load(ctx); err != nil {
		return res, err
	}
	want, err := c.cfg.Mapping.desired(m, groupNames(groupsOf(res.ID, gs)), c.t.identityType, c.t.security)
	if err != nil {
		return res, err
	}
	var have connectUser
	if res.Applied != "" {
		if err := json.Unmarshal([]byte(res.Applied), &have); err != nil {
			return res, err
		}
	}
	if !reflect.DeepEqual(have, want) {
		id, err := c.t.apply(ctx, c.cfg.Mapping, res.ConnectID, have, want, pw)
		if err != nil {
			return res, err
		}
		res.ConnectID = id
	}
	js, err := json.Marshal(m)
	if err != nil {
		return res, err
	}
	applied, _ := json.Marshal(want)
	return s.store(ctx, res, string(js), string(applied))
}

// store saves a resource when it changed, with a new version.
func (s *Server) store(ctx context.Context, res Resource, js, applied string) (Resource, error) {
	prev := res.Version
	if prev != 0 && js == res.JSON && applied == res.Applied {
		return res, nil
	}
	res.JSON, res.Applied = js, applied
	res.Version++
	res.Modified = time.Now().UTC()
	if prev == 0 {
		res.Created = res.Modified
	}
	err := s.cfg.Store.PutSCIMResource(ctx, res, prev)
	var ce *connectdir.ErrConflict
	switch {
	case errors.As(err, &ce):
		return res, &Error{Status: 409, ScimType: "uniqueness", Detail: "the name was taken concurrently"}
	case errors.Is(err, ErrStale):
		return res, &Error{Status: 409, Detail: "the resource changed concurrently; read it again"}
	}
	return res, err
}

// syncGroup stores a group after bringing in line every user whose groups it changes: users
// first, so that a failure part way leaves the group as it was and the identity provider's retry
// finishes the job (users already done cost nothing the second time).
func (s *Server) syncGroup(ctx context.Context, c *call, res Resource, m map[string]any, gs []group) (Resource, []group, error) {
	arr, _ := get(m, "members").([]any)
	var members []any
	seen := map[string]bool{}
	for _, el := range arr {
		em, _ := el.(map[string]any)
		id := str(get(em, "value"))
		if id == "" || seen[id] {
			continue
		}
		_, err := s.cfg.Store.GetSCIMResource(ctx, c.t.key, KindUser, id)
		if errors.Is(err, connectdir.ErrNoRows) {
			return res, gs, badRequest("invalidValue", "members: no user %s", id)
		}
		if err != nil {
			return res, gs, err
		}
		seen[id] = true
		// Kept as sent ($ref, display, type), without the nulls Entra ID sends for unset ones.
		for k, v := range em {
			if v == nil {
				delete(em, k)
			}
		}
		members = append(members, em)
	}
	delete(m, keyOf(m, "members"))
	if len(members) > 0 {
		m["members"] = members
	}
	js, err := json.Marshal(m)
	if err != nil {
		return res, gs, err
	}
	next := toGroup(Resource{ID: res.ID, JSON: string(js)})
	after := slices.DeleteFunc(slices.Clone(gs), func(g group) bool { return g.r.ID == res.ID })
	after = append(after, next)
	var prev group
	for _, g := range gs {
		if g.r.ID == res.ID {
			prev = g
		}
	}
	affected := map[string]bool{}
	for id := range next.members {
		if !prev.members[id] || prev.name != next.name {
			affected[id] = true
		}
	}
	for id := range prev.members {
		if !next.members[id] || prev.name != next.name {
			affected[id] = true
		}
	}
	if err := s.resyncUsers(ctx, c, affected, after); err != nil {
		return res, gs, err
	}
	saved, err := s.store(ctx, res, string(js), "")
	if err != nil {
		return saved, gs, err
	}
	after[len(after)-1].r = saved
	return saved, after, nil
}

// resyncUsers applies users again after their groups changed.
func (s *Server) resyncUsers(ctx context.Context, c *call, ids map[string]bool, gs []group) error {
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)
	for _, id := range sorted {
		u, err := s.cfg.Store.GetSCIMResource(ctx, c.t.key, KindUser, id)
		if errors.Is(err, connectdir.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		var um map[string]any
		if err := json.Unmarshal([]byte(u.JSON), &um); err != nil {
			return err
		}
		if _, err := s.syncUser(ctx, c, u, um, "", gs); err != nil {
			return fmt.Errorf("user %s: %w", id, err)
		}
	}
	return nil
}

func (s *Server) delete(c *call, w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c.t.mu.Lock()
	defer c.t.mu.Unlock()
	res, err := s.loadForWrite(c, r)
	if err != nil {
		return err
	}
	gs, err := s.groups(ctx, c)
	if err != nil {
		return err
	}
	if c.kind == KindUser {
		if err := c.t.deleteUser(ctx, res.ConnectID); err != nil {
			return err
		}
		// The user leaves its groups: their member lists would otherwise name a missing user.
		for _, g := range groupsOf(res.ID, gs) {
			var gm map[string]any
			if err := json.Unmarshal([]byte(g.r.JSON), &gm); err != nil {
				return err
			}
			arr, _ := get(gm, "members").([]any)
			setOrDelete(gm, keyOf(gm, "members"), deleteWhere(arr, func(el any) bool {
				em, _ := el.(map[string]any)
				return str(get(em, "value")) == res.ID
			}))
			js, _ := json.Marshal(gm)
			if _, err := s.store(ctx, g.r, string(js), ""); err != nil {
				return err
			}
		}
	} else {
		g := toGroup(res)
		rest := slices.DeleteFunc(slices.Clone(gs), func(o group) bool { return o.r.ID == res.ID })
		if err := s.resyncUsers(ctx, c, g.members, rest); err != nil {
			return err
		}
	}
	if err := s.cfg.Store.DeleteSCIMResource(ctx, c.t.key, c.kind, res.ID); err != nil {
		return err
	}
	c.detail = fmt.Sprintf("deleted %s %s", strings.ToLower(c.kind), res.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
