package hrsync

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/connectdir/connectdir"
)

// Plan is the difference between an instance and a desired state, in the order it is applied.
type Plan struct {
	InstanceID   string         `json:"instance_id"`
	Levels       *LevelChange   `json:"levels,omitempty"`
	RenameGroups []GroupRename  `json:"rename_groups,omitempty"`
	TagGroups    []GroupTagging `json:"tag_groups,omitempty"`
	CreateGroups []Group        `json:"create_groups,omitempty"`
	CreateUsers  []User         `json:"create_users,omitempty"`
	UpdateUsers  []UserUpdate   `json:"update_users,omitempty"`
	DeleteUsers  []UserRef      `json:"delete_users,omitempty"`
	DeleteGroups []GroupRef     `json:"delete_groups,omitempty"`
	// Reads is how many calls reading the instance took.
	Reads int `json:"read_calls"`

	// CreateSecurityProfiles and PutAttributes are applied before the users that need them.
	CreateSecurityProfiles []SecurityProfile `json:"create_security_profiles,omitempty"`
	PutAttributes          []AttributeChange `json:"put_attributes,omitempty"`

	inst    *Instance
	groupID map[string]string // desired path -> existing group id ("" until created)
}

// LevelChange is a new hierarchy structure.
type LevelChange struct {
	From []string `json:"from"`
	To   []string `json:"to"`
}

// GroupRename renames a group whose users all moved, together, to a sibling name that does not
// exist yet: one call instead of a create, a move per user and a delete.
type GroupRename struct {
	ID   string `json:"id"`
	From string `json:"from"`
	To   string `json:"to"`
}

// GroupTagging brings an existing group's tags to the desired ones.
type GroupTagging struct {
	GroupRef
	Set    map[string]string `json:"set,omitempty"`
	Remove []string          `json:"remove,omitempty"`
}

// GroupRef names an existing group.
type GroupRef struct {
	ID   string `json:"id"`
	ARN  string `json:"-"`
	Path string `json:"path"`
}

// UserRef names an existing user.
type UserRef struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

// UserUpdate is the parts of an existing user that differ; nil parts are left alone.
type UserUpdate struct {
	UserRef
	ARN              string            `json:"-"`
	Identity         *Identity         `json:"identity,omitempty"`
	Phone            *Phone            `json:"phone,omitempty"`
	RoutingProfile   *string           `json:"routing_profile,omitempty"`
	SecurityProfiles []string          `json:"security_profiles,omitempty"`
	Move             *Move             `json:"move,omitempty"`
	TagsSet          map[string]string `json:"tags_set,omitempty"`
	TagsRemove       []string          `json:"tags_remove,omitempty"`
	// Channels are the merged settings of the channels that change; VoicePhone is the voice
	// setting a VOICE entry carries along (UpdateUserConfig needs its auto-accept and ACW).
	Channels      map[string]ChannelSetting `json:"channels,omitempty"`
	VoicePhone    *Phone                    `json:"voice_phone,omitempty"`
	Proficiencies *ProficiencyChange        `json:"proficiencies,omitempty"`
}

// Identity is the IdentityInfo of a user; UpdateUserIdentityInfo replaces it whole.
type Identity struct {
	FirstName      string `json:"first_name"`
	LastName       string `json:"last_name"`
	Email          string `json:"email,omitempty"`
	SecondaryEmail string `json:"secondary_email,omitempty"`
	Mobile         string `json:"mobile,omitempty"`
}

// Move is a change of hierarchy group ("" is no group).
type Move struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Calls is how many write calls applying the plan takes.
func (p *Plan) Calls() int {
	n := len(p.RenameGroups) + len(p.CreateGroups) + len(p.CreateUsers) + len(p.DeleteUsers) + len(p.DeleteGroups) + p.skillCalls()
	if p.Levels != nil {
		n++
	}
	for _, t := range p.TagGroups {
		n += tagCalls(t.Set, t.Remove)
	}
	for _, u := range p.UpdateUsers {
		n += u.calls()
	}
	return n
}

func (u UserUpdate) calls() int {
	n := tagCalls(u.TagsSet, u.TagsRemove) + u.skillCalls()
	for _, b := range []bool{u.Identity != nil, u.Phone != nil, u.RoutingProfile != nil, u.SecurityProfiles != nil, u.Move != nil} {
		if b {
			n++
		}
	}
	return n
}

