package awsapi

import (
	"context"
	"strings"

	"github.com/connectdir/connectdir"
)

// Predefined attributes, user proficiencies and SearchUsers' ListCondition on them.

type predefinedAttributeValues struct {
	StringList []string `json:"StringList"`
}

type attributeConfiguration struct {
	EnableValueValidationOnAssociation *bool `json:"EnableValueValidationOnAssociation,omitempty"`
	IsReadOnly                         bool  `json:"IsReadOnly"`
}

type predefinedAttribute struct {
	Name                   string                     `json:"Name"`
	Values                 *predefinedAttributeValues `json:"Values,omitempty"`
	Purposes               []string                   `json:"Purposes,omitempty"`
	AttributeConfiguration *attributeConfiguration    `json:"AttributeConfiguration,omitempty"`
	LastModifiedTime       *epoch                     `json:"LastModifiedTime,omitempty"`
	LastModifiedRegion     string                     `json:"LastModifiedRegion,omitempty"`
}

type predefinedAttributeSummary struct {
	Name               string `json:"Name"`
	LastModifiedTime   *epoch `json:"LastModifiedTime,omitempty"`
	LastModifiedRegion string `json:"LastModifiedRegion,omitempty"`
}

func attributeWire(a connectdir.PredefinedAttribute) predefinedAttribute {
	w := predefinedAttribute{Name: a.Name, Values: &predefinedAttributeValues{StringList: nonNilStrings(a.Values)},
		Purposes: a.Purposes, LastModifiedTime: ts(a.LastModifiedTime), LastModifiedRegion: a.LastModifiedRegion}
	if a.EnableValueValidationOnAssociation != nil {
		w.AttributeConfiguration = &attributeConfiguration{EnableValueValidationOnAssociation: a.EnableValueValidationOnAssociation}
	}
	return w
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// attributeInput is what CreatePredefinedAttribute and UpdatePredefinedAttribute take.
type attributeInput struct {
	Values                 *predefinedAttributeValues
	Purposes               *[]string
	AttributeConfiguration *struct{ EnableValueValidationOnAssociation *bool }
}

func (in attributeInput) validation() *bool {
	if in.AttributeConfiguration == nil {
		return nil
	}
	return in.AttributeConfiguration.EnableValueValidationOnAssociation
}

func (s *Server) createPredefinedAttribute(ctx context.Context, rq *request) (any, error) {
	var in struct {
		Name string
		attributeInput
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	a := connectdir.PredefinedAttribute{InstanceID: rq.path("InstanceId"), Name: in.Name,
		EnableValueValidationOnAssociation: in.validation()}
	if in.Values != nil {
		a.Values = in.Values.StringList
	}
	if in.Purposes != nil {
		a.Purposes = *in.Purposes
	}
	return nil, s.dir.CreatePredefinedAttribute(ctx, a)
}

func (s *Server) describePredefinedAttribute(ctx context.Context, rq *request) (any, error) {
	a, err := s.dir.DescribePredefinedAttribute(ctx, rq.path("InstanceId"), rq.path("Name"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"PredefinedAttribute": attributeWire(a)}, nil
}

func (s *Server) listPredefinedAttributes(ctx context.Context, rq *request) (any, error) {
	instanceID := rq.path("InstanceId")
	out, next, err := listPage(rq, "ListPredefinedAttributes", instanceID, 100,
		func(after string, limit int) ([]connectdir.PredefinedAttribute, error) {
			return s.dir.ListPredefinedAttributes(ctx, instanceID, after, limit)
		},
		func(a connectdir.PredefinedAttribute) string { return a.Name },
		func(a connectdir.PredefinedAttribute) predefinedAttributeSummary {
			return predefinedAttributeSummary{Name: a.Name, LastModifiedTime: ts(a.LastModifiedTime), LastModifiedRegion: a.LastModifiedRegion}
		})
	if err != nil {
		return nil, err
	}
	return struct {
		PredefinedAttributeSummaryList []predefinedAttributeSummary
		NextToken                      pageToken
	}{out, pageToken(next)}, nil
}

type attributeSearchCriteria struct {
	OrConditions    []attributeSearchCriteria `json:"OrConditions"`
	AndConditions   []attributeSearchCriteria `json:"AndConditions"`
	StringCondition *stringCondition          `json:"StringCondition"`
}

// attributeSearch turns the criteria into the Directory's; the only field the service documents
// for predefined attributes is the name.
func attributeSearch(c attributeSearchCriteria, depth int) (connectdir.AttributeSearch, error) {
	var out connectdir.AttributeSearch
	if depth > maxCriteriaDepth {
		return out, connectdir.Errorf(connectdir.KindInvalidParameter,
			"SearchCriteria nests AndConditions and OrConditions deeper than %d levels", maxCriteriaDepth)
	}
	for _, l := range []struct {
		in  []attributeSearchCriteria
		out *[]connectdir.AttributeSearch
	}{{c.AndConditions, &out.And}, {c.OrConditions, &out.Or}} {
		for _, item := range l.in {
			sub, err := attributeSearch(item, depth+1)
			if err != nil {
				return out, err
			}
			*l.out = append(*l.out, sub)
		}
	}
	if sc := c.StringCondition; sc != nil {
		if !strings.EqualFold(sc.FieldName, "name") {
			return out, connectdir.Errorf(connectdir.KindInvalidParameter, "StringCondition.FieldName %q is not supported: use name", sc.FieldName)
		}
		out.Comparison, out.Value = sc.ComparisonType, sc.Value
		if out.Comparison == "" {
			out.Comparison = "EXACT"
		}
	}
	return out, nil
}

func (s *Server) searchPredefinedAttributes(ctx context.Context, rq *request) (any, error) {
	const op = "SearchPredefinedAttributes"
	var in struct {
		searchPaging
		SearchCriteria *attributeSearchCriteria
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	after, limit, err := in.page(op)
	if err != nil {
		return nil, err
	}
	var search connectdir.AttributeSearch
	if in.SearchCriteria != nil {
		if search, err = attributeSearch(*in.SearchCriteria, 1); err != nil {
			return nil, err
		}
	}
	list, total, err := s.dir.SearchPredefinedAttributes(ctx, in.InstanceId, search, after, limit+1)
	if err != nil {
		return nil, err
	}
	list, next := nextToken(list, limit, op, in.InstanceId, func(a connectdir.PredefinedAttribute) string { return a.Name })
	out := make([]predefinedAttribute, len(list))
	for i, a := range list {
		out[i] = attributeWire(a)
	}
	return struct {
		PredefinedAttributes  []predefinedAttribute
		NextToken             pageToken
		ApproximateTotalCount int64
	}{out, pageToken(next), total}, nil
}

func (s *Server) updatePredefinedAttribute(ctx context.Context, rq *request) (any, error) {
	var in attributeInput
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	up := connectdir.AttributeUpdate{Purposes: in.Purposes, EnableValueValidationOnAssociation: in.validation()}
	if in.Values != nil {
		vals := nonNilStrings(in.Values.StringList)
		up.Values = &vals
	}
	return nil, s.dir.UpdatePredefinedAttribute(ctx, rq.path("InstanceId"), rq.path("Name"), up)
}

func (s *Server) deletePredefinedAttribute(ctx context.Context, rq *request) (any, error) {
	return nil, s.dir.DeletePredefinedAttribute(ctx, rq.path("InstanceId"), rq.path("Name"))
}

// ---- user proficiencies ----

type userProficiency struct {
	AttributeName  string  `json:"AttributeName"`
	AttributeValue string  `json:"AttributeValue"`
	Level          float32 `json:"Level"`
}

func (s *Server) proficiencyInput(rq *request) ([]connectdir.UserProficiency, error) {
	var in struct{ UserProficiencies []userProficiency }
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	out := make([]connectdir.UserProficiency, len(in.UserProficiencies))
	for i, p := range in.UserProficiencies {
		out[i] = connectdir.UserProficiency(p)
	}
	return out, nil
}

func (s *Server) associateUserProficiencies(ctx context.Context, rq *request) (any, error) {
	list, err := s.proficiencyInput(rq)
	if err != nil {
		return nil, err
	}
	return nil, s.dir.AssociateUserProficiencies(ctx, rq.path("InstanceId"), rq.path("UserId"), list)
}

func (s *Server) updateUserProficiencies(ctx context.Context, rq *request) (any, error) {
	list, err := s.proficiencyInput(rq)
	if err != nil {
		return nil, err
	}
	return nil, s.dir.UpdateUserProficiencies(ctx, rq.path("InstanceId"), rq.path("UserId"), list)
}

func (s *Server) disassociateUserProficiencies(ctx context.Context, rq *request) (any, error) {
	list, err := s.proficiencyInput(rq)
	if err != nil {
		return nil, err
	}
	return nil, s.dir.DisassociateUserProficiencies(ctx, rq.path("InstanceId"), rq.path("UserId"), list)
}

func (s *Server) listUserProficiencies(ctx context.Context, rq *request) (any, error) {
	instanceID, userID := rq.path("InstanceId"), rq.path("UserId")
	var list connectdir.UserProficiencyList
	// A user has few proficiencies: read them once and page in memory, by name and value.
	out, next, err := listPage(rq, "ListUserProficiencies", instanceID+"/"+userID, 100,
		func(after string, limit int) ([]connectdir.UserProficiency, error) {
			var err error
			if list, err = s.dir.ListUserProficiencies(ctx, instanceID, userID); err != nil {
				return nil, err
			}
			page := []connectdir.UserProficiency{}
			for _, p := range list.Proficiencies {
				if proficiencyPageKey(p) > after && len(page) < limit {
					page = append(page, p)
				}
			}
			return page, nil
		},
		proficiencyPageKey,
		func(p connectdir.UserProficiency) userProficiency { return userProficiency(p) })
	if err != nil {
		return nil, err
	}
	return struct {
		UserProficiencyList []userProficiency
		NextToken           pageToken
		LastModifiedTime    *epoch `json:",omitempty"`
		LastModifiedRegion  string `json:",omitempty"`
	}{out, pageToken(next), ts(list.LastModifiedTime), list.LastModifiedRegion}, nil
}

// proficiencyPageKey orders proficiencies as the store lists them: by name, then value.
func proficiencyPageKey(p connectdir.UserProficiency) string {
	return p.AttributeName + "\x00" + p.AttributeValue
}

// ---- SearchUsers ListCondition ----

type numberCondition struct {
	FieldName      string `json:"FieldName"`
	MinValue       *int32 `json:"MinValue"`
	MaxValue       *int32 `json:"MaxValue"`
	ComparisonType string `json:"ComparisonType"`
}

type listCondition struct {
	TargetListType string `json:"TargetListType"`
	Conditions     []struct {
		StringCondition *stringCondition `json:"StringCondition"`
		NumberCondition *numberCondition `json:"NumberCondition"`
	} `json:"Conditions"`
}

// proficiencyListCond turns a ListCondition into a store condition. The API reference names the
// fields: name and value for string conditions, limit (the level) for number conditions.
func proficiencyListCond(lc listCondition) (connectdir.Cond, error) {
	if lc.TargetListType != "" && lc.TargetListType != "PROFICIENCIES" {
		return connectdir.Cond{}, connectdir.Errorf(connectdir.KindInvalidParameter, "ListCondition.TargetListType must be PROFICIENCIES")
	}
	c := connectdir.Cond{Op: connectdir.OpProficiency}
	for _, cond := range lc.Conditions {
		if sc := cond.StringCondition; sc != nil {
			field := strings.ToLower(sc.FieldName)
			if field != "name" && field != "value" {
				return c, connectdir.Errorf(connectdir.KindInvalidParameter, "ListCondition StringCondition.FieldName %q is not supported: use name or value", sc.FieldName)
			}
			cmp := sc.ComparisonType
			if cmp == "" {
				cmp = "EXACT"
			}
			c.Proficiency = append(c.Proficiency, connectdir.ProficiencyCond{Field: field, Comparison: cmp, Value: strings.ToLower(sc.Value)})
		}
		if nc := cond.NumberCondition; nc != nil {
			if !strings.EqualFold(nc.FieldName, "limit") {
				return c, connectdir.Errorf(connectdir.KindInvalidParameter, "ListCondition NumberCondition.FieldName %q is not supported: use limit", nc.FieldName)
			}
			cmp := nc.ComparisonType
			if cmp == "" {
				return c, connectdir.Errorf(connectdir.KindInvalidParameter, "ListCondition NumberCondition.ComparisonType is required")
			}
			// The bounds a comparison reads: MinValue for the lower bounds and (in)equality,
			// MaxValue for the upper bounds, both for RANGE.
			if cmp != "LESSER" && cmp != "LESSER_OR_EQUAL" && nc.MinValue == nil {
				return c, connectdir.Errorf(connectdir.KindInvalidParameter, "ListCondition NumberCondition.MinValue is required with ComparisonType %s", cmp)
			}
			if (cmp == "RANGE" || cmp == "LESSER" || cmp == "LESSER_OR_EQUAL") && nc.MaxValue == nil {
				return c, connectdir.Errorf(connectdir.KindInvalidParameter, "ListCondition NumberCondition.MaxValue is required with ComparisonType %s", cmp)
			}
			c.Proficiency = append(c.Proficiency, connectdir.ProficiencyCond{Field: "limit", Comparison: cmp, Min: nc.MinValue, Max: nc.MaxValue})
		}
	}
	return c, nil
}
