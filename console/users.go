package console

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
)

// pageSize is the users per list page: SearchUsers pages by token, so the list costs one call
// per page however many users the instance has.
const pageSize = 50

type option struct{ ID, Name string }

// profileNames names the instance's routing and security profiles (one listing per request).
type profileNames struct {
	routing, security []option
	rp, sp            map[string]string
}

func (q *req) profileNames() (*profileNames, error) {
	if q.profiles != nil {
		return q.profiles, nil
	}
	p := &profileNames{rp: map[string]string{}, sp: map[string]string{}}
	rps := connect.NewListRoutingProfilesPaginator(q.api, &connect.ListRoutingProfilesInput{InstanceId: q.in, MaxResults: aws.Int32(1000)})
	for rps.HasMorePages() {
		out, err := rps.NextPage(q.ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range out.RoutingProfileSummaryList {
			p.routing = append(p.routing, option{aws.ToString(s.Id), aws.ToString(s.Name)})
			p.rp[aws.ToString(s.Id)] = aws.ToString(s.Name)
		}
	}
	sps := connect.NewListSecurityProfilesPaginator(q.api, &connect.ListSecurityProfilesInput{InstanceId: q.in, MaxResults: aws.Int32(1000)})
	for sps.HasMorePages() {
		out, err := sps.NextPage(q.ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range out.SecurityProfileSummaryList {
			p.security = append(p.security, option{aws.ToString(s.Id), aws.ToString(s.Name)})
			p.sp[aws.ToString(s.Id)] = aws.ToString(s.Name)
		}
	}
	byName := func(list []option) {
		sort.Slice(list, func(i, j int) bool { return strings.ToLower(list[i].Name) < strings.ToLower(list[j].Name) })
	}
	byName(p.routing)
	byName(p.security)
	q.profiles = p
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
	tree, err := q.groups()
	if err != nil {
		q.fail(c, err)
		return
	}
	names, err := q.profileNames()
	if err != nil {
		q.fail(c, err)
		return
	}
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
	d.Table, err = c.userTable(q, d.Query, Prefix+"users", base)
	if err != nil {
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
	PhoneType, DeskPhone               string
	AutoAccept                         bool
	ACW                                int32
	RoutingProfileID, RoutingProfile   string
	SecurityProfileIDs                 []string
	SecurityProfiles                   []string
	HierarchyGroupID, HierarchyPath    string
}

func (q *req) describeUser() (*userView, error) {
	out, err := q.api.DescribeUser(q.ctx, &connect.DescribeUserInput{InstanceId: q.in, UserId: aws.String(q.r.PathValue("id"))})
	if err != nil {
		return nil, err
	}
	u := out.User
	names, err := q.profileNames()
	if err != nil {
		return nil, err
	}
	v := &userView{ID: aws.ToString(u.Id), ARN: aws.ToString(u.Arn), Username: aws.ToString(u.Username), DirectoryUserID: aws.ToString(u.DirectoryUserId),
		RoutingProfileID: aws.ToString(u.RoutingProfileId), RoutingProfile: names.rp[aws.ToString(u.RoutingProfileId)],
		SecurityProfileIDs: u.SecurityProfileIds, HierarchyGroupID: aws.ToString(u.HierarchyGroupId)}
	if i := u.IdentityInfo; i != nil {
		v.FirstName, v.LastName, v.Email, v.Mobile = aws.ToString(i.FirstName), aws.ToString(i.LastName), aws.ToString(i.Email), aws.ToString(i.Mobile)
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
		if t := q.s.groups.peek(); t != nil && t.byID[v.HierarchyGroupID] != nil {
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
	u, err := q.describeUser()
	if err != nil {
		q.fail(c, err)
		return
	}
	q.render(c, "user.html", u.Username, "users", u)
}

// ---- create and edit ----

type userForm struct {
	userView
	ACWText          string
	RoutingProfiles  []option
	SecurityProfiles []option
	Groups           []option
	Error            string
}

// choices fills the form's selectable profiles and groups.
func (q *req) choices(f *userForm) error {
	names, err := q.profileNames()
	if err != nil {
		return err
	}
	tree, err := q.groups()
	if err != nil {
		return err
	}
	f.RoutingProfiles, f.SecurityProfiles = names.routing, names.security
	f.Groups = tree.all()
	return nil
}

func (c *console) newUserForm(q *req) {
	f := userForm{ACWText: "0"}
	f.PhoneType = string(types.PhoneTypeSoftPhone)
	if err := q.choices(&f); err != nil {
		q.fail(c, err)
		return
	}
	for _, rp := range f.RoutingProfiles {
		if rp.Name == "Basic Routing Profile" {
			f.RoutingProfileID = rp.ID
		}
	}
	q.render(c, "user_new.html", "Create user", "users", f)
}

// formPhone reads the phone settings of a user form.
func formPhone(r *http.Request) (*types.UserPhoneConfig, string) {
	p := &types.UserPhoneConfig{PhoneType: types.PhoneType(r.PostFormValue("phone_type")), AutoAccept: r.PostFormValue("auto_accept") == "on"}
	if p.PhoneType != types.PhoneTypeSoftPhone && p.PhoneType != types.PhoneTypeDeskPhone {
		return nil, "Choose a phone type."
	}
	if acw := strings.TrimSpace(r.PostFormValue("acw")); acw != "" {
		n, err := strconv.ParseInt(acw, 10, 32)
		if err != nil || n < 0 {
			return nil, "After-contact work time must be a whole number of seconds."
		}
		p.AfterContactWorkTimeLimit = int32(n)
	}
	if desk := strings.TrimSpace(r.PostFormValue("desk_phone")); desk != "" {
		p.DeskPhoneNumber = aws.String(desk)
	}
	return p, ""
}

func optional(s string) *string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return aws.String(s)
}

func formIdentity(r *http.Request) *types.UserIdentityInfo {
	return &types.UserIdentityInfo{FirstName: optional(r.PostFormValue("first_name")), LastName: optional(r.PostFormValue("last_name")),
		Email: optional(r.PostFormValue("email")), Mobile: optional(r.PostFormValue("mobile"))}
}

func (c *console) createUser(q *req) {
	r := q.r
	f := userForm{ACWText: r.PostFormValue("acw")}
	f.Username = strings.TrimSpace(r.PostFormValue("username"))
	f.FirstName, f.LastName = r.PostFormValue("first_name"), r.PostFormValue("last_name")
	f.Email, f.Mobile = r.PostFormValue("email"), r.PostFormValue("mobile")
	f.PhoneType, f.DeskPhone, f.AutoAccept = r.PostFormValue("phone_type"), r.PostFormValue("desk_phone"), r.PostFormValue("auto_accept") == "on"
	f.RoutingProfileID, f.SecurityProfileIDs, f.HierarchyGroupID = r.PostFormValue("routing_profile"), r.PostForm["security_profile"], r.PostFormValue("hierarchy_group")
	phone, msg := formPhone(r)
	if msg == "" {
		out, err := q.api.CreateUser(q.ctx, &connect.CreateUserInput{InstanceId: q.in, Username: aws.String(f.Username),
			Password: optional(r.PostFormValue("password")), IdentityInfo: formIdentity(r), PhoneConfig: phone,
			RoutingProfileId: aws.String(f.RoutingProfileID), SecurityProfileIds: f.SecurityProfileIDs,
			HierarchyGroupId: optional(f.HierarchyGroupID)})
		if err == nil {
			q.redirect(c, Prefix+"users/"+url.PathEscape(aws.ToString(out.UserId)), false, "Created user "+f.Username+".")
			return
		}
		msg = apiMessage(err)
	}
	// Show the form again as it was typed (less the password), with the reason.
	f.Error = msg
	if err := q.choices(&f); err != nil {
		q.fail(c, err)
		return
	}
	c.render(q.w, q.s, http.StatusUnprocessableEntity, "user_new.html", "Create user", "users", f)
}

func (c *console) editUserForm(q *req) {
	u, err := q.describeUser()
	if err != nil {
		q.fail(c, err)
		return
	}
	f := userForm{userView: *u, ACWText: strconv.Itoa(int(u.ACW))}
	if err := q.choices(&f); err != nil {
		q.fail(c, err)
		return
	}
	q.render(c, "user_edit.html", "Edit "+u.Username, "users", f)
}

// updateUser saves one part of a user: each part is its own API call, so each is its own form.
func (c *console) updateUser(q *req) {
	id, r := q.r.PathValue("id"), q.r
	uid := aws.String(id)
	var err error
	switch part := r.PathValue("part"); part {
	case "identity":
		_, err = q.api.UpdateUserIdentityInfo(q.ctx, &connect.UpdateUserIdentityInfoInput{InstanceId: q.in, UserId: uid, IdentityInfo: formIdentity(r)})
	case "phone":
		phone, msg := formPhone(r)
		if msg != "" {
			q.redirect(c, Prefix+"users/"+url.PathEscape(id)+"/edit", true, msg)
			return
		}
		_, err = q.api.UpdateUserPhoneConfig(q.ctx, &connect.UpdateUserPhoneConfigInput{InstanceId: q.in, UserId: uid, PhoneConfig: phone})
	case "routing":
		_, err = q.api.UpdateUserRoutingProfile(q.ctx, &connect.UpdateUserRoutingProfileInput{InstanceId: q.in, UserId: uid, RoutingProfileId: aws.String(r.PostFormValue("routing_profile"))})
	case "security":
		_, err = q.api.UpdateUserSecurityProfiles(q.ctx, &connect.UpdateUserSecurityProfilesInput{InstanceId: q.in, UserId: uid, SecurityProfileIds: r.PostForm["security_profile"]})
	case "hierarchy":
		_, err = q.api.UpdateUserHierarchy(q.ctx, &connect.UpdateUserHierarchyInput{InstanceId: q.in, UserId: uid, HierarchyGroupId: optional(r.PostFormValue("hierarchy_group"))})
	default:
		http.NotFound(q.w, r)
		return
	}
	if err != nil {
		q.redirect(c, Prefix+"users/"+url.PathEscape(id)+"/edit", true, "Not saved: "+apiMessage(err))
		return
	}
	q.redirect(c, Prefix+"users/"+url.PathEscape(id), false, "Saved.")
}

func (c *console) deleteUserForm(q *req) {
	u, err := q.describeUser()
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