func tagCalls(set map[string]string, remove []string) int {
	n := 0
	if len(set) > 0 {
		n++
	}
	if len(remove) > 0 {
		n++
	}
	return n
}

// Empty says whether the instance already matches.
func (p *Plan) Empty() bool { return p.Calls() == 0 }

// PlanOptions tune MakePlan.
type PlanOptions struct {
	Prune       bool
	Concurrency int
	// Cache keeps what reading learnt between runs (see Cache); nil: none. The caller saves it.
	Cache *Cache
}

// MakePlan reads the instance and compares it with d. Problems of the desired state against the
// instance (a profile it lacks, an email on a SAML instance) are all reported together as
// RowErrors, before anything is written.
//
// With a cache, a desired state that needs what SearchUsers does not show (emails, mobile
// numbers, proficiencies: a call or two per user) reads the users through the cache
// (ReadOptions.Needs), so that only users changed since the last run are read again; one that
// needs nothing more reads every page of SearchUsers, which is as cheap and trusts nothing.
func MakePlan(ctx context.Context, c *connect.Client, instanceID string, d *Desired, opt PlanOptions) (*Plan, error) {
	wanted := make(map[string]bool, len(d.Users))
	for _, u := range d.Users {
		wanted[strings.ToLower(u.Username)] = true
	}
	inst, err := ReadInstance(ctx, c, instanceID, ReadOptions{Concurrency: opt.Concurrency, GroupTags: d.Fields&FieldGroupTags != 0,
		Cache: opt.Cache, Needs: d.Fields, Wanted: func(username string) bool { return wanted[strings.ToLower(username)] }})
	if err != nil {
		return nil, err
	}
	if err := readForSkills(ctx, c, inst, d, opt.Concurrency); err != nil {
		return nil, err
	}
	if err := check(inst, d); err != nil {
		return nil, err
	}
	// SearchUsers does not return emails or mobile numbers; describe the users whose ones we must
	// compare (those the cache holds unchanged are described already).
	need := needs(d.Fields, inst.IdentityType) & identityFields
	if need != 0 {
		var list []*CurrentUser
		for _, u := range d.Users {
			if cu := inst.Users[strings.ToLower(u.Username)]; cu != nil {
				list = append(list, cu)
			}
		}
		if err := inst.DescribeUsers(ctx, c, list, opt.Concurrency); err != nil {
			return nil, err
		}
	}
	p := Diff(inst, d, opt.Prune)
	// UpdateUserIdentityInfo replaces the whole identity: a user whose name changes must be
	// described first so that its emails and mobile number survive.
	var list []*CurrentUser
	for _, up := range p.UpdateUsers {
		if cu := inst.Users[strings.ToLower(up.Username)]; up.Identity != nil && !cu.Described {
			list = append(list, cu)
		}
	}
	if len(list) > 0 {
		if err := inst.DescribeUsers(ctx, c, list, opt.Concurrency); err != nil {
			return nil, err
		}
		p = Diff(inst, d, opt.Prune)
	}
	inst.Remember()
	return p, nil
}

