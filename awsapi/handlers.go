package awsapi

import (
	"context"
	"maps"
	"math"
	"strconv"
	"strings"

	"github.com/connectdir/connectdir"
)

// operations is the table of served operations by model name.
func (s *Server) operations() map[string]handlerFunc {
	ops := map[string]handlerFunc{
		"CreateInstance": s.createInstance, "DescribeInstance": s.describeInstance,
		"ListInstances": s.listInstances, "DeleteInstance": s.deleteInstance,

		"CreateUser": s.createUser, "DescribeUser": s.describeUser, "ListUsers": s.listUsers,
		"DeleteUser": s.deleteUser, "UpdateUserIdentityInfo": s.updateUserIdentityInfo,
		"UpdateUserPhoneConfig": s.updateUserPhoneConfig, "UpdateUserRoutingProfile": s.updateUserRoutingProfile,
		"UpdateUserSecurityProfiles": s.updateUserSecurityProfiles, "UpdateUserHierarchy": s.updateUserHierarchy,
		"SearchUsers": s.searchUsers,

		"ListRoutingProfiles": s.listRoutingProfiles, "DescribeRoutingProfile": s.describeRoutingProfile,
		"ListSecurityProfiles": s.listSecurityProfiles, "DescribeSecurityProfile": s.describeSecurityProfile,

		"DescribeUserHierarchyStructure": s.describeHierarchyStructure,
		"UpdateUserHierarchyStructure":   s.updateHierarchyStructure,
		"CreateUserHierarchyGroup":       s.createHierarchyGroup, "DescribeUserHierarchyGroup": s.describeHierarchyGroup,
		"ListUserHierarchyGroups": s.listHierarchyGroups, "UpdateUserHierarchyGroupName": s.renameHierarchyGroup,
		"DeleteUserHierarchyGroup": s.deleteHierarchyGroup,

		"TagResource": s.tagResource, "UntagResource": s.untagResource, "ListTagsForResource": s.listTags,
		"GetFederationToken": s.getFederationToken,
	}
	maps.Copy(ops, s.issue14Operations())
	return ops
}

// listPage serves one page of a List operation: it reads MaxResults (default def) and the key
// NextToken carries, asks list for one row more than the page so that a full last page hands out
// no token to an empty one, and returns the page in wire form with the next token.
func listPage[T, W any](rq *request, op, scope string, def int, list func(after string, limit int) ([]T, error),
	key func(T) string, wire func(T) W) ([]W, string, error) {
	limit := def
	if v := rq.query("maxResults"); v != "" {
		limit, _ = strconv.Atoi(v) // the model check already refused a non-integer
	}
	after, err := decodeToken(rq.query("nextToken"), op, scope)
	if err != nil {
		return nil, "", err
	}
	items, err := list(after, limit+1)
	if err != nil {
		return nil, "", err
	}
	page, next := nextToken(items, limit, op, scope, key)
	out := make([]W, len(page))
	for i, item := range page {
		out[i] = wire(item)
	}
	return out, next, nil
}

// nextToken returns the token for the page after items, or "" on the last page.
func nextToken[T any](items []T, limit int, op, scope string, key func(T) string) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, encodeToken(op, scope, key(items[limit-1]))
}

// ---- instances ----

// consolePath is where connectdir serve mounts the web console (console.Prefix) next to the
// API: the instance's access URL and the federation sign-in URL point there.
const consolePath = "/console/"

// instanceWire is an instance as InstanceSummary and Instance show it. The real service fills
// ServiceRole (its service-linked role) and InstanceAccessUrl for active instances; both are
// given here, in the service's ARN shape and pointing at connectdir's own console.
func (s *Server) instanceWire(rq *request) func(connectdir.Instance) instanceSummary {
	access := baseURL(rq.r) + consolePath
	return func(i connectdir.Instance) instanceSummary {
		return instanceSummary{Id: i.ID, Arn: i.ARN, IdentityManagementType: i.IdentityManagementType, InstanceAlias: i.Alias,
			CreatedTime: ts(i.CreatedTime), ServiceRole: s.serviceRole(i), InstanceStatus: i.Status,
			InboundCallsEnabled: i.InboundCallsEnabled, OutboundCallsEnabled: i.OutboundCallsEnabled, InstanceAccessUrl: access}
	}
}

