package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
)

// parallel bounds concurrent API calls made for one page: enough to hide latency, few enough
// not to trip the service's per-account rate limits.
const parallel = 8

type crumb struct{ ID, Name string }

// groupNode is a described hierarchy group.
type groupNode struct {
	ID, Name string
	Level    int     // 1 to 5
	Path     []crumb // from level one down to the group itself
}

func (n *groupNode) ParentID() string {
	if len(n.Path) < 2 {
		return ""
	}
	return n.Path[len(n.Path)-2].ID
}

func (n *groupNode) PathText() string {
	names := make([]string, len(n.Path))
	for i, p := range n.Path {
		names[i] = p.Name
	}
	return strings.Join(names, " / ")
}

func nodeOf(g *types.HierarchyGroup) *groupNode {
	n := &groupNode{ID: aws.ToString(g.Id), Name: aws.ToString(g.Name)}
	if id := aws.ToString(g.LevelId); len(id) == 1 && id[0] >= '1' && id[0] <= '5' {
		n.Level = int(id[0] - '0')
	}
	if p := g.HierarchyPath; p != nil {
		for _, s := range []*types.HierarchyGroupSummary{p.LevelOne, p.LevelTwo, p.LevelThree, p.LevelFour, p.LevelFive} {
			if s != nil {
				n.Path = append(n.Path, crumb{ID: aws.ToString(s.Id), Name: aws.ToString(s.Name)})
			}
		}
	}
	if len(n.Path) == 0 || n.Path[len(n.Path)-1].ID != n.ID {
		n.Path = append(n.Path, crumb{ID: n.ID, Name: n.Name})
	}
	return n
}

// groupTree is every group of the instance with its path. ListUserHierarchyGroups names groups
// but not their parents, so each group is described once; a request loads the tree at most once.
type groupTree struct {
	byID   map[string]*groupNode
	sorted []*groupNode // by path
}

func (q *req) groups() (*groupTree, error) {
	if q.tree != nil {
		return q.tree, nil
	}
	var ids []string
	p := connect.NewListUserHierarchyGroupsPaginator(q.api, &connect.ListUserHierarchyGroupsInput{InstanceId: q.in, MaxResults: aws.Int32(1000)})
	for p.HasMorePages() {
		out, err := p.NextPage(q.ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range out.UserHierarchyGroupSummaryList {
			ids = append(ids, aws.ToString(g.Id))
		}
	}
	nodes := make([]*groupNode, len(ids))
	err := forEach(len(ids), func(i int) error {
		out, err := q.api.DescribeUserHierarchyGroup(q.ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: q.in, HierarchyGroupId: aws.String(ids[i])})
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			return nil // deleted since the list: leave it out
		}
		if err != nil {
			return err
		}
		nodes[i] = nodeOf(out.HierarchyGroup)
		return nil
	})
	if err != nil {
		return nil, err
	}
	t := &groupTree{byID: map[string]*groupNode{}}
	for _, n := range nodes {
		if n != nil {
			t.byID[n.ID] = n
			t.sorted = append(t.sorted, n)
		}
	}
	sort.Slice(t.sorted, func(i, j int) bool {
		return strings.ToLower(t.sorted[i].PathText()) < strings.ToLower(t.sorted[j].PathText())
	})
	q.tree = t
	return t, nil
}

// children returns the groups directly under parent ("" for the level-one groups).
func (t *groupTree) children(parent string) []*groupNode {
	var out []*groupNode
	for _, n := range t.sorted {
		if n.ParentID() == parent {
			out = append(out, n)
		}
	}
	return out
}

