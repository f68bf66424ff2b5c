package hrsync

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/connectdir/connectdir"
)

// RowError is one bad cell (or row, when Column is 0) of an input file.
type RowError struct {
	Row    int // line in the file, the header being line 1
	Column int // 1-based; 0 for the whole row
	Name   string
	Msg    string
}

func (e RowError) Error() string {
	if e.Row == 0 {
		return e.Msg
	}
	if e.Column == 0 {
		return fmt.Sprintf("row %d: %s", e.Row, e.Msg)
	}
	return fmt.Sprintf("row %d, column %d (%s): %s", e.Row, e.Column, e.Name, e.Msg)
}

// RowErrors are all the bad cells of a file; nothing is written while there are any.
type RowErrors []RowError

func (es RowErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return fmt.Sprintf("%d problem(s) in the input:\n  %s", len(es), strings.Join(lines, "\n  "))
}

// column is a field of the input and the names its header may carry, in either format.
type column struct {
	field string
	hr    []string // the HR format's header names
	cons  []string // the Amazon Connect console bulk-upload template's
}

// columns lists every input column. Headers are matched after lower-casing and trimming.
var columns = []column{
	{"username", []string{"username"}, []string{"user login"}},
	{"first_name", []string{"first_name"}, []string{"first name"}},
	{"last_name", []string{"last_name"}, []string{"last name"}},
	{"email", []string{"email"}, []string{"email address"}},
	{"secondary_email", []string{"secondary_email"}, []string{"secondary email address", "secondary email"}},
	{"mobile", []string{"mobile"}, []string{"mobile number", "mobile"}},
	{"password", []string{"password"}, []string{"password"}},
	{"hierarchy", []string{"hierarchy"}, []string{"userhierarchy", "user hierarchy", "user_hierarchy_1|user_hierarchy_2"}},
	{"routing_profile", []string{"routing_profile"}, []string{"routing profile name"}},
	{"security_profiles", []string{"security_profiles"}, []string{"security_profile_name_1|security_profile_name_2"}},
	{"phone_type", []string{"phone_type"}, []string{"phone type (soft/desk)"}},
	{"desk_phone", []string{"desk_phone"}, []string{"phone number"}},
	{"auto_accept", []string{"auto_accept"}, []string{"soft phone auto accept (yes/no)"}},
	{"acw_timeout", []string{"acw_timeout"}, []string{"acw timeout (seconds)"}},
	{"tags", []string{"tags"}, []string{"tags"}},
	// Today's user API, HR format only (the console template has no such columns).
	{"proficiencies", []string{"proficiencies"}, nil},
	{"chat_auto_accept", []string{"chat_auto_accept"}, nil},
	{"chat_acw_timeout", []string{"chat_acw_timeout"}, nil},
	{"task_auto_accept", []string{"task_auto_accept"}, nil},
	{"task_acw_timeout", []string{"task_acw_timeout"}, nil},
	{"email_auto_accept", []string{"email_auto_accept"}, nil},
	{"email_acw_timeout", []string{"email_acw_timeout"}, nil},
}

// fieldOf says which Desired.Fields a column speaks for.
var fieldOf = map[string]Field{
	"first_name": FieldNames, "last_name": FieldNames, "email": FieldEmail, "secondary_email": FieldSecondaryEmail,
	"mobile": FieldMobile, "hierarchy": FieldHierarchy, "routing_profile": FieldRoutingProfile,
	"security_profiles": FieldSecurityProfiles, "phone_type": FieldPhone, "desk_phone": FieldPhone,
	"auto_accept": FieldPhone, "acw_timeout": FieldPhone, "tags": FieldTags,
	"proficiencies": FieldProficiencies, "chat_auto_accept": FieldChannels, "chat_acw_timeout": FieldChannels,
	"task_auto_accept": FieldChannels, "task_acw_timeout": FieldChannels, "email_auto_accept": FieldChannels,
	"email_acw_timeout": FieldChannels,
}

// Format names the two accepted CSV layouts.
const (
	FormatHR      = "hr"
	FormatConsole = "console"
)

