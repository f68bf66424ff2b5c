package console

import (
	"context"
	"maps"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
)

// userQuery is what a list of users is narrowed by; every part is optional.
type userQuery struct {
	Text     string // username, first name, last name, "first last", or an email address
	GroupID  string // the group's subtree
	Direct   bool   // only the group itself, not its subgroups
	Routing  string // routing profile id
	Security string // security profile id
}

func contains(field, value string) types.UserSearchCriteria {
	return types.UserSearchCriteria{StringCondition: &types.StringCondition{FieldName: aws.String(field), Value: aws.String(value),
		ComparisonType: types.StringComparisonTypeContains}}
}

func exact(field, value string) types.UserSearchCriteria {
	return types.UserSearchCriteria{StringCondition: &types.StringCondition{FieldName: aws.String(field), Value: aws.String(value),
		ComparisonType: types.StringComparisonTypeExact}}
}

func and(cs ...types.UserSearchCriteria) types.UserSearchCriteria {
	return types.UserSearchCriteria{AndConditions: cs}
}

// maxNameWords bounds the words of a search: each split of "first last" is two conditions.
const maxNameWords = 6

// textCriteria matches text in the username, the first name or the last name, and text of
// several words split anywhere between a first name and a last name, either way round ("Tomás
// Fischer", "Fischer Tomás", "Mary Ann Smith"): SearchUsers has no full-name field.
func textCriteria(text string) types.UserSearchCriteria {
	or := []types.UserSearchCriteria{contains("Username", text), contains("FirstName", text), contains("LastName", text)}
	words := strings.Fields(text)
	if len(words) >= 2 && len(words) <= maxNameWords {
		for i := 1; i < len(words); i++ {
			a, b := strings.Join(words[:i], " "), strings.Join(words[i:], " ")
			or = append(or, and(contains("FirstName", a), contains("LastName", b)), and(contains("LastName", a), contains("FirstName", b)))
		}
	}
	return types.UserSearchCriteria{OrConditions: or}
}

// emailCandidates matches the users an email address may belong to: SearchUsers cannot search
// emails, so it finds users whose username holds the address or its local part, or whose names
// are the local part's pieces ("tomas.fischer@…"); the caller checks their emails.
func emailCandidates(email string) types.UserSearchCriteria {
	local, _, _ := strings.Cut(email, "@")
	or := []types.UserSearchCriteria{contains("Username", email)}
	if local != "" {
		or = append(or, contains("Username", local))
	}
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' })
	if len(parts) >= 2 {
		first, last := parts[0], parts[len(parts)-1]
		or = append(or, and(contains("FirstName", first), contains("LastName", last)), and(contains("FirstName", last), contains("LastName", first)))
	}
	return types.UserSearchCriteria{OrConditions: or}
}

func isEmail(text string) bool { return strings.Contains(text, "@") }

// criteria is the query as SearchUsers criteria; nil matches every user.
func (uq userQuery) criteria() *types.UserSearchCriteria {
	var all []types.UserSearchCriteria
	if uq.GroupID != "" {
		match := types.HierarchyGroupMatchTypeWithChildGroups
		if uq.Direct {
			match = types.HierarchyGroupMatchTypeExact
		}
		all = append(all, types.UserSearchCriteria{HierarchyGroupCondition: &types.HierarchyGroupCondition{Value: aws.String(uq.GroupID), HierarchyGroupMatchType: match}})
	}
	if uq.Routing != "" {
		all = append(all, exact("RoutingProfileId", uq.Routing))
	}
	if uq.Security != "" {
		all = append(all, exact("SecurityProfileId", uq.Security))
	}
	switch {
	case uq.Text == "":
	case isEmail(uq.Text):
		all = append(all, emailCandidates(uq.Text))
	default:
		all = append(all, textCriteria(uq.Text))
	}
	switch len(all) {
	case 0:
		return nil
	case 1:
		return &all[0]
	}
	c := and(all...)
	return &c
}

// ---- a table of users, paged through SearchUsers ----

type userRow struct {
	ID, Username, FirstName, LastName, Email, RoutingProfile string
	GroupID, Hierarchy                                       string
}

type userTable struct {
	Users     []userRow
	Total     int64
	Page      int
	From, To  int
	Next      string // URL of the next page, "" on the last
	Prev      string // URL of the previous page, "" on the first or when its token is not known
	FirstPage string // URL of the first page, "" when on it
	Note      string // how the list was made, when that is not obvious
	Email     bool   // the Email column is filled (an email search)
}