// check reports every desired user the instance cannot take as it is.
func check(inst *Instance, d *Desired) error {
	errs := checkSkills(inst, d)
	var missing []string
	creates := map[string]bool{} // security profiles the plan makes
	for _, sp := range d.SecurityProfiles {
		creates[sp.Name] = true
	}
	// The sources check this too; a structure deeper than Amazon Connect's must not reach Apply.
	if len(d.Levels) > connectdir.MaxLevels {
		errs = append(errs, RowError{Msg: fmt.Sprintf("%d hierarchy levels named; Amazon Connect allows %d", len(d.Levels), connectdir.MaxLevels)})
	}
	for _, g := range d.Groups {
		if depth(g.Path) > connectdir.MaxLevels {
			errs = append(errs, RowError{Msg: fmt.Sprintf("group %s is %d levels deep; Amazon Connect allows %d", g.Path, depth(g.Path), connectdir.MaxLevels)})
		}
	}
	for _, u := range d.Users {
		if depth(u.Hierarchy) > connectdir.MaxLevels {
			errs = append(errs, RowError{Row: u.Row, Msg: fmt.Sprintf("user %s: group %s is %d levels deep; Amazon Connect allows %d", u.Username, u.Hierarchy, depth(u.Hierarchy), connectdir.MaxLevels)})
		}
	}
	for _, u := range d.Users {
		bad := func(format string, args ...any) {
			errs = append(errs, RowError{Row: u.Row, Msg: fmt.Sprintf("user %s: ", u.Username) + fmt.Sprintf(format, args...)})
		}
		if _, ok := inst.RoutingIDs[u.RoutingProfile]; !ok && d.Fields&FieldRoutingProfile != 0 {
			bad("routing profile %q does not exist in instance %s", u.RoutingProfile, inst.ID)
			missing = append(missing, "routing profile "+u.RoutingProfile)
		}
		for _, sp := range u.SecurityProfiles {
			if _, ok := inst.SecurityIDs[sp]; !ok && !creates[sp] && d.Fields&FieldSecurityProfiles != 0 {
				bad("security profile %q does not exist in instance %s", sp, inst.ID)
				missing = append(missing, "security profile "+sp)
			}
		}
		if inst.IdentityType == connectdir.IdentitySAML {
			if u.Email != "" {
				bad("instance %s uses SAML: users have no email (leave it empty)", inst.ID)
			}
			if u.Password != "" {
				bad("instance %s uses SAML: users have no password (leave it empty)", inst.ID)
			}
			if !samlUsername.MatchString(u.Username) || len(u.Username) > 64 {
				bad("instance %s uses SAML: usernames are at most 64 characters from a-z A-Z 0-9 _ - . @", inst.ID)
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		errs = append(errs, RowError{Msg: "missing in the instance: " + strings.Join(slices.Compact(missing), ", ")})
	}
	return errs
}

// samlUsername is the username alphabet of SAML instances.
var samlUsername = regexp.MustCompile(`^[a-zA-Z0-9_\-.@]+$`)

// DefaultLevelName names level n (1-based) when neither the instance nor the source does.
func DefaultLevelName(n int) string { return fmt.Sprintf("Level%d", n) }

// Diff compares an instance with a desired state. It makes no call.
func Diff(inst *Instance, d *Desired, prune bool) *Plan {
	p := &Plan{InstanceID: inst.ID, Reads: inst.Reads, inst: inst, groupID: map[string]string{}}

	// Desired groups: every prefix of every user's path, and the source's explicit groups.
	want := map[string]map[string]string{} // path -> tags (nil: none given)
	addPath := func(path string) {
		names := splitPath(path)
		for i := range names {
			pp := strings.Join(names[:i+1], "/")
			if _, ok := want[pp]; !ok {
				want[pp] = nil
			}
		}
	}
	for _, u := range d.Users {
		addPath(u.Hierarchy)
	}
	for _, g := range d.Groups {
		addPath(g.Path)
		want[g.Path] = g.Tags
	}
	maxDepth := 0
	for path := range want {
		maxDepth = max(maxDepth, depth(path))
	}

	// Levels: the source's names if it has any, else the instance's, extended to the depth needed.
	// The structure never shrinks here: levels without groups do no harm.
	levels := slices.Clone(inst.Levels)
	for i, name := range d.Levels {
		if i < len(levels) {
			levels[i] = name
		} else {
			levels = append(levels, name)
		}
	}
	for len(levels) < maxDepth {
		levels = append(levels, DefaultLevelName(len(levels)+1))
	}
	if !slices.Equal(levels, inst.Levels) {
		p.Levels = &LevelChange{From: inst.Levels, To: levels}
	}

	// Users in each subtree, now and wanted, to recognise renamed groups.
	// Users --prune deletes do not count: they leave the group anyway.
	wantUsers := map[string]bool{}
	for _, u := range d.Users {
		wantUsers[strings.ToLower(u.Username)] = true
	}
	nowIn := map[string][]string{} // group id -> usernames in its subtree
	for key, u := range inst.Users {
		if prune && !wantUsers[key] {
			continue
		}
		for gid := u.GroupID; gid != ""; {
			g := inst.Groups[gid]
			if g == nil {
				break
			}
			nowIn[gid] = append(nowIn[gid], strings.ToLower(u.Username))
			gid = g.ParentID
		}
	}
	wantIn := map[string][]string{} // path -> usernames in its subtree
	for _, u := range d.Users {
		names := splitPath(u.Hierarchy)
		for i := range names {
			pp := strings.Join(names[:i+1], "/")
			wantIn[pp] = append(wantIn[pp], strings.ToLower(u.Username))
		}
	}
	for _, l := range [](map[string][]string){nowIn, wantIn} {
		for k := range l {
			slices.Sort(l[k])
		}
	}
	children := map[string]map[string]*CurrentGroup{} // parent id -> name -> group
	for _, g := range inst.Groups {
		if children[g.ParentID] == nil {
			children[g.ParentID] = map[string]*CurrentGroup{}
		}
		children[g.ParentID][g.Name] = g
	}

	// Map desired paths to groups, parents first: by name under the mapped parent, else as a
	// rename of an unwanted sibling holding exactly the same users, else a new group.
	paths := slices.Collect(maps.Keys(want))
	slices.SortFunc(paths, func(a, b string) int {
		if da, db := depth(a), depth(b); da != db {
			return da - db
		}
		return strings.Compare(a, b)
	})
	used := map[string]bool{}
	created := map[string]bool{}
	for _, path := range paths {
		parent := parentPath(path)
		if created[parent] {
			created[path] = true
			p.CreateGroups = append(p.CreateGroups, Group{Path: path, Tags: want[path]})
			continue
		}
		parentID := p.groupID[parent]
		sibs := children[parentID]
		if g := sibs[lastName(path)]; g != nil {
			p.groupID[path], used[g.ID] = g.ID, true
			p.tagGroup(g, path, want[path], d.Fields)
			continue
		}
		var match *CurrentGroup
		for _, name := range slices.Sorted(maps.Keys(sibs)) {
			g := sibs[name]
			prefix := parent + "/"
			if parent == "" {
				prefix = ""
			}
			if _, wanted := want[prefix+name]; wanted || used[g.ID] {
				continue
			}
			if len(wantIn[path]) > 0 && slices.Equal(nowIn[g.ID], wantIn[path]) {
				match = g
				break
			}
		}
		if match != nil {
			p.groupID[path], used[match.ID] = match.ID, true
			p.RenameGroups = append(p.RenameGroups, GroupRename{ID: match.ID, From: match.Path, To: path})
			p.tagGroup(match, path, want[path], d.Fields)
			continue
		}
		created[path] = true
		p.CreateGroups = append(p.CreateGroups, Group{Path: path, Tags: want[path]})
	}

	// Users.
	for _, u := range d.Users {
		cu := inst.Users[strings.ToLower(u.Username)]
		if cu == nil {
			p.CreateUsers = append(p.CreateUsers, u)
			continue
		}
		up := p.diffUser(cu, u, d.Fields)
		p.diffSkills(&up, cu, u, d.Fields)
		if up.calls() > 0 {
			p.UpdateUsers = append(p.UpdateUsers, up)
		}
	}
	p.planSkills(d)
	if prune {
		p.prune(wantUsers, used, d.Fields)
	}
	return p
}

// prune plans the deletion of users the source does not name and, when the source speaks for
// the hierarchy, of the groups no desired path maps to.
func (p *Plan) prune(wantUsers, used map[string]bool, f Field) {
	inst := p.inst
	{
		for _, key := range slices.Sorted(maps.Keys(inst.Users)) {
			if u := inst.Users[key]; !wantUsers[key] {
				p.DeleteUsers = append(p.DeleteUsers, UserRef{ID: u.ID, Username: u.Username})
			}
		}
		if f&FieldHierarchy == 0 {
			return
		}
		// Every group no desired path maps to ends up empty: its users are deleted or moved
		// to mapped groups, and a mapped group's parent is mapped. Deepest first.
		for _, g := range inst.Groups {
			if !used[g.ID] {
				p.DeleteGroups = append(p.DeleteGroups, GroupRef{ID: g.ID, ARN: g.ARN, Path: g.Path})
			}
		}
		slices.SortFunc(p.DeleteGroups, func(a, b GroupRef) int {
			if da, db := depth(a.Path), depth(b.Path); da != db {
				return db - da
			}
			return strings.Compare(a.Path, b.Path)
		})
	}
}

func (p *Plan) tagGroup(g *CurrentGroup, path string, want map[string]string, fields Field) {
	if fields&FieldGroupTags == 0 {
		return
	}
	set, remove := tagDiff(g.Tags, want)
	if len(set)+len(remove) > 0 {
		p.TagGroups = append(p.TagGroups, GroupTagging{GroupRef: GroupRef{ID: g.ID, ARN: g.ARN, Path: path}, Set: set, Remove: remove})
	}
}

func tagDiff(have, want map[string]string) (set map[string]string, remove []string) {
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			if set == nil {
				set = map[string]string{}
			}
			set[k] = v
		}
	}
	for k := range have {
		if _, ok := want[k]; !ok && !strings.HasPrefix(k, "aws:") {
			remove = append(remove, k)
		}
	}
	slices.Sort(remove)
	return set, remove
}

