package connectdir

import (
	"context"
	"errors"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// PredefinedAttribute is a name with the values a proficiency (or a contact attribute) may take,
// such as Language: English, French.
type PredefinedAttribute struct {
	InstanceID string
	Name       string
	Values     []string
	Purposes   []string
	// EnableValueValidationOnAssociation is the one configuration member callers set; nil when
	// never given, so that DescribePredefinedAttribute shows what was set, as the service does.
	EnableValueValidationOnAssociation *bool
	LastModifiedTime                   time.Time
	LastModifiedRegion                 string
}

// UserProficiency is a user's skill in one value of a predefined attribute, at level 1 to 5.
type UserProficiency struct {
	AttributeName  string
	AttributeValue string
	Level          float32
}

// ProficiencyTx is the part of a Tx that keeps predefined attributes and user proficiencies.
type ProficiencyTx interface {
	InsertPredefinedAttribute(PredefinedAttribute) error
	GetPredefinedAttribute(instanceID, name string) (PredefinedAttribute, error)
	// ListPredefinedAttributes pages by Name.
	ListPredefinedAttributes(instanceID, after string, limit int) ([]PredefinedAttribute, error)
	UpdatePredefinedAttribute(PredefinedAttribute) error
	DeletePredefinedAttribute(instanceID, name string) error
	// CountProficienciesWithAttribute counts the proficiencies that name an attribute, of every
	// user; with value != "" only those of that value.
	CountProficienciesWithAttribute(instanceID, name, value string) (int64, error)

	// UserProficiencies returns a user's proficiencies by attribute name and value, and when they
	// last changed (zero when the user never had any).
	UserProficiencies(instanceID, userID string) ([]UserProficiency, time.Time, string, error)
	// PutUserProficiencies replaces a user's proficiencies.
	PutUserProficiencies(instanceID, userID string, list []UserProficiency, at time.Time, region string) error
}

// ProficiencyCond is one condition of a SearchUsers ListCondition on proficiencies: all the
// conditions of one ListCondition must hold for the same proficiency of a user.
type ProficiencyCond struct {
	Field      string // "name", "value" (string) or "limit" (the level)
	Comparison string // string: EXACT, STARTS_WITH, CONTAINS; number: GREATER_OR_EQUAL, ..., RANGE
	Value      string // string conditions, lower-cased: they compare case-insensitively
	Min, Max   *int32 // number conditions
}

// Limits of predefined attributes, from the model and the administrator guide.
const (
	MaxAttributeValues  = 500
	MaxProficiencyLevel = 5
)

// attributeText is the documented alphabet of attribute names and values: letters, numbers,
// spaces and _.:/=+-@' — and not starting with aws: or connect:, which the service reserves.
var attributeText = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@']+$`)

func checkAttributeText(member, s string) error {
	if !attributeText.MatchString(s) {
		return invalidParam("%s must contain only letters, numbers, spaces and _.:/=+-@' characters", member)
	}
	if strings.HasPrefix(s, "aws:") || strings.HasPrefix(s, "connect:") {
		return invalidParam("%s must not start with aws: or connect:", member)
	}
	return nil
}

func checkAttribute(a PredefinedAttribute) error {
	if err := checkAttributeText("Name", a.Name); err != nil {
		return err
	}
	if len(a.Values) > MaxAttributeValues {
		return invalidParam("Values.StringList must include at most %d items", MaxAttributeValues)
	}
	seen := map[string]bool{}
	for _, v := range a.Values {
		if err := checkAttributeText("Values.StringList", v); err != nil {
			return err
		}
		if seen[v] {
			return invalidParam("Values.StringList has the value %s more than once", v)
		}
		seen[v] = true
	}
	return nil
}

func getAttribute(tx Tx, instanceID, name string) (PredefinedAttribute, error) {
	a, err := tx.GetPredefinedAttribute(instanceID, name)
	if errors.Is(err, ErrNoRows) {
		return a, notFound("PredefinedAttribute not found: %s", name)
	}
	return a, err
}

// CreatePredefinedAttribute adds an attribute to an instance.
func (d *Directory) CreatePredefinedAttribute(ctx context.Context, a PredefinedAttribute) error {
	if err := checkAttribute(a); err != nil {
		return err
	}
	a.LastModifiedTime, a.LastModifiedRegion = d.now(), d.Region
	return d.update(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, a.InstanceID); err != nil {
			return err
		}
		if _, err := tx.GetPredefinedAttribute(a.InstanceID, a.Name); err == nil {
			return duplicateAttribute(a.Name)
		} else if !errors.Is(err, ErrNoRows) {
			return err
		}
		if err := checkQuota(KindLimitExceeded, d.Quotas.AttributesPerInstance, func() (int64, error) {
			list, err := tx.ListPredefinedAttributes(a.InstanceID, "", d.Quotas.AttributesPerInstance)
			return int64(len(list)), err
		}, "predefined attributes per instance"); err != nil {
			return err
		}
		err := tx.InsertPredefinedAttribute(a)
		var c *ErrConflict
		if errors.As(err, &c) && c.Constraint == "unique" {
			return duplicateAttribute(a.Name)
		}
		return err
	})
}

