package console

import (
	"context"
	"errors"
	"maps"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"golang.org/x/sync/errgroup"
)

// now is the clock trees are stamped with (a variable for tests).
var now = time.Now

// parallel bounds concurrent API calls made for one page: enough to hide latency, few enough
// not to trip the service's per-account rate limits.
const parallel = 8

// groupNode is one hierarchy group as the cache keeps it: enough to draw the tree and every path.
type groupNode struct {
	ID, Name, ARN string
	Level         int    // 1 to 5
	Parent        string // "" at level one
}

type crumb struct{ ID, Name string }

// groupTree is every group of an instance. A tree never changes once built: a write makes a new
// one, so a page can read the tree it got without locks while another tab of the session writes.
type groupTree struct {
	byID     map[string]*groupNode
	children map[string][]*groupNode // by parent id ("" for level one), sorted by name
	loaded   time.Time               // when it was read from the service; writes keep it

	sortOnce sync.Once
	sorted   []*groupNode // every group by path, built on first use (the user forms' select)
}

func newTree(byID map[string]*groupNode, loaded time.Time) *groupTree {
	t := &groupTree{byID: byID, children: map[string][]*groupNode{}, loaded: loaded}
	for _, n := range byID {
		t.children[n.Parent] = append(t.children[n.Parent], n)
	}
	for _, list := range t.children {
		sort.Slice(list, func(i, j int) bool { return lessName(list[i].Name, list[i].ID, list[j].Name, list[j].ID) })
	}
	return t
}

func lessName(a, aID, b, bID string) bool {
	if la, lb := strings.ToLower(a), strings.ToLower(b); la != lb {
		return la < lb
	}
	return aID < bID
}

// path is the group's crumbs from level one down to the group itself.
func (t *groupTree) path(id string) []crumb {
	var rev []crumb
	for n := t.byID[id]; n != nil && len(rev) < 5; n = t.byID[n.Parent] {
		rev = append(rev, crumb{ID: n.ID, Name: n.Name})
		if n.Parent == "" {
			break
		}
	}
	out := make([]crumb, len(rev))
	for i, c := range rev {
		out[len(rev)-1-i] = c
	}
	return out
}

func pathText(p []crumb) string {
	names := make([]string, len(p))
	for i, c := range p {
		names[i] = c.Name
	}
	return strings.Join(names, " / ")
}

// all returns every group with its path text, ordered by path.
func (t *groupTree) all() []option {
	t.sortOnce.Do(func() {
		t.sorted = make([]*groupNode, 0, len(t.byID))
		for _, n := range t.byID {
			t.sorted = append(t.sorted, n)
		}
		sort.Slice(t.sorted, func(i, j int) bool {
			return lessName(pathText(t.path(t.sorted[i].ID)), t.sorted[i].ID, pathText(t.path(t.sorted[j].ID)), t.sorted[j].ID)
		})
	})
	out := make([]option, len(t.sorted))
	for i, n := range t.sorted {
		out[i] = option{ID: n.ID, Name: pathText(t.path(n.ID))}
	}
	return out
}

// resolve finds the group a person typed into a group picker: its id, its path as the picker
// shows it ("Earth / Europe / Dublin"), or any unique part of that path ("Dub"). msg says why
// nothing was chosen.
func (t *groupTree) resolve(text string) (id, msg string) {
	text = strings.TrimSpace(text)
	if t.byID[text] != nil {
		return text, ""
	}
	want := normPath(text)
	var byName, inName, inPath []option
	for _, o := range t.all() {
		p := normPath(o.Name)
		if p == want {
			return o.ID, ""
		}
		own := p[strings.LastIndex(p, "/")+1:]
		switch {
		case strings.TrimSpace(own) == want:
			byName = append(byName, o)
		case strings.Contains(own, want):
			inName = append(inName, o)
		case strings.Contains(p, want):
			inPath = append(inPath, o)
		}
	}
	// A group's own name counts before its ancestors' names: "Dub" is Dublin, not Dublin's teams.
	matches := byName
	if len(matches) == 0 {
		matches = inName
	}
	if len(matches) == 0 {
		matches = inPath
	}
	switch len(matches) {
	case 0:
		return "", "No hierarchy group is called “" + text + "”."
	case 1:
		return matches[0].ID, ""
	}
	names := make([]string, 0, 4)
	for _, m := range matches[:min(len(matches), 3)] {
		names = append(names, m.Name)
	}
	more := ""
	if len(matches) > 3 {
		more = " and " + strconv.Itoa(len(matches)-3) + " more"
	}
	return "", "“" + text + "” matches " + strconv.Itoa(len(matches)) + " groups (" + strings.Join(names, "; ") + more + "): type more of the path, or pick one from the list."
}

// normPath lower-cases a path and spaces its separators alike, so "earth/europe" finds
// "Earth / Europe".
func normPath(p string) string {
	parts := strings.Split(strings.ToLower(p), "/")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return strings.Join(parts, " / ")
}