func (p *Plan) diffUser(cu *CurrentUser, u User, f Field) UserUpdate {
	inst := p.inst
	up := UserUpdate{UserRef: UserRef{ID: cu.ID, Username: cu.Username}, ARN: cu.ARN}
	id := Identity{FirstName: cu.FirstName, LastName: cu.LastName, Email: cu.Email, SecondaryEmail: cu.SecondaryEmail, Mobile: cu.Mobile}
	want := id
	if f&FieldNames != 0 {
		want.FirstName, want.LastName = u.FirstName, u.LastName
	}
	// Only compare what was read: an undescribed user's emails are unknown, and on SAML
	// instances known to be empty.
	if f&FieldEmail != 0 && (cu.Described || inst.IdentityType == connectdir.IdentitySAML) {
		want.Email = u.Email
	}
	if f&FieldSecondaryEmail != 0 && cu.Described {
		want.SecondaryEmail = u.SecondaryEmail
	}
	if f&FieldMobile != 0 && cu.Described {
		want.Mobile = u.Mobile
	}
	if want != id {
		up.Identity = &want
	}
	if f&FieldPhone != 0 {
		ph := u.Phone
		if ph.Type == "" {
			ph.Type = connectdir.SoftPhone
		}
		if ph != cu.Phone {
			up.Phone = &ph
		}
	}
	if f&FieldRoutingProfile != 0 {
		if rid := inst.RoutingIDs[u.RoutingProfile]; rid != cu.RoutingID {
			up.RoutingProfile = &u.RoutingProfile
		}
	}
	if f&FieldSecurityProfiles != 0 {
		var have []string
		for _, sid := range cu.SecurityIDs {
			for name, id := range inst.SecurityIDs {
				if id == sid {
					have = append(have, name)
				}
			}
		}
		slices.Sort(have)
		want := slices.Sorted(slices.Values(u.SecurityProfiles))
		if !slices.Equal(have, want) {
			up.SecurityProfiles = want
		}
	}
	if f&FieldHierarchy != 0 {
		target := ""
		if u.Hierarchy != "" {
			target = p.groupID[u.Hierarchy] // "" when the group is new
		}
		if target != cu.GroupID || (u.Hierarchy != "" && target == "") {
			from := ""
			if g := inst.Groups[cu.GroupID]; g != nil {
				from = g.Path
			}
			up.Move = &Move{From: from, To: u.Hierarchy}
		}
	}
	if f&FieldTags != 0 {
		up.TagsSet, up.TagsRemove = tagDiff(cu.Tags, u.Tags)
	}
	return up
}

// GeneratePassword makes a password meeting Amazon Connect's policy (8-64 characters with an
// uppercase letter, a lowercase letter and a digit): 20 characters from crypto/rand.
func GeneratePassword() (string, error) {
	const (
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		lower  = "abcdefghijkmnopqrstuvwxyz"
		digits = "23456789"
		all    = upper + lower + digits + "!#%+-=_"
	)
	pick := func(set string) (byte, error) {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return 0, err
		}
		return set[n.Int64()], nil
	}
	b := make([]byte, 20)
	for i := range b {
		set := all
		switch i { // one of each required class, at random places after the shuffle below
		case 0:
			set = upper
		case 1:
			set = lower
		case 2:
			set = digits
		}
		c, err := pick(set)
		if err != nil {
			return "", err
		}
		b[i] = c
	}
	for i := len(b) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		b[i], b[j.Int64()] = b[j.Int64()], b[i]
	}
	if err := connectdir.CheckPasswordPolicy(string(b)); err != nil {
		return "", errors.New("generated password misses the policy") // cannot happen
	}
	return string(b), nil
}
