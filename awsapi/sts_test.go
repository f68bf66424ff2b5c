package awsapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/connectdir/connectdir/internal/testserver"
)

// clockShift lets a test move the directory's clock (which judges session expiry) forward
// while signatures keep being checked against the real time.
func clockShift(s *testserver.Server) *atomic.Int64 {
	var shift atomic.Int64
	s.Dir.Now = func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }
	return &shift
}

// TestSTSBoto3: an unmodified boto3 gets its caller identity and a session token from the
// server, calls Connect with the temporary credentials until they expire, and sees forged,
// foreign, missing and misplaced tokens refused with the errors AWS gives.
func TestSTSBoto3(t *testing.T) {
	python := python3WithBoto3(t)
	srv := testserver.Start(t, testserver.Options{})
	shift := clockShift(srv)
	run := func(phase string, extra ...string) map[string]any {
		t.Helper()
		cmd := boto3Cmd(t, python, srv, "testdata/sts_boto3.py", phase)
		cmd.Env = append(cmd.Env, extra...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("boto3 %s: %v\n%s", phase, err, stderr.String())
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("boto3 %s output %q: %v", phase, out, err)
		}
		return m
	}
	m := run("issue")
	if got := get(m, "identity", "Arn"); got != "arn:aws:iam::123456789012:user/admin" || get(m, "identity", "Account") != "123456789012" {
		t.Errorf("get_caller_identity = %v", m["identity"])
	}
	if m["temp_identity"] != "arn:aws:iam::123456789012:user/admin" {
		t.Errorf("get_caller_identity with temporary credentials = %v", m["temp_identity"])
	}
	key, _ := m["key"].(string)
	if !strings.HasPrefix(key, "ASIA") || len(key) != 20 || m["token"] == "" {
		t.Errorf("credentials: key %q token %q", key, m["token"])
	}
	exp, err := time.Parse(time.RFC3339, m["expiration"].(string))
	if err != nil || exp.Sub(time.Now()) < 14*time.Minute || exp.Sub(time.Now()) > 16*time.Minute {
		t.Errorf("Expiration %v for DurationSeconds=900", m["expiration"])
	}
	if m["users"] != float64(0) {
		t.Errorf("list_users with temporary credentials: %v", m["users"])
	}
	for what, want := range map[string][]any{
		"short":                {"ValidationError", float64(400)},
		"long":                 {"ValidationError", float64(400)},
		"nested":               {"AccessDenied", float64(403)},
		"forged":               {"UnrecognizedClientException", float64(403)},
		"foreign":              {"UnrecognizedClientException", float64(403)},
		"without_token":        {"UnrecognizedClientException", float64(403)},
		"long_term_with_token": {"UnrecognizedClientException", float64(403)},
		"forged_sts":           {"InvalidClientTokenId", float64(403)},
	} {
		if got, _ := m[what].([]any); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: refused with %v, want %v", what, m[what], want)
		}
	}

	// Every replica accepts the credentials: they are in the store, not in the server that issued them.
	other := testserver.Start(t, testserver.Options{Store: srv.Dir.Store})
	c := other.ClientWith(key, m["secret"].(string), func(o *connect.Options) {
		o.Credentials = aws.NewCredentialsCache(staticSession(key, m["secret"].(string), m["token"].(string)))
	})
	if _, err := c.ListUsers(t.Context(), &connect.ListUsersInput{InstanceId: aws.String(srv.InstanceID)}); err != nil {
		t.Fatalf("another server on the same store: %v", err)
	}

	shift.Store(int64(16 * time.Minute))
	m = run("expired", "TEMP_KEY="+key, "TEMP_SECRET="+m["secret"].(string), "TEMP_TOKEN="+m["token"].(string))
	if got, _ := m["expired"].([]any); !reflect.DeepEqual(got, []any{"ExpiredTokenException", float64(403)}) {
		t.Errorf("after expiry: %v, want ExpiredTokenException 403", m["expired"])
	}
}

// TestSTSCLI: the AWS CLI's sts get-caller-identity and get-session-token against the endpoint,
// and aws connect with the temporary credentials until they expire.
func TestSTSCLI(t *testing.T) {
	e := start(t)
	shift := clockShift(e.Server)
	cli := newAWSCLI(t, e)
	run := func(env []string, args ...string) (map[string]any, string, error) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), cli.bin, append(args, "--endpoint-url", e.URL, "--output", "json")...)
		cmd.Env = append([]string{}, cli.env...)
		if env != nil {
			// Credentials from the environment only: no profile.
			cmd.Env = slices.DeleteFunc(cmd.Env, func(kv string) bool { return strings.HasPrefix(kv, "AWS_PROFILE=") })
			cmd.Env = append(cmd.Env, env...)
		}
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var m map[string]any
		if err == nil {
			if jerr := json.Unmarshal(out.Bytes(), &m); jerr != nil {
				t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), jerr, out.String())
			}
		}
		return m, errOut.String(), err
	}
	id, stderr, err := run(nil, "sts", "get-caller-identity")
	if err != nil || id["Arn"] != "arn:aws:iam::123456789012:user/admin" || id["Account"] != "123456789012" {
		t.Fatalf("aws sts get-caller-identity: %v %v\n%s", id, err, stderr)
	}
	tok, stderr, err := run(nil, "sts", "get-session-token", "--duration-seconds", "900")
	if err != nil {
		t.Fatalf("aws sts get-session-token: %v\n%s", err, stderr)
	}
	creds := func(token string) []string {
		return []string{"AWS_ACCESS_KEY_ID=" + get(tok, "Credentials", "AccessKeyId").(string),
			"AWS_SECRET_ACCESS_KEY=" + get(tok, "Credentials", "SecretAccessKey").(string),
			"AWS_SESSION_TOKEN=" + token}
	}
	token := get(tok, "Credentials", "SessionToken").(string)
	if _, stderr, err := run(creds(token), "connect", "list-users", "--instance-id", e.inst); err != nil {
		t.Fatalf("aws connect list-users with the session token: %v\n%s", err, stderr)
	}
	if id, _, err := run(creds(token), "sts", "get-caller-identity"); err != nil || id["Arn"] != "arn:aws:iam::123456789012:user/admin" {
		t.Errorf("get-caller-identity with the session token: %v %v", id, err)
	}
	if _, stderr, err := run(creds("forged"+token[6:]), "connect", "list-users", "--instance-id", e.inst); err == nil || !strings.Contains(stderr, "UnrecognizedClientException") {
		t.Errorf("forged token: %v %s", err, stderr)
	}
	shift.Store(int64(15*time.Minute + time.Second))
	if _, stderr, err := run(creds(token), "connect", "list-users", "--instance-id", e.inst); err == nil || !strings.Contains(stderr, "ExpiredTokenException") {
		t.Errorf("after expiry: %v %s, want ExpiredTokenException", err, stderr)
	}
}

func staticSession(key, secret, token string) aws.CredentialsProviderFunc {
	return func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: token}, nil
	}
}