// The changes below are the console's own writes, applied to the cached tree instead of reading
// the tree again. Each is idempotent, so that it can also be replayed onto a tree whose load was
// running when the write was made (and may or may not have seen it). A nil result drops the cache:
// the write shows that the cache was wrong.

// added is the tree with a group just created under parent ("" for level one).
func added(id, name, arn, parent string) func(*groupTree) *groupTree {
	return func(t *groupTree) *groupTree {
		level := 1
		if parent != "" {
			p := t.byID[parent]
			if p == nil {
				return nil
			}
			level = p.Level + 1
		}
		m := maps.Clone(t.byID)
		m[id] = &groupNode{ID: id, Name: name, ARN: arn, Level: level, Parent: parent}
		return newTree(m, t.loaded)
	}
}

// renamed is the tree with a group's new name.
func renamed(id, name string) func(*groupTree) *groupTree {
	return func(t *groupTree) *groupTree {
		n := t.byID[id]
		if n == nil {
			return nil
		}
		c := *n
		c.Name = name
		m := maps.Clone(t.byID)
		m[id] = &c
		return newTree(m, t.loaded)
	}
}

// deleted is the tree without a group (and, should the service ever allow deleting a group that
// has subgroups, without those).
func deleted(id string) func(*groupTree) *groupTree {
	return func(t *groupTree) *groupTree {
		if t.byID[id] == nil {
			return t
		}
		m := maps.Clone(t.byID)
		gone := []string{id}
		for len(gone) > 0 {
			g := gone[len(gone)-1]
			gone = gone[:len(gone)-1]
			delete(m, g)
			for _, c := range t.children[g] {
				gone = append(gone, c.ID)
			}
		}
		return newTree(m, t.loaded)
	}
}

func dropped(*groupTree) *groupTree { return nil }

// groupCache is a session's copy of its instance's group tree, loaded on first need: reading the
// tree costs a describe per group, and the real service answers about two calls a second.
type groupCache struct {
	mu      sync.Mutex
	tree    *groupTree
	loading chan struct{}                 // while one request of the session loads; closed when it ends
	pending []func(*groupTree) *groupTree // writes made during that load, replayed onto its result
}

// get returns the tree, loading it if there is none; fresh says whether this call loaded it.
// Requests of one session that need it at once wait for a single load rather than each making
// their own.
func (gc *groupCache) get(ctx context.Context, load func() (*groupTree, error)) (t *groupTree, fresh bool, err error) {
	for {
		gc.mu.Lock()
		if t := gc.tree; t != nil {
			gc.mu.Unlock()
			return t, false, nil
		}
		if ch := gc.loading; ch != nil {
			gc.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, false, ctx.Err()
			}
		}
		ch := make(chan struct{})
		gc.loading, gc.pending = ch, nil
		gc.mu.Unlock()

		t, err := load()

		gc.mu.Lock()
		for _, fn := range gc.pending {
			if t != nil {
				t = fn(t)
			}
		}
		if err == nil {
			gc.tree = t // nil if a write during the load dropped it: the loop loads again
		}
		gc.loading, gc.pending = nil, nil
		close(ch)
		gc.mu.Unlock()
		if err != nil {
			return nil, false, err
		}
		if t != nil {
			return t, true, nil
		}
	}
}

// swap replaces the cached tree by a freshened copy, unless a write or a reload replaced it
// meanwhile (the next page freshens that one).
func (gc *groupCache) swap(old, t *groupTree) {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	if gc.tree == old && gc.loading == nil {
		gc.tree = t
	}
}

// peek returns the tree if one is loaded, without loading or freshening it.
func (gc *groupCache) peek() *groupTree {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	return gc.tree
}

// change applies one of the console's writes to the cached tree, and to a load in progress.
func (gc *groupCache) change(fn func(*groupTree) *groupTree) {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	if gc.tree != nil {
		gc.tree = fn(gc.tree)
	}
	if gc.loading != nil {
		gc.pending = append(gc.pending, fn)
	}
}

// groups returns the session's group tree (the same one for the whole request), brought up to
// date with one ListUserHierarchyGroups: groups made, renamed or deleted elsewhere show at once.
func (q *req) groups() (*groupTree, error) {
	if q.tree != nil {
		return q.tree, nil
	}
	t, fresh, err := q.gc.get(q.ctx, q.loadGroups)
	if err != nil {
		return nil, err
	}
	if !fresh {
		nt, err := q.freshen(t)
		if err != nil {
			return nil, err
		}
		q.gc.swap(t, nt)
		t = nt
	}
	q.tree = t
	return t, nil
}

// listGroups returns every group's id, name and ARN: the names are current, the levels and
// parents (which never change) are not given.
func (q *req) listGroups() ([]types.HierarchyGroupSummary, error) {
	var all []types.HierarchyGroupSummary
	p := connect.NewListUserHierarchyGroupsPaginator(q.api, &connect.ListUserHierarchyGroupsInput{InstanceId: q.in, MaxResults: aws.Int32(1000)})
	for p.HasMorePages() {
		out, err := p.NextPage(q.ctx)
		if err != nil {
			return nil, err
		}
		all = append(all, out.UserHierarchyGroupSummaryList...)
	}
	return all, nil
}

