package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
)

// userCounts counts the users in each group and, withChildren, its subgroups: SearchUsers returns
// the count with a page of one, so each group costs one call.
func (q *req) userCounts(ids []string, withChildren bool) (map[string]int64, error) {
	match := types.HierarchyGroupMatchTypeExact
	if withChildren {
		match = types.HierarchyGroupMatchTypeWithChildGroups
	}
	counts := make([]int64, len(ids))
	err := forEach(q.ctx, len(ids), func(ctx context.Context, i int) error {
		out, err := q.api.SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: q.in, MaxResults: aws.Int32(1),
			SearchCriteria: &types.UserSearchCriteria{HierarchyGroupCondition: &types.HierarchyGroupCondition{
				Value: aws.String(ids[i]), HierarchyGroupMatchType: match}}})
		if err != nil {
			return err
		}
		counts[i] = aws.ToInt64(out.ApproximateTotalCount)
		return nil
	})
	m := map[string]int64{}
	for i, id := range ids {
		m[id] = counts[i]
	}
	return m, err
}

type level struct {
	Num  int
	Name string
}

// levels reads the hierarchy's levels, once per request.
func (q *req) levels() ([]level, error) {
	if q.lvls != nil {
		return *q.lvls, nil
	}
	out, err := q.api.DescribeUserHierarchyStructure(q.ctx, &connect.DescribeUserHierarchyStructureInput{InstanceId: q.in})
	if err != nil {
		return nil, err
	}
	var ls []level
	if h := out.HierarchyStructure; h != nil {
		for i, l := range []*types.HierarchyLevel{h.LevelOne, h.LevelTwo, h.LevelThree, h.LevelFour, h.LevelFive} {
			if l != nil {
				ls = append(ls, level{Num: i + 1, Name: aws.ToString(l.Name)})
			}
		}
	}
	q.lvls = &ls
	return ls, nil
}

func levelName(ls []level, n int) string {
	for _, l := range ls {
		if l.Num == n {
			return l.Name
		}
	}
	return "Level " + string(rune('0'+n))
}

// groupPageSize is the subgroups listed per page: each shown group costs a SearchUsers call for
// its user count, so a level with thousands of groups must not be shown all at once.
const groupPageSize = 50

func hierarchyURL(group string) string { return hierarchyPageURL(group, 1) }

func hierarchyPageURL(group string, page int) string {
	v := url.Values{}
	if group != "" {
		v.Set("group", group)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return Prefix + "hierarchy"
	}
	return Prefix + "hierarchy?" + v.Encode()
}

type groupRow struct {
	ID, Name, ARN, ParentID string
	Level                   int
	LevelName               string
	Path                    []crumb // from level one down to the group itself
	Users                   int64   // in the group and its subgroups
	Direct                  int64   // directly in the group (filled on the group's own page)
	Children                int     // subgroups one level down
}

func (g groupRow) PathText() string { return pathText(g.Path) }

// CannotDelete is why the service would refuse to delete the group, "" if it would not: a group
// with subgroups or users cannot be deleted.
func (g groupRow) CannotDelete() string {
	if b := g.Blockers(); b != "" {
		return "Cannot be deleted: " + b + "."
	}
	return ""
}

