package scim

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/connectdir/connectdir"
	filter "github.com/scim2/filter-parser/v2"
	"go.yaml.in/yaml/v3"
)

// Mapping says how SCIM resources become Connect users. The zero value of a field means its
// default; examples/scim-mapping.yaml documents every field.
type Mapping struct {
	// Attribute paths (SCIM filter-path syntax, e.g. `phoneNumbers[type eq "work"].value` or
	// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`) of each field.
	FirstName string `yaml:"first_name" json:"first_name,omitempty"`
	LastName  string `yaml:"last_name" json:"last_name,omitempty"`
	// Email: "primary" (the default: the primary email, else the work one, else the first) or a
	// path, or "none". Never sent to a SAML instance, which refuses Email.
	Email     string `yaml:"email" json:"email,omitempty"`
	Mobile    string `yaml:"mobile" json:"mobile,omitempty"`
	DeskPhone string `yaml:"desk_phone" json:"desk_phone,omitempty"`
	PhoneType string `yaml:"phone_type" json:"phone_type,omitempty"` // SOFT_PHONE (default) or DESK_PHONE

	// Hierarchy lists attribute paths, LevelOne first; their values form the user's hierarchy
	// group path, created on demand. A user lacking the first value is in no group; the path
	// stops at the first missing value below it.
	Hierarchy []string `yaml:"hierarchy" json:"hierarchy,omitempty"`
	// LevelNames names the levels the instance lacks when a path needs them (default LevelN).
	LevelNames []string `yaml:"level_names" json:"level_names,omitempty"`

	// Groups maps SCIM groups (by displayName) to security profiles and a routing profile. A user
	// gets the union of its groups' security profiles and the routing profile of the first rule
	// (in file order) that names one.
	Groups []GroupRule `yaml:"groups" json:"groups,omitempty"`
	// GroupNamesAreSecurityProfiles makes a SCIM group without a rule whose displayName is the
	// name of a security profile grant that security profile.
	GroupNamesAreSecurityProfiles bool `yaml:"group_names_are_security_profiles" json:"group_names_are_security_profiles,omitempty"`
	// Defaults for users no group gives a profile (Connect requires both).
	DefaultSecurityProfiles []string `yaml:"default_security_profiles" json:"default_security_profiles,omitempty"`
	DefaultRoutingProfile   string   `yaml:"default_routing_profile" json:"default_routing_profile,omitempty"`

	// Deactivate is what active:false does: "delete" (the default) deletes the Connect user, which
	// reactivation creates again; "strip" keeps it with only InactiveSecurityProfiles (Connect
	// requires at least one security profile per user).
	Deactivate               string   `yaml:"deactivate" json:"deactivate,omitempty"`
	InactiveSecurityProfiles []string `yaml:"inactive_security_profiles" json:"inactive_security_profiles,omitempty"`
}

// GroupRule maps one SCIM group.
type GroupRule struct {
	Group            string   `yaml:"group" json:"group"`
	SecurityProfiles []string `yaml:"security_profiles" json:"security_profiles,omitempty"`
	RoutingProfile   string   `yaml:"routing_profile" json:"routing_profile,omitempty"`
}

// Enterprise is the URN of the enterprise user extension.
const Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// ParseMapping reads a mapping file (YAML, of which JSON is a subset); unknown fields are errors,
// so a misspelt key is not silently ignored.
func ParseMapping(data []byte) (*Mapping, error) {
	m := &Mapping{}
	if len(bytes.TrimSpace(data)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(m); err != nil {
			return nil, fmt.Errorf("mapping: %w", err)
		}
	}
	m.defaults()
	return m, m.check()
}

func (m *Mapping) defaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&m.FirstName, "name.givenName")
	def(&m.LastName, "name.familyName")
	def(&m.Email, "primary")
	def(&m.Mobile, `phoneNumbers[type eq "mobile"].value`)
	def(&m.PhoneType, "SOFT_PHONE")
	def(&m.DefaultRoutingProfile, "Basic Routing Profile")
	def(&m.Deactivate, "delete")
	if len(m.DefaultSecurityProfiles) == 0 {
		m.DefaultSecurityProfiles = []string{"Agent"}
	}
}

func (m *Mapping) check() error {
	paths := append([]string{m.FirstName, m.LastName, m.Mobile}, m.Hierarchy...)
	if m.DeskPhone != "" {
		paths = append(paths, m.DeskPhone)
	}
	if m.Email != "primary" && m.Email != "none" {
		paths = append(paths, m.Email)
	}
	for _, p := range paths {
		if _, err := filter.ParsePath([]byte(p)); err != nil {
			return fmt.Errorf("mapping: attribute path %q: %v", p, err)
		}
	}
	if m.PhoneType != "SOFT_PHONE" && m.PhoneType != "DESK_PHONE" {
		return fmt.Errorf("mapping: phone_type must be SOFT_PHONE or DESK_PHONE, not %q", m.PhoneType)
	}
	if len(m.Hierarchy) > 5 {
		return fmt.Errorf("mapping: hierarchy has %d levels; Connect has at most 5", len(m.Hierarchy))
	}
	switch m.Deactivate {
	case "delete":
	case "strip":
		if len(m.InactiveSecurityProfiles) == 0 {
			return fmt.Errorf("mapping: deactivate: strip needs inactive_security_profiles (Connect requires at least one security profile per user)")
		}
	default:
		return fmt.Errorf("mapping: deactivate must be delete or strip, not %q", m.Deactivate)
	}
	for _, g := range m.Groups {
		if g.Group == "" {
			return fmt.Errorf("mapping: a groups entry lacks group (the SCIM group's displayName)")
		}
	}
	return nil
}

