// Package model holds the Amazon Connect service model's constraints for the operations connectdir serves, and checks requests against them.
//
// The constraints come from connect.json, a trimmed copy of botocore's
// connect/2017-08-08 service model written by gen.py and embedded here. The
// checks are those the real service applies before it looks at its data:
// required members, string lengths, list and map sizes, numeric ranges, enum
// membership, patterns and JSON types. Unknown members are ignored, as AWS
// ignores them.
//
// # Pattern semantics
//
// The model's patterns are Java regular expressions. AWS's service
// frameworks apply them to the whole value, like Java's Matcher.matches(),
// not with find semantics: IAM, for instance, rejects a role description
// with "Member must satisfy regular expression pattern:
// [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*", which a find could never
// fail. Whole-value matching is also the only reading under which the
// model's partly anchored patterns mean what they say:
// SensitivePhoneNumber's "\+[1-9]\d{1,14}$" (anchored at the end only) must
// reject "x+14155550100", RegionName's "[a-z]{2}(-[a-z]+){1,2}(-[0-9])?"
// (not anchored) must reject "us-east-1x", and
// PrimaryAttributeContextKeyName's unanchored "(?!aws:|connect:)..." would
// reject nothing with find semantics. So every pattern is compiled as
// \A(?:pattern)\z.
//
// Patterns run on github.com/dlclark/regexp2 (a backtracking engine, needed
// for the look-aheads in TagKey, DirectoryAlias and Password) with its RE2
// option off and a match timeout. regexp2 speaks the .NET dialect, so
// compilePattern first rewrites the Java constructs whose meaning differs:
// \d \w \s \v \h and their negations are ASCII/Java classes (.NET's are
// Unicode), "." excludes all Java line terminators, a negated shorthand
// inside a class ("[a-zA-Z\d\S]") becomes an alternation with disjoint
// branches (overlapping ones made Password's {8,64} backtrack
// exponentially), "\_" is a plain "_", and \Q...\E is quoted. A match that
// runs into the timeout counts as a mismatch. Constructs with no faithful translation (nested classes, class
// intersection, possessive quantifiers) are refused, and the package's tests
// ensure no pattern in connect.json needs them.
//
// # Model quirks
//
//   - Password's pattern is written as a JavaScript literal,
//     "/^(?=.*[a-z])...{8,64}$/"; the slashes are delimiters, not part of
//     the pattern, and are stripped (normalizePattern).
//   - PhoneNumber's pattern (UserIdentityInfo.Mobile) is double-escaped,
//     "\\+[1-9]\\d{1,14}$", which as written would demand literal
//     backslashes. A doubled backslash before a character that only makes
//     sense escaped (d, s, w, p, u, +, ., brackets, ...) is collapsed, so it
//     reads "\+[1-9]\d{1,14}$" like SensitivePhoneNumber. The full Connect
//     model has more of these (Page, Slug, S3Uri - half of it -, MediaSource,
//     Workspace*, Theme*); the rule is generic.
//   - Partly anchored or unanchored patterns (SensitivePhoneNumber,
//     PhoneNumber, RegionName, AwsRegion, IAMRestrictedPrimaryValue,
//     PrimaryAttributeContextKeyName): see Pattern semantics above.
//   - Password, DirectoryAlias and the phone numbers use Java's ASCII \d,
//     and Password Java's \S (anything but space, \t, \n, \x0B, \f, \r),
//     so "Pass\u00a0w0rd" is a valid password and an Arabic-Indic digit
//     counts as no digit. Password has no min or max: its 8..64 characters
//     come from the pattern, so a short password breaks the pattern, not a
//     length; its class "[a-zA-Z\d\S]" is just \S.
//   - DirectoryAlias (CreateInstance.InstanceAlias) is marked sensitive. Its
//     look-ahead "(?!d-)" is case-sensitive, so "D-abc" is allowed, and
//     "[-]*" allows runs of hyphens ("a--b"). Its pattern backtracks
//     quadratically; lengths are checked first, so it never sees more than
//     45 characters.
//   - TagKey's pattern ends in "*" and would accept "", but TagKey has min 1.
//     TagMap and TagKeyList have min 1, so an empty Tags object or tagKeys
//     list is refused. TagValue may be "".
//   - Many members carry no constraint at all in this model although the
//     service documents limits (InstanceId is only 1..100 characters,
//     HierarchyGroupName, HierarchyLevelName, RoutingProfileId, UserId, ARN
//     and Email are free strings). Only what the model says is enforced.
//   - SearchUsers carries InstanceId in the body, not the path, and its
//     NextToken (NextToken2500) has min 1, while the List* operations'
//     NextToken has no constraint.
//   - Integer shapes without a max (AfterContactWorkTimeLimit) are bounded by
//     the type: integer is 32-bit, long 64-bit.
//   - Query-string names differ from member names (nextToken, maxResults,
//     clientToken, tagKeys); see URIMembers.
//
// # Required members and empty values
//
// A JSON null is an absent member. A required member is missing when it is
// absent, and a required string member that is "" is missing too unless its
// length constraint allows "" (min absent or 0). A member bound to the URI
// path always has an implicit min of 1, as botocore gives host labels and as
// the SDKs refuse empty path labels. An empty list or map is present and is
// checked against its min.
//
// String lengths count characters (runes), not bytes (nor UTF-16 units, as
// Java's String.length would: an emoji counts 1 here).
package model