// ParseCSV reads an HR file or an Amazon Connect console bulk-upload CSV, telling them apart by
// the header ("username" or "user login"). Every bad cell is reported, not only the first.
func ParseCSV(r io.Reader) (*Desired, string, error) {
	// Excel writes a byte-order mark; strip it from the stream, not the first name, so that a
	// quoted first header ("\ufeff\"username\"") parses too.
	br := bufio.NewReader(r)
	if r, _, err := br.ReadRune(); err == nil && r != '\ufeff' {
		_ = br.UnreadRune()
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // ragged rows get a row error rather than stopping the read
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, "", fmt.Errorf("reading the header: %w", err)
	}
	norm := make([]string, len(header))
	for i, h := range header {
		norm[i] = strings.ToLower(strings.TrimSpace(h))
	}
	format := ""
	switch {
	case slices.Contains(norm, "username"):
		format = FormatHR
	case slices.Contains(norm, "user login"):
		format = FormatConsole
	default:
		return nil, "", errors.New(`unrecognised header: an HR file has a "username" column, a console bulk-upload file a "user login" column`)
	}
	idx := map[string]int{} // field -> column index
	var errs RowErrors
	for i, h := range norm {
		found := false
		for _, c := range columns {
			names := c.hr
			if format == FormatConsole {
				names = c.cons
			}
			if slices.Contains(names, h) {
				if _, dup := idx[c.field]; dup {
					errs = append(errs, RowError{Row: 1, Column: i + 1, Name: header[i], Msg: "column given twice"})
				}
				idx[c.field], found = i, true
			}
		}
		// The console template has grown columns over the years; ignore the ones we do not map.
		if !found && format == FormatHR && h != "" {
			errs = append(errs, RowError{Row: 1, Column: i + 1, Name: header[i], Msg: "unknown column (expected username, first_name, last_name, email, hierarchy, routing_profile, security_profiles, phone_type, desk_phone, auto_accept, acw_timeout, tags, password, proficiencies, chat_auto_accept, chat_acw_timeout, task_auto_accept, task_acw_timeout, email_auto_accept, email_acw_timeout)"})
		}
	}
	for _, must := range []string{"username", "first_name", "last_name", "routing_profile", "security_profiles"} {
		if _, ok := idx[must]; !ok {
			errs = append(errs, RowError{Row: 1, Msg: "missing column " + must})
		}
	}
	if len(errs) > 0 {
		return nil, format, errs
	}
	d := &Desired{}
	for f := range idx {
		d.Fields |= fieldOf[f]
	}
	hierSep := "/"
	if i, ok := idx["hierarchy"]; ok && strings.Contains(norm[i], "|") {
		hierSep = "|"
	}
	seen := map[string]int{} // lower-cased username -> row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A ParseError's column counts characters, not fields: say so rather than pass it off
			// as a column number. The reader goes on with the next line.
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				errs = append(errs, RowError{Row: pe.StartLine, Msg: fmt.Sprintf("line %d, character %d: %v", pe.Line, pe.Column, pe.Err)})
				continue
			}
			return nil, format, err
		}
		line, _ := cr.FieldPos(0) // the line the record starts on (a quoted cell may span lines)
		if blank(rec) {
			continue // an empty line, or one of only separators as spreadsheets write after the data
		}
		u, rowErrs := parseRow(rec, header, idx, line, hierSep)
		if len(rec) != len(header) {
			rowErrs = append(rowErrs, RowError{Row: line, Msg: fmt.Sprintf("has %d columns, the header %d", len(rec), len(header))})
		}
		if first, dup := seen[strings.ToLower(u.Username)]; dup && u.Username != "" {
			rowErrs = append(rowErrs, RowError{Row: line, Column: idx["username"] + 1, Name: header[idx["username"]], Msg: fmt.Sprintf("username %s already on row %d", u.Username, first)})
		} else {
			seen[strings.ToLower(u.Username)] = line
		}
		errs = append(errs, rowErrs...)
		d.Users = append(d.Users, u)
	}
	if len(errs) > 0 {
		return nil, format, errs
	}
	return d, format, nil
}

