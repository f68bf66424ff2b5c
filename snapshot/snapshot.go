// Package snapshot exports an Amazon Connect instance's hierarchy and agents to a point-in-time
// JSON file and imports such a file into another instance, through the Connect API.
package snapshot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/hrsync"
)

// Format and Version identify the file layout; Import refuses versions it does not know.
// Version 2 adds users' per-channel settings and proficiencies, the predefined attributes and
// security profiles (with their permissions) as objects; version 1 files still read.
const (
	Format  = "connectdir-snapshot"
	Version = 2
)

// Snapshot is an instance's hierarchy and users, with groups by path and profiles by name so
// that it means the same in any instance. Ids and passwords are not in it.
type Snapshot struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	ExportedAt time.Time `json:"exported_at"`
	Source     Source    `json:"source"`
	// HierarchyLevels are the level names, LevelOne first.
	HierarchyLevels []string       `json:"hierarchy_levels"`
	Groups          []hrsync.Group `json:"groups"`
	RoutingProfiles []string       `json:"routing_profiles"`
	// SecurityProfiles are every profile of the instance; an import makes those the target lacks.
	SecurityProfiles []hrsync.SecurityProfile `json:"security_profiles"`
	// PredefinedAttributes are every attribute of the instance with its values; an import makes
	// those the target lacks and adds the values it lacks.
	PredefinedAttributes []hrsync.Attribute `json:"predefined_attributes"`
	Users                []hrsync.User      `json:"users"`
}

// Source says where a snapshot was taken.
type Source struct {
	InstanceID             string `json:"instance_id"`
	IdentityManagementType string `json:"identity_management_type"`
}

// ExportOptions tune Export.
type ExportOptions struct {
	Concurrency int
	// SkipDescribe leaves out emails and mobile numbers, which only DescribeUser returns (one
	// call per user), keeping what SearchUsers returns (pages of 500).
	SkipDescribe bool
	// Cache, when set, is the instance's cache (see hrsync.Cache): users and groups unchanged
	// since it was written are not described again. The caller saves it.
	Cache *hrsync.Cache
}

// Export reads an instance into a snapshot: the reads of a sync, every group described (for its
// tags), every user described (for emails and mobile) unless opt.SkipDescribe, and every user's
// proficiencies listed; with a cache, only those of groups and users changed since it was written.
func Export(ctx context.Context, c *connect.Client, instanceID string, opt ExportOptions) (*Snapshot, error) {
	needs := hrsync.FieldEmail | hrsync.FieldSecondaryEmail | hrsync.FieldMobile | hrsync.FieldProficiencies
	if opt.SkipDescribe {
		needs = hrsync.FieldProficiencies
	}
	in, err := hrsync.ReadInstance(ctx, c, instanceID, hrsync.ReadOptions{Concurrency: opt.Concurrency, GroupTags: true, Cache: opt.Cache, Needs: needs})
	if err != nil {
		return nil, err
	}
	users := slices.Collect(maps.Values(in.Users))
	if !opt.SkipDescribe {
		if err := in.DescribeUsers(ctx, c, users, opt.Concurrency); err != nil {
			return nil, err
		}
	}
	if err := in.ReadProficiencies(ctx, c, users, opt.Concurrency); err != nil {
		return nil, err
	}
	in.Remember()
	if err := in.ReadAttributes(ctx, c); err != nil {
		return nil, err
	}
	profiles, err := in.ReadSecurityProfiles(ctx, c, opt.Concurrency)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Format: Format, Version: Version, ExportedAt: time.Now().UTC(),
		Source:          Source{InstanceID: instanceID, IdentityManagementType: in.IdentityType},
		HierarchyLevels: in.Levels, RoutingProfiles: slices.Sorted(maps.Keys(in.RoutingIDs)),
		SecurityProfiles: profiles, PredefinedAttributes: []hrsync.Attribute{}, Groups: []hrsync.Group{}, Users: []hrsync.User{}}
	for _, name := range slices.Sorted(maps.Keys(in.Attributes)) {
		s.PredefinedAttributes = append(s.PredefinedAttributes, hrsync.Attribute{Name: name, Values: in.Attributes[name]})
	}
	for _, g := range in.Groups {
		s.Groups = append(s.Groups, hrsync.Group{Path: g.Path, Tags: g.Tags})
	}
	slices.SortFunc(s.Groups, func(a, b hrsync.Group) int { return strings.Compare(a.Path, b.Path) })
	routing, security := invert(in.RoutingIDs), invert(in.SecurityIDs)
	for _, u := range users {
		su := hrsync.User{Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email,
			SecondaryEmail: u.SecondaryEmail, Mobile: u.Mobile, RoutingProfile: routing[u.RoutingID],
			Phone: u.Phone, Tags: u.Tags, SecurityProfiles: []string{},
			Channels: u.Channels, Proficiencies: u.Proficiencies}
		if opt.SkipDescribe {
			// What the cache holds of a user may have been described by an earlier run; the
			// snapshot still leaves out what was asked to be left out.
			su.Email, su.SecondaryEmail, su.Mobile = "", "", ""
		}
		if in.IdentityType == connectdir.IdentityExistingDirectory {
			// Only an existing directory's ids mean anything in another instance; CONNECT_MANAGED
			// ones are made by the server for each user.
			su.DirectoryUserID = u.DirectoryUserID
		}
		if g := in.Groups[u.GroupID]; g != nil {
			su.Hierarchy = g.Path
		}
		for _, id := range u.SecurityIDs {
			su.SecurityProfiles = append(su.SecurityProfiles, security[id])
		}
		slices.Sort(su.SecurityProfiles)
		s.Users = append(s.Users, su)
	}
	slices.SortFunc(s.Users, func(a, b hrsync.User) int { return strings.Compare(a.Username, b.Username) })
	return s, nil
}