//go:generate python3 gen.py

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

//go:embed connect.json
var connectJSON []byte

// PatternTimeout bounds one pattern match; a match that runs out of time
// twice counts as a mismatch. The model's patterns match in microseconds
// (the tests hold them to it on adversarial input), so the timeout is only a
// safety net, generous enough that a loaded server never trips it.
const PatternTimeout = 500 * time.Millisecond

// Operation describes one operation of the model.
type Operation struct {
	Name       string
	Method     string // HTTP method, e.g. "PUT"
	RequestURI string // path template, e.g. "/users/{InstanceId}"
	// SuccessCode is the HTTP status of a successful response (200 unless the
	// model says otherwise).
	SuccessCode int
	Input       string // input shape name, "" if none
	Output      string // output shape name, "" if none
	// Errors are the names of the modelled errors, in the model's order;
	// ErrorStatus gives their HTTP status codes.
	Errors []string
	// IdempotencyToken is the input member the SDKs fill with a fresh token
	// when the caller gives none, "" if none.
	IdempotencyToken string
}

// Violation is the first constraint an input breaks.
type Violation struct {
	Member  string // dotted path of the member, e.g. "PhoneConfig.DeskPhoneNumber" or "SecurityProfileIds[2]"
	Kind    string // "required", "length", "range", "pattern", "enum", "type"
	Message string // what the server sends back, a plain sentence naming the member
}

// Violation kinds.
const (
	KindRequired = "required"
	KindLength   = "length"
	KindRange    = "range"
	KindPattern  = "pattern"
	KindEnum     = "enum"
	KindType     = "type"
	// KindOperation reports a Validate call for an operation the model
	// does not hold; it is a programming error, not a client's.
	KindOperation = "operation"
)

func (v *Violation) Error() string { return v.Message }

// ---------------------------------------------------------------------------
// connect.json

type fileModel struct {
	BotocoreVersion string                   `json:"botocoreVersion"`
	Metadata        map[string]string        `json:"metadata"`
	Operations      map[string]fileOperation `json:"operations"`
	Shapes          map[string]fileShape     `json:"shapes"`
}

type fileOperation struct {
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input  string   `json:"input"`
	Output string   `json:"output"`
	Errors []string `json:"errors"`
}

type fileRef struct {
	Shape string `json:"shape"`
}

type fileMember struct {
	Name             string `json:"name"`
	Shape            string `json:"shape"`
	Location         string `json:"location"`
	LocationName     string `json:"locationName"`
	IdempotencyToken bool   `json:"idempotencyToken"`
}

type fileShape struct {
	Type      string       `json:"type"`
	Required  []string     `json:"required"`
	Min       *json.Number `json:"min"`
	Max       *json.Number `json:"max"`
	Pattern   string       `json:"pattern"`
	Enum      []string     `json:"enum"`
	Sensitive bool         `json:"sensitive"`
	Members   []fileMember `json:"members"`
	Member    *fileRef     `json:"member"`
	Key       *fileRef     `json:"key"`
	Value     *fileRef     `json:"value"`
	Error     *struct {
		HTTPStatusCode int `json:"httpStatusCode"`
	} `json:"error"`
}

// ---------------------------------------------------------------------------
// compiled model

type typeKind uint8

const (
	tString typeKind = iota + 1
	tInteger
	tLong
	tFloat
	tBoolean
	tTimestamp
	tBlob
	tStructure
	tList
	tMap
)

var typeKinds = map[string]typeKind{
	"string": tString, "integer": tInteger, "long": tLong,
	"float": tFloat, "double": tFloat, "boolean": tBoolean,
	"timestamp": tTimestamp, "blob": tBlob,
	"structure": tStructure, "list": tList, "map": tMap,
}

type shape struct {
	name      string
	kind      typeKind
	sensitive bool

	// string length, list/map size, integer range
	hasMin, hasMax bool
	min, max       int64
	fmin, fmax     float64 // float/double range

	pattern     *regexp2.Regexp
	patternText string // the normalised Java pattern, for messages

	enum     map[string]struct{}
	enumText string // "SOFT_PHONE, DESK_PHONE"

	members            []member
	member, key, value *shape
}

type member struct {
	name         string
	shape        *shape
	required     bool
	location     string // "", "uri", "querystring", "header", ...
	locationName string
	// emptyIsMissing: the member is a required string whose effective min
	// length forbids "", so "" reports it missing.
	emptyIsMissing bool
}

type operation struct {
	Operation
	input     *shape
	uri       map[string]string // locationName → member
	query     map[string]string // locationName → member
	listQuery map[string]bool   // member → is a list
}

var (
	botocoreVersion string
	operations      map[string]*operation
	operationNames  []string // sorted
	shapes          map[string]*shape
	errorStatus     map[string]int
)

func init() {
	if err := load(connectJSON); err != nil {
		panic("model: connect.json: " + err.Error())
	}
}