// Blockers says what stops the group's deletion: "it has 3 subgroups and 12 users".
func (g groupRow) Blockers() string {
	var why []string
	if g.Children > 0 {
		why = append(why, plural(g.Children, "subgroup", "subgroups"))
	}
	if g.Users > 0 {
		why = append(why, plural(int(g.Users), "user", "users"))
	}
	if len(why) == 0 {
		return ""
	}
	return "it has " + strings.Join(why, " and ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func rowOf(t *groupTree, n *groupNode, levels []level) groupRow {
	return groupRow{ID: n.ID, Name: n.Name, ARN: n.ARN, ParentID: n.Parent, Level: n.Level,
		LevelName: levelName(levels, n.Level), Path: t.path(n.ID), Children: len(t.children[n.ID])}
}

type hierarchyData struct {
	Levels    []level
	Current   *groupRow // nil at the top
	Children  []groupRow
	NextLevel string // the level name of groups added here; "" when no level is below
	Back      string // the current group's id, "" at the top

	Page, Pages, From, To, Total int    // of the subgroups
	Prev, Next                   string // URLs of the neighbouring pages, "" when none
	LoadedAt                     string // when the tree was read from the service

	Members    userTable // of the current group
	DirectOnly bool      // Members are only the users directly in the group
	AllMembers string    // URL of the members of the whole subtree
	DirectLink string    // URL of the members directly in the group
}

func (c *console) hierarchyPage(q *req) {
	v := q.r.URL.Query()
	// The levels, the groups and (for a group's members) the profile names are read at once; an
	// instance without levels has no groups, so the list costs little.
	reads := []func() error{read(q.levels), read(q.groups)}
	if v.Get("group") != "" {
		reads = append(reads, read(q.profileNames))
	}
	if err := together(reads...); err != nil {
		q.fail(c, err)
		return
	}
	levels, tree := *q.lvls, q.tree
	d := hierarchyData{Levels: levels}
	if len(levels) == 0 {
		q.render(c, "hierarchy.html", "User hierarchy", "hierarchy", d)
		return
	}
	d.LoadedAt = tree.loaded.UTC().Format("15:04:05 UTC")
	d.Back = v.Get("group")
	depth := 0
	ids := []string{}
	if d.Back != "" {
		n := tree.byID[d.Back]
		if n == nil {
			c.render(q.w, q.s, http.StatusNotFound, "error.html", "Not found", "hierarchy",
				"No hierarchy group has the id "+d.Back+". If it was added elsewhere, refresh the hierarchy.")
			return
		}
		row := rowOf(tree, n, levels)
		d.Current = &row
		depth = n.Level
	}
	if depth < len(levels) {
		d.NextLevel = levels[depth].Name
	}
	kids := tree.children[d.Back]
	d.Total = len(kids)
	d.Pages = max(1, (len(kids)+groupPageSize-1)/groupPageSize)
	page, _ := strconv.Atoi(v.Get("page"))
	d.Page = min(max(page, 1), d.Pages)
	if d.Page > 1 {
		d.Prev = hierarchyPageURL(d.Back, d.Page-1)
	}
	if d.Page < d.Pages {
		d.Next = hierarchyPageURL(d.Back, d.Page+1)
	}
	from := (d.Page - 1) * groupPageSize
	shown := kids[from:min(from+groupPageSize, len(kids))]
	if len(shown) > 0 {
		d.From, d.To = from+1, from+len(shown)
	}
	for _, n := range shown {
		d.Children = append(d.Children, rowOf(tree, n, levels))
		ids = append(ids, n.ID)
	}
	// Counts are read live, and only for the groups on this page; they include subgroups.
	var counts map[string]int64
	var err error
	if d.Current != nil {
		counts, err = c.members(q, &d, ids)
	} else {
		counts, err = q.userCounts(ids, true)
	}
	if err != nil {
		q.fail(c, err)
		return
	}
	for i := range d.Children {
		d.Children[i].Users = counts[d.Children[i].ID]
	}
	title := "User hierarchy"
	if d.Current != nil {
		title = d.Current.Name + " · " + title
	}
	q.render(c, "hierarchy.html", title, "hierarchy", d)
}

// members fills the current group's members (of its subtree, or only those directly in it) and
// its two counts, and returns the user counts of its subgroups ids, which include their own
// subgroups.
func (c *console) members(q *req, d *hierarchyData, ids []string) (map[string]int64, error) {
	cur := d.Current
	d.DirectOnly = q.r.URL.Query().Get("scope") == "direct"
	link := func(direct bool) string {
		v := url.Values{"group": {cur.ID}}
		if direct {
			v.Set("scope", "direct")
		}
		return Prefix + "hierarchy?" + v.Encode() + "#members"
	}
	d.AllMembers, d.DirectLink = link(false), link(true)
	base := url.Values{"group": {cur.ID}}
	if d.DirectOnly {
		base.Set("scope", "direct")
	}
	table := func() (err error) {
		d.Members, err = c.userTable(q, userQuery{GroupID: cur.ID, Direct: d.DirectOnly}, Prefix+"hierarchy", base)
		return err
	}
	// The members' search counts one of the two numbers (a group without subgroups has one);
	// the other, and the subgroups' counts, take a SearchUsers each...
	var other, counts map[string]int64
	var countReads []func() error
	if cur.Children > 0 {
		countReads = append(countReads, func() (err error) {
			other, err = q.userCounts([]string{cur.ID}, d.DirectOnly)
			return err
		})
	}
	if len(ids) > 0 {
		countReads = append(countReads, func() (err error) {
			counts, err = q.userCounts(ids, true)
			return err
		})
	}
	if d.DirectOnly || q.r.URL.Query().Get("next") != "" {
		// ...made at the same time as the search, whose page cannot hold the whole subtree.
		if err := together(append(countReads, table)...); err != nil {
			return nil, err
		}
	} else if err := table(); err != nil {
		return nil, err
	} else if d.Members.Next == "" && int64(len(d.Members.Users)) == d.Members.Total {
		// ...unless the page holds the whole subtree (a site, a team): then they are counted
		// from it, which saves a call per subgroup.
		other, counts = map[string]int64{}, map[string]int64{}
		shown := make(map[string]bool, len(ids))
		for _, id := range ids {
			shown[id] = true
		}
		for _, u := range d.Members.Users {
			if u.GroupID == cur.ID {
				other[cur.ID]++
			}
			for _, g := range q.tree.path(u.GroupID) {
				if shown[g.ID] {
					counts[g.ID]++
				}
			}
		}
	} else if err := together(countReads...); err != nil {
		return nil, err
	}
	switch {
	case cur.Children == 0:
		cur.Users, cur.Direct = d.Members.Total, d.Members.Total
	case d.DirectOnly:
		cur.Users, cur.Direct = other[cur.ID], d.Members.Total
	default:
		cur.Users, cur.Direct = d.Members.Total, other[cur.ID]
	}
	return counts, nil
}

// refreshGroups forgets the session's group tree, so that the next page reads it again: for
// changes made outside this console.
func (c *console) refreshGroups(q *req) {
	q.gc.change(dropped)
	q.redirect(c, hierarchyURL(q.r.PostFormValue("back")), false, "Reloaded the hierarchy groups from the service.")
}

type structureData struct {
	Names [5]string
	Error string
}

func (c *console) structureForm(q *req) {
	levels, err := q.levels()
	if err != nil {
		q.fail(c, err)
		return
	}
	var d structureData
	for _, l := range levels {
		d.Names[l.Num-1] = l.Name
	}
	q.render(c, "structure.html", "Hierarchy structure", "hierarchy", d)
}

func (c *console) saveStructure(q *req) {
	var d structureData
	for i := range d.Names {
		raw := q.r.PostFormValue("level" + string(rune('1'+i)))
		d.Names[i] = strings.TrimSpace(raw)
		switch {
		case raw != "" && d.Names[i] == "" && d.Error == "":
			// Trimmed to nothing it would remove the level, which is not what was typed.
			d.Names[i] = raw
			d.Error = "The level " + strconv.Itoa(i+1) + " name is only spaces: type a name, or clear the field to remove the level."
		case utf8.RuneCountInString(d.Names[i]) > maxLevelName && d.Error == "":
			d.Error = "Level names can have at most " + strconv.Itoa(maxLevelName) + " characters; level " + strconv.Itoa(i+1) + "'s has " + strconv.Itoa(utf8.RuneCountInString(d.Names[i])) + "."
		}
	}
	var upd types.HierarchyStructureUpdate
	slots := []**types.HierarchyLevelUpdate{&upd.LevelOne, &upd.LevelTwo, &upd.LevelThree, &upd.LevelFour, &upd.LevelFive}
	gap := false
	for i, name := range d.Names {
		switch {
		case d.Error != "":
		case name == "":
			gap = true
		case gap:
			d.Error = "Level names must be filled from level 1 down, without a gap."
		default:
			*slots[i] = &types.HierarchyLevelUpdate{Name: aws.String(name)}
		}
	}
	if d.Error == "" {
		// Groups keep their ids and levels whatever the structure's names, and levels with groups
		// cannot be removed, so the cached tree stays right.
		_, err := q.api.UpdateUserHierarchyStructure(q.ctx, &connect.UpdateUserHierarchyStructureInput{InstanceId: q.in, HierarchyStructure: &upd})
		if err == nil {
			q.redirect(c, hierarchyURL(""), false, "Saved the user hierarchy structure.")
			return
		}
		d.Error = apiMessage(err)
	}
	c.render(q.w, q.s, http.StatusUnprocessableEntity, "structure.html", "Hierarchy structure", "hierarchy", d)
}

// staleOnNotFound drops the cached tree when a write names a group the service does not know:
// the cache showed a group deleted elsewhere, so it is out of date.
func (q *req) staleOnNotFound(err error) {
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		q.gc.change(dropped)
	}
}

