package hrsync

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"golang.org/x/sync/errgroup"
)

// Instance is what a sync needs to know of an instance, read with the fewest calls.
type Instance struct {
	ID           string
	IdentityType string
	Levels       []string // level names, LevelOne first
	Groups       map[string]*CurrentGroup
	RoutingIDs   map[string]string       // name -> id
	SecurityIDs  map[string]string       // name -> id
	Users        map[string]*CurrentUser // by lower-cased username
	Attributes   map[string][]string     // predefined attribute -> values; only when read (ReadAttributes)
	// Reads counts the calls reading took.
	Reads int
}

// CurrentGroup is a group of the instance.
type CurrentGroup struct {
	ID, ARN, Name, ParentID string
	Path                    string // names joined by "/"
	Tags                    map[string]string
}

// CurrentUser is a user of the instance as SearchUsers (and, where needed, DescribeUser) shows it.
type CurrentUser struct {
	ID, ARN, Username             string
	FirstName, LastName           string
	Email, SecondaryEmail, Mobile string // only when Described
	Described                     bool
	GroupID, RoutingID            string
	SecurityIDs                   []string
	Phone                         Phone
	Tags                          map[string]string
	DirectoryUserID               string
	Channels                      map[string]ChannelSetting
	Proficiencies                 []Proficiency // only when ProficienciesRead
	ProficienciesRead             bool
}

// ReadOptions tune ReadInstance.
type ReadOptions struct {
	Concurrency int
	// GroupTags asks for each group to be described, for its tags, even where its parent is
	// already known from another group's path or the cache.
	GroupTags bool
	// Parents, when set, gives the parents of groups met before, so that only new groups are
	// described; it learns those. The caller saves it.
	Parents *GroupCache
}