func load(data []byte) error {
	var fm fileModel
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&fm); err != nil {
		return err
	}
	sh, err := buildShapes(fm.Shapes)
	if err != nil {
		return err
	}
	ops := make(map[string]*operation, len(fm.Operations))
	names := make([]string, 0, len(fm.Operations))
	for name, fo := range fm.Operations {
		op := &operation{Operation: Operation{
			Name:        name,
			Method:      fo.HTTP.Method,
			RequestURI:  fo.HTTP.RequestURI,
			SuccessCode: fo.HTTP.ResponseCode,
			Input:       fo.Input,
			Output:      fo.Output,
			Errors:      fo.Errors,
		}}
		if op.SuccessCode == 0 {
			op.SuccessCode = 200
		}
		op.uri = map[string]string{}
		op.query = map[string]string{}
		op.listQuery = map[string]bool{}
		if fo.Input != "" {
			op.input = sh[fo.Input]
			if op.input == nil || op.input.kind != tStructure {
				return fmt.Errorf("operation %s: input %q is not a structure", name, fo.Input)
			}
			for _, m := range op.input.members {
				switch m.location {
				case "uri":
					op.uri[m.locationName] = m.name
				case "querystring":
					op.query[m.locationName] = m.name
					if m.shape.kind == tList {
						op.listQuery[m.name] = true
					}
				}
			}
			for _, mem := range fm.Shapes[fo.Input].Members {
				if mem.IdempotencyToken {
					op.IdempotencyToken = mem.Name
				}
			}
		}
		if fo.Output != "" && sh[fo.Output] == nil {
			return fmt.Errorf("operation %s: unknown output %q", name, fo.Output)
		}
		ops[name] = op
		names = append(names, name)
	}
	sort.Strings(names)

	es := map[string]int{}
	for name, fs := range fm.Shapes {
		if fs.Error != nil {
			es[name] = fs.Error.HTTPStatusCode
		}
	}
	for _, op := range ops {
		for _, e := range op.Errors {
			if _, ok := es[e]; !ok {
				return fmt.Errorf("operation %s: error %q has no error shape", op.Name, e)
			}
		}
	}

	botocoreVersion = fm.BotocoreVersion
	operations, operationNames, shapes, errorStatus = ops, names, sh, es
	return nil
}

func buildShapes(fs map[string]fileShape) (map[string]*shape, error) {
	sh := make(map[string]*shape, len(fs))
	for name, f := range fs {
		k, ok := typeKinds[f.Type]
		if !ok {
			return nil, fmt.Errorf("shape %s: unsupported type %q", name, f.Type)
		}
		sh[name] = &shape{name: name, kind: k, sensitive: f.Sensitive}
	}
	ref := func(owner string, r *fileRef) (*shape, error) {
		if r == nil {
			return nil, fmt.Errorf("shape %s: missing member/key/value", owner)
		}
		s := sh[r.Shape]
		if s == nil {
			return nil, fmt.Errorf("shape %s: unknown shape %q", owner, r.Shape)
		}
		return s, nil
	}
	// Bounds first: a structure's members need their shapes' min.
	for name, f := range fs {
		if err := setBounds(sh[name], f); err != nil {
			return nil, fmt.Errorf("shape %s: %w", name, err)
		}
	}
	for name, f := range fs {
		s := sh[name]
		var err error
		if f.Pattern != "" {
			if s.kind != tString {
				return nil, fmt.Errorf("shape %s: pattern on a %s", name, f.Type)
			}
			s.pattern, s.patternText, err = compilePattern(f.Pattern)
			if err != nil {
				return nil, fmt.Errorf("shape %s: pattern %q: %w", name, f.Pattern, err)
			}
		}
		if len(f.Enum) > 0 {
			s.enum = make(map[string]struct{}, len(f.Enum))
			for _, e := range f.Enum {
				s.enum[e] = struct{}{}
			}
			s.enumText = strings.Join(f.Enum, ", ")
		}
		switch s.kind {
		case tList:
			if s.member, err = ref(name, f.Member); err != nil {
				return nil, err
			}
		case tMap:
			if s.key, err = ref(name, f.Key); err != nil {
				return nil, err
			}
			if s.value, err = ref(name, f.Value); err != nil {
				return nil, err
			}
			if s.key.kind != tString {
				return nil, fmt.Errorf("shape %s: map key %s is not a string", name, s.key.name)
			}
		case tStructure:
			required := map[string]bool{}
			for _, r := range f.Required {
				required[r] = true
			}
			for _, fm := range f.Members {
				ms := sh[fm.Shape]
				if ms == nil {
					return nil, fmt.Errorf("shape %s: member %s: unknown shape %q", name, fm.Name, fm.Shape)
				}
				m := member{
					name:         fm.Name,
					shape:        ms,
					required:     required[fm.Name],
					location:     fm.Location,
					locationName: fm.LocationName,
				}
				if m.locationName == "" {
					m.locationName = m.name
				}
				if m.required && ms.kind == tString {
					min := int64(0)
					if ms.hasMin {
						min = ms.min
					}
					if m.location == "uri" && min < 1 {
						min = 1
					}
					m.emptyIsMissing = min > 0
				}
				delete(required, fm.Name)
				s.members = append(s.members, m)
			}
			for r := range required {
				return nil, fmt.Errorf("shape %s: required member %s is not a member", name, r)
			}
		}
	}
	return sh, nil
}

