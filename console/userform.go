package console

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir"
)

// fieldError is a problem with one form field: Text in plain words, Detail the API's message.
type fieldError struct{ Text, Detail string }

// outcome is what became of one part of a save.
type outcome struct {
	Part  string
	OK    bool
	Error string
}

type userForm struct {
	userView
	ACWText   string
	GroupText string // the group picker as typed, or the group's path
	Password  bool   // the instance takes passwords (CONNECT_MANAGED)

	RoutingProfiles  []option
	SecurityProfiles []option
	Groups           []option
	Errors           map[string]fieldError // by field name
	Outcomes         []outcome
	Was              map[string]string // each part's fingerprint as the form was loaded
	Error            string            // a problem not tied to a field
}

// Err is the error of a field, for the templates.
func (f *userForm) Err(field string) *fieldError {
	if e, ok := f.Errors[field]; ok {
		return &e
	}
	return nil
}

func (f *userForm) fail(field, text, detail string) {
	if f.Errors == nil {
		f.Errors = map[string]fieldError{}
	}
	if _, dup := f.Errors[field]; !dup {
		f.Errors[field] = fieldError{Text: text, Detail: detail}
	}
}

// The parts of a user, each saved by its own API call, and the form fields of each.
var userParts = []struct {
	key, name string
	fields    []string
}{
	{"identity", "Identity", []string{"first_name", "last_name", "email", "secondary_email", "mobile"}},
	{"phone", "Phone settings", []string{"phone_type", "desk_phone", "auto_accept", "acw"}},
	{"routing", "Routing profile", []string{"routing_profile"}},
	{"security", "Security profiles", []string{"security_profile"}},
	{"hierarchy", "Hierarchy group", []string{"hierarchy_group"}},
	{"tags", "Tags", []string{"tags"}},
}

func fingerprint(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:8])
}

// fingerprints says what each part of the form holds, so that a save sends only the parts that
// changed since the form was loaded, and a change made meanwhile by someone else to another
// part is not overwritten with what the form showed.
func (f *userForm) fingerprints() map[string]string {
	sps := slices.Clone(f.SecurityProfileIDs)
	slices.Sort(sps)
	return map[string]string{
		"identity":  fingerprint(f.FirstName, f.LastName, f.Email, f.SecondaryEmail, f.Mobile),
		"phone":     fingerprint(f.PhoneType, f.DeskPhone, strconv.FormatBool(f.AutoAccept), f.ACWText),
		"routing":   fingerprint(f.RoutingProfileID),
		"security":  fingerprint(sps...),
		"hierarchy": fingerprint(f.HierarchyGroupID),
		"tags":      fingerprint(f.TagText),
	}
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
	if f.GroupText == "" && f.HierarchyGroupID != "" {
		f.GroupText = pathText(tree.path(f.HierarchyGroupID))
	}
	return nil
}

