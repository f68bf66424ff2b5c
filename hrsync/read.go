package hrsync

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir"
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

	// When the users were read through the cache (ReadOptions.Needs): the cache, and each
	// user's listing by id, for Remember.
	cache       *Cache
	usersListed map[string]listing
}

// CurrentGroup is a group of the instance.
type CurrentGroup struct {
	ID, ARN, Name, ParentID string
	Path                    string // names joined by "/"
	Tags                    map[string]string
}

// CurrentUser is a user of the instance as SearchUsers (and, where needed, DescribeUser) shows it.
// The cache keeps it as JSON.
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
	// GroupTags asks for each group's tags: groups are described, even where the parent is
	// already known from another group's path or the cache, unless the cache holds the tags of a
	// group the listing shows unchanged.
	GroupTags bool
	// Cache, when set, gives the parents of groups met before, so that only new groups are
	// described, and the tags of unchanged groups; it learns those. The caller saves it.
	Cache *Cache
	// Needs is what the caller needs of users beyond what SearchUsers shows: FieldEmail,
	// FieldSecondaryEmail, FieldMobile (a DescribeUser per user) and FieldProficiencies (a
	// ListUserProficiencies per user). With a Cache, users are then read through it (see
	// readUsersCached), and the caller calls Instance.Remember once it has read what it needs.
	Needs Field
	// Wanted says which users Needs is for; nil: all.
	Wanted func(username string) bool
}

// identityFields are the fields only DescribeUser shows.
const identityFields = FieldEmail | FieldSecondaryEmail | FieldMobile

// needs is what must be read of users beyond SearchUsers to compare fields f in an instance of
// identityType: SAML users have no email.
func needs(f Field, identityType string) Field {
	f &= identityFields | FieldProficiencies
	if identityType == connectdir.IdentitySAML {
		f &^= FieldEmail
	}
	return f
}

// ReadInstance reads an instance's hierarchy, profiles and users:
// DescribeInstance, DescribeUserHierarchyStructure, ListUserHierarchyGroups, List*Profiles and
// SearchUsers in pages of 500. ListUserHierarchyGroups does not say who a group's parent is, so
// groups are described, but only where the parent is still unknown: the groups users sit in are
// described first, and each answer names every ancestor of that group, so in a tree whose users
// sit in the leaves the cost is one call per leaf group. With a cache, groups and users unchanged
// since it was written are not read again (see Cache and ReadOptions).
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
	groupsListed := map[string]listing{}
	for p := connect.NewListUserHierarchyGroupsPaginator(c, &connect.ListUserHierarchyGroupsInput{InstanceId: id, MaxResults: aws.Int32(1000)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		in.Reads++
		serverTime, ok := awsmiddleware.GetServerTime(out.ResultMetadata)
		for _, s := range out.UserHierarchyGroupSummaryList {
			in.Groups[aws.ToString(s.Id)] = &CurrentGroup{ID: aws.ToString(s.Id), ARN: aws.ToString(s.Arn), Name: aws.ToString(s.Name)}
			groupsListed[aws.ToString(s.Id)] = newListing(s.LastModifiedTime, serverTime, ok)
		}
	}
	if opt.Cache != nil && needs(opt.Needs, in.IdentityType) != 0 {
		in.cache = opt.Cache
		err = in.readUsersCached(ctx, c, opt)
	} else {
		err = in.searchUsers(ctx, c, nil)
	}
	if err != nil {
		return nil, err
	}
	var userGroups []string
	for _, u := range in.Users {
		if u.GroupID != "" {
			userGroups = append(userGroups, u.GroupID)
		}
	}
	slices.Sort(userGroups)
	userGroups = slices.Compact(userGroups)
	if err := in.resolveGroups(ctx, c, userGroups, groupsListed, opt); err != nil {
		return nil, err
	}
	return in, nil
}

