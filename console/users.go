package console

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
)

// pageSize is the users per list page: SearchUsers pages by token, so the list costs one call
// per page however many users the instance has.
const pageSize = 50

type option struct{ ID, Name string }

// profileNames names the instance's routing and security profiles. A session keeps them for
// profileTTL: they change seldom and never through this console, and listing them cost every
// page two calls of Amazon Connect's two a second. A page that meets a profile id they do not
// name lists them again (see known), so a new profile never shows without its name.
type profileNames struct {
	routing, security []option
	rp, sp            map[string]string
	read              time.Time
	cached            bool // taken from the session, not read for this request
}

// profileTTL bounds how long a profile renamed elsewhere shows its old name.
const profileTTL = time.Minute

// known reports whether the names cover a routing profile id and security profile ids.
func (p *profileNames) known(routing string, security []string) bool {
	if _, ok := p.rp[routing]; routing != "" && !ok {
		return false
	}
	for _, id := range security {
		if _, ok := p.sp[id]; !ok {
			return false
		}
	}
	return true
}

// profileNames returns the profile names, the session's if they are recent enough.
func (q *req) profileNames() (*profileNames, error) {
	if q.profiles != nil {
		return q.profiles, nil
	}
	q.c.mu.Lock()
	p := q.s.profiles
	q.c.mu.Unlock()
	if p != nil && time.Since(p.read) < profileTTL {
		cp := *p
		cp.cached = true
		q.profiles = &cp
		return q.profiles, nil
	}
	return q.readProfileNames()
}

// profileNamesFor returns names that cover the profile ids: the request's, or read again when
// they came from the session and miss one (a profile made elsewhere since).
func (q *req) profileNamesFor(routing string, security []string) (*profileNames, error) {
	p, err := q.profileNames()
	if err != nil || !p.cached || p.known(routing, security) {
		return p, err
	}
	return q.readProfileNames()
}