// Lengths the console allows, as the Amazon Connect console's forms do (the API takes group
// names up to 256 characters, more than a page can show).
const (
	maxGroupName = 100
	maxLevelName = 50
)

// badGroupName says, in words, why a group name cannot be used; "" if it can.
func badGroupName(name string) string {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "Type a name (spaces alone are not a name)."
	case n > maxGroupName:
		return "Group names can have at most " + strconv.Itoa(maxGroupName) + " characters; this one has " + strconv.Itoa(n) + "."
	}
	return ""
}

func (c *console) createGroup(q *req) {
	name := strings.TrimSpace(q.r.PostFormValue("name"))
	parent := q.r.PostFormValue("parent")
	if msg := badGroupName(name); msg != "" {
		q.redirect(c, hierarchyURL(parent), true, "Not added: "+msg)
		return
	}
	in := &connect.CreateUserHierarchyGroupInput{InstanceId: q.in, Name: aws.String(name)}
	if parent != "" {
		in.ParentGroupId = aws.String(parent)
	}
	out, err := q.api.CreateUserHierarchyGroup(q.ctx, in)
	if err != nil {
		q.staleOnNotFound(err)
		q.redirect(c, hierarchyURL(parent), true, "Could not add "+name+": "+apiMessage(err))
		return
	}
	id := aws.ToString(out.HierarchyGroupId)
	q.gc.change(added(id, name, aws.ToString(out.HierarchyGroupArn), parent))
	// Land on the page of the list where the new group is.
	page := 1
	if t := q.gc.peek(); t != nil {
		for i, n := range t.children[parent] {
			if n.ID == id {
				page = i/groupPageSize + 1
			}
		}
	}
	q.redirect(c, hierarchyPageURL(parent, page), false, "Added "+name+".")
}