func setBounds(s *shape, f fileShape) error {
	for _, b := range []struct {
		n   *json.Number
		has *bool
		i   *int64
		f   *float64
	}{{f.Min, &s.hasMin, &s.min, &s.fmin}, {f.Max, &s.hasMax, &s.max, &s.fmax}} {
		if b.n == nil {
			continue
		}
		*b.has = true
		if s.kind == tFloat {
			v, err := b.n.Float64()
			if err != nil {
				return err
			}
			*b.f = v
			continue
		}
		v, err := b.n.Int64()
		if err != nil {
			// A fractional bound on a length or an integer: round inwards.
			fv, ferr := b.n.Float64()
			if ferr != nil {
				return err
			}
			if b.i == &s.min {
				v = int64(math.Ceil(fv))
			} else {
				v = int64(math.Floor(fv))
			}
		}
		*b.i = v
	}
	return nil
}

// ---------------------------------------------------------------------------
// exported look-ups

// BotocoreVersion is the version of the botocore release connect.json was
// generated from.
func BotocoreVersion() string { return botocoreVersion }

// Lookup returns the operation named op.
func Lookup(op string) (Operation, bool) {
	o, ok := operations[op]
	if !ok {
		return Operation{}, false
	}
	return o.export(), true
}

// Operations returns every operation of the model, sorted by name.
func Operations() []Operation {
	out := make([]Operation, 0, len(operationNames))
	for _, n := range operationNames {
		out = append(out, operations[n].export())
	}
	return out
}

func (o *operation) export() Operation {
	op := o.Operation
	op.Errors = slices.Clone(o.Errors)
	return op
}

// ErrorStatus returns the HTTP status code the model gives the error shape
// named name (e.g. 404 for "ResourceNotFoundException").
func ErrorStatus(name string) (int, bool) {
	c, ok := errorStatus[name]
	return c, ok
}

// URIMembers tells a handler how op's input travels outside the JSON body:
// uri maps each path label of RequestURI (e.g. "InstanceId" in
// "/users/{InstanceId}") to its member name, query maps each query-string
// parameter (e.g. "maxResults") to its member name, and listQuery holds the
// members that are lists, given as repeated parameters (e.g. "tagKeys").
// The maps are fresh copies, empty when op binds nothing there, and nil
// when the model has no operation op.
//
// Put the values into Validate's input under the member names, as strings
// (lists as []any or []string): Validate accepts the string form of numbers
// and booleans for members bound to the path, query string or headers.
func URIMembers(op string) (uri map[string]string, query map[string]string, listQuery map[string]bool) {
	o, found := operations[op]
	if !found {
		return nil, nil, nil
	}
	return cloneMap(o.uri), cloneMap(o.query), cloneMap(o.listQuery)
}