func parseRow(rec, header []string, idx map[string]int, line int, hierSep string) (User, RowErrors) {
	var errs RowErrors
	get := func(field string) (string, int) {
		i, ok := idx[field]
		if !ok || i >= len(rec) {
			return "", -1
		}
		return strings.TrimSpace(rec[i]), i
	}
	bad := func(i int, format string, args ...any) {
		errs = append(errs, RowError{Row: line, Column: i + 1, Name: header[i], Msg: fmt.Sprintf(format, args...)})
	}
	u := User{Row: line, Phone: Phone{Type: connectdir.SoftPhone}}
	var i int
	u.Username, i = get("username")
	switch n := utf8.RuneCountInString(u.Username); {
	case n == 0 && i >= 0:
		bad(i, "username is required")
	case n > 100:
		bad(i, "username must be at most 100 characters")
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"first_name", &u.FirstName}, {"last_name", &u.LastName}} {
		*f.dst, i = get(f.name)
		if *f.dst == "" && i >= 0 {
			bad(i, "%s is required", f.name)
		} else if utf8.RuneCountInString(*f.dst) > 100 {
			bad(i, "%s must be at most 100 characters", f.name)
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"email", &u.Email}, {"secondary_email", &u.SecondaryEmail}} {
		*f.dst, i = get(f.name)
		if *f.dst != "" && !connectdir.ValidEmail(*f.dst) {
			bad(i, "%q is not an email address", *f.dst)
		}
	}
	u.Mobile, _ = get("mobile")
	u.Password, i = get("password")
	if u.Password != "" {
		if err := connectdir.CheckPasswordPolicy(u.Password); err != nil {
			bad(i, "password: 8 to 64 characters without spaces, with an uppercase letter, a lowercase letter and a digit")
		}
	}
	if h, i := get("hierarchy"); h != "" {
		names := strings.Split(h, hierSep)
		for j := range names {
			names[j] = strings.TrimSpace(names[j])
			if names[j] == "" {
				bad(i, "hierarchy %q has an empty level name", h)
				break
			}
			if hierSep == "|" && strings.Contains(names[j], "/") {
				bad(i, "group name %q contains '/', which paths use as separator", names[j])
			}
		}
		if len(names) > connectdir.MaxLevels {
			bad(i, "hierarchy %q is %d levels deep; Amazon Connect allows %d", h, len(names), connectdir.MaxLevels)
		}
		u.Hierarchy = strings.Join(names, "/")
	}
	u.RoutingProfile, i = get("routing_profile")
	if u.RoutingProfile == "" && i >= 0 {
		bad(i, "routing profile is required")
	}
	sps, i := get("security_profiles")
	for _, p := range strings.FieldsFunc(sps, func(r rune) bool { return r == ';' || r == '|' }) {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(u.SecurityProfiles, p) {
			u.SecurityProfiles = append(u.SecurityProfiles, p)
		}
	}
	slices.Sort(u.SecurityProfiles)
	if i >= 0 && (len(u.SecurityProfiles) == 0 || len(u.SecurityProfiles) > 10) {
		bad(i, "1 to 10 security profiles are required, separated by ';' or '|'")
	}
	if pt, i := get("phone_type"); pt != "" {
		switch strings.ToLower(pt) {
		case "soft", "soft_phone", "softphone":
			u.Phone.Type = connectdir.SoftPhone
		case "desk", "desk_phone", "deskphone":
			u.Phone.Type = connectdir.DeskPhone
		default:
			bad(i, "phone type %q: use soft or desk", pt)
		}
	}
	u.Phone.DeskPhone, i = get("desk_phone")
	if u.Phone.Type == connectdir.DeskPhone && u.Phone.DeskPhone == "" {
		bad(max(i, idx["phone_type"]), "a desk phone needs a phone number")
	}
	if u.Phone.Type == connectdir.SoftPhone {
		u.Phone.DeskPhone = "" // a soft phone has no number; the service drops one
	}
	if aa, i := get("auto_accept"); aa != "" {
		u.Phone.AutoAccept = parseYesNo(aa, func(format string, args ...any) { bad(i, format, args...) })
	}
	if acw, i := get("acw_timeout"); acw != "" {
		u.Phone.ACW = parseSeconds(acw, func(format string, args ...any) { bad(i, format, args...) })
	}
	parseSkillCells(&u, get, bad)
	if tags, i := get("tags"); tags != "" {
		u.Tags = map[string]string{}
		for _, kv := range strings.FieldsFunc(tags, func(r rune) bool { return r == ';' || r == '|' }) {
			k, v, ok := strings.Cut(kv, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" || strings.HasPrefix(k, "aws:") {
				bad(i, "tag %q: write key=value pairs separated by ';' (keys may not start with aws:)", kv)
				continue
			}
			u.Tags[k] = strings.TrimSpace(v)
		}
		if len(u.Tags) > connectdir.MaxTags {
			bad(i, "at most %d tags", connectdir.MaxTags)
		}
	}
	return u, errs
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
