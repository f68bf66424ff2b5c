package scim

import (
	"fmt"
	"math"
	"strings"
	"time"

	filter "github.com/scim2/filter-parser/v2"
)

// Resources are kept as decoded JSON (map[string]any): what an identity provider sends is kept as
// sent, and SCIM attribute names are case-insensitive (RFC 7643 §2.1), so every lookup is too.

// keyOf returns the key m holds for name, compared case-insensitively, or name itself.
func keyOf(m map[string]any, name string) string {
	if _, ok := m[name]; ok {
		return name
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

func get(m map[string]any, name string) any {
	if m == nil {
		return nil
	}
	return m[keyOf(m, name)]
}

// schema URNs whose attributes sit at the top level of a resource.
const (
	UserSchema  = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"
)

// container returns the object holding the attributes of schema uri: the resource itself for the
// core schemas, else its extension object, made when create is set.
func container(res map[string]any, uri string, create bool) map[string]any {
	if uri == "" || strings.EqualFold(uri, UserSchema) || strings.EqualFold(uri, GroupSchema) {
		return res
	}
	k := keyOf(res, uri)
	m, ok := res[k].(map[string]any)
	if !ok && create {
		m = map[string]any{}
		res[k] = m
	}
	return m
}

// pathValue reads one value at a path such as `name.givenName`,
// `phoneNumbers[type eq "work"].value` or `urn:...:enterprise:2.0:User:department`: of a
// multi-valued attribute, the first matching element (the primary one first).
func pathValue(res map[string]any, path string) any {
	p, err := filter.ParsePath([]byte(path))
	if err != nil {
		return nil
	}
	v := get(container(res, p.AttributePath.URI(), false), p.AttributePath.AttributeName)
	if arr, ok := v.([]any); ok {
		var pick any
		for _, el := range arr {
			em, _ := el.(map[string]any)
			if p.ValueExpression != nil && !matches(p.ValueExpression, em) {
				continue
			}
			if pick == nil {
				pick = el
			}
			if b, _ := get(em, "primary").(bool); b {
				pick = el
				break
			}
		}
		v = pick
	} else if p.ValueExpression != nil {
		return nil
	}
	for _, sub := range []*string{p.AttributePath.SubAttribute, p.SubAttribute} {
		if sub != nil {
			m, _ := v.(map[string]any)
			v = get(m, *sub)
		}
	}
	return v
}

// caseExact attributes compare as written (RFC 7643: id, externalId and meta.version).
func caseExact(name string) bool {
	switch strings.ToLower(name) {
	case "id", "externalid", "version", "value":
		return true
	}
	return false
}

// matches evaluates a filter against one object: a resource, or an element of a multi-valued
// attribute in a value path.
func matches(e filter.Expression, m map[string]any) bool {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		if e.Operator == filter.AND {
			return matches(e.Left, m) && matches(e.Right, m)
		}
		return matches(e.Left, m) || matches(e.Right, m)
	case *filter.NotExpression:
		return !matches(e.Expression, m)
	case *filter.ValuePath:
		arr, _ := get(container(m, e.AttributePath.URI(), false), e.AttributePath.AttributeName).([]any)
		for _, el := range arr {
			if em, ok := el.(map[string]any); ok && matches(e.ValueFilter, em) {
				return true
			}
		}
		return false
	case *filter.AttributeExpression:
		ap := e.AttributePath
		v := get(container(m, ap.URI(), false), ap.AttributeName)
		name := ap.AttributeName
		if ap.SubAttribute != nil {
			name = *ap.SubAttribute
		}
		var vals []any
		switch v := v.(type) {
		case []any: // any element matching is a match; "emails eq x" compares each element's value
			sub := "value"
			if ap.SubAttribute != nil {
				sub = *ap.SubAttribute
			}
			for _, el := range v {
				if em, ok := el.(map[string]any); ok {
					vals = append(vals, get(em, sub))
				} else {
					vals = append(vals, el)
				}
			}
		case map[string]any:
			if ap.SubAttribute != nil {
				vals = append(vals, get(v, *ap.SubAttribute))
			}
		default:
			vals = append(vals, v)
		}
		for _, v := range vals {
			if compare(v, e.Operator, e.CompareValue, name) {
				return true
			}
		}
		return e.Operator == filter.NE && len(vals) == 0
	}
	return false
}

func compare(v any, op filter.CompareOperator, want any, name string) bool {
	if op == filter.PR {
		return v != nil && v != ""
	}
	if v == nil {
		return op == filter.NE && want != nil
	}
	switch v := v.(type) {
	case bool:
		w, ok := want.(bool)
		if s, isStr := want.(string); isStr {
			w, ok = strings.EqualFold(s, "true"), strings.EqualFold(s, "true") || strings.EqualFold(s, "false")
		}
		if !ok {
			return false
		}
		switch op {
		case filter.EQ:
			return v == w
		case filter.NE:
			return v != w
		}
		return false
	case float64:
		w, ok := toFloat(want)
		if !ok {
			return false
		}
		return ordered(op, cmpFloat(v, w))
	case string:
		w, ok := want.(string)
		if !ok {
			w = fmt.Sprint(want)
		}
		// Date-times compare as instants: "2026-12-01T10:00:00Z" and "...+00:00" are equal.
		if tv, err := time.Parse(time.RFC3339Nano, v); err == nil {
			if tw, err := time.Parse(time.RFC3339Nano, w); err == nil {
				return ordered(op, tv.Compare(tw))
			}
		}
		if !caseExact(name) {
			v, w = strings.ToLower(v), strings.ToLower(w)
		}
		switch op {
		case filter.CO:
			return strings.Contains(v, w)
		case filter.SW:
			return strings.HasPrefix(v, w)
		case filter.EW:
			return strings.HasSuffix(v, w)
		}
		return ordered(op, strings.Compare(v, w))
	}
	return false
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	}
	return math.NaN(), false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func ordered(op filter.CompareOperator, c int) bool {
	switch op {
	case filter.EQ:
		return c == 0
	case filter.NE:
		return c != 0
	case filter.GT:
		return c > 0
	case filter.GE:
		return c >= 0
	case filter.LT:
		return c < 0
	case filter.LE:
		return c <= 0
	}
	return false
}