// ReadInstance reads an instance's hierarchy, profiles and users:
// DescribeInstance, DescribeUserHierarchyStructure, ListUserHierarchyGroups, List*Profiles and
// SearchUsers in pages of 500. ListUserHierarchyGroups does not say who a group's parent is, so
// groups are described, but only where the parent is still unknown: the groups users sit in are
// described first, and each answer names every ancestor of that group, so in a tree whose users
// sit in the leaves the cost is one call per leaf group.
func ReadInstance(ctx context.Context, c *connect.Client, instanceID string, opt ReadOptions) (*Instance, error) {
	in := &Instance{ID: instanceID, Groups: map[string]*CurrentGroup{}, RoutingIDs: map[string]string{},
		SecurityIDs: map[string]string{}, Users: map[string]*CurrentUser{}}
	id := aws.String(instanceID)
	di, err := c.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: id})
	if err != nil {
		return nil, fmt.Errorf("describing instance %s: %w", instanceID, err)
	}
	in.Reads++
	in.IdentityType = string(di.Instance.IdentityManagementType)
	hs, err := c.DescribeUserHierarchyStructure(ctx, &connect.DescribeUserHierarchyStructureInput{InstanceId: id})
	if err != nil {
		return nil, err
	}
	in.Reads++
	if s := hs.HierarchyStructure; s != nil {
		for _, l := range []*types.HierarchyLevel{s.LevelOne, s.LevelTwo, s.LevelThree, s.LevelFour, s.LevelFive} {
			if l == nil {
				break
			}
			in.Levels = append(in.Levels, aws.ToString(l.Name))
		}
	}
	for p := connect.NewListRoutingProfilesPaginator(c, &connect.ListRoutingProfilesInput{InstanceId: id, MaxResults: aws.Int32(1000)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		in.Reads++
		for _, s := range out.RoutingProfileSummaryList {
			in.RoutingIDs[aws.ToString(s.Name)] = aws.ToString(s.Id)
		}
	}
	for p := connect.NewListSecurityProfilesPaginator(c, &connect.ListSecurityProfilesInput{InstanceId: id, MaxResults: aws.Int32(1000)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		in.Reads++
		for _, s := range out.SecurityProfileSummaryList {
			in.SecurityIDs[aws.ToString(s.Name)] = aws.ToString(s.Id)
		}
	}
	for p := connect.NewListUserHierarchyGroupsPaginator(c, &connect.ListUserHierarchyGroupsInput{InstanceId: id, MaxResults: aws.Int32(1000)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		in.Reads++
		for _, s := range out.UserHierarchyGroupSummaryList {
			in.Groups[aws.ToString(s.Id)] = &CurrentGroup{ID: aws.ToString(s.Id), ARN: aws.ToString(s.Arn), Name: aws.ToString(s.Name)}
		}
	}
	var userGroups []string
	for p := connect.NewSearchUsersPaginator(c, &connect.SearchUsersInput{InstanceId: id, MaxResults: aws.Int32(500)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		in.Reads++
		for _, s := range out.Users {
			u := currentUser(s)
			in.Users[strings.ToLower(u.Username)] = u
			if u.GroupID != "" {
				userGroups = append(userGroups, u.GroupID)
			}
		}
	}
	slices.Sort(userGroups)
	userGroups = slices.Compact(userGroups)
	if err := in.resolveGroups(ctx, c, userGroups, opt); err != nil {
		return nil, err
	}
	return in, nil
}

func currentUser(s types.UserSearchSummary) *CurrentUser {
	u := &CurrentUser{ID: aws.ToString(s.Id), ARN: aws.ToString(s.Arn), Username: aws.ToString(s.Username),
		GroupID: aws.ToString(s.HierarchyGroupId), RoutingID: aws.ToString(s.RoutingProfileId),
		SecurityIDs: slices.Clone(s.SecurityProfileIds), Tags: s.Tags, DirectoryUserID: aws.ToString(s.DirectoryUserId),
		Channels: channelsFromSearch(s)}
	if s.IdentityInfo != nil {
		u.FirstName, u.LastName = aws.ToString(s.IdentityInfo.FirstName), aws.ToString(s.IdentityInfo.LastName)
	}
	if pc := s.PhoneConfig; pc != nil {
		// SearchUsers gives the after-contact-work limit in milliseconds, unlike every other call.
		u.Phone = Phone{Type: string(pc.PhoneType), AutoAccept: pc.AutoAccept, ACW: pc.AfterContactWorkTimeLimit / 1000, DeskPhone: aws.ToString(pc.DeskPhoneNumber)}
	}
	return u
}

// resolveGroups finds every group's parent and path by describing groups, users' groups first.
func (in *Instance) resolveGroups(ctx context.Context, c *connect.Client, first []string, opt ReadOptions) error {
	var mu sync.Mutex
	known := map[string]bool{}     // parent known
	described := map[string]bool{} // each group is described at most once
	if opt.Parents != nil {
		for gid, g := range in.Groups {
			// A cached parent the listing lacks means the cache is stale: ask.
			if p, ok := opt.Parents.parent(gid); ok && (p == "" || in.Groups[p] != nil) {
				g.ParentID, known[gid] = p, true
			}
		}
	}
	describe := func(ids []string) error {
		g, ctx := errgroup.WithContext(ctx)
		g.SetLimit(max(1, opt.Concurrency))
		for _, gid := range ids {
			mu.Lock()
			skip := described[gid] || known[gid] && !opt.GroupTags
			described[gid] = true
			mu.Unlock()
			if skip || in.Groups[gid] == nil {
				continue
			}
			g.Go(func() error {
				out, err := c.DescribeUserHierarchyGroup(ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: aws.String(in.ID), HierarchyGroupId: aws.String(gid)})
				if err != nil {
					return fmt.Errorf("describing hierarchy group %s: %w", gid, err)
				}
				mu.Lock()
				defer mu.Unlock()
				in.Reads++
				hg := out.HierarchyGroup
				in.Groups[gid].Tags = hg.Tags
				if hp := hg.HierarchyPath; hp != nil {
					parent := ""
					for _, s := range []*types.HierarchyGroupSummary{hp.LevelOne, hp.LevelTwo, hp.LevelThree, hp.LevelFour, hp.LevelFive} {
						if s == nil {
							break
						}
						sid := aws.ToString(s.Id)
						if cg := in.Groups[sid]; cg != nil {
							cg.ParentID, known[sid] = parent, true
						}
						parent = sid
					}
				}
				known[gid] = true
				return nil
			})
		}
		return g.Wait()
	}
	if err := describe(first); err != nil {
		return err
	}
	var rest []string
	for gid := range in.Groups {
		rest = append(rest, gid)
	}
	slices.Sort(rest)
	if err := describe(rest); err != nil {
		return err
	}
	if opt.Parents != nil {
		opt.Parents.remember(in.Groups, known)
	}
	var pathOf func(id string, depth int) string
	pathOf = func(id string, depth int) string {
		g := in.Groups[id]
		if g.Path != "" || depth > 5 {
			return g.Path
		}
		g.Path = g.Name
		if p := in.Groups[g.ParentID]; p != nil {
			g.Path = pathOf(p.ID, depth+1) + "/" + g.Name
		}
		return g.Path
	}
	for gid := range in.Groups {
		pathOf(gid, 0)
	}
	return nil
}

// DescribeUsers fills the identity fields SearchUsers leaves out (emails, mobile): one
// DescribeUser call per user.
func (in *Instance) DescribeUsers(ctx context.Context, c *connect.Client, users []*CurrentUser, concurrency int) error {
	return in.readEach(ctx, users, concurrency, func(ctx context.Context, u *CurrentUser) (int, error) {
		out, err := c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: aws.String(in.ID), UserId: aws.String(u.ID)})
		if err != nil {
			return 0, fmt.Errorf("describing user %s: %w", u.Username, err)
		}
		if ii := out.User.IdentityInfo; ii != nil {
			u.Email, u.SecondaryEmail, u.Mobile = aws.ToString(ii.Email), aws.ToString(ii.SecondaryEmail), aws.ToString(ii.Mobile)
		}
		u.Described = true
		return 1, nil
	})
}

// readEach runs read for every user, at most concurrency at once, and adds the calls of each
// read that succeeded to in.Reads. A read writes only its own user, so it needs no lock.
func (in *Instance) readEach(ctx context.Context, users []*CurrentUser, concurrency int, read func(context.Context, *CurrentUser) (calls int, err error)) error {
	var mu sync.Mutex
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, concurrency))
	for _, u := range users {
		g.Go(func() error {
			n, err := read(ctx, u)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			in.Reads += n
			return nil
		})
	}
	return g.Wait()
}
