// Package hrsync converges an Amazon Connect instance to a desired state of agents and
// hierarchy (an HR file, or a snapshot), through the Connect API: plan, apply, resume.
package hrsync

import (
	"strings"
)

// Desired is the state a sync converges an instance to.
type Desired struct {
	// Levels names the hierarchy levels, LevelOne first. Empty: keep the instance's names and
	// name any level it lacks "Level N".
	Levels []string
	// Groups are paths that must exist even when no user is in them (a snapshot's empty groups).
	Groups []Group
	Users  []User
	// Fields says which user fields the source speaks for; the others are left as they are in the
	// instance (a console CSV has no email column on SAML instances, for one).
	Fields Field
	// Attributes and SecurityProfiles are made where the instance lacks them, before the users
	// that name them (a snapshot's); attributes also get the values they lack.
	Attributes       []Attribute
	SecurityProfiles []SecurityProfile
}

// Group is a hierarchy group by path: its name and its ancestors' names, LevelOne first,
// joined by "/".
type Group struct {
	Path string            `json:"path"`
	Tags map[string]string `json:"tags,omitempty"`
}

// Field is a set of user fields a source sets.
type Field uint

const (
	FieldNames Field = 1 << iota // first and last name
	FieldEmail
	FieldSecondaryEmail
	FieldMobile
	FieldHierarchy
	FieldRoutingProfile
	FieldSecurityProfiles
	FieldPhone
	FieldTags
	FieldGroupTags // groups' tags (snapshots)
	// Today's user API, spoken for by version-2 snapshots and the HR columns that carry them; not
	// in FieldAll, so that a version-1 snapshot leaves them as they are.
	FieldChannels      // per-channel settings (only the channels and members given)
	FieldProficiencies // the user's whole list of proficiencies

	FieldAll = FieldNames | FieldEmail | FieldSecondaryEmail | FieldMobile | FieldHierarchy |
		FieldRoutingProfile | FieldSecurityProfiles | FieldPhone | FieldTags | FieldGroupTags
)

// User is one agent as the source wants it. Profiles are by name, the group by path.
type User struct {
	Username         string            `json:"username"`
	FirstName        string            `json:"first_name,omitempty"`
	LastName         string            `json:"last_name,omitempty"`
	Email            string            `json:"email,omitempty"`
	SecondaryEmail   string            `json:"secondary_email,omitempty"`
	Mobile           string            `json:"mobile,omitempty"`
	Hierarchy        string            `json:"hierarchy,omitempty"`
	RoutingProfile   string            `json:"routing_profile"`
	SecurityProfiles []string          `json:"security_profiles"`
	Phone            Phone             `json:"phone"`
	Tags             map[string]string `json:"tags,omitempty"`
	DirectoryUserID  string            `json:"directory_user_id,omitempty"`
	// Channels are per-channel settings by channel (VOICE, CHAT, TASK, EMAIL).
	Channels      map[string]ChannelSetting `json:"channels,omitempty"`
	Proficiencies []Proficiency             `json:"proficiencies,omitempty"`
	// Password is for a new user of a CONNECT_MANAGED instance; empty means generate one.
	Password string `json:"-"`
	// Row is the source line, for messages.
	Row int `json:"-"`
}

// Phone is a user's voice phone settings.
type Phone struct {
	Type       string `json:"type"` // SOFT_PHONE or DESK_PHONE
	AutoAccept bool   `json:"auto_accept"`
	ACW        int32  `json:"after_contact_work_seconds"`
	DeskPhone  string `json:"desk_phone,omitempty"`
}

// splitPath splits a hierarchy path into its names; "" is no group.
func splitPath(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// parentPath is the path of a group's parent ("" at LevelOne).
func parentPath(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

func lastName(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

func depth(p string) int { return len(splitPath(p)) }
