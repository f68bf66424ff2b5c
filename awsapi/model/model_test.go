package model

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// servedOperations are the operations connectdir serves; gen.py lists the same.
var servedOperations = strings.Fields(`
CreateUser DescribeUser ListUsers DeleteUser UpdateUserIdentityInfo
UpdateUserPhoneConfig UpdateUserRoutingProfile UpdateUserSecurityProfiles
ListRoutingProfiles ListSecurityProfiles DescribeRoutingProfile
DescribeSecurityProfile GetFederationToken TagResource UntagResource
ListTagsForResource CreateInstance DescribeInstance ListInstances
DeleteInstance DescribeUserHierarchyStructure UpdateUserHierarchyStructure
CreateUserHierarchyGroup DescribeUserHierarchyGroup ListUserHierarchyGroups
UpdateUserHierarchyGroupName DeleteUserHierarchyGroup UpdateUserHierarchy
SearchUsers UpdateUserConfig CreatePredefinedAttribute
DescribePredefinedAttribute ListPredefinedAttributes SearchPredefinedAttributes
UpdatePredefinedAttribute DeletePredefinedAttribute AssociateUserProficiencies
UpdateUserProficiencies DisassociateUserProficiencies ListUserProficiencies
CreateSecurityProfile UpdateSecurityProfile DeleteSecurityProfile
ListSecurityProfilePermissions`)

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

func TestOperationsPresent(t *testing.T) {
	for _, name := range servedOperations {
		op, ok := Lookup(name)
		if !ok {
			t.Errorf("operation %s missing", name)
			continue
		}
		if op.Name != name || op.Method == "" || !strings.HasPrefix(op.RequestURI, "/") || op.Input == "" || op.SuccessCode != 200 {
			t.Errorf("operation %s incomplete: %+v", name, op)
		}
		if len(op.Errors) == 0 {
			t.Errorf("operation %s has no errors", name)
		}
		for _, e := range op.Errors {
			if code, ok := ErrorStatus(e); !ok || code < 400 {
				t.Errorf("operation %s: error %s has status %d, %v", name, e, code, ok)
			}
		}
	}
	ops := Operations()
	if len(ops) != len(servedOperations) {
		t.Errorf("Operations() has %d operations, want %d", len(ops), len(servedOperations))
	}
	if !slices.IsSortedFunc(ops, func(a, b Operation) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("Operations() is not sorted by name")
	}
	if _, ok := Lookup("CreateQueue"); ok {
		t.Error("Lookup found an operation that is not served")
	}
	if BotocoreVersion() == "" {
		t.Error("BotocoreVersion is empty")
	}
}

func TestLookupDetails(t *testing.T) {
	tests := []struct {
		op, method, uri, input, output, token string
		errs                                  []string
	}{
		{"CreateUser", "PUT", "/users/{InstanceId}", "CreateUserRequest", "CreateUserResponse", "",
			[]string{"InvalidRequestException", "InvalidParameterException", "LimitExceededException", "DuplicateResourceException", "ResourceNotFoundException", "ThrottlingException", "InternalServiceException"}},
		{"DeleteUser", "DELETE", "/users/{InstanceId}/{UserId}", "DeleteUserRequest", "", "", nil},
		{"SearchUsers", "POST", "/search-users", "SearchUsersRequest", "SearchUsersResponse", "", nil},
		{"CreateInstance", "PUT", "/instance", "CreateInstanceRequest", "CreateInstanceResponse", "ClientToken",
			[]string{"InvalidRequestException", "ServiceQuotaExceededException", "ThrottlingException", "ResourceNotFoundException", "InternalServiceException"}},
		{"DeleteInstance", "DELETE", "/instance/{InstanceId}", "DeleteInstanceRequest", "", "ClientToken", nil},
		{"GetFederationToken", "GET", "/user/federate/{InstanceId}", "GetFederationTokenRequest", "GetFederationTokenResponse", "", nil},
		{"UntagResource", "DELETE", "/tags/{resourceArn}", "UntagResourceRequest", "", "", nil},
	}
	for _, tt := range tests {
		op, _ := Lookup(tt.op)
		if op.Method != tt.method || op.RequestURI != tt.uri || op.Input != tt.input || op.Output != tt.output || op.IdempotencyToken != tt.token {
			t.Errorf("%s = %+v", tt.op, op)
		}
		if tt.errs != nil && !slices.Equal(op.Errors, tt.errs) {
			t.Errorf("%s errors = %v, want %v", tt.op, op.Errors, tt.errs)
		}
	}
	// Lookup hands out copies.
	op, _ := Lookup("CreateUser")
	op.Errors[0] = "Mutated"
	if again, _ := Lookup("CreateUser"); again.Errors[0] != "InvalidRequestException" {
		t.Error("Lookup shares its Errors slice")
	}
	for name, want := range map[string]int{
		"InvalidRequestException": 400, "InvalidParameterException": 400, "ResourceNotFoundException": 404,
		"DuplicateResourceException": 409, "LimitExceededException": 429, "ThrottlingException": 429,
		"InternalServiceException": 500, "ServiceQuotaExceededException": 402, "UserNotFoundException": 404,
		"ResourceInUseException": 409,
	} {
		if got, ok := ErrorStatus(name); !ok || got != want {
			t.Errorf("ErrorStatus(%s) = %d, %v; want %d", name, got, ok, want)
		}
	}
	if _, ok := ErrorStatus("CreateUserRequest"); ok {
		t.Error("ErrorStatus accepted a non-error shape")
	}
}

var labelRE = regexp.MustCompile(`\{([^}]+)\}`)