func invert(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

// Write writes a snapshot as indented JSON.
func (s *Snapshot) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// v1 is the layout of version 1, whose security profiles were names only.
type v1 struct {
	Snapshot
	SecurityProfiles []string `json:"security_profiles"`
}

// Read reads a snapshot of version 1 or 2 and checks its format and version. A version-1 file
// comes back in the version-2 layout with its Version kept, so that importing it leaves what it
// does not speak for (per-channel settings, proficiencies) as the target has it.
func Read(r io.Reader) (*Snapshot, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading snapshot: %w", err)
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("reading snapshot: %w", err)
	}
	if head.Format != Format {
		return nil, fmt.Errorf("not a connectdir snapshot (format %q, want %q)", head.Format, Format)
	}
	decode := func(v any) error {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return fmt.Errorf("reading snapshot: %w", err)
		}
		return nil
	}
	var s Snapshot
	switch head.Version {
	case 1:
		var old v1
		if err := decode(&old); err != nil {
			return nil, err
		}
		s = old.Snapshot
		for _, name := range old.SecurityProfiles {
			s.SecurityProfiles = append(s.SecurityProfiles, hrsync.SecurityProfile{Name: name})
		}
		for _, u := range s.Users {
			if len(u.Channels) > 0 || len(u.Proficiencies) > 0 {
				return nil, fmt.Errorf("reading snapshot: user %s has channels or proficiencies, which version 1 does not have", u.Username)
			}
		}
	case Version:
		if err := decode(&s); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("snapshot version %d is not supported (this connectdir reads versions 1 and %d)", head.Version, Version)
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("reading snapshot: %w", err)
	}
	return &s, nil
}

// check reports what no instance could take, before anything is read or written: a file may have
// been edited by hand. (An HR file gets the same checks from hrsync.ParseCSV.)
func (s *Snapshot) check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(s.HierarchyLevels) > connectdir.MaxLevels || slices.Contains(s.HierarchyLevels, "") {
		bad("hierarchy_levels: at most %d names, none empty", connectdir.MaxLevels)
	}
	path := func(what, p string) {
		if p == "" {
			return
		}
		names := strings.Split(p, "/")
		if len(names) > connectdir.MaxLevels || slices.Contains(names, "") {
			bad("%s: hierarchy path %q must be 1 to %d non-empty names joined by \"/\"", what, p, connectdir.MaxLevels)
		}
	}
	for i, g := range s.Groups {
		if g.Path == "" {
			bad("groups[%d]: empty path", i)
		}
		path(fmt.Sprintf("groups[%d]", i), g.Path)
	}
	seen := map[string]int{}
	for i, u := range s.Users {
		what := fmt.Sprintf("users[%d] (%s)", i, u.Username)
		key := strings.ToLower(u.Username)
		if u.Username == "" {
			bad("users[%d]: empty username", i)
		} else if j, dup := seen[key]; dup {
			bad("%s: username already at users[%d]", what, j)
		} else {
			seen[key] = i
		}
		path(what, u.Hierarchy)
	}
	return errors.Join(errs...)
}

// Desired is the snapshot as a sync's desired state: importing is syncing to it. A version-2
// snapshot also speaks for per-channel settings and proficiencies, and makes the attributes and
// security profiles the target lacks.
func (s *Snapshot) Desired() *hrsync.Desired {
	d := &hrsync.Desired{Levels: s.HierarchyLevels, Groups: s.Groups, Users: s.Users, Fields: hrsync.FieldAll}
	if s.Version >= 2 {
		d.Fields |= hrsync.FieldChannels | hrsync.FieldProficiencies
		d.Attributes, d.SecurityProfiles = s.PredefinedAttributes, s.SecurityProfiles
	}
	return d
}

// Plan compares an instance with a snapshot; Import applies the result.
func Plan(ctx context.Context, c *connect.Client, instanceID string, s *Snapshot, opt hrsync.PlanOptions) (*hrsync.Plan, error) {
	return hrsync.MakePlan(ctx, c, instanceID, s.Desired(), opt)
}