// Limits the console checks before calling the API, from the service model and the Amazon
// Connect console's forms.
const (
	maxNameLen     = 100
	maxEmailLen    = 256
	maxSecProfiles = 10
)

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// readUserForm reads a submitted user form and checks each field, recording problems next to
// their fields. It resolves the group picker's text.
func (q *req) readUserForm(f *userForm) error {
	r := q.r
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.FirstName, f.LastName, f.Email, f.SecondaryEmail, f.Mobile = get("first_name"), get("last_name"), get("email"), get("secondary_email"), get("mobile")
	f.PhoneType, f.DeskPhone, f.AutoAccept, f.ACWText = get("phone_type"), get("desk_phone"), r.PostFormValue("auto_accept") == "on", get("acw")
	f.RoutingProfileID, f.SecurityProfileIDs, f.GroupText = get("routing_profile"), r.PostForm["security_profile"], get("hierarchy_group")
	if f.ACWText == "" {
		f.ACWText = "0"
	}
	for _, n := range []struct{ field, label, v string }{{"first_name", "first name", f.FirstName}, {"last_name", "last name", f.LastName}} {
		switch {
		case n.v == "":
			f.fail(n.field, "Enter a "+n.label+".", "")
		case utf8.RuneCountInString(n.v) > maxNameLen:
			f.fail(n.field, "A "+n.label+" can have at most "+strconv.Itoa(maxNameLen)+" characters; this one has "+strconv.Itoa(utf8.RuneCountInString(n.v))+".", "")
		}
	}
	for _, e := range []struct{ field, v string }{{"email", f.Email}, {"secondary_email", f.SecondaryEmail}} {
		if e.v != "" && (len(e.v) > maxEmailLen || !connectdir.ValidEmail(e.v)) {
			f.fail(e.field, "This is not an email address (name@example.com).", "")
		}
	}
	if f.Mobile != "" && !e164.MatchString(f.Mobile) {
		f.fail("mobile", "Write the mobile number in international form: a + and the country code, then the number, no spaces (+353861234567).", "")
	}
	switch types.PhoneType(f.PhoneType) {
	case types.PhoneTypeSoftPhone:
	case types.PhoneTypeDeskPhone:
		if f.DeskPhone == "" {
			f.fail("desk_phone", "A desk phone needs its number.", "")
		}
	default:
		f.fail("phone_type", "Choose soft phone or desk phone.", "")
	}
	if f.DeskPhone != "" && !e164.MatchString(f.DeskPhone) {
		f.fail("desk_phone", "Write the desk phone number in international form: a + and the country code, then the number, no spaces (+12065550100).", "")
	}
	if n, err := strconv.ParseInt(f.ACWText, 10, 32); err != nil || n < 0 {
		f.fail("acw", "After-contact work time is a whole number of seconds, 0 for no limit.", "")
	}
	if f.RoutingProfileID == "" {
		f.fail("routing_profile", "Choose a routing profile.", "")
	}
	switch n := len(f.SecurityProfileIDs); {
	case n == 0:
		f.fail("security_profile", "Choose at least one security profile.", "")
	case n > maxSecProfiles:
		f.fail("security_profile", "Choose at most "+strconv.Itoa(maxSecProfiles)+" security profiles.", "")
	}
	if tags, msg := parseTags(r.PostFormValue("tags")); msg != "" {
		f.TagText = r.PostFormValue("tags")
		f.fail("tags", msg, "")
	} else {
		f.Tags, f.TagText = tags, tagText(tags)
	}
	f.HierarchyGroupID = ""
	if f.GroupText != "" {
		tree, err := q.groups()
		if err != nil {
			return err
		}
		id, msg := tree.resolve(f.GroupText)
		if msg != "" {
			f.fail("hierarchy_group", msg, "")
		} else {
			f.HierarchyGroupID, f.GroupText = id, pathText(tree.path(id))
		}
	}
	return nil
}

// apiFieldError turns a refused call into words next to the field it is about. The API names
// the member it refuses (and the SDK, for what it checks itself, says "missing required field,
// CreateUserInput.SecurityProfileIds"); the message is kept as the detail.
func apiFieldError(f *userForm, err error, fallback string) {
	detail := apiMessage(err)
	var dup *types.DuplicateResourceException
	var nf *types.ResourceNotFoundException
	msg := err.Error()
	has := func(member string) bool { return strings.Contains(msg, member) }
	gone := map[string]string{
		"routing_profile":  "Choose a routing profile that exists.",
		"security_profile": "One of these security profiles no longer exists. Reload the page.",
		"hierarchy_group":  "This hierarchy group no longer exists. Pick another.",
	}
	switch {
	case errors.As(err, &nf) && gone[fallback] != "":
		f.fail(fallback, gone[fallback], detail)
	case errors.As(err, &dup) || (has("Username") && strings.Contains(strings.ToLower(msg), "exist")):
		f.fail("username", "Another user already has this username.", detail)
	case has("Username"):
		f.fail("username", "This username cannot be used: use letters, digits and _ - . @ (at most 64 characters on SAML instances).", detail)
	case has("Password"):
		f.fail("password", "The password must be 8 to 64 characters, with an upper-case letter, a lower-case letter and a digit, and no spaces.", detail)
	case has("SecurityProfileId"):
		f.fail("security_profile", "Choose at least one security profile.", detail)
	case has("RoutingProfileId"):
		f.fail("routing_profile", "Choose a routing profile that exists.", detail)
	case has("HierarchyGroupId"):
		f.fail("hierarchy_group", "This hierarchy group no longer exists. Pick another.", detail)
	case has("SecondaryEmail"):
		f.fail("secondary_email", "This secondary email was refused.", detail)
	case has("Email"):
		f.fail("email", "This email was refused: some instances (SAML) keep no email.", detail)
	case has("FirstName"):
		f.fail("first_name", "This first name was refused.", detail)
	case has("LastName"):
		f.fail("last_name", "This last name was refused.", detail)
	case has("Mobile"):
		f.fail("mobile", "This mobile number was refused.", detail)
	case has("DeskPhoneNumber"):
		f.fail("desk_phone", "This desk phone number was refused.", detail)
	case has("Tag"):
		f.fail("tags", "These tags were refused.", detail)
	case has("AfterContactWorkTimeLimit"):
		f.fail("acw", "This after-contact work time was refused.", detail)
	default:
		f.fail(fallback, "The service refused this change.", detail)
	}
}