// searchUsers reads users through SearchUsers in pages of 500: every user, or, when only is
// set, only the users it holds (by id), whose entries it fills; those it does not find are gone
// and dropped.
func (in *Instance) searchUsers(ctx context.Context, c *connect.Client, only map[string]*CurrentUser) error {
	for p := connect.NewSearchUsersPaginator(c, &connect.SearchUsersInput{InstanceId: aws.String(in.ID), MaxResults: aws.Int32(500)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		in.Reads++
		for _, s := range out.Users {
			u := currentUser(s, 1000) // SearchUsers gives after-contact-work limits in milliseconds, unlike every other call
			if only == nil {
				in.Users[strings.ToLower(u.Username)] = u
			} else if cu := only[u.ID]; cu != nil {
				*cu = *u
				delete(only, u.ID)
			}
		}
	}
	for _, gone := range only {
		delete(in.Users, strings.ToLower(gone.Username))
	}
	return nil
}

// readUsersCached reads the users through ListUsers (1,000 a page), which gives each user's
// LastModifiedTime: a user the cache holds with the same time has not changed since and is taken
// from the cache. The others are read one by one with DescribeUser, which shows everything, or,
// when more of them would need no DescribeUser of their own than SearchUsers has pages, through
// every page of SearchUsers.
func (in *Instance) readUsersCached(ctx context.Context, c *connect.Client, opt ReadOptions) error {
	in.usersListed = map[string]listing{}
	var changed []*CurrentUser
	searchable := 0 // changed users the caller will not describe anyway
	describes := needs(opt.Needs, in.IdentityType)&identityFields != 0
	for p := connect.NewListUsersPaginator(c, &connect.ListUsersInput{InstanceId: aws.String(in.ID), MaxResults: aws.Int32(1000)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		in.Reads++
		serverTime, ok := awsmiddleware.GetServerTime(out.ResultMetadata)
		for _, s := range out.UserSummaryList {
			id, username := aws.ToString(s.Id), aws.ToString(s.Username)
			l := newListing(s.LastModifiedTime, serverTime, ok)
			in.usersListed[id] = l
			u, unchanged := opt.Cache.user(id, username, l)
			if !unchanged {
				u = &CurrentUser{ID: id, ARN: aws.ToString(s.Arn), Username: username}
				changed = append(changed, u)
				if !describes || opt.Wanted != nil && !opt.Wanted(username) {
					searchable++
				}
			}
			in.Users[strings.ToLower(username)] = u
		}
	}
	if pages := (len(in.usersListed) + 499) / 500; searchable > pages {
		only := make(map[string]*CurrentUser, len(changed))
		for _, u := range changed {
			only[u.ID] = u
		}
		return in.searchUsers(ctx, c, only)
	}
	return in.DescribeUsers(ctx, c, changed, opt.Concurrency)
}

// Remember keeps in the cache the users read since ReadInstance (through the cache),
// as they are now: call it once everything needed of them is read. Without a cache it does
// nothing.
func (in *Instance) Remember() {
	if in.cache != nil {
		in.cache.rememberUsers(in.Users, in.usersListed)
	}
}

// currentUser reads what SearchUsers shows of a user; acwUnit is what its after-contact-work
// limits are divided by to give seconds (1000 for SearchUsers' milliseconds).
func currentUser(s types.UserSearchSummary, acwUnit int32) *CurrentUser {
	u := &CurrentUser{ID: aws.ToString(s.Id), ARN: aws.ToString(s.Arn), Username: aws.ToString(s.Username),
		GroupID: aws.ToString(s.HierarchyGroupId), RoutingID: aws.ToString(s.RoutingProfileId),
		SecurityIDs: slices.Clone(s.SecurityProfileIds), Tags: s.Tags, DirectoryUserID: aws.ToString(s.DirectoryUserId),
		Channels: channelsFromSearch(s, acwUnit)}
	if s.IdentityInfo != nil {
		u.FirstName, u.LastName = aws.ToString(s.IdentityInfo.FirstName), aws.ToString(s.IdentityInfo.LastName)
	}
	if pc := s.PhoneConfig; pc != nil {
		u.Phone = Phone{Type: string(pc.PhoneType), AutoAccept: pc.AutoAccept, ACW: pc.AfterContactWorkTimeLimit / acwUnit, DeskPhone: aws.ToString(pc.DeskPhoneNumber)}
	}
	return u
}

// describedUser reads what DescribeUser shows of a user: what SearchUsers shows (in seconds),
// with the emails and mobile number.
func describedUser(d *types.User) *CurrentUser {
	u := currentUser(types.UserSearchSummary{Id: d.Id, Arn: d.Arn, Username: d.Username, HierarchyGroupId: d.HierarchyGroupId,
		RoutingProfileId: d.RoutingProfileId, SecurityProfileIds: d.SecurityProfileIds, Tags: d.Tags, DirectoryUserId: d.DirectoryUserId,
		PhoneConfig: d.PhoneConfig, AutoAcceptConfigs: d.AutoAcceptConfigs, AfterContactWorkConfigs: d.AfterContactWorkConfigs,
		PhoneNumberConfigs: d.PhoneNumberConfigs, PersistentConnectionConfigs: d.PersistentConnectionConfigs,
		VoiceEnhancementConfigs: d.VoiceEnhancementConfigs}, 1)
	if ii := d.IdentityInfo; ii != nil {
		u.FirstName, u.LastName = aws.ToString(ii.FirstName), aws.ToString(ii.LastName)
		u.Email, u.SecondaryEmail, u.Mobile = aws.ToString(ii.Email), aws.ToString(ii.SecondaryEmail), aws.ToString(ii.Mobile)
	}
	u.Described = true
	return u
}

// resolveGroups finds every group's parent and path by describing groups, users' groups first.
func (in *Instance) resolveGroups(ctx context.Context, c *connect.Client, first []string, listed map[string]listing, opt ReadOptions) error {
	var mu sync.Mutex
	known := map[string]bool{}     // parent known
	tagsKnown := map[string]bool{} // described, or unchanged since the cache read them
	described := map[string]bool{} // each group is described at most once
	if opt.Cache != nil {
		for gid, g := range in.Groups {
			// A cached parent the listing lacks means the cache is stale: ask.
			if p, ok := opt.Cache.parent(gid); ok && (p == "" || in.Groups[p] != nil) {
				g.ParentID, known[gid] = p, true
			}
			if tags, ok := opt.Cache.groupTags(gid, listed[gid]); ok {
				g.Tags, tagsKnown[gid] = tags, true
			}
		}
	}
	describe := func(ids []string) error {
		g, ctx := errgroup.WithContext(ctx)
		g.SetLimit(max(1, opt.Concurrency))
		for _, gid := range ids {
			mu.Lock()
			skip := described[gid] || known[gid] && (!opt.GroupTags || tagsKnown[gid])
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
				in.Groups[gid].Tags, tagsKnown[gid] = hg.Tags, true
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
	if opt.Cache != nil {
		opt.Cache.remember(in.Groups, known, tagsKnown, listed)
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

// DescribeUsers reads users with DescribeUser, one call each, which shows what SearchUsers
// leaves out (emails, mobile). Users already described (by this run, or unchanged since the cache
// read them) are skipped.
func (in *Instance) DescribeUsers(ctx context.Context, c *connect.Client, users []*CurrentUser, concurrency int) error {
	users = slices.DeleteFunc(slices.Clone(users), func(u *CurrentUser) bool { return u.Described })
	return in.readEach(ctx, users, concurrency, func(ctx context.Context, u *CurrentUser) (int, error) {
		out, err := c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: aws.String(in.ID), UserId: aws.String(u.ID)})
		if err != nil {
			return 0, fmt.Errorf("describing user %s: %w", u.Username, err)
		}
		d := describedUser(out.User)
		d.Proficiencies, d.ProficienciesRead = u.Proficiencies, u.ProficienciesRead // not in DescribeUser
		*u = *d
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