func (c *console) renameGroup(q *req) {
	name := strings.TrimSpace(q.r.PostFormValue("name"))
	back := q.r.PostFormValue("back")
	page, _ := strconv.Atoi(q.r.PostFormValue("page"))
	id := q.r.PathValue("id")
	if msg := badGroupName(name); msg != "" {
		q.redirect(c, hierarchyPageURL(back, page), true, "Not renamed: "+msg)
		return
	}
	_, err := q.api.UpdateUserHierarchyGroupName(q.ctx, &connect.UpdateUserHierarchyGroupNameInput{InstanceId: q.in,
		HierarchyGroupId: aws.String(id), Name: aws.String(name)})
	if err != nil {
		q.staleOnNotFound(err)
		q.redirect(c, hierarchyPageURL(back, page), true, "Could not rename to "+name+": "+apiMessage(err))
		return
	}
	q.gc.change(renamed(id, name))
	q.redirect(c, hierarchyPageURL(back, page), false, "Renamed to "+name+".")
}

func (q *req) describeGroup() (*types.HierarchyGroup, error) {
	out, err := q.api.DescribeUserHierarchyGroup(q.ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: q.in, HierarchyGroupId: aws.String(q.r.PathValue("id"))})
	if err != nil {
		return nil, err
	}
	return out.HierarchyGroup, nil
}