// emailScan bounds the users an email search checks (a DescribeUser each).
const emailScan = 100

// userTable reads one page of the users uq matches. path and base make the page links; the
// request's p and next parameters say which page.
func (c *console) userTable(q *req, uq userQuery, path string, base url.Values) (userTable, error) {
	if err := together(read(q.profileNames), read(q.groups)); err != nil {
		return userTable{}, err
	}
	names, tree := q.profiles, q.tree
	v := q.r.URL.Query()
	page, _ := strconv.Atoi(v.Get("p"))
	page = max(page, 1)
	in := &connect.SearchUsersInput{InstanceId: q.in, MaxResults: aws.Int32(pageSize), SearchCriteria: uq.criteria()}
	if tok := v.Get("next"); tok != "" {
		in.NextToken = aws.String(tok)
	} else {
		page = 1 // without a token the answer is the first page, whatever p says
	}
	email := isEmail(uq.Text)
	if email {
		in.MaxResults, in.NextToken, page = aws.Int32(emailScan), nil, 1
	}
	out, err := q.api.SearchUsers(q.ctx, in)
	if err != nil {
		return userTable{}, err
	}
	d := userTable{Total: aws.ToInt64(out.ApproximateTotalCount), Page: page, Email: email}
	for _, u := range out.Users {
		if names, err = q.profileNamesFor(aws.ToString(u.RoutingProfileId), nil); err != nil {
			return userTable{}, err
		}
		r := userRow{ID: aws.ToString(u.Id), Username: aws.ToString(u.Username), RoutingProfile: names.rp[aws.ToString(u.RoutingProfileId)],
			GroupID: aws.ToString(u.HierarchyGroupId)}
		if u.IdentityInfo != nil {
			r.FirstName, r.LastName = aws.ToString(u.IdentityInfo.FirstName), aws.ToString(u.IdentityInfo.LastName)
		}
		if r.GroupID != "" {
			r.Hierarchy = pathText(tree.path(r.GroupID))
		}
		d.Users = append(d.Users, r)
	}
	if email {
		d.Users, err = q.withEmail(d.Users, uq.Text)
		if err != nil {
			return userTable{}, err
		}
		d.Total = int64(len(d.Users))
		d.Note = "The Connect API cannot search emails: these are the users whose username or name matches the address (" +
			strconv.Itoa(min(len(out.Users), emailScan)) + " checked) and whose email holds it."
	}
	if len(d.Users) > 0 {
		d.From = (page-1)*pageSize + 1
		d.To = d.From + len(d.Users) - 1
	}
	if email {
		return d, nil
	}
	key := base.Encode()
	pageURL := func(p int, tok string) string {
		v := maps.Clone(base)
		if p > 1 {
			v.Set("p", strconv.Itoa(p))
			v.Set("next", tok)
		}
		return path + "?" + v.Encode()
	}
	next := aws.ToString(out.NextToken)
	c.rememberPages(q.s, key, page, aws.ToString(in.NextToken), next)
	if page > 1 {
		d.FirstPage = pageURL(1, "")
		if tok, ok := c.pageToken(q.s, key, page-1); ok {
			d.Prev = pageURL(page-1, tok)
		}
	}
	if next != "" {
		d.Next = pageURL(page+1, next)
	}
	return d, nil
}

// withEmail keeps the users whose email or secondary email holds text, filling their Email.
func (q *req) withEmail(rows []userRow, text string) ([]userRow, error) {
	want := strings.ToLower(text)
	keep := make([]bool, len(rows))
	err := forEach(q.ctx, len(rows), func(ctx context.Context, i int) error {
		out, err := q.api.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: q.in, UserId: aws.String(rows[i].ID)})
		if err != nil {
			return err
		}
		if id := out.User.IdentityInfo; id != nil {
			for _, e := range []string{aws.ToString(id.Email), aws.ToString(id.SecondaryEmail)} {
				if e != "" && strings.Contains(strings.ToLower(e), want) {
					rows[i].Email, keep[i] = e, true
					break
				}
			}
		}
		if strings.EqualFold(rows[i].Username, text) {
			keep[i] = true
		}
		return nil
	})
	var out []userRow
	for i, r := range rows {
		if keep[i] {
			out = append(out, r)
		}
	}
	return out, err
}