func duplicateAttribute(name string) *Error {
	return Errorf(KindDuplicate, "PredefinedAttribute with name %s already exists", name)
}

// DescribePredefinedAttribute returns an attribute.
func (d *Directory) DescribePredefinedAttribute(ctx context.Context, instanceID, name string) (a PredefinedAttribute, err error) {
	err = d.view(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		a, err = getAttribute(tx, instanceID, name)
		return err
	})
	return a, err
}

// ListPredefinedAttributes pages an instance's attributes by name.
func (d *Directory) ListPredefinedAttributes(ctx context.Context, instanceID, after string, limit int) (list []PredefinedAttribute, err error) {
	err = d.view(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		list, err = tx.ListPredefinedAttributes(instanceID, after, limit)
		return err
	})
	return list, err
}

// AttributeUpdate is the input of UpdatePredefinedAttribute: nil members are left as they are.
type AttributeUpdate struct {
	Values                             *[]string
	Purposes                           *[]string
	EnableValueValidationOnAssociation *bool
}

// UpdatePredefinedAttribute changes an attribute. A value that a proficiency still uses cannot
// be dropped, so that every proficiency's value stays one of its attribute's values.
func (d *Directory) UpdatePredefinedAttribute(ctx context.Context, instanceID, name string, up AttributeUpdate) error {
	return d.update(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		a, err := getAttribute(tx, instanceID, name)
		if err != nil {
			return err
		}
		if up.Values != nil {
			for _, old := range a.Values {
				if slices.Contains(*up.Values, old) {
					continue
				}
				n, err := tx.CountProficienciesWithAttribute(instanceID, name, old)
				if err != nil {
					return err
				}
				if n > 0 {
					return invalidRequest("The value %s of PredefinedAttribute %s is used by %d user proficiencies", old, name, n)
				}
			}
			a.Values = *up.Values
		}
		if up.Purposes != nil {
			a.Purposes = *up.Purposes
		}
		if up.EnableValueValidationOnAssociation != nil {
			a.EnableValueValidationOnAssociation = up.EnableValueValidationOnAssociation
		}
		if err := checkAttribute(a); err != nil {
			return err
		}
		a.LastModifiedTime, a.LastModifiedRegion = d.now(), d.Region
		return tx.UpdatePredefinedAttribute(a)
	})
}

// DeletePredefinedAttribute removes an attribute no proficiency uses.
func (d *Directory) DeletePredefinedAttribute(ctx context.Context, instanceID, name string) error {
	return d.update(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		if _, err := getAttribute(tx, instanceID, name); err != nil {
			return err
		}
		n, err := tx.CountProficienciesWithAttribute(instanceID, name, "")
		if err != nil {
			return err
		}
		if n > 0 {
			return Errorf(KindInUse, "PredefinedAttribute %s is used by %d user proficiencies", name, n)
		}
		return tx.DeletePredefinedAttribute(instanceID, name)
	})
}

// AttributeSearch is a SearchPredefinedAttributes criteria tree: string conditions on the name,
// combined with AND and OR.
type AttributeSearch struct {
	And, Or    []AttributeSearch
	Comparison string // EXACT, STARTS_WITH or CONTAINS; "" for none
	Value      string
}

func (s AttributeSearch) match(name string) bool {
	if s.Comparison != "" {
		n, v := strings.ToLower(name), strings.ToLower(s.Value)
		var ok bool
		switch s.Comparison {
		case "STARTS_WITH":
			ok = strings.HasPrefix(n, v)
		case "CONTAINS":
			ok = strings.Contains(n, v)
		default:
			ok = n == v
		}
		if !ok {
			return false
		}
	}
	for _, a := range s.And {
		if !a.match(name) {
			return false
		}
	}
	if len(s.Or) > 0 {
		return slices.ContainsFunc(s.Or, func(o AttributeSearch) bool { return o.match(name) })
	}
	return true
}

// SearchPredefinedAttributes returns the attributes whose name matches s, paged by name, and
// how many match in all. An instance holds at most a few hundred attributes (the service's
// quota), so they are filtered here rather than in SQL.
func (d *Directory) SearchPredefinedAttributes(ctx context.Context, instanceID string, s AttributeSearch, after string, limit int) (page []PredefinedAttribute, total int64, err error) {
	err = d.view(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		all, err := tx.ListPredefinedAttributes(instanceID, "", math.MaxInt32)
		if err != nil {
			return err
		}
		for _, a := range all {
			if !s.match(a.Name) {
				continue
			}
			total++
			if a.Name > after && len(page) < limit {
				page = append(page, a)
			}
		}
		return nil
	})
	return page, total, err
}

// ---- user proficiencies ----

func proficiencyKey(p UserProficiency) [2]string { return [2]string{p.AttributeName, p.AttributeValue} }