func (c *console) deleteGroupForm(q *req) {
	levels, err := q.levels()
	if err != nil {
		q.fail(c, err)
		return
	}
	tree, err := q.groups()
	if err != nil {
		q.fail(c, err)
		return
	}
	id := q.r.PathValue("id")
	n := tree.byID[id]
	if n == nil {
		c.render(q.w, q.s, http.StatusNotFound, "error.html", "Not found", "hierarchy", "No hierarchy group has the id "+id+".")
		return
	}
	row := rowOf(tree, n, levels)
	counts, err := q.userCounts([]string{n.ID}, true)
	if err != nil {
		q.fail(c, err)
		return
	}
	row.Users = counts[n.ID]
	q.render(c, "group_delete.html", "Delete "+n.Name, "hierarchy", row)
}

func (c *console) deleteGroup(q *req) {
	parent := q.r.PostFormValue("parent")
	name := q.r.PostFormValue("name")
	id := q.r.PathValue("id")
	_, err := q.api.DeleteUserHierarchyGroup(q.ctx, &connect.DeleteUserHierarchyGroupInput{InstanceId: q.in, HierarchyGroupId: aws.String(id)})
	if err != nil {
		q.staleOnNotFound(err)
		q.redirect(c, hierarchyURL(parent), true, "Could not delete "+name+": "+apiMessage(err))
		return
	}
	q.gc.change(deleted(id))
	q.redirect(c, hierarchyURL(parent), false, "Deleted "+name+".")
}

type groupJSONData struct {
	ID, Name string
	Path     []crumb
	JSON     string
	Tags     []tagPair
	TagText  string
}

// pathOf is the crumbs of a described group, from level one down to the group itself.
func pathOf(g *types.HierarchyGroup) []crumb {
	var p []crumb
	if hp := g.HierarchyPath; hp != nil {
		for _, s := range []*types.HierarchyGroupSummary{hp.LevelOne, hp.LevelTwo, hp.LevelThree, hp.LevelFour, hp.LevelFive} {
			if s != nil {
				p = append(p, crumb{ID: aws.ToString(s.Id), Name: aws.ToString(s.Name)})
			}
		}
	}
	if len(p) == 0 || p[len(p)-1].ID != aws.ToString(g.Id) {
		p = append(p, crumb{ID: aws.ToString(g.Id), Name: aws.ToString(g.Name)})
	}
	return p
}

// groupJSON shows DescribeUserHierarchyGroup's answer as it is: this page alone describes.
func (c *console) groupJSON(q *req) {
	g, err := q.describeGroup()
	if err != nil {
		q.fail(c, err)
		return
	}
	q.render(c, "group.html", aws.ToString(g.Name), "hierarchy", groupJSONData{ID: aws.ToString(g.Id), Name: aws.ToString(g.Name), Path: pathOf(g),
		JSON: prettyJSON(map[string]any{"HierarchyGroup": g}), Tags: tagList(g.Tags), TagText: tagText(g.Tags)})
}

// prettyJSON formats an SDK value as the API's JSON would look, without the SDK's empty fields.
func prettyJSON(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	var generic any
	_ = json.Unmarshal(raw, &generic)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the template escapes; doubled escaping would show \u003c
	enc.SetIndent("", "  ")
	_ = enc.Encode(dropEmpty(generic))
	return b.String()
}

func dropEmpty(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if x == nil {
				delete(t, k)
				continue
			}
			if m, ok := x.(map[string]any); ok && len(m) == 0 {
				delete(t, k)
				continue
			}
			t[k] = dropEmpty(x)
		}
	case []any:
		for i := range t {
			t[i] = dropEmpty(t[i])
		}
	}
	return v
}