func TestURIMembers(t *testing.T) {
	uri, query, list := URIMembers("ListUsers")
	if !maps(uri, map[string]string{"InstanceId": "InstanceId"}) ||
		!maps(query, map[string]string{"nextToken": "NextToken", "maxResults": "MaxResults"}) || len(list) != 0 {
		t.Errorf("ListUsers: %v %v %v", uri, query, list)
	}
	uri, query, list = URIMembers("UntagResource")
	if !maps(uri, map[string]string{"resourceArn": "resourceArn"}) ||
		!maps(query, map[string]string{"tagKeys": "tagKeys"}) || !list["tagKeys"] || len(list) != 1 {
		t.Errorf("UntagResource: %v %v %v", uri, query, list)
	}
	uri, query, _ = URIMembers("DeleteInstance")
	if !maps(uri, map[string]string{"InstanceId": "InstanceId"}) || !maps(query, map[string]string{"clientToken": "ClientToken"}) {
		t.Errorf("DeleteInstance: %v %v", uri, query)
	}
	uri, query, list = URIMembers("SearchUsers")
	if uri == nil || len(uri) != 0 || len(query) != 0 || len(list) != 0 {
		t.Errorf("SearchUsers: %v %v %v", uri, query, list)
	}
	if uri, query, list := URIMembers("Nope"); uri != nil || query != nil || list != nil {
		t.Error("URIMembers of an unknown operation is not nil")
	}
	// The maps are copies.
	uri, _, _ = URIMembers("ListUsers")
	uri["X"] = "Y"
	if again, _, _ := URIMembers("ListUsers"); len(again) != 1 {
		t.Error("URIMembers shares its maps")
	}
	// Every path label of every operation is bound to a member.
	for _, op := range Operations() {
		uri, _, _ := URIMembers(op.Name)
		labels := labelRE.FindAllStringSubmatch(op.RequestURI, -1)
		if len(labels) != len(uri) {
			t.Errorf("%s: labels %v, uri members %v", op.Name, labels, uri)
		}
		for _, l := range labels {
			if _, ok := uri[l[1]]; !ok {
				t.Errorf("%s: label %s has no member", op.Name, l[1])
			}
		}
	}
}