// forEach runs fn for 0..n-1 with bounded parallelism and returns the first error.
func forEach(n int, fn func(i int) error) error {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	sem := make(chan struct{}, parallel)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(i); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// userCounts counts the users directly in each group: SearchUsers returns the count with a page
// of one, so each group costs one call.
func (q *req) userCounts(ids []string) (map[string]int64, error) {
	counts := make([]int64, len(ids))
	err := forEach(len(ids), func(i int) error {
		out, err := q.api.SearchUsers(q.ctx, &connect.SearchUsersInput{InstanceId: q.in, MaxResults: aws.Int32(1),
			SearchCriteria: &types.UserSearchCriteria{HierarchyGroupCondition: &types.HierarchyGroupCondition{
				Value: aws.String(ids[i]), HierarchyGroupMatchType: types.HierarchyGroupMatchTypeExact}}})
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

func (q *req) levels() ([]level, error) {
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

func hierarchyURL(group string) string {
	if group == "" {
		return Prefix + "hierarchy"
	}
	return Prefix + "hierarchy?group=" + url.QueryEscape(group)
}

type groupRow struct {
	*groupNode
	Users     int64
	LevelName string
}

type hierarchyData struct {
	Levels    []level
	Current   *groupRow // nil at the top
	Children  []groupRow
	NextLevel string // the level name of groups added here; "" when no level is below
}

func (c *console) hierarchyPage(q *req) {
	levels, err := q.levels()
	if err != nil {
		q.fail(c, err)
		return
	}
	d := hierarchyData{Levels: levels}
	tree, err := q.groups()
	if err != nil {
		q.fail(c, err)
		return
	}
	depth := 0
	ids := []string{}
	if id := q.r.URL.Query().Get("group"); id != "" {
		n := tree.byID[id]
		if n == nil {
			c.render(q.w, q.s, http.StatusNotFound, "error.html", "Not found", "hierarchy", "No hierarchy group has the id "+id+".")
			return
		}
		d.Current = &groupRow{groupNode: n, LevelName: levelName(levels, n.Level)}
		depth = n.Level
		ids = append(ids, n.ID)
	}
	for _, n := range tree.children(q.r.URL.Query().Get("group")) {
		d.Children = append(d.Children, groupRow{groupNode: n, LevelName: levelName(levels, n.Level)})
		ids = append(ids, n.ID)
	}
	if depth < len(levels) {
		d.NextLevel = levels[depth].Name
	}
	counts, err := q.userCounts(ids)
	if err != nil {
		q.fail(c, err)
		return
	}
	if d.Current != nil {
		d.Current.Users = counts[d.Current.ID]
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
		d.Names[i] = strings.TrimSpace(q.r.PostFormValue("level" + string(rune('1'+i))))
	}
	var upd types.HierarchyStructureUpdate
	slots := []**types.HierarchyLevelUpdate{&upd.LevelOne, &upd.LevelTwo, &upd.LevelThree, &upd.LevelFour, &upd.LevelFive}
	gap := false
	for i, name := range d.Names {
		switch {
		case name == "":
			gap = true
		case gap:
			d.Error = "Level names must be filled from level 1 down, without a gap."
		default:
			*slots[i] = &types.HierarchyLevelUpdate{Name: aws.String(name)}
		}
	}
	if d.Error == "" {
		_, err := q.api.UpdateUserHierarchyStructure(q.ctx, &connect.UpdateUserHierarchyStructureInput{InstanceId: q.in, HierarchyStructure: &upd})
		if err == nil {
			q.redirect(c, hierarchyURL(""), false, "Saved the user hierarchy structure.")
			return
		}
		d.Error = apiMessage(err)
	}
	c.render(q.w, q.s, http.StatusUnprocessableEntity, "structure.html", "Hierarchy structure", "hierarchy", d)
}

func (c *console) createGroup(q *req) {
	name := strings.TrimSpace(q.r.PostFormValue("name"))
	parent := q.r.PostFormValue("parent")
	in := &connect.CreateUserHierarchyGroupInput{InstanceId: q.in, Name: aws.String(name)}
	if parent != "" {
		in.ParentGroupId = aws.String(parent)
	}
	if _, err := q.api.CreateUserHierarchyGroup(q.ctx, in); err != nil {
		q.redirect(c, hierarchyURL(parent), true, "Could not add "+name+": "+apiMessage(err))
		return
	}
	q.redirect(c, hierarchyURL(parent), false, "Added "+name+".")
}

func (c *console) renameGroup(q *req) {
	name := strings.TrimSpace(q.r.PostFormValue("name"))
	back := q.r.PostFormValue("back")
	_, err := q.api.UpdateUserHierarchyGroupName(q.ctx, &connect.UpdateUserHierarchyGroupNameInput{InstanceId: q.in,
		HierarchyGroupId: aws.String(q.r.PathValue("id")), Name: aws.String(name)})
	if err != nil {
		q.redirect(c, hierarchyURL(back), true, "Could not rename to "+name+": "+apiMessage(err))
		return
	}
	q.redirect(c, hierarchyURL(back), false, "Renamed to "+name+".")
}

func (q *req) describeGroup() (*types.HierarchyGroup, error) {
	out, err := q.api.DescribeUserHierarchyGroup(q.ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: q.in, HierarchyGroupId: aws.String(q.r.PathValue("id"))})
	if err != nil {
		return nil, err
	}
	return out.HierarchyGroup, nil
}

func (c *console) deleteGroupForm(q *req) {
	g, err := q.describeGroup()
	if err != nil {
		q.fail(c, err)
		return
	}
	n := nodeOf(g)
	counts, err := q.userCounts([]string{n.ID})
	if err != nil {
		q.fail(c, err)
		return
	}
	q.render(c, "group_delete.html", "Delete "+n.Name, "hierarchy", groupRow{groupNode: n, Users: counts[n.ID]})
}

func (c *console) deleteGroup(q *req) {
	parent := q.r.PostFormValue("parent")
	name := q.r.PostFormValue("name")
	_, err := q.api.DeleteUserHierarchyGroup(q.ctx, &connect.DeleteUserHierarchyGroupInput{InstanceId: q.in, HierarchyGroupId: aws.String(q.r.PathValue("id"))})
	if err != nil {
		q.redirect(c, hierarchyURL(parent), true, "Could not delete "+name+": "+apiMessage(err))
		return
	}
	q.redirect(c, hierarchyURL(parent), false, "Deleted "+name+".")
}

type groupJSONData struct {
	*groupNode
	JSON string
}

func (c *console) groupJSON(q *req) {
	g, err := q.describeGroup()
	if err != nil {
		q.fail(c, err)
		return
	}
	q.render(c, "group.html", aws.ToString(g.Name), "hierarchy", groupJSONData{groupNode: nodeOf(g), JSON: prettyJSON(map[string]any{"HierarchyGroup": g})})
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