func (f *userForm) identity() *types.UserIdentityInfo {
	return &types.UserIdentityInfo{FirstName: optional(f.FirstName), LastName: optional(f.LastName),
		Email: optional(f.Email), SecondaryEmail: optional(f.SecondaryEmail), Mobile: optional(f.Mobile)}
}

func (f *userForm) phone() *types.UserPhoneConfig {
	acw, _ := strconv.ParseInt(f.ACWText, 10, 32)
	return &types.UserPhoneConfig{PhoneType: types.PhoneType(f.PhoneType), AutoAccept: f.AutoAccept,
		AfterContactWorkTimeLimit: int32(acw), DeskPhoneNumber: optional(f.DeskPhone)}
}

// nonEmpty is nil for no tags: the API refuses an empty Tags map.
func nonEmpty(tags map[string]string) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	return tags
}

func optional(s string) *string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return aws.String(s)
}

func (c *console) renderForm(q *req, status int, page, title string, f *userForm) {
	if err := q.choices(f); err != nil {
		q.fail(c, err)
		return
	}
	c.render(q.w, q.s, status, page, title, "users", f)
}

// ---- create ----

func (c *console) newUserForm(q *req) {
	f := &userForm{ACWText: "0", Password: true}
	f.PhoneType = string(types.PhoneTypeSoftPhone)
	if err := q.choices(f); err != nil {
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

func (c *console) createUser(q *req) {
	f := &userForm{Password: true}
	f.Username = strings.TrimSpace(q.r.PostFormValue("username"))
	if err := q.readUserForm(f); err != nil {
		q.fail(c, err)
		return
	}
	switch n := utf8.RuneCountInString(f.Username); {
	case n == 0:
		f.fail("username", "Enter a username.", "")
	case n > maxNameLen:
		f.fail("username", "A username can have at most "+strconv.Itoa(maxNameLen)+" characters; this one has "+strconv.Itoa(n)+".", "")
	}
	if len(f.Errors) == 0 {
		out, err := q.api.CreateUser(q.ctx, &connect.CreateUserInput{InstanceId: q.in, Username: aws.String(f.Username),
			Password: optional(q.r.PostFormValue("password")), IdentityInfo: f.identity(), PhoneConfig: f.phone(),
			RoutingProfileId: aws.String(f.RoutingProfileID), SecurityProfileIds: f.SecurityProfileIDs,
			HierarchyGroupId: optional(f.HierarchyGroupID), Tags: nonEmpty(f.Tags)})
		if err == nil {
			q.redirect(c, Prefix+"users/"+url.PathEscape(aws.ToString(out.UserId)), false, "Created user "+f.Username+".")
			return
		}
		apiFieldError(f, err, "username")
	}
	// Show the form again as it was typed (less the password), each problem by its field.
	f.Error = "The user was not created: " + plural(len(f.Errors), "field needs", "fields need") + " a change."
	c.renderForm(q, http.StatusUnprocessableEntity, "user_new.html", "Create user", f)
}

// ---- edit ----

func (c *console) editUserForm(q *req) {
	u, err := q.describeUser(true)
	if err != nil {
		q.fail(c, err)
		return
	}
	f := &userForm{userView: *u, ACWText: strconv.Itoa(int(u.ACW))}
	f.Was = f.fingerprints()
	c.renderForm(q, http.StatusOK, "user_edit.html", "Edit "+u.Username, f)
}

// saveUser saves the parts of a user that changed since the form was loaded, each with its own
// API call as the API requires, and reports each part's outcome. A part whose fields have a
// problem is not sent; the others are.
func (c *console) saveUser(q *req) {
	id := q.r.PathValue("id")
	f := &userForm{}
	f.ID, f.Username = id, q.r.PostFormValue("username")
	if err := q.readUserForm(f); err != nil {
		q.fail(c, err)
		return
	}
	now := f.fingerprints()
	f.Was = map[string]string{}
	uid := aws.String(id)
	var saved []string
	for _, p := range userParts {
		was, inForm := q.r.PostForm["was_"+p.key]
		if !inForm || len(was) == 0 || was[0] == now[p.key] {
			if inForm && len(was) > 0 {
				f.Was[p.key] = was[0]
			}
			// Unchanged: a problem shown in it is not the person's doing, and is not reported.
			for _, fl := range p.fields {
				delete(f.Errors, fl)
			}
			continue
		}
		f.Was[p.key] = was[0]
		bad := false
		for _, fl := range p.fields {
			if _, ok := f.Errors[fl]; ok {
				bad = true
			}
		}
		if bad {
			f.Outcomes = append(f.Outcomes, outcome{Part: p.name, Error: "not saved: see the fields marked below"})
			continue
		}
		var err error
		switch p.key {
		case "identity":
			_, err = q.api.UpdateUserIdentityInfo(q.ctx, &connect.UpdateUserIdentityInfoInput{InstanceId: q.in, UserId: uid, IdentityInfo: f.identity()})
		case "phone":
			_, err = q.api.UpdateUserPhoneConfig(q.ctx, &connect.UpdateUserPhoneConfigInput{InstanceId: q.in, UserId: uid, PhoneConfig: f.phone()})
		case "routing":
			_, err = q.api.UpdateUserRoutingProfile(q.ctx, &connect.UpdateUserRoutingProfileInput{InstanceId: q.in, UserId: uid, RoutingProfileId: aws.String(f.RoutingProfileID)})
		case "security":
			_, err = q.api.UpdateUserSecurityProfiles(q.ctx, &connect.UpdateUserSecurityProfilesInput{InstanceId: q.in, UserId: uid, SecurityProfileIds: f.SecurityProfileIDs})
		case "hierarchy":
			_, err = q.api.UpdateUserHierarchy(q.ctx, &connect.UpdateUserHierarchyInput{InstanceId: q.in, UserId: uid, HierarchyGroupId: optional(f.HierarchyGroupID)})
		case "tags":
			// Tags are kept per key: compare with the user's tags now, so that a tag added
			// meanwhile by someone else under another key stays.
			var out *connect.DescribeUserOutput
			if out, err = q.api.DescribeUser(q.ctx, &connect.DescribeUserInput{InstanceId: q.in, UserId: uid}); err == nil {
				_, err = q.retag(aws.ToString(out.User.Arn), out.User.Tags, f.Tags)
			}
		}
		if err != nil {
			apiFieldError(f, err, p.fields[0])
			f.Outcomes = append(f.Outcomes, outcome{Part: p.name, Error: "not saved: " + apiMessage(err)})
			continue
		}
		f.Was[p.key] = now[p.key] // saved: the next Save does not send it again
		f.Outcomes = append(f.Outcomes, outcome{Part: p.name, OK: true})
		saved = append(saved, strings.ToLower(p.name))
	}
	if len(f.Errors) == 0 {
		msg := "Nothing changed."
		if len(saved) > 0 {
			msg = "Saved " + joinAnd(saved) + "."
		}
		q.redirect(c, Prefix+"users/"+url.PathEscape(id), false, msg)
		return
	}
	f.Error = "Some changes were not saved. What you typed is kept below; correct the marked fields and save again."
	c.renderForm(q, http.StatusUnprocessableEntity, "user_edit.html", "Edit "+f.Username, f)
}

// joinAnd joins "a", "b", "c" as "a, b and c".
func joinAnd(list []string) string {
	if len(list) < 2 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}
