package awsapi_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/internal/testserver"
)

// An unmodified boto3 client runs every operation of today's user API and gets each documented
// refusal as its typed exception with the model's status.
func TestBoto3UserAPI(t *testing.T) {
	python := python3WithBoto3(t)
	// Debian's boto3 predates these operations; .ci/run installs a recent one.
	if exec.Command(python, "-c", `import boto3; assert "update_user_config" in dir(boto3.client("connect", region_name="us-east-1"))`).Run() != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("this boto3 does not know UpdateUserConfig: .ci/run installs boto3>=1.40")
		}
		t.Skip("this boto3 predates today's user API")
	}
	// Quotas of 2 attributes and 5 security profiles (the 4 defaults and one), for LimitExceeded.
	srv := testserver.Start(t, testserver.Options{Quotas: connectdir.Quotas{AttributesPerInstance: 2, SecurityProfilesPerInstance: 5}})
	cmd := exec.CommandContext(t.Context(), python, "testdata/boto3_userapi.py")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "CONNECTDIR_ENDPOINT="+srv.URL, "CONNECTDIR_KEY="+srv.KeyID,
		"CONNECTDIR_SECRET="+srv.Secret, "CONNECTDIR_INSTANCE="+srv.InstanceID,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("boto3 user API script: %v\n%s", err, stderr)
	}
	var seen map[string]any
	if err := json.Unmarshal(out, &seen); err != nil {
		t.Fatalf("boto3 output %q: %v", out, err)
	}
	want := map[string]string{
		"auto_accept":        `[{"AutoAccept":false,"Channel":"VOICE"},{"AutoAccept":true,"Channel":"CHAT"}]`,
		"acw":                `[{"AfterContactWorkConfig":{"AfterContactWorkTimeLimit":0},"Channel":"VOICE"},{"AfterContactWorkConfig":{"AfterContactWorkTimeLimit":90},"Channel":"TASK"}]`,
		"describe_attribute": `{"StringList":["English","French"]}`,
		"attribute_pages":    `[["Language"],["Product"]]`,
		"search_attributes":  `[["Language"],1]`,
		"proficiency_pages":  `[[["Language","French",5]],[["Product","Phones",2]]]`,
		"search_proficiency": `["py.skills"]`,
		"attributes_left":    `["Language"]`,
		"permissions":        `["Users.Edit","Users.View"]`,
	}
	for k, w := range want {
		got, _ := json.Marshal(seen[k])
		if string(got) != w {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
	wantRefusals := map[string][]any{
		"UpdateUserConfig channel twice":                        {"InvalidParameterException", 400.0, true},
		"UpdateUserConfig unknown user":                         {"ResourceNotFoundException", 404.0, true},
		"CreatePredefinedAttribute taken name":                  {"DuplicateResourceException", 409.0, true},
		"CreatePredefinedAttribute beyond the quota":            {"LimitExceededException", 429.0, true},
		"CreateSecurityProfile beyond the quota":                {"LimitExceededException", 429.0, true},
		"DescribePredefinedAttribute missing":                   {"ResourceNotFoundException", 404.0, true},
		"UpdatePredefinedAttribute missing":                     {"ResourceNotFoundException", 404.0, true},
		"DeletePredefinedAttribute missing":                     {"ResourceNotFoundException", 404.0, true},
		"DeletePredefinedAttribute in use":                      {"ResourceInUseException", 409.0, true},
		"AssociateUserProficiencies value not of the attribute": {"InvalidParameterException", 400.0, true},
		"AssociateUserProficiencies missing attribute":          {"ResourceNotFoundException", 404.0, true},
		"UpdateUserProficiencies not associated":                {"InvalidRequestException", 400.0, true},
		"ListUserProficiencies unknown user":                    {"ResourceNotFoundException", 404.0, true},
		"CreateSecurityProfile taken name":                      {"DuplicateResourceException", 409.0, true},
		"DeleteSecurityProfile in use":                          {"ResourceInUseException", 409.0, true},
		"UpdateSecurityProfile missing":                         {"ResourceNotFoundException", 404.0, true},
		"ListSecurityProfilePermissions missing":                {"ResourceNotFoundException", 404.0, true},
		"DeleteSecurityProfile missing":                         {"ResourceNotFoundException", 404.0, true},
	}
	got, _ := seen["refusals"].(map[string]any)
	for what, w := range wantRefusals {
		if !reflect.DeepEqual(got[what], any(w)) {
			t.Errorf("%s: got %v, want %v (code, status, typed by boto3)", what, got[what], w)
		}
	}
	if len(got) != len(wantRefusals) {
		t.Errorf("%d refusals seen, %d checked", len(got), len(wantRefusals))
	}
}