// serviceRole is the ARN of the service-linked role the real service creates per instance:
// arn:aws:iam::ACCOUNT:role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect_SUFFIX.
func (s *Server) serviceRole(i connectdir.Instance) string {
	suffix := strings.ReplaceAll(i.ID, "-", "")
	suffix = suffix[:min(len(suffix), 20)]
	return "arn:aws:iam::" + s.dir.AccountID + ":role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect_" + suffix
}

func (s *Server) createInstance(ctx context.Context, rq *request) (any, error) {
	var in struct {
		IdentityManagementType string
		InstanceAlias          string
		DirectoryId            string
		InboundCallsEnabled    bool
		OutboundCallsEnabled   bool
		Tags                   map[string]string
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	inst, err := s.dir.CreateInstance(ctx, connectdir.Instance{Alias: in.InstanceAlias, IdentityManagementType: in.IdentityManagementType,
		DirectoryID: in.DirectoryId, InboundCallsEnabled: in.InboundCallsEnabled, OutboundCallsEnabled: in.OutboundCallsEnabled, Tags: in.Tags})
	if err != nil {
		return nil, err
	}
	return map[string]string{"Id": inst.ID, "Arn": inst.ARN}, nil
}

func (s *Server) describeInstance(ctx context.Context, rq *request) (any, error) {
	inst, err := s.dir.DescribeInstance(ctx, rq.path("InstanceId"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"Instance": instance{s.instanceWire(rq)(inst), inst.Tags}}, nil
}

func (s *Server) listInstances(ctx context.Context, rq *request) (any, error) {
	out, next, err := listPage(rq, "ListInstances", "", 10,
		func(after string, limit int) ([]connectdir.Instance, error) {
			return s.dir.ListInstances(ctx, after, limit)
		},
		func(i connectdir.Instance) string { return i.ID }, s.instanceWire(rq))
	if err != nil {
		return nil, err
	}
	return struct {
		InstanceSummaryList []instanceSummary
		NextToken           pageToken
	}{out, pageToken(next)}, nil
}

func (s *Server) deleteInstance(ctx context.Context, rq *request) (any, error) {
	return nil, s.dir.DeleteInstance(ctx, rq.path("InstanceId"))
}

// ---- users ----

func (s *Server) createUser(ctx context.Context, rq *request) (any, error) {
	var in struct {
		userMembers
		Password string
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	if err := phoneConflict(rq.input); err != nil {
		return nil, err
	}
	u := in.domain()
	u.InstanceID = rq.path("InstanceId")
	created, err := s.dir.CreateUser(ctx, connectdir.NewUser{User: u, Password: in.Password}, in.PhoneConfig != nil)
	if err != nil {
		return nil, err
	}
	return map[string]string{"UserId": created.ID, "UserArn": created.ARN}, nil
}

// phoneConflicts pairs each PhoneConfig member with the per-channel list that supersedes it: the
// service refuses a request that sets both.
var phoneConflicts = [][2]string{
	{"AutoAccept", "AutoAcceptConfigs"}, {"AfterContactWorkTimeLimit", "AfterContactWorkConfigs"},
	{"PhoneType", "PhoneNumberConfigs"}, {"DeskPhoneNumber", "PhoneNumberConfigs"},
	{"PersistentConnection", "PersistentConnectionConfigs"},
}

func phoneConflict(input map[string]any) error {
	pc, _ := input["PhoneConfig"].(map[string]any)
	for _, c := range phoneConflicts {
		if pc[c[0]] != nil && input[c[1]] != nil {
			return connectdir.Errorf(connectdir.KindInvalidParameter, "PhoneConfig.%s cannot be set together with %s", c[0], c[1])
		}
	}
	return nil
}

func (s *Server) describeUser(ctx context.Context, rq *request) (any, error) {
	u, err := s.dir.DescribeUser(ctx, rq.path("InstanceId"), rq.path("UserId"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"User": user{Id: u.ID, Arn: u.ARN, userMembers: userWire(u), Tags: u.Tags,
		LastModifiedTime: ts(u.LastModifiedTime), LastModifiedRegion: u.LastModifiedRegion}}, nil
}

func (s *Server) listUsers(ctx context.Context, rq *request) (any, error) {
	instanceID := rq.path("InstanceId")
	out, next, err := listPage(rq, "ListUsers", instanceID, 100,
		func(after string, limit int) ([]connectdir.User, error) {
			return s.dir.ListUserSummaries(ctx, instanceID, after, limit)
		},
		func(u connectdir.User) string { return u.Username },
		func(u connectdir.User) userSummary {
			return userSummary{Id: u.ID, Arn: u.ARN, Username: u.Username, LastModifiedTime: ts(u.LastModifiedTime), LastModifiedRegion: u.LastModifiedRegion}
		})
	if err != nil {
		return nil, err
	}
	return struct {
		UserSummaryList []userSummary
		NextToken       pageToken
	}{out, pageToken(next)}, nil
}

func (s *Server) deleteUser(ctx context.Context, rq *request) (any, error) {
	return nil, s.dir.DeleteUser(ctx, rq.path("InstanceId"), rq.path("UserId"))
}

func (s *Server) updateUserIdentityInfo(ctx context.Context, rq *request) (any, error) {
	var in struct{ IdentityInfo identityInfo }
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	return nil, s.dir.UpdateUserIdentityInfo(ctx, rq.path("InstanceId"), rq.path("UserId"), connectdir.IdentityInfo(in.IdentityInfo))
}

func (s *Server) updateUserPhoneConfig(ctx context.Context, rq *request) (any, error) {
	var in struct{ PhoneConfig phoneConfig }
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	return nil, s.dir.UpdateUserPhoneConfig(ctx, rq.path("InstanceId"), rq.path("UserId"), connectdir.PhoneConfig(in.PhoneConfig))
}

func (s *Server) updateUserRoutingProfile(ctx context.Context, rq *request) (any, error) {
	var in struct{ RoutingProfileId string }
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	return nil, s.dir.UpdateUserRoutingProfile(ctx, rq.path("InstanceId"), rq.path("UserId"), in.RoutingProfileId)
}

func (s *Server) updateUserSecurityProfiles(ctx context.Context, rq *request) (any, error) {
	var in struct{ SecurityProfileIds []string }
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	return nil, s.dir.UpdateUserSecurityProfiles(ctx, rq.path("InstanceId"), rq.path("UserId"), in.SecurityProfileIds)
}

func (s *Server) updateUserHierarchy(ctx context.Context, rq *request) (any, error) {
	var in struct{ HierarchyGroupId string }
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	return nil, s.dir.UpdateUserHierarchy(ctx, rq.path("InstanceId"), rq.path("UserId"), in.HierarchyGroupId)
}

func (s *Server) searchUsers(ctx context.Context, rq *request) (any, error) {
	var in struct {
		searchPaging
		SearchCriteria *userSearchCriteria
		SearchFilter   *userSearchFilter
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	key, limit, err := in.page(searchUsersToken)
	if err != nil {
		return nil, err
	}
	after, err := parseSearchKey(key)
	if err != nil {
		return nil, err
	}
	cond := connectdir.Cond{Op: connectdir.OpAnd}
	if in.SearchCriteria != nil {
		c, err := criteriaCond(*in.SearchCriteria, 1)
		if err != nil {
			return nil, err
		}
		cond.Children = append(cond.Children, c)
	}
	if in.SearchFilter != nil {
		cond.Children = append(cond.Children, filterConds(*in.SearchFilter)...)
	}
	if n := conditionCount(cond); n > maxSearchConditions {
		return nil, connectdir.Errorf(connectdir.KindInvalidParameter,
			"SearchCriteria and SearchFilter hold %d conditions, more than the %d allowed", n, maxSearchConditions)
	}
	list, total, err := s.dir.SearchUsers(ctx, in.InstanceId, cond, after, limit+1)
	if err != nil {
		return nil, err
	}
	list, next := nextToken(list, limit, searchUsersToken, in.InstanceId, searchKey)
	out := make([]userSearchSummary, len(list))
	for i, u := range list {
		m := userWire(u)
		m.IdentityInfo = &identityInfo{FirstName: u.IdentityInfo.FirstName, LastName: u.IdentityInfo.LastName} // IdentityInfoLite
		// SearchUsers, unlike DescribeUser, gives AfterContactWorkTimeLimit in milliseconds (the
		// model's documentation of the operation says so).
		m.PhoneConfig.AfterContactWorkTimeLimit = millis(m.PhoneConfig.AfterContactWorkTimeLimit)
		for j := range m.AfterContactWorkConfigs {
			c := &m.AfterContactWorkConfigs[j]
			c.AfterContactWorkConfig.AfterContactWorkTimeLimit = millis(c.AfterContactWorkConfig.AfterContactWorkTimeLimit)
			if c.AgentFirstCallbackAfterContactWorkConfig != nil {
				cb := *c.AgentFirstCallbackAfterContactWorkConfig
				cb.AfterContactWorkTimeLimit = millis(cb.AfterContactWorkTimeLimit)
				c.AgentFirstCallbackAfterContactWorkConfig = &cb
			}
		}
		out[i] = userSearchSummary{Id: u.ID, Arn: u.ARN, userMembers: m, Tags: u.Tags}
	}
	return struct {
		Users                 []userSearchSummary
		NextToken             pageToken
		ApproximateTotalCount int64
	}{out, pageToken(next), total}, nil
}

// searchPaging are the paging members of the Search operations, which carry the instance in
// the body: pages of MaxResults (100 by default) after the key NextToken holds.
type searchPaging struct {
	InstanceId string
	NextToken  string
	MaxResults *int
}

func (p searchPaging) page(op string) (after string, limit int, err error) {
	limit = 100
	if p.MaxResults != nil {
		limit = *p.MaxResults
	}
	after, err = decodeToken(p.NextToken, op, p.InstanceId)
	return after, limit, err
}

// millis converts seconds to milliseconds, saturating at the int32 the wire carries.
func millis(seconds int32) int32 {
	return int32(min(int64(seconds)*1000, math.MaxInt32))
}

// searchFields maps the documented StringCondition field names (matched case-insensitively,
// as the service does) to the store's.
var searchFields = map[string]string{
	"username": connectdir.FieldUsername, "firstname": connectdir.FieldFirstName, "lastname": connectdir.FieldLastName,
	"resourceid": connectdir.FieldResourceID, "routingprofileid": connectdir.FieldRoutingProfileID,
	"securityprofileid": connectdir.FieldSecurityProfileID,
}

// Bounds of a search: criteria nest at most maxCriteriaDepth levels and, with the filter, hold
// at most maxSearchConditions conditions (nodes of the condition tree). Neither the model nor
// the API reference gives a limit; these are ours, far above what clients send (the console
// sends three ORed conditions), and they keep one request from compiling a query too deep or
// too wide for the database (SQLite refuses expression trees deeper than 1000, which a
// 5,000-condition OR reached as an InternalServiceException) or looking up thousands of groups.
const (
	maxCriteriaDepth    = 10
	maxSearchConditions = 200
)

// conditionCount counts the nodes of a condition tree.
func conditionCount(c connectdir.Cond) int {
	n := 1
	for _, ch := range c.Children {
		n += conditionCount(ch)
	}
	return n
}

func criteriaCond(c userSearchCriteria, depth int) (connectdir.Cond, error) {
	if depth > maxCriteriaDepth {
		return connectdir.Cond{}, connectdir.Errorf(connectdir.KindInvalidParameter,
			"SearchCriteria nests AndConditions and OrConditions deeper than %d levels", maxCriteriaDepth)
	}
	var parts []connectdir.Cond
	for _, list := range []struct {
		op    connectdir.CondOp
		items []userSearchCriteria
	}{{connectdir.OpOr, c.OrConditions}, {connectdir.OpAnd, c.AndConditions}} {
		if len(list.items) == 0 {
			continue
		}
		group := connectdir.Cond{Op: list.op}
		for _, item := range list.items {
			sub, err := criteriaCond(item, depth+1)
			if err != nil {
				return sub, err
			}
			group.Children = append(group.Children, sub)
		}
		parts = append(parts, group)
	}
	if sc := c.StringCondition; sc != nil {
		field, ok := searchFields[strings.ToLower(sc.FieldName)]
		if !ok {
			return connectdir.Cond{}, connectdir.Errorf(connectdir.KindInvalidParameter,
				"StringCondition.FieldName %q is not supported: use Username, FirstName, LastName, RoutingProfileId, SecurityProfileId or ResourceId", sc.FieldName)
		}
		cmp := sc.ComparisonType
		if cmp == "" {
			cmp = "EXACT"
		}
		value := sc.Value
		if field == connectdir.FieldUsername || field == connectdir.FieldFirstName || field == connectdir.FieldLastName {
			value = strings.ToLower(value)
		}
		parts = append(parts, connectdir.Cond{Op: connectdir.OpString, Field: field, Comparison: cmp, Value: value})
	}
	if c.ListCondition != nil {
		lc, err := proficiencyListCond(*c.ListCondition)
		if err != nil {
			return lc, err
		}
		parts = append(parts, lc)
	}
	if hc := c.HierarchyGroupCondition; hc != nil {
		parts = append(parts, groupCond(*hc))
	}
	return connectdir.Cond{Op: connectdir.OpAnd, Children: parts}, nil
}

func groupCond(hc hierarchyGroupCondition) connectdir.Cond {
	return connectdir.Cond{Op: connectdir.OpGroup, GroupID: hc.Value, WithChildren: hc.HierarchyGroupMatchType == "WITH_CHILD_GROUPS"}
}

func tagCond(t tagCondition) connectdir.Cond {
	return connectdir.Cond{Op: connectdir.OpTag, TagKey: t.TagKey, TagValue: t.TagValue}
}

func tagAnd(list []tagCondition) connectdir.Cond {
	c := connectdir.Cond{Op: connectdir.OpAnd}
	for _, t := range list {
		c.Children = append(c.Children, tagCond(t))
	}
	return c
}

// filterConds turns a SearchFilter into conditions all of which must hold.
func filterConds(f userSearchFilter) []connectdir.Cond {
	var out []connectdir.Cond
	if tf := f.TagFilter; tf != nil {
		if len(tf.OrConditions) > 0 {
			or := connectdir.Cond{Op: connectdir.OpOr}
			for _, and := range tf.OrConditions {
				or.Children = append(or.Children, tagAnd(and))
			}
			out = append(out, or)
		}
		if len(tf.AndConditions) > 0 {
			out = append(out, tagAnd(tf.AndConditions))
		}
		if tf.TagCondition != nil {
			out = append(out, tagCond(*tf.TagCondition))
		}
	}
	if af := f.UserAttributeFilter; af != nil {
		attrAnd := func(a attributeAndCondition) connectdir.Cond {
			c := tagAnd(a.TagConditions)
			if a.HierarchyGroupCondition != nil {
				c.Children = append(c.Children, groupCond(*a.HierarchyGroupCondition))
			}
			return c
		}
		if len(af.OrConditions) > 0 {
			or := connectdir.Cond{Op: connectdir.OpOr}
			for _, a := range af.OrConditions {
				or.Children = append(or.Children, attrAnd(a))
			}
			out = append(out, or)
		}
		if af.AndCondition != nil {
			out = append(out, attrAnd(*af.AndCondition))
		}
		if af.TagCondition != nil {
			out = append(out, tagCond(*af.TagCondition))
		}
		if af.HierarchyGroupCondition != nil {
			out = append(out, groupCond(*af.HierarchyGroupCondition))
		}
	}
	return out
}

// ---- profiles ----

func (s *Server) listRoutingProfiles(ctx context.Context, rq *request) (any, error) {
	instanceID := rq.path("InstanceId")
	out, next, err := listPage(rq, "ListRoutingProfiles", instanceID, 100,
		func(after string, limit int) ([]connectdir.RoutingProfile, error) {
			return s.dir.ListRoutingProfiles(ctx, instanceID, after, limit)
		},
		func(p connectdir.RoutingProfile) string { return p.ID },
		func(p connectdir.RoutingProfile) routingProfileSummary {
			return routingProfileSummary{Id: p.ID, Arn: p.ARN, Name: p.Name, LastModifiedTime: ts(p.LastModifiedTime), LastModifiedRegion: p.LastModifiedRegion}
		})
	if err != nil {
		return nil, err
	}
	return struct {
		RoutingProfileSummaryList []routingProfileSummary
		NextToken                 pageToken
	}{out, pageToken(next)}, nil
}

func (s *Server) describeRoutingProfile(ctx context.Context, rq *request) (any, error) {
	p, users, err := s.dir.DescribeRoutingProfile(ctx, rq.path("InstanceId"), rq.path("RoutingProfileId"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"RoutingProfile": routingProfile{
		InstanceId: p.InstanceID, Name: p.Name, RoutingProfileArn: p.ARN, RoutingProfileId: p.ID, Description: p.Description,
		MediaConcurrencies:     []mediaConcurrency{{"VOICE", 1}, {"CHAT", 2}, {"TASK", 10}},
		DefaultOutboundQueueId: p.DefaultOutboundQueueID, Tags: p.Tags, NumberOfAssociatedUsers: users, IsDefault: p.IsDefault,
		LastModifiedTime: ts(p.LastModifiedTime), LastModifiedRegion: p.LastModifiedRegion,
	}}, nil
}

func (s *Server) listSecurityProfiles(ctx context.Context, rq *request) (any, error) {
	instanceID := rq.path("InstanceId")
	out, next, err := listPage(rq, "ListSecurityProfiles", instanceID, 100,
		func(after string, limit int) ([]connectdir.SecurityProfile, error) {
			return s.dir.ListSecurityProfiles(ctx, instanceID, after, limit)
		},
		func(p connectdir.SecurityProfile) string { return p.ID },
		func(p connectdir.SecurityProfile) securityProfileSummary {
			return securityProfileSummary{Id: p.ID, Arn: p.ARN, Name: p.Name, LastModifiedTime: ts(p.LastModifiedTime), LastModifiedRegion: p.LastModifiedRegion}
		})
	if err != nil {
		return nil, err
	}
	return struct {
		SecurityProfileSummaryList []securityProfileSummary
		NextToken                  pageToken
	}{out, pageToken(next)}, nil
}

func (s *Server) describeSecurityProfile(ctx context.Context, rq *request) (any, error) {
	p, err := s.dir.DescribeSecurityProfile(ctx, rq.path("InstanceId"), rq.path("SecurityProfileId"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"SecurityProfile": securityProfile{Id: p.ID, OrganizationResourceId: p.InstanceID, Arn: p.ARN,
		SecurityProfileName: p.Name, Description: p.Description, Tags: p.Tags,
		LastModifiedTime: ts(p.LastModifiedTime), LastModifiedRegion: p.LastModifiedRegion}}, nil
}

// ---- hierarchy ----

func (s *Server) describeHierarchyStructure(ctx context.Context, rq *request) (any, error) {
	levels, err := s.dir.DescribeHierarchyStructure(ctx, rq.path("InstanceId"))
	if err != nil {
		return nil, err
	}
	hs := map[string]hierarchyLevel{}
	for _, l := range levels {
		hs[connectdir.LevelNames[l.Number-1]] = hierarchyLevel{Id: l.ID(), Arn: l.ARN, Name: l.Name,
			LastModifiedTime: ts(l.LastModifiedTime), LastModifiedRegion: l.LastModifiedRegion}
	}
	return map[string]any{"HierarchyStructure": hs}, nil
}

func (s *Server) updateHierarchyStructure(ctx context.Context, rq *request) (any, error) {
	var in struct {
		HierarchyStructure map[string]*struct{ Name string }
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	var names [connectdir.MaxLevels]string
	for i, level := range connectdir.LevelNames {
		if l := in.HierarchyStructure[level]; l != nil {
			if l.Name == "" {
				return nil, connectdir.Errorf(connectdir.KindInvalidParameter, "HierarchyStructure.%s.Name must not be empty", level)
			}
			names[i] = l.Name
		}
	}
	return nil, s.dir.UpdateHierarchyStructure(ctx, rq.path("InstanceId"), names)
}

func (s *Server) createHierarchyGroup(ctx context.Context, rq *request) (any, error) {
	var in struct {
		Name          string
		ParentGroupId string
		Tags          map[string]string
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	g, err := s.dir.CreateHierarchyGroup(ctx, rq.path("InstanceId"), in.Name, in.ParentGroupId, in.Tags)
	if err != nil {
		return nil, err
	}
	return map[string]string{"HierarchyGroupId": g.ID, "HierarchyGroupArn": g.ARN}, nil
}

func (s *Server) describeHierarchyGroup(ctx context.Context, rq *request) (any, error) {
	gd, err := s.dir.DescribeHierarchyGroup(ctx, rq.path("InstanceId"), rq.path("HierarchyGroupId"))
	if err != nil {
		return nil, err
	}
	g := gd.HierarchyGroup
	path := map[string]*groupSummary{}
	for i, p := range gd.Path {
		path[connectdir.LevelNames[i]] = groupWire(p)
	}
	return map[string]any{"HierarchyGroup": hierarchyGroup{Id: g.ID, Arn: g.ARN, Name: g.Name, LevelId: strconv.Itoa(g.Level),
		HierarchyPath: path, Tags: g.Tags, LastModifiedTime: ts(g.LastModifiedTime), LastModifiedRegion: g.LastModifiedRegion}}, nil
}

func (s *Server) listHierarchyGroups(ctx context.Context, rq *request) (any, error) {
	instanceID := rq.path("InstanceId")
	out, next, err := listPage(rq, "ListUserHierarchyGroups", instanceID, 100,
		func(after string, limit int) ([]connectdir.HierarchyGroup, error) {
			return s.dir.ListHierarchyGroups(ctx, instanceID, after, limit)
		},
		func(g connectdir.HierarchyGroup) string { return g.ID }, groupWire)
	if err != nil {
		return nil, err
	}
	return struct {
		UserHierarchyGroupSummaryList []*groupSummary
		NextToken                     pageToken
	}{out, pageToken(next)}, nil
}

func (s *Server) renameHierarchyGroup(ctx context.Context, rq *request) (any, error) {
	var in struct{ Name string }
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	return nil, s.dir.RenameHierarchyGroup(ctx, rq.path("InstanceId"), rq.path("HierarchyGroupId"), in.Name)
}

func (s *Server) deleteHierarchyGroup(ctx context.Context, rq *request) (any, error) {
	return nil, s.dir.DeleteHierarchyGroup(ctx, rq.path("InstanceId"), rq.path("HierarchyGroupId"))
}

// ---- tags and federation ----

func (s *Server) tagResource(ctx context.Context, rq *request) (any, error) {
	var in struct {
		Tags map[string]string `json:"tags"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	return nil, s.dir.TagResource(ctx, rq.path("resourceArn"), in.Tags)
}

func (s *Server) untagResource(ctx context.Context, rq *request) (any, error) {
	return nil, s.dir.UntagResource(ctx, rq.path("resourceArn"), rq.r.URL.Query()["tagKeys"])
}

func (s *Server) listTags(ctx context.Context, rq *request) (any, error) {
	tags, err := s.dir.ListTags(ctx, rq.path("resourceArn"))
	if err != nil {
		return nil, err
	}
	if tags == nil {
		tags = map[string]string{}
	}
	return map[string]any{"tags": tags}, nil
}

func (s *Server) getFederationToken(ctx context.Context, rq *request) (any, error) {
	u, tok, err := s.dir.GetFederationToken(ctx, rq.path("InstanceId"), rq.caller)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"Credentials": map[string]any{
			"AccessToken": tok.AccessToken, "AccessTokenExpiration": ts(tok.AccessTokenExpiration),
			"RefreshToken": tok.RefreshToken, "RefreshTokenExpiration": ts(tok.RefreshTokenExpiration),
		},
		"SignInUrl": baseURL(rq.r) + consolePath + "login",
		"UserArn":   u.ARN, "UserId": u.ID,
	}, nil
}