// readProfileNames lists the profiles, for the request and the session.
func (q *req) readProfileNames() (*profileNames, error) {
	p := &profileNames{rp: map[string]string{}, sp: map[string]string{}, read: time.Now()}
	// The two lists are independent: read at once.
	err := together(func() error {
		rps := connect.NewListRoutingProfilesPaginator(q.api, &connect.ListRoutingProfilesInput{InstanceId: q.in, MaxResults: aws.Int32(1000)})
		for rps.HasMorePages() {
			out, err := rps.NextPage(q.ctx)
			if err != nil {
				return err
			}
			for _, s := range out.RoutingProfileSummaryList {
				p.routing = append(p.routing, option{aws.ToString(s.Id), aws.ToString(s.Name)})
				p.rp[aws.ToString(s.Id)] = aws.ToString(s.Name)
			}
		}
		return nil
	}, func() error {
		sps := connect.NewListSecurityProfilesPaginator(q.api, &connect.ListSecurityProfilesInput{InstanceId: q.in, MaxResults: aws.Int32(1000)})
		for sps.HasMorePages() {
			out, err := sps.NextPage(q.ctx)
			if err != nil {
				return err
			}
			for _, s := range out.SecurityProfileSummaryList {
				p.security = append(p.security, option{aws.ToString(s.Id), aws.ToString(s.Name)})
				p.sp[aws.ToString(s.Id)] = aws.ToString(s.Name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	byName := func(list []option) {
		sort.Slice(list, func(i, j int) bool { return strings.ToLower(list[i].Name) < strings.ToLower(list[j].Name) })
	}
	byName(p.routing)
	byName(p.security)
	q.profiles = p
	q.c.mu.Lock()
	if q.s.instanceID == q.inst { // not switched to another instance meanwhile
		q.s.profiles = p
	}
	q.c.mu.Unlock()
	return p, nil
}

// ---- list ----

type userListData struct {
	Table            userTable
	Query            userQuery
	GroupText        string // the group filter as typed, or the chosen group's path
	GroupError       string
	Groups           []option // for the group picker
	RoutingProfiles  []option
	SecurityProfiles []option
	Filtered         bool
}

func (c *console) userList(q *req) {
	v := q.r.URL.Query()
	d := userListData{Query: userQuery{Text: strings.TrimSpace(v.Get("q")), Routing: v.Get("rp"), Security: v.Get("sp"), Direct: v.Get("scope") == "direct"}}
	d.GroupText = strings.TrimSpace(v.Get("group"))
	if err := together(read(q.groups), read(q.profileNames)); err != nil {
		q.fail(c, err)
		return
	}
	tree, names := q.tree, q.profiles
	d.Groups, d.RoutingProfiles, d.SecurityProfiles = tree.all(), names.routing, names.security
	base := url.Values{}
	for _, k := range []string{"q", "rp", "sp", "scope"} {
		if x := strings.TrimSpace(v.Get(k)); x != "" {
			base.Set(k, x)
		}
	}
	if d.GroupText != "" {
		id, msg := tree.resolve(d.GroupText)
		if msg != "" {
			d.GroupError = msg
			c.render(q.w, q.s, http.StatusUnprocessableEntity, "users.html", "Users", "users", d)
			return
		}
		d.Query.GroupID, d.GroupText = id, pathText(tree.path(id))
		base.Set("group", id)
	}
	d.Filtered = len(base) > 0
	var err error
	if d.Table, err = c.userTable(q, d.Query, Prefix+"users", base); err != nil {
		q.fail(c, err)
		return
	}
	q.render(c, "users.html", "Users", "users", d)
}

// Bounds on the users-page tokens a session remembers.
const (
	maxSearches      = 20
	maxPagesPerQuery = 1000
)

// rememberPages records the token that opened a page of a search and the one that opens the
// next page: SearchUsers tokens only lead forward, so going back needs the tokens already seen.
func (c *console) rememberPages(s *session, query string, page int, token, next string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.userPages == nil || (s.userPages[query] == nil && len(s.userPages) >= maxSearches) {
		s.userPages = map[string]map[int]string{}
	}
	pages := s.userPages[query]
	if pages == nil || len(pages) >= maxPagesPerQuery {
		pages = map[int]string{}
		s.userPages[query] = pages
	}
	if page > 1 {
		pages[page] = token
	}
	if next != "" {
		pages[page+1] = next
	}
}

// pageToken returns the token that opens a page of a search, if the session has seen it.
func (c *console) pageToken(s *session, query string, page int) (string, bool) {
	if page <= 1 {
		return "", true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	tok, ok := s.userPages[query][page]
	return tok, ok
}

// ---- detail ----

type userView struct {
	ID, ARN, Username, DirectoryUserID string
	FirstName, LastName, Email, Mobile string
	SecondaryEmail                     string
	PhoneType, DeskPhone               string
	AutoAccept                         bool
	ACW                                int32
	RoutingProfileID, RoutingProfile   string
	SecurityProfileIDs                 []string
	SecurityProfiles                   []string
	HierarchyGroupID, HierarchyPath    string
	Tags                               map[string]string
	TagText                            string // the tags one key=value a line, as the form edits them
}

func (u *userView) TagList() []tagPair { return tagList(u.Tags) }

// describeUser reads the user of the request's path, with the profile names and, withTree (for a
// page that needs the group tree anyway), the group tree, all at once.
func (q *req) describeUser(withTree bool) (*userView, error) {
	var out *connect.DescribeUserOutput
	reads := []func() error{func() (err error) {
		out, err = q.api.DescribeUser(q.ctx, &connect.DescribeUserInput{InstanceId: q.in, UserId: aws.String(q.r.PathValue("id"))})
		return err
	}, read(q.profileNames)}
	if withTree {
		reads = append(reads, read(q.groups))
	}
	if err := together(reads...); err != nil {
		return nil, err
	}
	u := out.User
	names, err := q.profileNamesFor(aws.ToString(u.RoutingProfileId), u.SecurityProfileIds)
	if err != nil {
		return nil, err
	}
	v := &userView{ID: aws.ToString(u.Id), ARN: aws.ToString(u.Arn), Username: aws.ToString(u.Username), DirectoryUserID: aws.ToString(u.DirectoryUserId),
		RoutingProfileID: aws.ToString(u.RoutingProfileId), RoutingProfile: names.rp[aws.ToString(u.RoutingProfileId)],
		SecurityProfileIDs: u.SecurityProfileIds, HierarchyGroupID: aws.ToString(u.HierarchyGroupId), Tags: u.Tags, TagText: tagText(u.Tags)}
	if i := u.IdentityInfo; i != nil {
		v.FirstName, v.LastName, v.Email, v.Mobile = aws.ToString(i.FirstName), aws.ToString(i.LastName), aws.ToString(i.Email), aws.ToString(i.Mobile)
		v.SecondaryEmail = aws.ToString(i.SecondaryEmail)
	}
	if p := u.PhoneConfig; p != nil {
		v.PhoneType, v.DeskPhone, v.AutoAccept, v.ACW = string(p.PhoneType), aws.ToString(p.DeskPhoneNumber), p.AutoAccept, p.AfterContactWorkTimeLimit
	}
	for _, id := range u.SecurityProfileIds {
		name := names.sp[id]
		if name == "" {
			name = id
		}
		v.SecurityProfiles = append(v.SecurityProfiles, name)
	}
	sort.Strings(v.SecurityProfiles)
	if v.HierarchyGroupID != "" {
		// The session's tree has the path if it is loaded; otherwise one describe gives the whole
		// path, which is cheaper than loading the tree for this page.
		t := q.tree
		if t == nil {
			t = q.gc.peek()
		}
		if t != nil && t.byID[v.HierarchyGroupID] != nil {
			v.HierarchyPath = pathText(t.path(v.HierarchyGroupID))
		} else {
			g, err := q.api.DescribeUserHierarchyGroup(q.ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: q.in, HierarchyGroupId: u.HierarchyGroupId})
			if err != nil {
				return nil, err
			}
			v.HierarchyPath = pathText(pathOf(g.HierarchyGroup))
		}
	}
	return v, nil
}

func (c *console) userDetail(q *req) {
	u, err := q.describeUser(false)
	if err != nil {
		q.fail(c, err)
		return
	}
	q.render(c, "user.html", u.Username, "users", u)
}

func (c *console) deleteUserForm(q *req) {
	u, err := q.describeUser(false)
	if err != nil {
		q.fail(c, err)
		return
	}
	q.render(c, "user_delete.html", "Delete "+u.Username, "users", u)
}

func (c *console) deleteUser(q *req) {
	id := q.r.PathValue("id")
	if _, err := q.api.DeleteUser(q.ctx, &connect.DeleteUserInput{InstanceId: q.in, UserId: aws.String(id)}); err != nil {
		q.redirect(c, Prefix+"users/"+url.PathEscape(id), true, "Could not delete: "+apiMessage(err))
		return
	}
	q.redirect(c, Prefix+"users", false, "Deleted user "+q.r.PostFormValue("username")+".")
}
