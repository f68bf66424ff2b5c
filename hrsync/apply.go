package hrsync

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir"
)

// ApplyOptions tune Apply.
type ApplyOptions struct {
	Concurrency int
	// Progress, when set, is told after each write call (done of total); calls made at once tell
	// it at once.
	Progress func(done, total int, what string)
	// NewPassword, when set, gives the password of a user about to be created without one of its
	// own on a CONNECT_MANAGED instance, durably recorded before it returns (or the one recorded
	// for that username before, by an interrupted run): a kill at any point leaves no user whose
	// password nobody has. It is called before the CreateUser call that uses the password.
	NewPassword func(username string) (string, error)
	// Password, when set and NewPassword is not, receives each password Apply generated, before
	// the CreateUser call that uses it (so a user that exists always has its password recorded;
	// a password of a user whose creation then failed is recorded too, harmlessly). One of the
	// two must be set when the plan creates users of a CONNECT_MANAGED instance without a
	// password of their own.
	Password func(username, password string) error
}

// Apply executes a plan: levels, group renames and tags, new groups (parents first), new and
// changed users, then with --prune deleted users and groups (children first). Calls within a
// step run concurrently up to opt.Concurrency. A failed call does not stop the others, but it
// does stop the deletions; all failures are returned together. Everything it does is also what a fresh plan would ask for, so
// running sync again after an interruption finishes the job.
func Apply(ctx context.Context, c *connect.Client, p *Plan, opt ApplyOptions) error {
	a := &applier{c: c, p: p, opt: opt, id: aws.String(p.InstanceID), total: p.Calls(), groupID: map[string]string{}}
	for path, id := range p.groupID {
		a.groupID[path] = id
	}
	managed := p.inst.IdentityType == connectdir.IdentityConnectManaged
	if managed && opt.Password == nil && opt.NewPassword == nil {
		for _, u := range p.CreateUsers {
			if u.Password == "" {
				return fmt.Errorf("user %s needs a generated password: give a file to write passwords to (--passwords-out)", u.Username)
			}
		}
	}
	if l := p.Levels; l != nil {
		hs := &types.HierarchyStructureUpdate{}
		slots := []**types.HierarchyLevelUpdate{&hs.LevelOne, &hs.LevelTwo, &hs.LevelThree, &hs.LevelFour, &hs.LevelFive}
		for i, name := range l.To {
			*slots[i] = &types.HierarchyLevelUpdate{Name: aws.String(name)}
		}
		a.do(fmt.Sprintf("hierarchy levels %v", l.To), func() error {
			_, err := c.UpdateUserHierarchyStructure(ctx, &connect.UpdateUserHierarchyStructureInput{InstanceId: a.id, HierarchyStructure: hs})
			return err
		})
		if len(a.errs) > 0 { // groups cannot be created without their levels
			return errors.Join(a.errs...)
		}
	}
	a.each(ctx, len(p.RenameGroups), func(i int) {
		r := p.RenameGroups[i]
		a.do("rename group "+r.From+" to "+r.To, func() error {
			_, err := c.UpdateUserHierarchyGroupName(ctx, &connect.UpdateUserHierarchyGroupNameInput{InstanceId: a.id, HierarchyGroupId: &r.ID, Name: aws.String(lastName(r.To))})
			return err
		})
	})
	a.each(ctx, len(p.TagGroups), func(i int) {
		t := p.TagGroups[i]
		a.tag("group "+t.Path, t.ARN, t.Set, t.Remove, ctx)
	})
	// New groups, one depth at a time: a group's parent exists before it is created.
	groups := slices.Clone(p.CreateGroups)
	slices.SortStableFunc(groups, func(x, y Group) int { return cmp.Compare(depth(x.Path), depth(y.Path)) })
	for start := 0; start < len(groups); {
		end := start
		for end < len(groups) && depth(groups[end].Path) == depth(groups[start].Path) {
			end++
		}
		level := groups[start:end]
		a.each(ctx, len(level), func(i int) {
			g := level[i]
			a.do("create group "+g.Path, func() error {
				in := &connect.CreateUserHierarchyGroupInput{InstanceId: a.id, Name: aws.String(lastName(g.Path)), Tags: tagsOrNil(g.Tags)}
				if pp := parentPath(g.Path); pp != "" {
					pid := a.group(pp)
					if pid == "" {
						return fmt.Errorf("parent %s was not created", pp)
					}
					in.ParentGroupId = &pid
				}
				out, err := c.CreateUserHierarchyGroup(ctx, in)
				if err == nil {
					a.setGroup(g.Path, aws.ToString(out.HierarchyGroupId))
				}
				return err
			})
		})
		start = end
	}
	a.applyPrerequisites(ctx)
	a.each(ctx, len(p.CreateUsers), func(i int) { a.createUser(ctx, p.CreateUsers[i], managed) })
	a.applyNewUserSkills(ctx)
	a.each(ctx, len(p.UpdateUsers), func(i int) { a.updateUser(ctx, p.UpdateUsers[i]) })
	// Deletions cannot be undone: after any failure (a user not moved out, a group or user not
	// made) they wait for the re-run, which plans them again from what is then there.
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(a.errs) > 0 {
		return errors.Join(a.errs...)
	}
	a.each(ctx, len(p.DeleteUsers), func(i int) {
		u := p.DeleteUsers[i]
		a.do("delete user "+u.Username, func() error {
			_, err := c.DeleteUser(ctx, &connect.DeleteUserInput{InstanceId: a.id, UserId: &u.ID})
			return err
		})
	})
	for start := 0; start < len(p.DeleteGroups); { // deepest first, as planned
		end := start
		for end < len(p.DeleteGroups) && depth(p.DeleteGroups[end].Path) == depth(p.DeleteGroups[start].Path) {
			end++
		}
		level := p.DeleteGroups[start:end]
		a.each(ctx, len(level), func(i int) {
			g := level[i]
			a.do("delete group "+g.Path, func() error {
				_, err := c.DeleteUserHierarchyGroup(ctx, &connect.DeleteUserHierarchyGroupInput{InstanceId: a.id, HierarchyGroupId: &g.ID})
				return err
			})
		})
		start = end
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(a.errs...)
}

type applier struct {
	c     *connect.Client
	p     *Plan
	opt   ApplyOptions
	id    *string
	total int

	mu      sync.Mutex
	done    int
	errs    []error
	groupID map[string]string

	securityID map[string]string // security profiles this run created, by name
	userID     map[string]string // users this run created, by username
}

func (a *applier) group(path string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.groupID[path]
}

func (a *applier) setGroup(path, id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.groupID[path] = id
}

// each runs fn for 0..n-1, up to Concurrency at once, and waits. After cancellation nothing
// new starts.
func (a *applier) each(ctx context.Context, n int, fn func(i int)) {
	sem := make(chan struct{}, max(1, a.opt.Concurrency))
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		if ctx.Err() != nil {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// do makes one write call, records its failure and reports progress.
func (a *applier) do(what string, call func() error) bool {
	err := call()
	a.mu.Lock()
	a.done++
	done := a.done
	if err != nil {
		a.errs = append(a.errs, fmt.Errorf("%s: %w", what, err))
	}
	a.mu.Unlock()
	if a.opt.Progress != nil {
		a.opt.Progress(done, a.total, what)
	}
	return err == nil
}

func (a *applier) tag(what, arn string, set map[string]string, remove []string, ctx context.Context) {
	if len(set) > 0 {
		a.do("tag "+what, func() error {
			_, err := a.c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: &arn, Tags: set})
			return err
		})
	}
	if len(remove) > 0 {
		a.do("untag "+what, func() error {
			_, err := a.c.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: &arn, TagKeys: remove})
			return err
		})
	}
}