func maps[V comparable](a, b map[string]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

const validCreateUser = `{
 "InstanceId": "11111111-2222-3333-4444-555555555555",
 "Username": "jdoe",
 "Password": "Passw0rd!",
 "IdentityInfo": {"FirstName": "Jane", "LastName": "", "Email": "jane@example.com", "SecondaryEmail": "j@example.org", "Mobile": "+14155550100"},
 "PhoneConfig": {"PhoneType": "DESK_PHONE", "AutoAccept": false, "AfterContactWorkTimeLimit": 0, "DeskPhoneNumber": "+14155550101", "PersistentConnection": true},
 "DirectoryUserId": "dir-user",
 "SecurityProfileIds": ["sp-1", "sp-2"],
 "RoutingProfileId": "rp-1",
 "HierarchyGroupId": "hg-1",
 "AutoAcceptConfigs": [{"Channel": "VOICE", "AutoAccept": true, "AgentFirstCallbackAutoAccept": false}],
 "AfterContactWorkConfigs": [{"Channel": "CHAT", "AfterContactWorkConfig": {"AfterContactWorkTimeLimit": 30}, "AgentFirstCallbackAfterContactWorkConfig": {}}],
 "PhoneNumberConfigs": [{"Channel": "VOICE", "PhoneType": "SOFT_PHONE", "PhoneNumber": "+442071838750"}],
 "PersistentConnectionConfigs": [{"Channel": "VOICE", "PersistentConnection": false}],
 "VoiceEnhancementConfigs": [{"Channel": "VOICE", "VoiceEnhancementMode": "NONE"}],
 "Tags": {"env": "prod", "team name": "", "AWS:upper": "ok", "clé": "valeur"},
 "SomethingNew": {"ignored": true}
}`

// createUser returns validCreateUser with members replaced (a nil value
// deletes the member).
func createUser(t testing.TB, with map[string]any) map[string]any {
	m := decode(t, validCreateUser)
	for k, v := range with {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func TestValidate(t *testing.T) {
	long := func(s string, n int) string { return strings.Repeat(s, n) }
	tags := func(n int) map[string]any {
		m := map[string]any{}
		for i := range n {
			m["k"+strings.Repeat("x", i)] = "v"
		}
		return m
	}
	ids := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = "sp"
		}
		return out
	}
	inst := `"InstanceId": "i-1"`
	tests := []struct {
		name    string
		op      string
		input   map[string]any
		kind    string // "" for valid
		member  string
		message string // exact, when set
	}{
		// valid inputs
		{"full CreateUser", "CreateUser", createUser(t, nil), "", "", ""},
		{"minimal CreateUser", "CreateUser", decode(t, `{`+inst+`, "Username": "u", "SecurityProfileIds": ["s"], "RoutingProfileId": "r"}`), "", "", ""},
		{"username of 100 runes", "CreateUser", createUser(t, map[string]any{"Username": long("é", 100)}), "", "", ""},
		{"ListUsers query strings", "ListUsers", map[string]any{"InstanceId": "i-1", "MaxResults": "1000", "NextToken": ""}, "", "", ""},
		{"ListUsers json numbers", "ListUsers", decode(t, `{`+inst+`, "MaxResults": 1}`), "", "", ""},
		{"UntagResource []string", "UntagResource", map[string]any{"resourceArn": "arn:aws:connect:us-east-1:1:instance/i", "tagKeys": []string{"a", "b"}}, "", "", ""},
		{"UntagResource single string", "UntagResource", map[string]any{"resourceArn": "arn", "tagKeys": "a"}, "", "", ""},
		{"null is absent", "CreateUser", createUser(t, map[string]any{"Password": json.RawMessage(nil)}), "", "", ""},
		{"CreateInstance", "CreateInstance", decode(t, `{"IdentityManagementType": "EXISTING_DIRECTORY", "InstanceAlias": "my--alias-1", "DirectoryId": "d-0123456789", "InboundCallsEnabled": true, "OutboundCallsEnabled": false, "ClientToken": "tok", "Tags": {"a": "b"}}`), "", "", ""},
		{"DeleteInstance query boolean-free", "DeleteInstance", map[string]any{"InstanceId": "i", "ClientToken": "t"}, "", "", ""},
		{"SearchUsers nested", "SearchUsers", decode(t, `{`+inst+`, "MaxResults": 500, "NextToken": "n",
			"SearchCriteria": {"OrConditions": [{"AndConditions": [{"StringCondition": {"FieldName": "Username", "Value": "j", "ComparisonType": "STARTS_WITH"}}]}],
			  "ListCondition": {"TargetListType": "PROFICIENCIES", "Conditions": [{"NumberCondition": {"FieldName": "x", "MinValue": 1, "MaxValue": 5, "ComparisonType": "RANGE"}}]},
			  "HierarchyGroupCondition": {"Value": "hg", "HierarchyGroupMatchType": "WITH_CHILD_GROUPS"}},
			"SearchFilter": {"TagFilter": {"OrConditions": [[{"TagKey": "k", "TagValue": "v"}]]}, "UserAttributeFilter": {"AndCondition": {"TagConditions": [{"TagKey": "k"}]}}}}`), "", "", ""},
		{"UpdateUserHierarchyStructure", "UpdateUserHierarchyStructure", decode(t, `{`+inst+`, "HierarchyStructure": {"LevelOne": {"Name": "L1"}, "LevelTwo": {"Name": ""}}}`), "", "", ""},
		{"GetFederationToken", "GetFederationToken", map[string]any{"InstanceId": "i"}, "", "", ""},
		{"Go numbers", "ListInstances", map[string]any{"MaxResults": 10}, "", "", ""},

		// required
		{"missing SecurityProfileIds", "CreateUser", createUser(t, map[string]any{"SecurityProfileIds": nil}),
			KindRequired, "SecurityProfileIds", "Missing required parameter: SecurityProfileIds"},
		{"missing in model order", "CreateUser", decode(t, `{"Username": "u"}`),
			KindRequired, "SecurityProfileIds", "Missing required parameter: SecurityProfileIds"},
		{"missing uri member", "CreateUser", createUser(t, map[string]any{"InstanceId": nil}),
			KindRequired, "InstanceId", "Missing required parameter: InstanceId"},
		{"LevelOne without Name", "UpdateUserHierarchyStructure", decode(t, `{`+inst+`, "HierarchyStructure": {"LevelOne": {}}}`),
			KindRequired, "HierarchyStructure.LevelOne.Name", "Missing required parameter: HierarchyStructure.LevelOne.Name"},
		{"empty required string with min 1", "CreateUser", createUser(t, map[string]any{"Username": ""}),
			KindRequired, "Username", "Missing required parameter: Username"},
		{"empty uri label", "DescribeUser", map[string]any{"InstanceId": "i", "UserId": ""},
			KindRequired, "UserId", "Missing required parameter: UserId"},
		{"null required", "TagResource", decode(t, `{"resourceArn": "arn", "tags": null}`),
			KindRequired, "tags", "Missing required parameter: tags"},
		{"required in list item", "CreateUser", createUser(t, map[string]any{"AutoAcceptConfigs": decode(t, `{"x": [{"Channel": "VOICE"}]}`)["x"]}),
			KindRequired, "AutoAcceptConfigs[0].AutoAccept", "Missing required parameter: AutoAcceptConfigs[0].AutoAccept"},
		{"CreateInstance booleans", "CreateInstance", decode(t, `{"IdentityManagementType": "SAML", "OutboundCallsEnabled": true}`),
			KindRequired, "InboundCallsEnabled", "Missing required parameter: InboundCallsEnabled"},
		{"nil input", "DescribeInstance", nil, KindRequired, "InstanceId", "Missing required parameter: InstanceId"},

		// length
		{"Username of 101", "CreateUser", createUser(t, map[string]any{"Username": long("a", 101)}),
			KindLength, "Username", "Username must have length less than or equal to 100"},
		{"Username of 101 runes", "CreateUser", createUser(t, map[string]any{"Username": long("é", 101)}),
			KindLength, "Username", "Username must have length less than or equal to 100"},
		{"SecurityProfileIds of 0", "CreateUser", createUser(t, map[string]any{"SecurityProfileIds": []any{}}),
			KindLength, "SecurityProfileIds", "SecurityProfileIds must have length greater than or equal to 1"},
		{"SecurityProfileIds of 11", "UpdateUserSecurityProfiles", map[string]any{"InstanceId": "i", "UserId": "u", "SecurityProfileIds": ids(11)},
			KindLength, "SecurityProfileIds", "SecurityProfileIds must have length less than or equal to 10"},
		{"empty Tags", "CreateUser", createUser(t, map[string]any{"Tags": map[string]any{}}),
			KindLength, "Tags", "Tags must have length greater than or equal to 1"},
		{"51 tags", "TagResource", map[string]any{"resourceArn": "a", "tags": tags(51)},
			KindLength, "tags", "tags must have length less than or equal to 50"},
		{"tag value of 257", "CreateUser", createUser(t, map[string]any{"Tags": map[string]any{"env": long("v", 257)}}),
			KindLength, "Tags.env", "Tags.env must have length less than or equal to 256"},
		{"empty tag key", "TagResource", map[string]any{"resourceArn": "a", "tags": map[string]any{"": "v"}},
			KindLength, `tags (key: "")`, `tags (key: "") must have length greater than or equal to 1`},
		{"empty tagKeys", "UntagResource", map[string]any{"resourceArn": "a", "tagKeys": []string{}},
			KindLength, "tagKeys", "tagKeys must have length greater than or equal to 1"},
		{"SearchUsers empty NextToken", "SearchUsers", map[string]any{"InstanceId": "i", "NextToken": ""},
			KindLength, "NextToken", "NextToken must have length greater than or equal to 1"},
		{"short DirectoryId", "CreateInstance", decode(t, `{"IdentityManagementType": "SAML", "DirectoryId": "d-123", "InboundCallsEnabled": true, "OutboundCallsEnabled": true}`),
			KindLength, "DirectoryId", "DirectoryId must have length greater than or equal to 12"},
		{"InstanceId of 101", "DescribeInstance", map[string]any{"InstanceId": long("i", 101)},
			KindLength, "InstanceId", "InstanceId must have length less than or equal to 100"},
		{"FirstName of 256", "UpdateUserIdentityInfo", map[string]any{"InstanceId": "i", "UserId": "u", "IdentityInfo": map[string]any{"FirstName": long("f", 256)}},
			KindLength, "IdentityInfo.FirstName", "IdentityInfo.FirstName must have length less than or equal to 255"},

		// range
		{"MaxResults 0", "ListUsers", decode(t, `{`+inst+`, "MaxResults": 0}`),
			KindRange, "MaxResults", "MaxResults must be greater than or equal to 1"},
		{"MaxResults 1001", "ListUsers", decode(t, `{`+inst+`, "MaxResults": 1001}`),
			KindRange, "MaxResults", "MaxResults must be less than or equal to 1000"},
		{"SearchUsers MaxResults 501", "SearchUsers", decode(t, `{`+inst+`, "MaxResults": 501}`),
			KindRange, "MaxResults", "MaxResults must be less than or equal to 500"},
		{"ListInstances query 11", "ListInstances", map[string]any{"MaxResults": "11"},
			KindRange, "MaxResults", "MaxResults must be less than or equal to 10"},
		{"huge MaxResults", "ListUsers", decode(t, `{`+inst+`, "MaxResults": 99999999999999999999}`),
			KindRange, "MaxResults", "MaxResults must be less than or equal to 1000"},
		{"negative after-contact time", "UpdateUserPhoneConfig", decode(t, `{`+inst+`, "UserId": "u", "PhoneConfig": {"PhoneType": "SOFT_PHONE", "AfterContactWorkTimeLimit": -1}}`),
			KindRange, "PhoneConfig.AfterContactWorkTimeLimit", "PhoneConfig.AfterContactWorkTimeLimit must be greater than or equal to 0"},
		{"after-contact time beyond int32", "UpdateUserPhoneConfig", decode(t, `{`+inst+`, "UserId": "u", "PhoneConfig": {"AfterContactWorkTimeLimit": 2147483648}}`),
			KindRange, "PhoneConfig.AfterContactWorkTimeLimit", "PhoneConfig.AfterContactWorkTimeLimit must be less than or equal to 2147483647"},

		// pattern
		{"tag key aws:", "CreateUser", createUser(t, map[string]any{"Tags": map[string]any{"aws:x": "v"}}),
			KindPattern, "Tags (key: aws:x)", `Tags (key: aws:x) must match pattern ^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`},
		{"tag key with #", "TagResource", map[string]any{"resourceArn": "a", "tags": map[string]any{"a#b": "v"}},
			KindPattern, "tags (key: a#b)", ""},
		{"tagKeys item aws:", "UntagResource", map[string]any{"resourceArn": "a", "tagKeys": []any{"ok", "aws:y"}},
			KindPattern, "tagKeys[1]", `tagKeys[1] must match pattern ^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`},
		{"DirectoryAlias d-abc", "CreateInstance", decode(t, `{"IdentityManagementType": "CONNECT_MANAGED", "InstanceAlias": "d-abc", "InboundCallsEnabled": true, "OutboundCallsEnabled": true}`),
			KindPattern, "InstanceAlias", `InstanceAlias must match pattern ^(?!d-)([\da-zA-Z]+)([-]*[\da-zA-Z])*$`},
		{"DirectoryAlias trailing hyphen", "CreateInstance", decode(t, `{"IdentityManagementType": "CONNECT_MANAGED", "InstanceAlias": "abc-", "InboundCallsEnabled": true, "OutboundCallsEnabled": true}`),
			KindPattern, "InstanceAlias", ""},
		{"DirectoryId not hex", "CreateInstance", decode(t, `{"IdentityManagementType": "EXISTING_DIRECTORY", "DirectoryId": "d-012345678g", "InboundCallsEnabled": true, "OutboundCallsEnabled": true}`),
			KindPattern, "DirectoryId", `DirectoryId must match pattern ^d-[0-9a-f]{10}$`},
		{"desk phone without +", "UpdateUserPhoneConfig", decode(t, `{`+inst+`, "UserId": "u", "PhoneConfig": {"PhoneType": "DESK_PHONE", "DeskPhoneNumber": "4155550100"}}`),
			KindPattern, "PhoneConfig.DeskPhoneNumber", `PhoneConfig.DeskPhoneNumber must match pattern \+[1-9]\d{1,14}$`},
		{"desk phone +0123", "CreateUser", createUser(t, map[string]any{"PhoneConfig": map[string]any{"PhoneType": "DESK_PHONE", "DeskPhoneNumber": "+0123"}}),
			KindPattern, "PhoneConfig.DeskPhoneNumber", ""},
		{"mobile without +", "UpdateUserIdentityInfo", decode(t, `{`+inst+`, "UserId": "u", "IdentityInfo": {"Mobile": "4155550100"}}`),
			KindPattern, "IdentityInfo.Mobile", `IdentityInfo.Mobile must match pattern \+[1-9]\d{1,14}$`},
		{"password without upper or digit", "CreateUser", createUser(t, map[string]any{"Password": "password"}),
			KindPattern, "Password", `Password must match pattern ^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[a-zA-Z\d\S]{8,64}$`},
		{"phone number config", "CreateUser", createUser(t, map[string]any{"PhoneNumberConfigs": []any{map[string]any{"Channel": "VOICE", "PhoneType": "DESK_PHONE", "PhoneNumber": "+1 415 555 0100"}}}),
			KindPattern, "PhoneNumberConfigs[0].PhoneNumber", ""},

		// enum
		{"PhoneType CELL", "CreateUser", createUser(t, map[string]any{"PhoneConfig": map[string]any{"PhoneType": "CELL"}}),
			KindEnum, "PhoneConfig.PhoneType", "PhoneConfig.PhoneType must be one of SOFT_PHONE, DESK_PHONE"},
		{"IdentityManagementType X", "CreateInstance", decode(t, `{"IdentityManagementType": "X", "InboundCallsEnabled": true, "OutboundCallsEnabled": true}`),
			KindEnum, "IdentityManagementType", "IdentityManagementType must be one of SAML, CONNECT_MANAGED, EXISTING_DIRECTORY"},
		{"lower-case enum", "CreateInstance", decode(t, `{"IdentityManagementType": "saml", "InboundCallsEnabled": true, "OutboundCallsEnabled": true}`),
			KindEnum, "IdentityManagementType", ""},
		{"Channel FAX", "CreateUser", createUser(t, map[string]any{"AutoAcceptConfigs": []any{map[string]any{"Channel": "FAX", "AutoAccept": true}}}),
			KindEnum, "AutoAcceptConfigs[0].Channel", "AutoAcceptConfigs[0].Channel must be one of VOICE, CHAT, TASK, EMAIL"},
		{"deep enum", "SearchUsers", decode(t, `{`+inst+`, "SearchCriteria": {"OrConditions": [{}, {"AndConditions": [{}, {"StringCondition": {"ComparisonType": "LIKE"}}]}]}}`),
			KindEnum, "SearchCriteria.OrConditions[1].AndConditions[1].StringCondition.ComparisonType",
			"SearchCriteria.OrConditions[1].AndConditions[1].StringCondition.ComparisonType must be one of STARTS_WITH, CONTAINS, EXACT"},

		// type
		{"boolean as string", "CreateInstance", decode(t, `{"IdentityManagementType": "SAML", "InboundCallsEnabled": "true", "OutboundCallsEnabled": true}`),
			KindType, "InboundCallsEnabled", "InboundCallsEnabled must be a boolean"},
		{"AutoAccept yes", "CreateUser", createUser(t, map[string]any{"PhoneConfig": map[string]any{"PhoneType": "SOFT_PHONE", "AutoAccept": "yes"}}),
			KindType, "PhoneConfig.AutoAccept", "PhoneConfig.AutoAccept must be a boolean"},
		{"number as string in body", "SearchUsers", decode(t, `{`+inst+`, "MaxResults": "10"}`),
			KindType, "MaxResults", "MaxResults must be an integer"},
		{"Username as number", "CreateUser", createUser(t, map[string]any{"Username": json.Number("42")}),
			KindType, "Username", "Username must be a string"},
		{"fractional MaxResults", "ListUsers", decode(t, `{`+inst+`, "MaxResults": 1.5}`),
			KindType, "MaxResults", "MaxResults must be an integer"},
		{"non-numeric query MaxResults", "ListUsers", map[string]any{"InstanceId": "i", "MaxResults": "ten"},
			KindType, "MaxResults", "MaxResults must be an integer"},
		{"string for list", "CreateUser", createUser(t, map[string]any{"SecurityProfileIds": "sp-1"}),
			KindType, "SecurityProfileIds", "SecurityProfileIds must be a list"},
		{"string for structure", "CreateUser", createUser(t, map[string]any{"PhoneConfig": "x"}),
			KindType, "PhoneConfig", "PhoneConfig must be an object"},
		{"list for map", "TagResource", decode(t, `{"resourceArn": "a", "tags": ["a"]}`),
			KindType, "tags", "tags must be an object"},
		{"null list item", "CreateUser", createUser(t, map[string]any{"SecurityProfileIds": []any{"a", nil}}),
			KindType, "SecurityProfileIds[1]", "SecurityProfileIds[1] must not be null"},
		{"number list item", "CreateUser", createUser(t, map[string]any{"SecurityProfileIds": []any{"a", "b", json.Number("3")}}),
			KindType, "SecurityProfileIds[2]", "SecurityProfileIds[2] must be a string"},
		{"tag value number", "TagResource", decode(t, `{"resourceArn": "a", "tags": {"k": 1}}`),
			KindType, "tags.k", "tags.k must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := tt.input
			// json.RawMessage(nil) in a fixture stands for a JSON null.
			for k, v := range input {
				if r, ok := v.(json.RawMessage); ok && r == nil {
					input[k] = nil
				}
			}
			v := Validate(tt.op, input)
			if tt.kind == "" {
				if v != nil {
					t.Fatalf("Validate(%s) = %+v, want nil", tt.op, v)
				}
				return
			}
			if v == nil {
				t.Fatalf("Validate(%s) = nil, want %s violation of %s", tt.op, tt.kind, tt.member)
			}
			if v.Kind != tt.kind || v.Member != tt.member {
				t.Errorf("Validate(%s) = %+v, want kind %q member %q", tt.op, v, tt.kind, tt.member)
			}
			if tt.message != "" && v.Message != tt.message {
				t.Errorf("message = %q, want %q", v.Message, tt.message)
			}
			if !strings.Contains(v.Message, tt.member) {
				t.Errorf("message %q does not name %q", v.Message, tt.member)
			}
			var err error = v
			if err.Error() != v.Message {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestValidateUnknownOperation(t *testing.T) {
	v := Validate("CreateQueue", map[string]any{})
	if v == nil || v.Kind != KindOperation {
		t.Fatalf("Validate(CreateQueue) = %+v", v)
	}
}

// Map entries are checked in key order, so the first violation never
// depends on Go's map iteration order.
func TestValidateDeterministic(t *testing.T) {
	in := map[string]any{"resourceArn": "a", "tags": map[string]any{}}
	for _, k := range []string{"aws:z", "aws:m", "aws:a", "ok", "aws:q", "aws:b"} {
		in["tags"].(map[string]any)[k] = "v"
	}
	for range 100 {
		v := Validate("TagResource", in)
		if v == nil || v.Member != "tags (key: aws:a)" {
			t.Fatalf("Validate = %+v, want the violation of tags (key: aws:a)", v)
		}
	}
}

func TestMessagesHideValues(t *testing.T) {
	for _, in := range []map[string]any{
		createUser(t, map[string]any{"Password": "secret-password"}),
		createUser(t, map[string]any{"PhoneConfig": map[string]any{"DeskPhoneNumber": "secret-phone"}}),
	} {
		v := Validate("CreateUser", in)
		if v == nil || strings.Contains(v.Message, "secret") {
			t.Errorf("Validate = %+v", v)
		}
	}
	// A long or unprintable map key is quoted and cut.
	v := Validate("TagResource", map[string]any{"resourceArn": "a", "tags": map[string]any{strings.Repeat("k", 200): strings.Repeat("v", 300)}})
	if v == nil || v.Kind != KindLength || len(v.Member) > 100 || !strings.Contains(v.Member, `..."`) {
		t.Errorf("Validate = %+v", v)
	}
	v = Validate("TagResource", map[string]any{"resourceArn": "a", "tags": map[string]any{"a\nb": "v"}})
	if v == nil || v.Member != `tags (key: "a\nb")` {
		t.Errorf("Validate = %+v", v)
	}
}

// TestPatterns runs each pattern the model's quirks touch through the
// compiled matcher, including shapes only reachable from outputs.
func TestPatterns(t *testing.T) {
	tests := []struct {
		shape   string
		valid   []string
		invalid []string
	}{
		{"PhoneNumber", // double-escaped in the model
			[]string{"+14155550100", "+442071838750", "+12", "+123456789012345"},
			[]string{"4155550100", "+0123", "+1", "+1234567890123456", `\+14155550100`, `\\14155550100`, "x+14155550100", "+14155550100\n", "+1 415 555 0100", "+١٤١٥٥٥٥٠١٠٠"}},
		{"SensitivePhoneNumber",
			[]string{"+14155550100", "+33612345678"},
			[]string{"4155550100", "+0123", "tel:+14155550100", "+14155550100x", "+14155550100\n"}},
		{"Password", // written as /.../ in the model
			[]string{"Passw0rd", "Passw0rd!", "aB3" + strings.Repeat("x", 61), "Pässw0rd", "Pass\u00a0w0rd"},
			[]string{"password1", "PASSWORD1", "Password", "Pa1", "aB3" + strings.Repeat("x", 62), "Pass w0rd", "Pass\tw0rd", "Passwörd١", "Passw0rd\n"}},
		{"DirectoryAlias",
			[]string{"myalias", "my-alias", "a--b", "A1", "D-abc", "abc-d"},
			[]string{"d-abc", "d-", "-abc", "abc-", "my_alias", "my alias", "", "ali\u0430s"}},
		{"DirectoryId",
			[]string{"d-0123456789", "d-abcdef0123"},
			[]string{"d-012345678g", "D-0123456789", "d-ABCDEF0123", "xd-0123456789"}},
		{"TagKey",
			[]string{"env", "AWS:x", "team name", "a/b=c+d-e@f_g.h:i", "ключ", "x aws:", ""},
			[]string{"aws:x", "aws:", "a#b", "a,b", "a\tb", "a\nb"}},
		{"RegionName", // unanchored in the model
			[]string{"us-east-1", "eu-west-2", "ap-southeast-1", "us-gov-west-1", "cn-north"},
			[]string{"us-east-1x", "xus-east-1", "US-EAST-1", "us", "us-east-12"}},
		{"AwsRegion",
			[]string{"us-west-2"},
			[]string{"us-west-2 "}},
		{"PrimaryAttributeContextKeyName", // unanchored look-ahead
			[]string{"department", "x-aws:y"},
			[]string{"aws:department", "connect:x", "caf\u00e9\u0100"}},
		{"IAMRestrictedPrimaryValue",
			[]string{"plain value", "caf\u00e9"},
			[]string{"snow\u2603man", ""}},
	}
	for _, tt := range tests {
		s := shapes[tt.shape]
		if s == nil || s.pattern == nil {
			t.Errorf("shape %s has no compiled pattern", tt.shape)
			continue
		}
		for _, v := range tt.valid {
			if !matchPattern(s.pattern, []rune(v)) {
				t.Errorf("%s: %q rejected", tt.shape, v)
			}
		}
		for _, v := range tt.invalid {
			if matchPattern(s.pattern, []rune(v)) {
				t.Errorf("%s: %q accepted", tt.shape, v)
			}
		}
	}
}

// No pattern of the model backtracks its way into the match timeout on
// adversarial input as long as its shape allows (or 2000 characters when
// it sets no max): near-misses that force a backtracking engine through
// every split.
func TestPatternsDoNotBacktrackCatastrophically(t *testing.T) {
	units := []string{"a", "aA1", "a-", "-", "1", "+1", "aws:", "d-", " ", "\u00a0", "x\u0430"}
	tails := []string{"!", "\x00", "-", " ", "\n", "#"}
	for name, s := range shapes {
		if s.pattern == nil {
			continue
		}
		n := 2000
		if s.hasMax {
			n = int(s.max)
		}
		for _, u := range units {
			for _, tail := range tails {
				body := strings.Repeat(u, n/len([]rune(u))+1)
				in := string([]rune(body)[:n-1]) + tail
				start := time.Now()
				matchPattern(s.pattern, []rune(in))
				// Catastrophic backtracking over 2000 characters takes hours, a linear match well
				// under a millisecond: the bound only has to sit far from both, and far above what
				// a loaded CI machine adds (50 ms failed at load 7 on two cores).
				if d := time.Since(start); d > 2*time.Second {
					t.Errorf("%s: matching %q took %v", name, in, d)
				}
			}
		}
	}
}

// Validate is safe for concurrent use (the walker pool, regexp2's runners).
func TestValidateConcurrent(t *testing.T) {
	good := createUser(t, nil)
	bad := createUser(t, map[string]any{"Tags": map[string]any{"ok": "v", "aws:x": "v"}})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if v := Validate("CreateUser", good); v != nil {
					t.Error(v)
					return
				}
				if v := Validate("CreateUser", bad); v == nil || v.Member != "Tags (key: aws:x)" {
					t.Errorf("Validate = %+v", v)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestNormalizePattern(t *testing.T) {
	tests := []struct{ raw, want string }{
		// Password: JavaScript regex literal.
		{`/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[a-zA-Z\d\S]{8,64}$/`, `^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[a-zA-Z\d\S]{8,64}$`},
		// PhoneNumber: double-escaped.
		{`\\+[1-9]\\d{1,14}$`, `\+[1-9]\d{1,14}$`},
		// Further double escaping in the full Connect model.
		{`^(?!\\.$)(?!\\.\\.$)[\\p{L}\\p{Z}\\p{N}\\-_.:=@'|]+$`, `^(?!\.$)(?!\.\.$)[\p{L}\p{Z}\p{N}\-_.:=@'|]+$`},
		{`s3://\S+/.+|https://\\S+\\.s3\\.\\S+\\.amazonaws\\.com/\\S+`, `s3://\S+/.+|https://\S+\.s3\.\S+\.amazonaws\.com/\S+`},
		{`^[\\P{C}\r\n\t]+$`, `^[\P{C}\r\n\t]+$`},
		// Left alone.
		{`\+[1-9]\d{1,14}$`, `\+[1-9]\d{1,14}$`},
		{`^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`, `^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`},
		{`[a-z]{2}(-[a-z]+){1,2}(-[0-9])?`, `[a-z]{2}(-[a-z]+){1,2}(-[0-9])?`},
		{`/[a-z]+/`, `/[a-z]+/`}, // slashes that are part of the pattern
		{`\\\\`, `\\\\`},         // two escaped backslashes
		{`a\\`, `a\\`},           // one escaped backslash at the end
		{`C:\\n`, `C:\\n`},       // \\ before a letter that is no class
		{`\\\\d`, `\\\d`},        // escaped backslash, then a doubled \d
	}
	for _, tt := range tests {
		if got := normalizePattern(tt.raw); got != tt.want {
			t.Errorf("normalizePattern(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestJavaToDotNet(t *testing.T) {
	tests := []struct{ java, want string }{
		{`\d{4}`, `[0-9]{4}`},
		{`[\da-z]`, `[0-9a-z]`},
		{`[a-zA-Z\d\S]{8}`, `(?:[a-zA-Z0-9]|(?![a-zA-Z0-9])[^ \t\n\x0B\f\r]){8}`},
		{`[\W\S_]*`, `(?:[_]|(?![_])[^a-zA-Z0-9_]|(?![_])(?![^a-zA-Z0-9_])[^ \t\n\x0B\f\r])*`},
		{`[\S]`, `(?:[^ \t\n\x0B\f\r])`},
		{`[^\s@]+`, `[^ \t\n\x0B\f\r@]+`},
		{`\S\W\D`, `[^ \t\n\x0B\f\r][^a-zA-Z0-9_][^0-9]`},
		{`.*`, `[^\n\r\x85\u2028\u2029]*`},
		{`[.]`, `[.]`},
		{`\p{L}\P{C}[\p{N}]`, `\p{L}\P{C}[\p{N}]`},
		{`[a-z\_\-]`, `[a-z_\-]`},
		{`\Q a.b \E+`, `\ a\.b\ +`},
		{`(?!aws:)x{2,}?`, `(?!aws:)x{2,}?`},
		{`a{b}`, `a{b}`},
		{`[]a]`, `[\]a]`},
	}
	for _, tt := range tests {
		got, err := javaToDotNet(tt.java)
		if err != nil || got != tt.want {
			t.Errorf("javaToDotNet(%q) = %q, %v; want %q", tt.java, got, err, tt.want)
		}
	}
	for _, bad := range []string{`a++`, `a*+`, `x{2}+`, `[a[b]]`, `[a-z&&[^e]]`, `[^a\S]`, `[a`, `a\`} {
		if got, err := javaToDotNet(bad); err == nil {
			t.Errorf("javaToDotNet(%q) = %q, want an error", bad, got)
		}
	}
	if _, _, err := compilePattern(`a++`); !errors.Is(err, errUnsupported) {
		t.Errorf("compilePattern(a++) error = %v", err)
	}
}

// botocoreModel finds python3 and the installed botocore, or skips the test
// outside CI.
func botocoreModel(t *testing.T) (python, dir string) {
	t.Helper()
	unavailable := func(why string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(why, args...)
		}
		t.Skipf(why, args...)
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		unavailable("python3 not found: %v", err)
	}
	out, err := exec.Command(python, "-c",
		`import importlib.util; print(list(importlib.util.find_spec("botocore").submodule_search_locations)[0])`).Output()
	if err != nil {
		unavailable("botocore not installed: %v", err)
	}
	return python, strings.TrimSpace(string(out))
}

func TestConnectJSONUpToDate(t *testing.T) {
	python, _ := botocoreModel(t)
	out := filepath.Join(t.TempDir(), "connect.json")
	cmd := exec.Command(python, "gen.py", "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen.py: %v\n%s", err, msg)
	}
	fresh, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, connectJSON) {
		t.Fatal("connect.json is stale for the installed botocore: run go generate ./awsapi/model")
	}
	onDisk, err := os.ReadFile("connect.json")
	if err != nil || !bytes.Equal(onDisk, connectJSON) {
		t.Fatal("connect.json on disk differs from the embedded copy")
	}
	// The generator's list of operations is the one this package serves.
	var m struct{ Operations map[string]json.RawMessage }
	if err := json.Unmarshal(fresh, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Operations) != len(servedOperations) {
		t.Errorf("gen.py writes %d operations, want %d", len(m.Operations), len(servedOperations))
	}
}

// Every pattern of the full Connect model compiles, so a regenerated
// connect.json that reaches more shapes cannot break init.
func TestFullModelPatternsCompile(t *testing.T) {
	_, dir := botocoreModel(t)
	f, err := os.Open(filepath.Join(dir, "data", "connect", "2017-08-08", "service-2.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Shapes map[string]struct{ Pattern string }
	}
	if err := json.NewDecoder(zr).Decode(&m); err != nil {
		t.Fatal(err)
	}
	n := 0
	for name, s := range m.Shapes {
		if s.Pattern == "" {
			continue
		}
		n++
		if _, _, err := compilePattern(s.Pattern); err != nil {
			t.Errorf("%s: %q: %v", name, s.Pattern, err)
		}
	}
	if n == 0 {
		t.Error("no patterns in the model")
	}
}

func TestLoadRejectsBrokenModels(t *testing.T) {
	for _, bad := range []string{
		`{"operations": {"X": {"input": "Missing"}}, "shapes": {}}`,
		`{"operations": {}, "shapes": {"S": {"type": "structure", "required": ["A"], "members": []}}}`,
		`{"operations": {}, "shapes": {"S": {"type": "string", "pattern": "a++"}}}`,
		`{"operations": {}, "shapes": {"S": {"type": "list", "member": {"shape": "T"}}}}`,
		`{"operations": {}, "shapes": {"S": {"type": "union"}}}`,
	} {
		if err := load([]byte(bad)); err == nil {
			t.Errorf("load(%s) succeeded", bad)
		}
	}
	// Failed loads leave the package's model alone.
	if _, ok := Lookup("CreateUser"); !ok {
		t.Fatal("a failed load replaced the model")
	}
}

func TestValidateAllocations(t *testing.T) {
	in := createUser(t, nil)
	allocs := testing.AllocsPerRun(100, func() {
		if v := Validate("CreateUser", in); v != nil {
			t.Fatal(v)
		}
	})
	if allocs != 0 && !poolDropsItems() {
		t.Errorf("Validate allocates %.0f times on a valid input", allocs)
	}
}

// poolDropsItems tells whether sync.Pool drops items at random, as it does
// under the race detector, where a pooled walker cannot be relied on.
func poolDropsItems() bool {
	var p sync.Pool
	for range 64 {
		x := new(int)
		p.Put(x)
		if p.Get() != x {
			return true
		}
	}
	return false
}

func BenchmarkValidateCreateUser(b *testing.B) {
	in := createUser(b, nil)
	b.ReportAllocs()
	for b.Loop() {
		if v := Validate("CreateUser", in); v != nil {
			b.Fatal(v)
		}
	}
}

func BenchmarkValidateViolation(b *testing.B) {
	in := createUser(b, map[string]any{"Tags": map[string]any{"aws:x": "v"}})
	b.ReportAllocs()
	for b.Loop() {
		if v := Validate("CreateUser", in); v == nil {
			b.Fatal("no violation")
		}
	}
}