// connectUser is the Connect state a SCIM user maps to: names, not ids, so that comparing two
// needs no call and a stored one stays meaningful.
type connectUser struct {
	Exists           bool     `json:"exists"`
	Username         string   `json:"username,omitempty"`
	FirstName        string   `json:"firstName,omitempty"`
	LastName         string   `json:"lastName,omitempty"`
	Email            string   `json:"email,omitempty"`
	Mobile           string   `json:"mobile,omitempty"`
	PhoneType        string   `json:"phoneType,omitempty"`
	DeskPhone        string   `json:"deskPhone,omitempty"`
	Hierarchy        []string `json:"hierarchy,omitempty"`
	RoutingProfile   string   `json:"routingProfile,omitempty"`
	SecurityProfiles []string `json:"securityProfiles,omitempty"` // sorted
}

// desired computes the Connect state of a SCIM user that belongs to the groups named groups.
// securityNames are the instance's security profiles (for GroupNamesAreSecurityProfiles).
func (m *Mapping) desired(res map[string]any, groups []string, identityType string, securityNames map[string]string) (connectUser, error) {
	u := connectUser{Exists: true, Username: str(get(res, "userName")), PhoneType: m.PhoneType}
	u.FirstName = str(pathValue(res, m.FirstName))
	u.LastName = str(pathValue(res, m.LastName))
	if identityType != "SAML" {
		switch m.Email {
		case "none":
		case "primary":
			u.Email = primaryEmail(res)
		default:
			u.Email = str(pathValue(res, m.Email))
		}
		if !connectdir.ValidEmail(u.Email) {
			u.Email = "" // as with phone numbers: left out rather than refused
		}
	}
	u.Mobile = phone(str(pathValue(res, m.Mobile)))
	if m.DeskPhone != "" {
		u.DeskPhone = phone(str(pathValue(res, m.DeskPhone)))
	}
	for _, p := range m.Hierarchy {
		v := strings.TrimSpace(str(pathValue(res, p)))
		if v == "" {
			break
		}
		u.Hierarchy = append(u.Hierarchy, v)
	}
	if identityType != "EXISTING_DIRECTORY" {
		if u.FirstName == "" {
			return u, badRequest("invalidValue", "%s is required: Connect requires a first name", m.FirstName)
		}
		if u.LastName == "" {
			return u, badRequest("invalidValue", "%s is required: Connect requires a last name", m.LastName)
		}
	}
	// Profiles from groups, in rule order so the routing profile chosen does not depend on the
	// order the identity provider listed the groups in.
	sps := map[string]bool{}
	member := map[string]bool{}
	for _, g := range groups {
		member[strings.ToLower(g)] = true
	}
	matched := map[string]bool{}
	for _, r := range m.Groups {
		if !member[strings.ToLower(r.Group)] {
			continue
		}
		matched[strings.ToLower(r.Group)] = true
		for _, sp := range r.SecurityProfiles {
			sps[sp] = true
		}
		if u.RoutingProfile == "" {
			u.RoutingProfile = r.RoutingProfile
		}
	}
	if m.GroupNamesAreSecurityProfiles {
		for _, g := range groups {
			if _, ok := securityNames[g]; ok && !matched[strings.ToLower(g)] {
				sps[g] = true
			}
		}
	}
	if u.RoutingProfile == "" {
		u.RoutingProfile = m.DefaultRoutingProfile
	}
	if len(sps) == 0 {
		for _, sp := range m.DefaultSecurityProfiles {
			sps[sp] = true
		}
	}
	if !activeOf(res) {
		if m.Deactivate == "delete" {
			return connectUser{}, nil
		}
		clear(sps)
		for _, sp := range m.InactiveSecurityProfiles {
			sps[sp] = true
		}
	}
	for sp := range sps {
		u.SecurityProfiles = append(u.SecurityProfiles, sp)
	}
	slices.Sort(u.SecurityProfiles)
	return u, nil
}

// activeOf reads active, true when absent (RFC 7643 leaves the default to the provider; both
// identity providers send it on create).
func activeOf(res map[string]any) bool {
	if b, ok := get(res, "active").(bool); ok {
		return b
	}
	return true
}

func primaryEmail(res map[string]any) string {
	emails, _ := get(res, "emails").([]any)
	var work, first string
	for _, e := range emails {
		em, _ := e.(map[string]any)
		v := str(get(em, "value"))
		if v == "" {
			continue
		}
		if b, _ := get(em, "primary").(bool); b {
			return v
		}
		if work == "" && strings.EqualFold(str(get(em, "type")), "work") {
			work = v
		}
		if first == "" {
			first = v
		}
	}
	if work != "" {
		return work
	}
	return first
}

// phone reduces a number as identity providers store it ("+1 (555) 010-0100") to the E.164 form
// Connect requires, or "" when it has no country code: one bad number in the identity provider
// must not keep an agent out of Connect.
func phone(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' || r == '+' && b.Len() == 0 {
			b.WriteRune(r)
		}
	}
	if !e164.MatchString(b.String()) {
		return ""
	}
	return b.String()
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func str(v any) string {
	s, _ := v.(string)
	return s
}