func (a *applier) securityIDs(names []string) []string {
	ids := make([]string, len(names))
	for i, n := range names {
		ids[i] = a.securityIDOf(n)
	}
	return ids
}

func phoneConfig(ph Phone) *types.UserPhoneConfig {
	pc := &types.UserPhoneConfig{PhoneType: types.PhoneType(cmp.Or(ph.Type, connectdir.SoftPhone)), AutoAccept: ph.AutoAccept, AfterContactWorkTimeLimit: ph.ACW}
	if ph.DeskPhone != "" {
		pc.DeskPhoneNumber = aws.String(ph.DeskPhone)
	}
	return pc
}

func (a *applier) createUser(ctx context.Context, u User, managed bool) {
	in := &connect.CreateUserInput{
		InstanceId: a.id, Username: aws.String(u.Username),
		IdentityInfo: &types.UserIdentityInfo{FirstName: str(u.FirstName), LastName: str(u.LastName), Email: str(u.Email),
			SecondaryEmail: str(u.SecondaryEmail), Mobile: str(u.Mobile)},
		PhoneConfig:      phoneConfig(u.Phone),
		RoutingProfileId: aws.String(a.p.inst.RoutingIDs[u.RoutingProfile]), SecurityProfileIds: a.securityIDs(u.SecurityProfiles),
		Tags: tagsOrNil(u.Tags),
	}
	if a.p.inst.IdentityType == connectdir.IdentityExistingDirectory {
		in.DirectoryUserId = str(u.DirectoryUserID)
	}
	a.do("create user "+u.Username, func() error {
		if u.Hierarchy != "" {
			gid := a.group(u.Hierarchy)
			if gid == "" {
				return fmt.Errorf("group %s was not created", u.Hierarchy)
			}
			in.HierarchyGroupId = &gid
		}
		if managed {
			pw, err := a.password(u)
			if err != nil {
				return err
			}
			in.Password = &pw
		}
		out, err := a.c.CreateUser(ctx, in)
		var dup *types.DuplicateResourceException
		if errors.As(err, &dup) {
			// The user appeared after the plan read the instance: made by someone else meanwhile,
			// or by a CreateUser of an interrupted run that the client gave up on and the service
			// still carried out. The next plan sees it and updates it instead.
			return fmt.Errorf("%w: it was created after this plan read the instance; run sync again to bring it in line", err)
		}
		if err != nil {
			return err
		}
		a.setUser(u.Username, aws.ToString(out.UserId))
		return nil
	})
}

