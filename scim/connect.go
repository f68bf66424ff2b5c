package scim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/hrsync"
)

// TokenConfig is what a token is bound to: one instance behind one endpoint, and a mapping.
// No endpoint, profile and region means this server's own API.
type TokenConfig struct {
	InstanceID  string   `json:"instanceId"`
	EndpointURL string   `json:"endpointUrl,omitempty"`
	Profile     string   `json:"profile,omitempty"`
	Region      string   `json:"region,omitempty"`
	RPS         float64  `json:"rps"` // client-side pacing of Connect calls; 0: none
	Mapping     *Mapping `json:"mapping"`
}

// Local reports whether the target is this server's own API.
func (c TokenConfig) Local() bool { return c.EndpointURL == "" && c.Profile == "" && c.Region == "" }

// TargetKey names the target: tokens with the same key share SCIM resources and ids.
func (c TokenConfig) TargetKey() string {
	if c.Local() {
		return "local/" + c.InstanceID
	}
	return fmt.Sprintf("%s|%s|%s/%s", c.EndpointURL, c.Profile, c.Region, c.InstanceID)
}

// target is one Connect instance as SCIM writes to it: a paced client and what is known of the
// instance, read once (DescribeInstance, the hierarchy structure, the profiles) and kept until a
// call fails, since a failure may mean it changed.
type target struct {
	key        string
	instanceID string
	client     *connect.Client
	mu         sync.Mutex // one SCIM write at a time: writes to one user must not interleave

	loaded       bool
	identityType string
	levels       []string
	routing      map[string]string // name → id
	security     map[string]string
	groupsListed bool
	groupsNamed  map[string][]string // name → ids of groups whose path is not known yet
	groupPath    map[string]string   // path (names joined by pathSep) → id
}

const pathSep = "\x1f"

// recorder collects the Connect operations one SCIM request calls, for the log.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

type recorderKey struct{}

func withRecorder(ctx context.Context, r *recorder) context.Context {
	return context.WithValue(ctx, recorderKey{}, r)
}