// freshen compares a cached tree with the service's list of groups: a group's level and parent
// never change, so only new groups are described; renames come with the list, and deleted
// groups drop out. The cached tree is not changed (pages of the session may be reading it).
func (q *req) freshen(t *groupTree) (*groupTree, error) {
	start := now()
	list, err := q.listGroups()
	if err != nil {
		return nil, err
	}
	var m map[string]*groupNode
	edit := func() {
		if m == nil {
			m = maps.Clone(t.byID)
		}
	}
	seen := make(map[string]bool, len(list))
	var unknown []string
	arns := map[string]string{}
	for _, g := range list {
		id, name := aws.ToString(g.Id), aws.ToString(g.Name)
		seen[id] = true
		arns[id] = aws.ToString(g.Arn)
		n := t.byID[id]
		switch {
		case n == nil:
			unknown = append(unknown, id)
		case n.Name != name:
			edit()
			c := *n
			c.Name = name
			m[id] = &c
		}
	}
	for id := range t.byID {
		if !seen[id] {
			edit()
			delete(m, id)
		}
	}
	if len(unknown) > 0 {
		edit()
		if err := q.describeGroups(unknown, arns, m); err != nil {
			return nil, err
		}
	}
	if m == nil {
		return t, nil
	}
	return newTree(m, start), nil
}

// loadGroups reads the tree from the service. ListUserHierarchyGroups names the groups but not
// their levels or parents, so groups are described.
func (q *req) loadGroups() (*groupTree, error) {
	start := now()
	list, err := q.listGroups()
	if err != nil {
		return nil, err
	}
	arns := map[string]string{}
	ids := make([]string, len(list))
	for i, g := range list {
		ids[i] = aws.ToString(g.Id)
		arns[ids[i]] = aws.ToString(g.Arn)
	}
	nodes := map[string]*groupNode{}
	if err := q.describeGroups(ids, arns, nodes); err != nil {
		return nil, err
	}
	return newTree(nodes, start), nil
}

// describeGroups adds the groups ids to nodes, describing them; each answer also names all the
// group's ancestors, and a group already learnt that way is not described again.
func (q *req) describeGroups(ids []string, arns map[string]string, nodes map[string]*groupNode) error {
	var mu sync.Mutex
	known := func(id string) bool {
		mu.Lock()
		defer mu.Unlock()
		return nodes[id] != nil
	}
	return forEach(q.ctx, len(ids), func(ctx context.Context, i int) error {
		id := ids[i]
		if known(id) {
			return nil
		}
		out, err := q.api.DescribeUserHierarchyGroup(ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: q.in, HierarchyGroupId: aws.String(id)})
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			return nil // deleted since the list: leave it out
		}
		if err != nil {
			return err
		}
		g := out.HierarchyGroup
		mu.Lock()
		defer mu.Unlock()
		parent := ""
		if hp := g.HierarchyPath; hp != nil {
			for i, s := range []*types.HierarchyGroupSummary{hp.LevelOne, hp.LevelTwo, hp.LevelThree, hp.LevelFour, hp.LevelFive} {
				if s == nil {
					break
				}
				sid := aws.ToString(s.Id)
				if sid == id {
					break
				}
				if nodes[sid] == nil {
					arn := aws.ToString(s.Arn)
					if arn == "" {
						arn = arns[sid]
					}
					nodes[sid] = &groupNode{ID: sid, Name: aws.ToString(s.Name), ARN: arn, Level: i + 1, Parent: parent}
				}
				parent = sid
			}
		}
		n := &groupNode{ID: id, Name: aws.ToString(g.Name), ARN: aws.ToString(g.Arn), Parent: parent}
		if l := aws.ToString(g.LevelId); len(l) == 1 && l[0] >= '1' && l[0] <= '5' {
			n.Level = int(l[0] - '0')
		}
		nodes[id] = n
		return nil
	})
}

// forEach runs fn for 0..n-1, parallel calls at once, and returns the first error; after an
// error it starts no more calls and cancels those running.
func forEach(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return fn(gctx, i) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err() // the request's own context ended (gctx always has, once Wait returns)
}

// together runs a page's independent reads at once, and returns the first error: a page then
// waits for its slowest read rather than for the sum of them, which on Amazon Connect (tens of
// milliseconds a call) is most of a page's time.
func together(reads ...func() error) error {
	var g errgroup.Group
	for _, r := range reads {
		g.Go(r)
	}
	return g.Wait()
}

// read adapts a request's memoised reader (q.groups, q.profileNames, q.levels) to together.
func read[T any](fn func() (T, error)) func() error {
	return func() error { _, err := fn(); return err }
}