// password is the password a new user of a CONNECT_MANAGED instance is created with: its own,
// or one recorded (by NewPassword or Password) before it is returned, never after the user
// exists.
func (a *applier) password(u User) (string, error) {
	switch {
	case u.Password != "":
		return u.Password, nil
	case a.opt.NewPassword != nil:
		return a.opt.NewPassword(u.Username)
	}
	pw, err := GeneratePassword()
	if err != nil {
		return "", err
	}
	return pw, a.opt.Password(u.Username, pw)
}

func (a *applier) updateUser(ctx context.Context, up UserUpdate) {
	in := func() (*string, *string) { return a.id, &up.ID }
	if id := up.Identity; id != nil {
		a.do("update identity of "+up.Username, func() error {
			i, u := in()
			_, err := a.c.UpdateUserIdentityInfo(ctx, &connect.UpdateUserIdentityInfoInput{InstanceId: i, UserId: u,
				IdentityInfo: &types.UserIdentityInfo{FirstName: str(id.FirstName), LastName: str(id.LastName), Email: str(id.Email),
					SecondaryEmail: str(id.SecondaryEmail), Mobile: str(id.Mobile)}})
			return err
		})
	}
	if up.Phone != nil {
		a.do("update phone of "+up.Username, func() error {
			i, u := in()
			_, err := a.c.UpdateUserPhoneConfig(ctx, &connect.UpdateUserPhoneConfigInput{InstanceId: i, UserId: u, PhoneConfig: phoneConfig(*up.Phone)})
			return err
		})
	}
	if up.RoutingProfile != nil {
		a.do("update routing profile of "+up.Username, func() error {
			i, u := in()
			_, err := a.c.UpdateUserRoutingProfile(ctx, &connect.UpdateUserRoutingProfileInput{InstanceId: i, UserId: u,
				RoutingProfileId: aws.String(a.p.inst.RoutingIDs[*up.RoutingProfile])})
			return err
		})
	}
	if up.SecurityProfiles != nil {
		a.do("update security profiles of "+up.Username, func() error {
			i, u := in()
			_, err := a.c.UpdateUserSecurityProfiles(ctx, &connect.UpdateUserSecurityProfilesInput{InstanceId: i, UserId: u,
				SecurityProfileIds: a.securityIDs(up.SecurityProfiles)})
			return err
		})
	}
	if m := up.Move; m != nil {
		a.do("move "+up.Username+" to "+cmp.Or(m.To, "no group"), func() error {
			i, u := in()
			var gid *string
			if m.To != "" {
				id := a.group(m.To)
				if id == "" {
					return fmt.Errorf("group %s was not created", m.To)
				}
				gid = &id
			}
			_, err := a.c.UpdateUserHierarchy(ctx, &connect.UpdateUserHierarchyInput{InstanceId: i, UserId: u, HierarchyGroupId: gid})
			return err
		})
	}
	a.tag("user "+up.Username, up.ARN, up.TagsSet, up.TagsRemove, ctx)
	a.applySkills(ctx, up.Username, up.ID, cmp.Or(up.VoicePhone, &Phone{}), up.Channels, up.Proficiencies)
}

func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// tagsOrNil leaves an empty tag set out of a request: the model refuses Tags with no entries,
// and the service sends "Tags": {} for an untagged resource, so a copied set is often empty.
func tagsOrNil(tags map[string]string) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	return tags
}