// checkProficiencies applies the rules of a proficiency: its attribute exists, its value is one
// of the attribute's values, its level is a whole number from 1 to 5, and a list names each
// attribute value once.
func checkProficiencies(tx Tx, instanceID string, list []UserProficiency, withLevel bool) error {
	seen := map[[2]string]bool{}
	attrs := map[string]PredefinedAttribute{}
	for _, p := range list {
		k := proficiencyKey(p)
		if seen[k] {
			return invalidParam("UserProficiencies has %s=%s more than once", p.AttributeName, p.AttributeValue)
		}
		seen[k] = true
		if withLevel && (p.Level != float32(math.Trunc(float64(p.Level))) || p.Level < 1 || p.Level > MaxProficiencyLevel) {
			return invalidParam("UserProficiencies Level must be 1, 2, 3, 4 or 5")
		}
		a, ok := attrs[p.AttributeName]
		if !ok {
			var err error
			if a, err = getAttribute(tx, instanceID, p.AttributeName); err != nil {
				return err
			}
			attrs[p.AttributeName] = a
		}
		if !slices.Contains(a.Values, p.AttributeValue) {
			return invalidParam("UserProficiencies AttributeValue %s is not a value of PredefinedAttribute %s", p.AttributeValue, p.AttributeName)
		}
	}
	return nil
}

// changeProficiencies runs change on a user's proficiencies in one transaction and stores them.
func (d *Directory) changeProficiencies(ctx context.Context, instanceID, userID string, list []UserProficiency, withLevel bool,
	change func(have []UserProficiency) ([]UserProficiency, error)) error {
	return d.update(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		u, err := getUser(tx, instanceID, userID)
		if err != nil {
			return err
		}
		if err := checkProficiencies(tx, instanceID, list, withLevel); err != nil {
			return err
		}
		have, _, _, err := tx.UserProficiencies(instanceID, userID)
		if err != nil {
			return err
		}
		next, err := change(have)
		if err != nil {
			return err
		}
		now := d.now()
		if err := tx.PutUserProficiencies(instanceID, userID, next, now, d.Region); err != nil {
			return err
		}
		// A change of proficiencies is a change of the user: its LastModifiedTime moves too, so
		// that a client comparing it with what it read before (the CLI's cache) reads it again.
		u.LastModifiedTime, u.LastModifiedRegion = now, d.Region
		return tx.UpdateUser(u)
	})
}

func indexOfProficiency(list []UserProficiency, p UserProficiency) int {
	return slices.IndexFunc(list, func(q UserProficiency) bool { return proficiencyKey(q) == proficiencyKey(p) })
}

// AssociateUserProficiencies adds proficiencies to a user; one the user has already gets the
// level given, so that associating is safe to repeat.
func (d *Directory) AssociateUserProficiencies(ctx context.Context, instanceID, userID string, list []UserProficiency) error {
	return d.changeProficiencies(ctx, instanceID, userID, list, true, func(have []UserProficiency) ([]UserProficiency, error) {
		for _, p := range list {
			if i := indexOfProficiency(have, p); i >= 0 {
				have[i].Level = p.Level
			} else {
				have = append(have, p)
			}
		}
		return have, nil
	})
}

// UpdateUserProficiencies changes the level of proficiencies the user has.
func (d *Directory) UpdateUserProficiencies(ctx context.Context, instanceID, userID string, list []UserProficiency) error {
	return d.changeProficiencies(ctx, instanceID, userID, list, true, func(have []UserProficiency) ([]UserProficiency, error) {
		for _, p := range list {
			i := indexOfProficiency(have, p)
			if i < 0 {
				return nil, invalidRequest("The user has no proficiency %s=%s to update", p.AttributeName, p.AttributeValue)
			}
			have[i].Level = p.Level
		}
		return have, nil
	})
}

// DisassociateUserProficiencies removes proficiencies from a user.
func (d *Directory) DisassociateUserProficiencies(ctx context.Context, instanceID, userID string, list []UserProficiency) error {
	return d.changeProficiencies(ctx, instanceID, userID, list, false, func(have []UserProficiency) ([]UserProficiency, error) {
		for _, p := range list {
			i := indexOfProficiency(have, p)
			if i < 0 {
				return nil, invalidRequest("The user has no proficiency %s=%s to disassociate", p.AttributeName, p.AttributeValue)
			}
			have = slices.Delete(have, i, i+1)
		}
		return have, nil
	})
}

// UserProficiencyList is a user's proficiencies and when they last changed.
type UserProficiencyList struct {
	Proficiencies      []UserProficiency
	LastModifiedTime   time.Time
	LastModifiedRegion string
}

// ListUserProficiencies returns a user's proficiencies, by attribute name and value.
func (d *Directory) ListUserProficiencies(ctx context.Context, instanceID, userID string) (out UserProficiencyList, err error) {
	err = d.view(ctx, func(tx Tx) error {
		if _, err := getInstance(tx, instanceID); err != nil {
			return err
		}
		if _, err := getUser(tx, instanceID, userID); err != nil {
			return err
		}
		out.Proficiencies, out.LastModifiedTime, out.LastModifiedRegion, err = tx.UserProficiencies(instanceID, userID)
		return err
	})
	return out, err
}
