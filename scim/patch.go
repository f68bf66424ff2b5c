package scim

import (
	"encoding/json"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// PatchOp is the body of a PATCH request (RFC 7644 §3.5.2).
type patchRequest struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

const patchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// applyPatch applies operations to a resource (without id and meta) in order. It accepts the
// dialects identity providers send besides the RFC's: Entra ID's capitalised ops ("Replace") and
// boolean strings ("False"), members removed by a value list instead of a filter, and Okta's
// path-less replace whose value carries the resource's own id.
func applyPatch(res map[string]any, ops []patchOp, id string) error {
	if len(ops) == 0 {
		return badRequest("invalidValue", "Operations must hold at least one operation")
	}
	for _, o := range ops {
		op := strings.ToLower(o.Op)
		if op != "add" && op != "replace" && op != "remove" {
			return badRequest("invalidSyntax", "op %q is not add, replace or remove", o.Op)
		}
		if o.Path == "" {
			if op == "remove" {
				return badRequest("noTarget", "remove needs a path")
			}
			obj, ok := o.Value.(map[string]any)
			if !ok {
				return badRequest("invalidValue", "an operation without a path needs an object value")
			}
			for k, v := range obj {
				if strings.EqualFold(k, "id") || strings.EqualFold(k, "meta") || strings.EqualFold(k, "schemas") {
					if strings.EqualFold(k, "id") && v != id {
						return &Error{Status: 400, ScimType: "mutability", Detail: "id is readOnly"}
					}
					continue
				}
				if sub, ok := v.(map[string]any); ok && strings.HasPrefix(strings.ToLower(k), "urn:") && isSchemaURN(k) {
					for k2, v2 := range sub {
						if err := patchPath(res, op, k+":"+k2, v2); err != nil {
							return err
						}
					}
					continue
				}
				if err := patchPath(res, op, k, v); err != nil {
					return err
				}
			}
			continue
		}
		if op != "remove" && o.Value == nil {
			return badRequest("invalidValue", "%s %s needs a value", o.Op, o.Path)
		}
		if err := patchPath(res, op, o.Path, o.Value); err != nil {
			return err
		}
	}
	return nil
}

// isSchemaURN tells an extension schema's URN ("urn:...:enterprise:2.0:User") from an attribute
// path within it ("urn:...:enterprise:2.0:User:department").
func isSchemaURN(s string) bool {
	for _, u := range []string{Enterprise, UserSchema, GroupSchema} {
		if strings.EqualFold(s, u) {
			return true
		}
	}
	// An unknown extension: its last segment names a resource type, capitalised by convention.
	last := s[strings.LastIndexByte(s, ':')+1:]
	return last != "" && last[0] >= 'A' && last[0] <= 'Z'
}

func patchPath(res map[string]any, op, path string, v any) error {
	if isSchemaURN(path) && !strings.EqualFold(path, UserSchema) && !strings.EqualFold(path, GroupSchema) {
		// The whole extension: removed, or its attributes set one by one.
		if op == "remove" {
			delete(res, keyOf(res, path))
			return nil
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return badRequest("invalidValue", "%s needs an object value", path)
		}
		for k, x := range obj {
			if err := patchPath(res, op, path+":"+k, x); err != nil {
				return err
			}
		}
		return nil
	}
	p, err := filter.ParsePath([]byte(path))
	if err != nil {
		return badRequest("invalidPath", "path %q: %v", path, err)
	}
	name := p.AttributePath.AttributeName
	switch strings.ToLower(name) {
	case "id", "meta", "groups":
		if p.AttributePath.URI() == "" || !strings.EqualFold(name, "groups") {
			return &Error{Status: 400, ScimType: "mutability", Detail: name + " is readOnly"}
		}
	}
	cont := container(res, p.AttributePath.URI(), op != "remove")
	if cont == nil {
		return nil // removing from an extension the resource lacks
	}
	key := keyOf(cont, name)
	if p.ValueExpression != nil {
		return patchFiltered(cont, key, op, p, v)
	}
	if sub := p.AttributePath.SubAttribute; sub != nil {
		m, ok := cont[key].(map[string]any)
		if !ok {
			if op == "remove" {
				return nil
			}
			m = map[string]any{}
			cont[key] = m
		}
		if op == "remove" {
			delete(m, keyOf(m, *sub))
		} else {
			m[keyOf(m, *sub)] = v
		}
		return nil
	}
	cur := cont[key]
	arr, isArr := cur.([]any)
	switch op {
	case "remove":
		vals, listed := v.([]any)
		if !isArr || !listed {
			delete(cont, key)
			return nil
		}
		// Entra ID removes members as {"path":"members","value":[{"value":ID}]}.
		drop := map[string]bool{}
		for _, x := range vals {
			drop[elementValue(x)] = true
		}
		arr = deleteWhere(arr, func(el any) bool { return drop[elementValue(el)] })
		setOrDelete(cont, key, arr)
	case "add":
		if isArr || multiValued(name) {
			cont[key] = appendUnique(arr, v)
			return nil
		}
		fallthrough
	default: // replace
		if old, ok := cur.(map[string]any); ok {
			if nv, ok := v.(map[string]any); ok {
				for k, x := range nv {
					old[keyOf(old, k)] = x
				}
				return nil
			}
		}
		if multiValued(name) {
			if _, ok := v.([]any); !ok {
				v = []any{v}
			}
		}
		cont[key] = v
	}
	return nil
}

// patchFiltered handles a value path: `emails[type eq "work"].value`, `members[value eq "ID"]`.
func patchFiltered(cont map[string]any, key, op string, p filter.Path, v any) error {
	arr, _ := cont[key].([]any)
	sub := p.SubAttributeName()
	hit := false
	for i := 0; i < len(arr); i++ {
		em, ok := arr[i].(map[string]any)
		if !ok || !matches(p.ValueExpression, em) {
			continue
		}
		hit = true
		switch {
		case op == "remove" && sub == "":
			arr = append(arr[:i], arr[i+1:]...)
			i--
		case op == "remove":
			delete(em, keyOf(em, sub))
		case sub != "":
			em[keyOf(em, sub)] = v
		default:
			if nv, ok := v.(map[string]any); ok {
				for k, x := range nv {
					em[keyOf(em, k)] = x
				}
			}
		}
	}
	if op == "remove" {
		setOrDelete(cont, key, arr)
		return nil
	}
	if !hit {
		// Entra ID adds a work email or phone as `Add emails[type eq "work"].value`: make the
		// element from the filter's equalities, as it expects, rather than refusing noTarget.
		el := map[string]any{}
		collectEqualities(p.ValueExpression, el)
		if sub != "" {
			el[sub] = v
		} else if nv, ok := v.(map[string]any); ok {
			for k, x := range nv {
				el[k] = x
			}
		}
		arr = append(arr, el)
	}
	cont[key] = arr
	return nil
}

func collectEqualities(e filter.Expression, into map[string]any) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		if e.Operator == filter.AND {
			collectEqualities(e.Left, into)
			collectEqualities(e.Right, into)
		}
	case *filter.AttributeExpression:
		if e.Operator == filter.EQ && e.AttributePath.SubAttribute == nil {
			into[e.AttributePath.AttributeName] = e.CompareValue
		}
	}
}