// recordCalls is a client option noting each operation (once, retries aside) in the request's
// recorder.
func recordCalls(o *connect.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("scimRecordCalls",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if r, ok := ctx.Value(recorderKey{}).(*recorder); ok {
					r.mu.Lock()
					r.calls = append(r.calls, awsmiddleware.GetOperationName(ctx))
					r.mu.Unlock()
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

// newClient makes the Connect client of a token's target.
func (s *Server) newClient(ctx context.Context, tc TokenConfig) (*connect.Client, error) {
	if tc.Local() {
		if s.cfg.Local == nil {
			return nil, errors.New("this token targets the local instance, but the server has no local API")
		}
		l := s.cfg.Local
		return connect.New(connect.Options{Region: l.Region, BaseEndpoint: aws.String(l.Endpoint), Credentials: l.Credentials},
			hrsync.Paced(tc.RPS), recordCalls), nil
	}
	var opts []func(*config.LoadOptions) error
	if tc.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(tc.Profile))
	}
	if tc.Region != "" {
		opts = append(opts, config.WithRegion(tc.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return connect.NewFromConfig(cfg, hrsync.Paced(tc.RPS), recordCalls, func(o *connect.Options) {
		if tc.EndpointURL != "" {
			o.BaseEndpoint = aws.String(tc.EndpointURL)
		}
	}), nil
}

// forget drops what is known of the instance, after a failed call.
func (t *target) forget() {
	t.loaded, t.groupsListed = false, false
	t.groupPath, t.groupsNamed = nil, nil
}

// load reads the instance facts if they are not known.
func (t *target) load(ctx context.Context) error {
	if t.loaded {
		return nil
	}
	id := aws.String(t.instanceID)
	di, err := t.client.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: id})
	if err != nil {
		return err
	}
	t.identityType = string(di.Instance.IdentityManagementType)
	hs, err := t.client.DescribeUserHierarchyStructure(ctx, &connect.DescribeUserHierarchyStructureInput{InstanceId: id})
	if err != nil {
		return err
	}
	t.levels = nil
	if s := hs.HierarchyStructure; s != nil {
		for _, l := range []*types.HierarchyLevel{s.LevelOne, s.LevelTwo, s.LevelThree, s.LevelFour, s.LevelFive} {
			if l == nil {
				break
			}
			t.levels = append(t.levels, aws.ToString(l.Name))
		}
	}
	t.routing, t.security = map[string]string{}, map[string]string{}
	for p := connect.NewListRoutingProfilesPaginator(t.client, &connect.ListRoutingProfilesInput{InstanceId: id, MaxResults: aws.Int32(1000)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, s := range out.RoutingProfileSummaryList {
			t.routing[aws.ToString(s.Name)] = aws.ToString(s.Id)
		}
	}
	for p := connect.NewListSecurityProfilesPaginator(t.client, &connect.ListSecurityProfilesInput{InstanceId: id, MaxResults: aws.Int32(1000)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, s := range out.SecurityProfileSummaryList {
			t.security[aws.ToString(s.Name)] = aws.ToString(s.Id)
		}
	}
	t.groupPath = map[string]string{}
	t.loaded = true
	return nil
}

// groupID returns the id of the hierarchy group at path, creating it (and its parents, and the
// levels it needs) when missing. ListUserHierarchyGroups does not give parents, so only the
// groups named like the one wanted are described, once each.
func (t *target) groupID(ctx context.Context, m *Mapping, path []string) (string, error) {
	if len(path) == 0 {
		return "", nil
	}
	key := strings.Join(path, pathSep)
	if id, ok := t.groupPath[key]; ok {
		return id, nil
	}
	if len(path) > len(t.levels) {
		if err := t.addLevels(ctx, m, len(path)); err != nil {
			return "", err
		}
	}
	if !t.groupsListed {
		t.groupsNamed = map[string][]string{}
		for p := connect.NewListUserHierarchyGroupsPaginator(t.client, &connect.ListUserHierarchyGroupsInput{InstanceId: aws.String(t.instanceID), MaxResults: aws.Int32(1000)}); p.HasMorePages(); {
			out, err := p.NextPage(ctx)
			if err != nil {
				return "", err
			}
			for _, s := range out.UserHierarchyGroupSummaryList {
				n := aws.ToString(s.Name)
				t.groupsNamed[n] = append(t.groupsNamed[n], aws.ToString(s.Id))
			}
		}
		t.groupsListed = true
	}
	name := path[len(path)-1]
	for len(t.groupsNamed[name]) > 0 {
		gid := t.groupsNamed[name][0]
		t.groupsNamed[name] = t.groupsNamed[name][1:]
		out, err := t.client.DescribeUserHierarchyGroup(ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: aws.String(t.instanceID), HierarchyGroupId: aws.String(gid)})
		if err != nil {
			return "", err
		}
		if hp := out.HierarchyGroup.HierarchyPath; hp != nil {
			var names []string
			for _, s := range []*types.HierarchyGroupSummary{hp.LevelOne, hp.LevelTwo, hp.LevelThree, hp.LevelFour, hp.LevelFive} {
				if s == nil {
					break
				}
				names = append(names, aws.ToString(s.Name))
				t.groupPath[strings.Join(names, pathSep)] = aws.ToString(s.Id)
			}
		}
		if id, ok := t.groupPath[key]; ok {
			return id, nil
		}
	}
	parent, err := t.groupID(ctx, m, path[:len(path)-1])
	if err != nil {
		return "", err
	}
	in := &connect.CreateUserHierarchyGroupInput{InstanceId: aws.String(t.instanceID), Name: aws.String(name)}
	if parent != "" {
		in.ParentGroupId = aws.String(parent)
	}
	out, err := t.client.CreateUserHierarchyGroup(ctx, in)
	if err != nil {
		return "", err
	}
	t.groupPath[key] = aws.ToString(out.HierarchyGroupId)
	return t.groupPath[key], nil
}

// addLevels grows the hierarchy structure to n levels, keeping the existing ones' names.
func (t *target) addLevels(ctx context.Context, m *Mapping, n int) error {
	names := slices.Clone(t.levels)
	for i := len(names); i < n; i++ {
		if i < len(m.LevelNames) && m.LevelNames[i] != "" {
			names = append(names, m.LevelNames[i])
		} else {
			names = append(names, hrsync.DefaultLevelName(i+1))
		}
	}
	var s types.HierarchyStructureUpdate
	for i, slot := range []**types.HierarchyLevelUpdate{&s.LevelOne, &s.LevelTwo, &s.LevelThree, &s.LevelFour, &s.LevelFive} {
		if i < len(names) {
			*slot = &types.HierarchyLevelUpdate{Name: aws.String(names[i])}
		}
	}
	if _, err := t.client.UpdateUserHierarchyStructure(ctx, &connect.UpdateUserHierarchyStructureInput{InstanceId: aws.String(t.instanceID), HierarchyStructure: &s}); err != nil {
		return err
	}
	t.levels = names
	return nil
}

func (t *target) profileIDs(u connectUser) (routing string, security []string, err error) {
	routing, ok := t.routing[u.RoutingProfile]
	if !ok {
		return "", nil, badRequest("invalidValue", "the instance has no routing profile named %q (see the mapping)", u.RoutingProfile)
	}
	for _, n := range u.SecurityProfiles {
		id, ok := t.security[n]
		if !ok {
			return "", nil, badRequest("invalidValue", "the instance has no security profile named %q (see the mapping)", n)
		}
		security = append(security, id)
	}
	return routing, security, nil
}

// apply makes the Connect user match want, given what was last applied (have), with the fewest
// calls: none when nothing changed. It returns the Connect user id, which changes when the user
// is created or, on a rename, recreated: Connect cannot change a username.
func (t *target) apply(ctx context.Context, m *Mapping, connectID string, have, want connectUser, password string) (string, error) {
	switch {
	case !have.Exists && !want.Exists:
		return "", nil
	case have.Exists && !want.Exists:
		return "", t.deleteUser(ctx, connectID)
	case !have.Exists:
		return t.create(ctx, m, want, password)
	case !strings.EqualFold(have.Username, want.Username):
		// Create first, so that a refused new name leaves the old user as it was.
		id, err := t.create(ctx, m, want, password)
		if err != nil {
			return connectID, err
		}
		return id, t.deleteUser(ctx, connectID)
	}
	return connectID, t.update(ctx, m, connectID, have, want)
}

func (t *target) deleteUser(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	_, err := t.client.DeleteUser(ctx, &connect.DeleteUserInput{InstanceId: aws.String(t.instanceID), UserId: aws.String(id)})
	if code(err) == "ResourceNotFoundException" {
		return nil // deleted already: a retried DELETE, or an administrator
	}
	return err
}

func identityInfo(u connectUser) *types.UserIdentityInfo {
	return &types.UserIdentityInfo{FirstName: nonEmpty(u.FirstName), LastName: nonEmpty(u.LastName), Email: nonEmpty(u.Email), Mobile: nonEmpty(u.Mobile)}
}

func phoneConfig(u connectUser) *types.UserPhoneConfig {
	return &types.UserPhoneConfig{PhoneType: types.PhoneType(u.PhoneType), DeskPhoneNumber: nonEmpty(u.DeskPhone)}
}

func (t *target) create(ctx context.Context, m *Mapping, u connectUser, password string) (string, error) {
	routing, security, err := t.profileIDs(u)
	if err != nil {
		return "", err
	}
	group, err := t.groupID(ctx, m, u.Hierarchy)
	if err != nil {
		return "", err
	}
	in := &connect.CreateUserInput{InstanceId: aws.String(t.instanceID), Username: aws.String(u.Username),
		IdentityInfo: identityInfo(u), PhoneConfig: phoneConfig(u), RoutingProfileId: aws.String(routing),
		SecurityProfileIds: security, HierarchyGroupId: nonEmpty(group)}
	if t.identityType == "CONNECT_MANAGED" {
		if password == "" || connectdir.CheckPasswordPolicy(password) != nil {
			// The identity provider signs agents in (SAML, or its own password reset); Connect
			// still requires a password here, and refusing the user over one it would not take
			// would keep the agent out altogether.
			if password, err = hrsync.GeneratePassword(); err != nil {
				return "", err
			}
		}
		in.Password = aws.String(password)
	}
	out, err := t.client.CreateUser(ctx, in)
	if code(err) == "DuplicateResourceException" {
		// A retried create whose first attempt reached Connect, or an agent created before SCIM:
		// take that user over and bring it in line.
		id, ferr := t.findUser(ctx, u.Username)
		if ferr != nil || id == "" {
			return "", err
		}
		return id, t.update(ctx, m, id, connectUser{Exists: true, Username: u.Username, PhoneType: "?"}, u)
	}
	if err != nil {
		return "", err
	}
	return aws.ToString(out.UserId), nil
}

func (t *target) findUser(ctx context.Context, username string) (string, error) {
	out, err := t.client.SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: aws.String(t.instanceID),
		SearchCriteria: &types.UserSearchCriteria{StringCondition: &types.StringCondition{FieldName: aws.String("Username"), Value: aws.String(username), ComparisonType: types.StringComparisonTypeExact}}})
	if err != nil {
		return "", err
	}
	for _, u := range out.Users {
		if strings.EqualFold(aws.ToString(u.Username), username) {
			return aws.ToString(u.Id), nil
		}
	}
	return "", nil
}

// update issues one call per part of the user that changed.
func (t *target) update(ctx context.Context, m *Mapping, id string, have, want connectUser) error {
	uid, in := aws.String(id), aws.String(t.instanceID)
	if have.FirstName != want.FirstName || have.LastName != want.LastName || have.Email != want.Email || have.Mobile != want.Mobile {
		if _, err := t.client.UpdateUserIdentityInfo(ctx, &connect.UpdateUserIdentityInfoInput{InstanceId: in, UserId: uid, IdentityInfo: identityInfo(want)}); err != nil {
			return err
		}
	}
	if have.PhoneType != want.PhoneType || have.DeskPhone != want.DeskPhone {
		if _, err := t.client.UpdateUserPhoneConfig(ctx, &connect.UpdateUserPhoneConfigInput{InstanceId: in, UserId: uid, PhoneConfig: phoneConfig(want)}); err != nil {
			return err
		}
	}
	if !slices.Equal(have.Hierarchy, want.Hierarchy) || have.PhoneType == "?" {
		group, err := t.groupID(ctx, m, want.Hierarchy)
		if err != nil {
			return err
		}
		if _, err := t.client.UpdateUserHierarchy(ctx, &connect.UpdateUserHierarchyInput{InstanceId: in, UserId: uid, HierarchyGroupId: nonEmpty(group)}); err != nil {
			return err
		}
	}
	routing, security, err := t.profileIDs(want)
	if err != nil {
		return err
	}
	if have.RoutingProfile != want.RoutingProfile {
		if _, err := t.client.UpdateUserRoutingProfile(ctx, &connect.UpdateUserRoutingProfileInput{InstanceId: in, UserId: uid, RoutingProfileId: aws.String(routing)}); err != nil {
			return err
		}
	}
	if !slices.Equal(have.SecurityProfiles, want.SecurityProfiles) {
		if _, err := t.client.UpdateUserSecurityProfiles(ctx, &connect.UpdateUserSecurityProfilesInput{InstanceId: in, UserId: uid, SecurityProfileIds: security}); err != nil {
			return err
		}
	}
	return nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// code is the AWS error code of err, or "".
func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// connectError turns a failed Connect call into the SCIM error an identity provider acts on:
// refusals of the data are 400 (it will not retry them), throttling 429 (it backs off), and the
// rest 502, a failure of the upstream service.
func connectError(err error) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return &Error{Status: 502, Detail: "Connect API: " + err.Error()}
	}
	detail := "Connect API: " + ae.ErrorCode() + ": " + ae.ErrorMessage()
	switch ae.ErrorCode() {
	case "DuplicateResourceException":
		return &Error{Status: 409, ScimType: "uniqueness", Detail: detail}
	case "InvalidParameterException", "InvalidRequestException", "LimitExceededException", "ServiceQuotaExceededException":
		return &Error{Status: 400, ScimType: "invalidValue", Detail: detail}
	case "ThrottlingException", "TooManyRequestsException":
		return &Error{Status: 429, Detail: detail}
	}
	return &Error{Status: 502, Detail: detail}
}