func cloneMap[V any](m map[string]V) map[string]V {
	c := make(map[string]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// ---------------------------------------------------------------------------
// validation

// Validate checks input — the operation's input members by name (uri and
// querystring members included under their member names, e.g. "InstanceId",
// "MaxResults", "NextToken", "tagKeys"), as decoded by encoding/json with
// UseNumber (so numbers are json.Number, objects map[string]any, arrays
// []any) — against the model. It returns nil or the first *Violation,
// checking members in a deterministic order: the order of the shape's
// members in the model (a missing required member is reported where it
// stands in that order), list items in order, map entries by sorted key.
//
// A null member is an absent member. Members the model does not know are
// ignored. Members bound to the path, query string or headers may carry the
// string form of integers and booleans ("10", "true"), and a query-string
// list may be given as a single string. Go ints and float64s are accepted
// wherever json.Number is. An unknown op is reported with KindOperation.
func Validate(op string, input map[string]any) *Violation {
	o, ok := operations[op]
	if !ok {
		return &Violation{Kind: KindOperation, Message: "Unknown operation " + op}
	}
	if o.input == nil {
		return nil
	}
	w := walkers.Get().(*walker)
	v := w.checkStructure(o.input, input)
	w.reset()
	walkers.Put(w)
	return v
}

// walker holds one Validate call's scratch state: the path to the value
// being checked, rendered only when a violation names it, a rune buffer for
// the pattern matcher, and a stack of sorted map keys. Walkers are pooled,
// so a valid input costs no allocation.
type walker struct {
	path  []segment
	runes []rune
	keys  []string
}

var walkers = sync.Pool{New: func() any {
	return &walker{path: make([]segment, 0, 16), runes: make([]rune, 0, 256), keys: make([]string, 0, 64)}
}}

type segment struct {
	kind  segKind
	name  string // member name or map key
	index int    // list index
	sens  bool   // map segments: the key shape is sensitive
}

type segKind uint8

const (
	segMember segKind = iota
	segIndex
	segMapKey
	segMapValue
)

func (w *walker) push(s segment) { w.path = append(w.path, s) }

func (w *walker) pop() {
	w.path[len(w.path)-1] = segment{}
	w.path = w.path[:len(w.path)-1]
}

func (w *walker) reset() {
	clear(w.path)
	w.path = w.path[:0]
	clear(w.keys)
	w.keys = w.keys[:0]
	w.runes = w.runes[:0]
	// Do not let one huge input pin memory in the pool.
	if cap(w.runes) > 64<<10 {
		w.runes = make([]rune, 0, 256)
	}
	if cap(w.keys) > 4096 {
		w.keys = make([]string, 0, 64)
	}
}

// pathString renders the current path, e.g. "PhoneConfig.DeskPhoneNumber",
// "SecurityProfileIds[2]", "Tags (key: aws:x)" or "Tags.env" (botocore's
// notation for map keys and values).
func (w *walker) pathString() string {
	var b strings.Builder
	for i, s := range w.path {
		switch s.kind {
		case segMember:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.name)
		case segIndex:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		case segMapKey:
			if s.sens {
				b.WriteString(" (key)")
			} else {
				b.WriteString(" (key: ")
				b.WriteString(displayKey(s.name))
				b.WriteByte(')')
			}
		case segMapValue:
			if s.sens {
				b.WriteString(" (value)")
			} else {
				b.WriteByte('.')
				b.WriteString(displayKey(s.name))
			}
		}
	}
	return b.String()
}

// displayKey renders a map key for a message: as is when it is short and
// printable, else quoted and cut to 64 characters.
func displayKey(k string) string {
	const limit = 64
	if k == "" {
		return `""`
	}
	plain := utf8.ValidString(k) && utf8.RuneCountInString(k) <= limit
	if plain {
		for _, r := range k {
			if !strconv.IsGraphic(r) || r == '"' {
				plain = false
				break
			}
		}
	}
	if plain {
		return k
	}
	if utf8.RuneCountInString(k) > limit {
		k = string([]rune(k)[:limit]) + "..."
	}
	return strconv.QuoteToGraphic(k)
}

func (w *walker) violation(kind, format string, args ...any) *Violation {
	name := w.pathString()
	return &Violation{Member: name, Kind: kind, Message: name + " " + fmt.Sprintf(format, args...)}
}

func (w *walker) missing() *Violation {
	name := w.pathString()
	return &Violation{Member: name, Kind: KindRequired, Message: "Missing required parameter: " + name}
}

func (w *walker) checkStructure(s *shape, obj map[string]any) *Violation {
	for i := range s.members {
		m := &s.members[i]
		v, present := obj[m.name]
		if (!present || v == nil) && !m.required {
			continue
		}
		w.push(segment{kind: segMember, name: m.name})
		var viol *Violation
		switch {
		case !present || v == nil:
			viol = w.missing()
		case m.emptyIsMissing && isEmptyString(v):
			viol = w.missing()
		default:
			viol = w.check(m.shape, v, m.location != "")
		}
		if viol != nil {
			return viol
		}
		w.pop()
	}
	return nil
}

func isEmptyString(v any) bool {
	s, ok := v.(string)
	return ok && s == ""
}

// check validates v against s. http is set for members bound to the path,
// query string or headers, whose scalars arrive as strings.
func (w *walker) check(s *shape, v any, http bool) *Violation {
	switch s.kind {
	case tString:
		str, ok := v.(string)
		if !ok {
			return w.violation(KindType, "must be a string")
		}
		return w.checkString(s, str)
	case tInteger, tLong:
		return w.checkInteger(s, v, http)
	case tFloat:
		return w.checkFloat(s, v, http)
	case tBoolean:
		switch b := v.(type) {
		case bool:
			return nil
		case string:
			if http && (b == "true" || b == "false") {
				return nil
			}
		}
		return w.violation(KindType, "must be a boolean")
	case tTimestamp:
		switch t := v.(type) {
		case json.Number:
			if _, err := t.Float64(); err == nil {
				return nil
			}
		case float64, int, int64:
			return nil
		case string:
			if _, err := time.Parse(time.RFC3339Nano, t); err == nil {
				return nil
			}
			if _, err := strconv.ParseFloat(t, 64); err == nil && http {
				return nil
			}
		}
		return w.violation(KindType, "must be a timestamp")
	case tBlob:
		if _, ok := v.(string); !ok {
			return w.violation(KindType, "must be a base64-encoded string")
		}
		return nil
	case tStructure:
		obj, ok := v.(map[string]any)
		if !ok {
			return w.violation(KindType, "must be an object")
		}
		return w.checkStructure(s, obj)
	case tList:
		return w.checkList(s, v, http)
	case tMap:
		return w.checkMap(s, v)
	}
	return nil
}

func (w *walker) checkString(s *shape, str string) *Violation {
	// PostgreSQL's text holds neither U+0000 nor invalid UTF-8 (SQLSTATE 22021), and a path or
	// query member can carry both (%00, %FF): they reached the database and came back as a 500.
	// No Connect string has a use for them, so every string is refused them, on every store alike
	// (the real service's answer to them is unknown here).
	if strings.IndexByte(str, 0) >= 0 {
		return w.violation(KindPattern, "must not contain the character U+0000")
	}
	if !utf8.ValidString(str) {
		return w.violation(KindPattern, "must be valid UTF-8")
	}
	if s.hasMin || s.hasMax {
		n := int64(utf8.RuneCountInString(str))
		if s.hasMin && n < s.min {
			return w.violation(KindLength, "must have length greater than or equal to %d", s.min)
		}
		if s.hasMax && n > s.max {
			return w.violation(KindLength, "must have length less than or equal to %d", s.max)
		}
	}
	if s.enum != nil {
		if _, ok := s.enum[str]; !ok {
			return w.violation(KindEnum, "must be one of %s", s.enumText)
		}
	}
	if s.pattern != nil {
		w.runes = w.runes[:0]
		for _, r := range str {
			w.runes = append(w.runes, r)
		}
		if !matchPattern(s.pattern, w.runes) {
			return w.violation(KindPattern, "must match pattern %s", s.patternText)
		}
	}
	return nil
}

// intValue reads an integer. overflow is +1 or -1 when the number is an
// integer too large for int64.
func intValue(v any, http bool) (n int64, overflow int, ok bool) {
	var text string
	switch x := v.(type) {
	case json.Number:
		text = string(x)
	case string:
		if !http {
			return 0, 0, false
		}
		text = x
	case int:
		return int64(x), 0, true
	case int64:
		return x, 0, true
	case int32:
		return int64(x), 0, true
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) || math.IsNaN(x) {
			return 0, 0, false
		}
		if x >= 0x1p63 {
			return 0, 1, true
		}
		if x < -0x1p63 {
			return 0, -1, true
		}
		return int64(x), 0, true
	default:
		return 0, 0, false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err == nil {
		return n, 0, true
	}
	if errors.Is(err, strconv.ErrRange) {
		if strings.HasPrefix(text, "-") {
			return 0, -1, true
		}
		return 0, 1, true
	}
	return 0, 0, false
}

func (w *walker) checkInteger(s *shape, v any, http bool) *Violation {
	n, overflow, ok := intValue(v, http)
	if !ok {
		return w.violation(KindType, "must be an integer")
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if s.kind == tInteger {
		lo, hi = math.MinInt32, math.MaxInt32
	}
	if s.hasMin && s.min > lo {
		lo = s.min
	}
	if s.hasMax && s.max < hi {
		hi = s.max
	}
	if overflow < 0 || (overflow == 0 && n < lo) {
		return w.violation(KindRange, "must be greater than or equal to %d", lo)
	}
	if overflow > 0 || n > hi {
		return w.violation(KindRange, "must be less than or equal to %d", hi)
	}
	return nil
}

func (w *walker) checkFloat(s *shape, v any, http bool) *Violation {
	var f float64
	var err error
	switch x := v.(type) {
	case json.Number:
		f, err = x.Float64()
	case float64:
		f = x
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	case string:
		if !http {
			return w.violation(KindType, "must be a number")
		}
		f, err = strconv.ParseFloat(x, 64)
	default:
		return w.violation(KindType, "must be a number")
	}
	if err != nil {
		return w.violation(KindType, "must be a number")
	}
	if s.hasMin && f < s.fmin {
		return w.violation(KindRange, "must be greater than or equal to %s", strconv.FormatFloat(s.fmin, 'g', -1, 64))
	}
	if s.hasMax && f > s.fmax {
		return w.violation(KindRange, "must be less than or equal to %s", strconv.FormatFloat(s.fmax, 'g', -1, 64))
	}
	return nil
}

func (w *walker) checkCount(s *shape, n int) *Violation {
	if s.hasMin && int64(n) < s.min {
		return w.violation(KindLength, "must have length greater than or equal to %d", s.min)
	}
	if s.hasMax && int64(n) > s.max {
		return w.violation(KindLength, "must have length less than or equal to %d", s.max)
	}
	return nil
}

func (w *walker) checkList(s *shape, v any, http bool) *Violation {
	switch items := v.(type) {
	case []any:
		if viol := w.checkCount(s, len(items)); viol != nil {
			return viol
		}
		for i, item := range items {
			w.push(segment{kind: segIndex, index: i})
			if item == nil {
				return w.violation(KindType, "must not be null")
			}
			if viol := w.check(s.member, item, http); viol != nil {
				return viol
			}
			w.pop()
		}
		return nil
	case []string:
		if viol := w.checkCount(s, len(items)); viol != nil {
			return viol
		}
		for i, item := range items {
			w.push(segment{kind: segIndex, index: i})
			var viol *Violation
			if s.member.kind == tString {
				viol = w.checkString(s.member, item)
			} else {
				viol = w.check(s.member, item, http)
			}
			if viol != nil {
				return viol
			}
			w.pop()
		}
		return nil
	case string:
		if http {
			return w.checkList(s, []string{items}, http)
		}
	}
	return w.violation(KindType, "must be a list")
}

func (w *walker) checkMap(s *shape, v any) *Violation {
	obj, ok := v.(map[string]any)
	if !ok {
		strs, isStrs := v.(map[string]string)
		if !isStrs {
			return w.violation(KindType, "must be an object")
		}
		obj = make(map[string]any, len(strs))
		for k, x := range strs {
			obj[k] = x
		}
	}
	if viol := w.checkCount(s, len(obj)); viol != nil {
		return viol
	}
	// The keys go on the walker's key stack (maps may nest), sorted so that
	// the first violation does not depend on map iteration order.
	start := len(w.keys)
	for k := range obj {
		w.keys = append(w.keys, k)
	}
	end := len(w.keys)
	slices.Sort(w.keys[start:end])
	for i := start; i < end; i++ {
		k := w.keys[i]
		w.push(segment{kind: segMapKey, name: k, sens: s.key.sensitive})
		if viol := w.checkString(s.key, k); viol != nil {
			return viol
		}
		w.pop()
		w.push(segment{kind: segMapValue, name: k, sens: s.key.sensitive})
		val := obj[k]
		if val == nil {
			return w.violation(KindType, "must not be null")
		}
		if viol := w.check(s.value, val, false); viol != nil {
			return viol
		}
		w.pop()
	}
	clear(w.keys[start:end])
	w.keys = w.keys[:start]
	return nil
}

// ---------------------------------------------------------------------------
// patterns

// matchPattern reports whether runes match re. A timeout is the only error
// regexp2 returns; its clock ticks every 100ms and can jump past a deadline
// when the process is starved of CPU, so a timeout may be spurious (seen on
// 9-character inputs under the race detector) and gets one retry with a
// fresh deadline. A second timeout counts as a mismatch.
func matchPattern(re *regexp2.Regexp, runes []rune) bool {
	ok, err := re.MatchRunes(runes)
	if err != nil {
		ok, err = re.MatchRunes(runes)
	}
	return ok && err == nil
}

// compilePattern turns a model pattern into a whole-value matcher: it undoes
// the model's quirks (normalizePattern), translates Java syntax to regexp2's
// (javaToDotNet) and anchors the result at both ends. text is the
// normalised Java pattern, for messages.
func compilePattern(raw string) (re *regexp2.Regexp, text string, err error) {
	text = normalizePattern(raw)
	translated, err := javaToDotNet(text)
	if err != nil {
		return nil, "", err
	}
	re, err = regexp2.Compile(`\A(?:`+translated+`)\z`, regexp2.None)
	if err != nil {
		return nil, "", err
	}
	re.MatchTimeout = PatternTimeout
	return re, text, nil
}

// doubledEscapes are the characters after which "\\" is read as a
// double-escaped "\": a literal backslash before them is implausible, an
// escape is what was meant.
const doubledEscapes = `dDsSwWpPuxhv+.*?()[]{}|^$-/`

// normalizePattern undoes two ways the model mangles its Java patterns:
// a JavaScript regex literal's delimiters ("/^...$/", Password) are
// stripped, and double escaping ("\\+[1-9]\\d{1,14}$", PhoneNumber) is
// collapsed wherever "\\" precedes a character in doubledEscapes.
func normalizePattern(p string) string {
	if len(p) >= 3 && p[0] == '/' && p[len(p)-1] == '/' {
		inner := p[1 : len(p)-1]
		if strings.HasPrefix(inner, "^") || strings.HasSuffix(inner, "$") {
			p = inner
		}
	}
	if !strings.Contains(p, `\\`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '\\' || i+1 >= len(p) {
			b.WriteByte(c)
			continue
		}
		if p[i+1] == '\\' && i+2 < len(p) && strings.IndexByte(doubledEscapes, p[i+2]) >= 0 {
			b.WriteByte('\\')
			b.WriteByte(p[i+2])
			i += 2
			continue
		}
		// Keep any other escape pair whole, so "\\\\" stays two escaped
		// backslashes.
		b.WriteByte(c)
		b.WriteByte(p[i+1])
		i++
	}
	return b.String()
}

// Java's predefined classes (java.util.regex.Pattern without
// UNICODE_CHARACTER_CLASS), as .NET class bodies.
const (
	javaDigit           = `0-9`
	javaWord            = `a-zA-Z0-9_`
	javaSpace           = ` \t\n\x0B\f\r`
	javaVSpace          = `\n\x0B\f\r\x85\u2028\u2029`
	javaHSpace          = ` \t\xA0\u1680\u180E\u2000-\u200A\u202F\u205F\u3000`
	javaLineTerminators = `\n\r\x85\u2028\u2029`
)

var javaClasses = map[rune]string{
	'd': javaDigit, 'w': javaWord, 's': javaSpace, 'v': javaVSpace, 'h': javaHSpace,
}

var errUnsupported = errors.New("unsupported Java regex construct")

// javaToDotNet rewrites a Java regex into regexp2's .NET dialect where the
// two read the same text differently; everything else is copied.
func javaToDotNet(p string) (string, error) {
	rs := []rune(p)
	var b strings.Builder
	lastQuant := false // the previous token was a quantifier
	afterOpen := false // the previous token was "("
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		wasOpen := afterOpen
		afterOpen = false
		switch c {
		case '\\':
			if i+1 >= len(rs) {
				return "", errors.New("trailing backslash")
			}
			i++
			e := rs[i]
			lastQuant = false
			if body, ok := javaClasses[e]; ok {
				b.WriteString("[" + body + "]")
			} else if body, ok := javaClasses[toLower(e)]; ok && e != toLower(e) {
				b.WriteString("[^" + body + "]")
			} else if e == 'Q' {
				lit, next := quoted(rs, i+1)
				b.WriteString(regexp2.Escape(lit))
				i = next - 1
			} else {
				b.WriteString(javaEscape(e))
			}
		case '[':
			cls, next, err := javaClass(rs, i)
			if err != nil {
				return "", err
			}
			b.WriteString(cls)
			i = next - 1
			lastQuant = false
		case '.':
			b.WriteString("[^" + javaLineTerminators + "]")
			lastQuant = false
		case '(':
			b.WriteRune(c)
			afterOpen = true
			lastQuant = false
		case '*', '+', '?':
			switch {
			case c == '?' && wasOpen: // "(?" opens a special group
				lastQuant = false
			case c == '+' && lastQuant:
				return "", fmt.Errorf("%w: possessive quantifier", errUnsupported)
			case c == '?' && lastQuant: // lazy
				lastQuant = false
			default:
				lastQuant = true
			}
			b.WriteRune(c)
		case '{':
			if j := quantifierEnd(rs, i); j > 0 {
				b.WriteString(string(rs[i : j+1]))
				i = j
				lastQuant = true
				continue
			}
			b.WriteRune(c)
			lastQuant = false
		default:
			b.WriteRune(c)
			lastQuant = false
		}
	}
	return b.String(), nil
}

func toLower(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// javaEscape renders the escape \e. Java allows a backslash before any
// non-alphabetic character (ViewId's "\_" in the full model); .NET refuses
// it before word characters, so those become plain literals.
func javaEscape(e rune) string {
	if e == '_' || e > unicode.MaxASCII {
		return string(e)
	}
	return `\` + string(e)
}

// quoted reads a \Q...\E literal starting after \Q; next is the index after \E.
func quoted(rs []rune, start int) (lit string, next int) {
	for j := start; j+1 < len(rs); j++ {
		if rs[j] == '\\' && rs[j+1] == 'E' {
			return string(rs[start:j]), j + 2
		}
	}
	return string(rs[start:]), len(rs)
}

// quantifierEnd returns the index of the "}" closing a {n}, {n,} or {n,m}
// quantifier opened at i, or -1 when the brace is a literal.
func quantifierEnd(rs []rune, i int) int {
	j := i + 1
	digits := 0
	for ; j < len(rs) && rs[j] >= '0' && rs[j] <= '9'; j++ {
		digits++
	}
	if digits == 0 {
		return -1
	}
	if j < len(rs) && rs[j] == ',' {
		for j++; j < len(rs) && rs[j] >= '0' && rs[j] <= '9'; j++ {
		}
	}
	if j < len(rs) && rs[j] == '}' {
		return j
	}
	return -1
}

// javaClass translates the character class opened at rs[i] == '['; next is
// the index after its closing ']'.
func javaClass(rs []rune, i int) (cls string, next int, err error) {
	j := i + 1
	negated := false
	if j < len(rs) && rs[j] == '^' {
		negated = true
		j++
	}
	var body strings.Builder
	var excluded []string // bodies of negated shorthands (\D, \S, ...)
	first := true
	for ; j < len(rs); j++ {
		c := rs[j]
		switch {
		case c == ']' && !first:
			switch {
			case len(excluded) == 0:
				neg := ""
				if negated {
					neg = "^"
				}
				return "[" + neg + body.String() + "]", j + 1, nil
			case negated:
				return "", 0, fmt.Errorf("%w: negated shorthand in a negated class", errUnsupported)
			}
			// [abc\S] is [abc] ∪ [^\s], which a .NET class cannot hold. It
			// becomes an alternation whose branches are made disjoint with
			// look-aheads, "(?:[abc]|(?![abc])[^\s])", so that a quantifier
			// over it never has two ways to match a character (overlapping
			// branches backtrack exponentially: Password's {8,64}).
			var sets, alts []string
			if body.Len() > 0 {
				sets = append(sets, "["+body.String()+"]")
			}
			for _, x := range excluded {
				sets = append(sets, "[^"+x+"]")
			}
			for k, set := range sets {
				var alt strings.Builder
				for _, prev := range sets[:k] {
					alt.WriteString("(?!" + prev + ")")
				}
				alt.WriteString(set)
				alts = append(alts, alt.String())
			}
			return "(?:" + strings.Join(alts, "|") + ")", j + 1, nil
		case c == '[':
			return "", 0, fmt.Errorf("%w: nested character class", errUnsupported)
		case c == '&' && j+1 < len(rs) && rs[j+1] == '&':
			return "", 0, fmt.Errorf("%w: character class intersection", errUnsupported)
		case c == '\\':
			if j+1 >= len(rs) {
				return "", 0, errors.New("trailing backslash")
			}
			j++
			e := rs[j]
			if x, ok := javaClasses[e]; ok {
				body.WriteString(x)
			} else if x, ok := javaClasses[toLower(e)]; ok && e != toLower(e) {
				excluded = append(excluded, x)
			} else if e == 'Q' {
				return "", 0, fmt.Errorf("%w: \\Q in a character class", errUnsupported)
			} else {
				body.WriteString(javaEscape(e))
			}
		case c == ']': // a ']' first in the class is a literal
			body.WriteString(`\]`)
		default:
			body.WriteRune(c)
		}
		first = false
	}
	return "", 0, errors.New("unclosed character class")
}

// ---------------------------------------------------------------------------
// pruning

// Prune removes from body — op's JSON body, decoded as Validate expects — every member the
// model does not name exactly, at any depth, and every member the model binds to the path,
// query string or headers (those are read from there, never from the body). The service
// ignores members it does not know; matching names exactly means a case variant ("username")
// is such a member and can never stand in for the real one ("Username") past Validate.
func Prune(op string, body map[string]any) {
	o, ok := operations[op]
	if !ok || o.input == nil {
		clear(body)
		return
	}
	pruneStructure(o.input, body, true)
}

func pruneStructure(s *shape, obj map[string]any, top bool) {
	for k, v := range obj {
		m := s.memberNamed(k)
		if m == nil || (top && m.location != "") {
			delete(obj, k)
			continue
		}
		prune(m.shape, v)
	}
}

func prune(s *shape, v any) {
	switch s.kind {
	case tStructure:
		if obj, ok := v.(map[string]any); ok {
			pruneStructure(s, obj, false)
		}
	case tList:
		if items, ok := v.([]any); ok {
			for _, item := range items {
				prune(s.member, item)
			}
		}
	case tMap:
		if obj, ok := v.(map[string]any); ok {
			for _, item := range obj {
				prune(s.value, item)
			}
		}
	}
}

func (s *shape) memberNamed(name string) *member {
	for i := range s.members {
		if s.members[i].name == name {
			return &s.members[i]
		}
	}
	return nil
}