func multiValued(name string) bool {
	switch strings.ToLower(name) {
	case "emails", "phonenumbers", "ims", "photos", "addresses", "entitlements", "roles", "x509certificates", "members":
		return true
	}
	return false
}

// elementValue identifies an element of a multi-valued attribute by its "value".
func elementValue(x any) string {
	if m, ok := x.(map[string]any); ok {
		x = get(m, "value")
	}
	b, _ := json.Marshal(x)
	return string(b)
}

func appendUnique(arr []any, v any) []any {
	vals, ok := v.([]any)
	if !ok {
		vals = []any{v}
	}
	have := map[string]bool{}
	for _, el := range arr {
		have[elementValue(el)] = true
	}
	for _, x := range vals {
		if k := elementValue(x); !have[k] || k == "null" {
			have[k] = true
			arr = append(arr, x)
		}
	}
	return arr
}

func deleteWhere(arr []any, drop func(any) bool) []any {
	out := arr[:0]
	for _, el := range arr {
		if !drop(el) {
			out = append(out, el)
		}
	}
	return out
}

func setOrDelete(m map[string]any, key string, arr []any) {
	if len(arr) == 0 {
		delete(m, key)
	} else {
		m[key] = arr
	}
}

// normalize fixes the types identity providers get wrong: Entra ID sends booleans as "True" and
// "False" strings in PATCH values.
func normalize(res map[string]any) {
	for k, v := range res {
		switch v := v.(type) {
		case string:
			if strings.EqualFold(k, "active") || strings.EqualFold(k, "primary") {
				switch strings.ToLower(v) {
				case "true":
					res[k] = true
				case "false":
					res[k] = false
				}
			}
		case map[string]any:
			normalize(v)
		case []any:
			for _, el := range v {
				if m, ok := el.(map[string]any); ok {
					normalize(m)
				}
			}
		}
	}
}
