package awsapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/aws/smithy-go"
	"github.com/connectdir/connectdir/internal/testserver"
	"github.com/google/uuid"
)

// ---- helpers shared by the package's tests ----

// exc is an exception a test expects: its wire name, HTTP status and a typed check with errors.As.
type exc struct {
	name   string
	status int
	is     func(error) bool
}

func exception[T error](name string, status int) exc {
	return exc{name, status, func(err error) bool { var e T; return errors.As(err, &e) }}
}

var (
	notFound     = exception[*types.ResourceNotFoundException]("ResourceNotFoundException", 404)
	invalidParam = exception[*types.InvalidParameterException]("InvalidParameterException", 400)
	invalidReq   = exception[*types.InvalidRequestException]("InvalidRequestException", 400)
	duplicate    = exception[*types.DuplicateResourceException]("DuplicateResourceException", 409)
	inUse        = exception[*types.ResourceInUseException]("ResourceInUseException", 409)
	throttled    = exception[*types.ThrottlingException]("ThrottlingException", 429)
	internal     = exception[*types.InternalServiceException]("InternalServiceException", 500)
	userNotFound = exception[*types.UserNotFoundException]("UserNotFoundException", 404)
)

// wantErr fails unless err is the SDK's typed exception want, with want's HTTP status.
func wantErr(t testing.TB, what string, err error, want exc) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded, want %s", what, want.name)
	}
	if !want.is(err) {
		t.Fatalf("%s: got %v, want %s", what, err, want.name)
	}
	if got := statusOf(err); got != want.status {
		t.Errorf("%s: HTTP status %d, want %d", what, got, want.status)
	}
}

// wantCode fails unless err is an API error with that code and status, typed or not: for
// exceptions an operation's model does not list, which the SDK cannot type.
func wantCode(t testing.TB, what string, err error, code string, status int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
	if got := statusOf(err); got != status {
		t.Errorf("%s: HTTP status %d, want %d", what, got, status)
	}
}

func statusOf(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// must(call).get(t) is the call's result, or the end of the test when it failed.
func must[T any](v T, err error) result[T] { return result[T]{v, err} }

type result[T any] struct {
	v   T
	err error
}

func (r result[T]) get(t testing.TB) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

// env is a running server with a client and the ids of the default instance's profiles.
type env struct {
	*testserver.Server
	c    *connect.Client
	inst string
	rp   string // Basic Routing Profile
	sp   string // Agent
}

func start(t testing.TB) *env {
	t.Helper()
	s := testserver.Start(t, testserver.Options{})
	e := &env{Server: s, c: s.Client(), inst: s.InstanceID}
	e.rp, e.sp = s.Profiles(t, s.InstanceID, "Agent")
	return e
}

// samlInstance makes a SAML instance (no password hashing: fast user creation) and returns
// its id and profiles.
func (e *env) samlInstance(t testing.TB) (inst, rp, sp string) {
	t.Helper()
	out := must(e.c.CreateInstance(t.Context(), &connect.CreateInstanceInput{
		IdentityManagementType: types.DirectoryTypeSaml, InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true),
	})).get(t)
	inst = aws.ToString(out.Id)
	rp, sp = e.Profiles(t, inst, "Agent")
	return inst, rp, sp
}

// userInput is a valid CreateUser input for a CONNECT_MANAGED instance.
func (e *env) userInput(name string) *connect.CreateUserInput {
	return &connect.CreateUserInput{
		InstanceId: aws.String(e.inst), Username: aws.String(name), Password: aws.String("Passw0rdX"),
		IdentityInfo:     &types.UserIdentityInfo{FirstName: aws.String("Ada"), LastName: aws.String("Lovelace")},
		PhoneConfig:      &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone},
		RoutingProfileId: aws.String(e.rp), SecurityProfileIds: []string{e.sp},
	}
}

// samlUser is a valid CreateUser input for a SAML instance.
func samlUser(inst, rp, sp, name, first, last string) *connect.CreateUserInput {
	return &connect.CreateUserInput{
		InstanceId: aws.String(inst), Username: aws.String(name),
		IdentityInfo:     &types.UserIdentityInfo{FirstName: aws.String(first), LastName: aws.String(last)},
		PhoneConfig:      &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone},
		RoutingProfileId: aws.String(rp), SecurityProfileIds: []string{sp},
	}
}

func (e *env) createUser(t testing.TB, in *connect.CreateUserInput) string {
	t.Helper()
	return aws.ToString(must(e.c.CreateUser(t.Context(), in)).get(t).UserId)
}

func (e *env) describeUser(t testing.TB, inst, id string) types.User {
	t.Helper()
	return *must(e.c.DescribeUser(t.Context(), &connect.DescribeUserInput{InstanceId: &inst, UserId: &id})).get(t).User
}

func (e *env) usernames(t testing.TB, inst string) []string {
	t.Helper()
	var names []string
	p := connect.NewListUsersPaginator(e.c, &connect.ListUsersInput{InstanceId: &inst})
	for p.HasMorePages() {
		for _, u := range must(p.NextPage(t.Context())).get(t).UserSummaryList {
			names = append(names, aws.ToString(u.Username))
		}
	}
	return names
}

// ---- users ----

// TestDescribeUserReturnsEveryMember creates users with every member the model gives a user and
// reads them back.
func TestDescribeUserReturnsEveryMember(t *testing.T) {
	e := start(t)
	voice, chat, task := types.ChannelVoice, types.ChannelChat, types.ChannelTask
	perChannel := func(in *connect.CreateUserInput) {
		in.PhoneConfig = nil
		in.AutoAcceptConfigs = []types.AutoAcceptConfig{
			{Channel: voice, AutoAccept: true, AgentFirstCallbackAutoAccept: aws.Bool(true)},
			{Channel: chat, AutoAccept: false},
		}
		in.AfterContactWorkConfigs = []types.AfterContactWorkConfigPerChannel{
			{Channel: voice, AfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: 30},
				AgentFirstCallbackAfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: 15}},
			{Channel: task, AfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: 90}},
		}
		in.PhoneNumberConfigs = []types.PhoneNumberConfig{{Channel: voice, PhoneType: types.PhoneTypeDeskPhone, PhoneNumber: aws.String("+14155550123")}}
		in.PersistentConnectionConfigs = []types.PersistentConnectionConfig{{Channel: voice, PersistentConnection: aws.Bool(true)}}
		in.VoiceEnhancementConfigs = []types.VoiceEnhancementConfig{{Channel: voice, VoiceEnhancementMode: types.VoiceEnhancementModeVoiceIsolation}}
	}
	tests := []struct {
		name      string
		modify    func(*connect.CreateUserInput)
		wantPhone types.UserPhoneConfig
	}{
		{"per-channel configs", perChannel, types.UserPhoneConfig{PhoneType: types.PhoneTypeDeskPhone, AutoAccept: true,
			AfterContactWorkTimeLimit: 30, DeskPhoneNumber: aws.String("+14155550123"), PersistentConnection: aws.Bool(true)}},
		{"legacy PhoneConfig", func(in *connect.CreateUserInput) {
			in.PhoneConfig = &types.UserPhoneConfig{PhoneType: types.PhoneTypeDeskPhone, AutoAccept: true,
				AfterContactWorkTimeLimit: 45, DeskPhoneNumber: aws.String("+14155550199")}
		}, types.UserPhoneConfig{PhoneType: types.PhoneTypeDeskPhone, AutoAccept: true, AfterContactWorkTimeLimit: 45,
			DeskPhoneNumber: aws.String("+14155550199")}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := e.userInput(fmt.Sprintf("member.user%d", i))
			in.IdentityInfo = &types.UserIdentityInfo{FirstName: aws.String("Grace"), LastName: aws.String("Hopper"),
				Email: aws.String("grace@example.com"), SecondaryEmail: aws.String("g.hopper@example.org"), Mobile: aws.String("+14155550100")}
			in.SecurityProfileIds = e.spIDs(t, "Agent", "QualityAnalyst")
			in.Tags = map[string]string{"team": "blue", "site": "lisbon"}
			tc.modify(in)
			before := time.Now().Add(-2 * time.Second)
			out := must(e.c.CreateUser(t.Context(), in)).get(t)
			u := e.describeUser(t, e.inst, aws.ToString(out.UserId))

			if aws.ToString(u.Id) != aws.ToString(out.UserId) || aws.ToString(u.Arn) != aws.ToString(out.UserArn) {
				t.Errorf("Id/Arn %s %s, CreateUser gave %s %s", aws.ToString(u.Id), aws.ToString(u.Arn), aws.ToString(out.UserId), aws.ToString(out.UserArn))
			}
			if want := fmt.Sprintf("arn:aws:connect:us-east-1:123456789012:instance/%s/agent/%s", e.inst, aws.ToString(u.Id)); aws.ToString(u.Arn) != want {
				t.Errorf("Arn %s, want %s", aws.ToString(u.Arn), want)
			}
			eq(t, "Username", aws.ToString(u.Username), aws.ToString(in.Username))
			eq(t, "IdentityInfo", *u.IdentityInfo, *in.IdentityInfo)
			eq(t, "RoutingProfileId", aws.ToString(u.RoutingProfileId), e.rp)
			eq(t, "SecurityProfileIds", sorted(u.SecurityProfileIds), sorted(in.SecurityProfileIds))
			eq(t, "Tags", u.Tags, in.Tags)
			eq(t, "PhoneConfig", *u.PhoneConfig, tc.wantPhone)
			if tc.name == "per-channel configs" {
				eq(t, "AutoAcceptConfigs", u.AutoAcceptConfigs, in.AutoAcceptConfigs)
				eq(t, "AfterContactWorkConfigs", u.AfterContactWorkConfigs, in.AfterContactWorkConfigs)
				eq(t, "PhoneNumberConfigs", u.PhoneNumberConfigs, in.PhoneNumberConfigs)
				eq(t, "PersistentConnectionConfigs", u.PersistentConnectionConfigs, in.PersistentConnectionConfigs)
				eq(t, "VoiceEnhancementConfigs", u.VoiceEnhancementConfigs, in.VoiceEnhancementConfigs)
			} else {
				// The legacy PhoneConfig is the voice channel's view of the per-channel configs.
				eq(t, "AutoAcceptConfigs", u.AutoAcceptConfigs, []types.AutoAcceptConfig{{Channel: voice, AutoAccept: true}})
				eq(t, "AfterContactWorkConfigs", u.AfterContactWorkConfigs, []types.AfterContactWorkConfigPerChannel{
					{Channel: voice, AfterContactWorkConfig: &types.AfterContactWorkConfig{AfterContactWorkTimeLimit: 45}}})
				eq(t, "PhoneNumberConfigs", u.PhoneNumberConfigs, []types.PhoneNumberConfig{
					{Channel: voice, PhoneType: types.PhoneTypeDeskPhone, PhoneNumber: aws.String("+14155550199")}})
			}
			if u.LastModifiedTime == nil || u.LastModifiedTime.Before(before) || u.LastModifiedTime.After(time.Now().Add(2*time.Second)) {
				t.Errorf("LastModifiedTime %v, want about now", u.LastModifiedTime)
			}
			eq(t, "LastModifiedRegion", aws.ToString(u.LastModifiedRegion), "us-east-1")
			// The password is never returned; the SDK would not even have a member for it, so
			// look at the raw document.
			if raw := e.rawGet(t, "/users/"+e.inst+"/"+aws.ToString(u.Id)); strings.Contains(raw, "Passw0rdX") || strings.Contains(raw, "Password") {
				t.Errorf("DescribeUser shows the password: %s", raw)
			}
		})
	}
}

func eq[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %s, want %s", what, show(got), show(want))
	}
}

// show prints SDK values with their pointers followed.
func show(v any) string {
	var b strings.Builder
	var walk func(rv reflect.Value)
	walk = func(rv reflect.Value) {
		switch rv.Kind() {
		case reflect.Pointer:
			if rv.IsNil() {
				b.WriteString("nil")
				return
			}
			walk(rv.Elem())
		case reflect.Struct:
			b.WriteString("{")
			for i := range rv.NumField() {
				if !rv.Type().Field(i).IsExported() {
					continue
				}
				fmt.Fprintf(&b, "%s:", rv.Type().Field(i).Name)
				walk(rv.Field(i))
				b.WriteString(" ")
			}
			b.WriteString("}")
		case reflect.Slice:
			b.WriteString("[")
			for i := range rv.Len() {
				walk(rv.Index(i))
				b.WriteString(" ")
			}
			b.WriteString("]")
		default:
			fmt.Fprintf(&b, "%v", rv.Interface())
		}
	}
	walk(reflect.ValueOf(v))
	return b.String()
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// spIDs returns the ids of the default instance's security profiles by name.
func (e *env) spIDs(t testing.TB, names ...string) []string {
	t.Helper()
	var ids []string
	for _, name := range names {
		_, id := e.Profiles(t, e.inst, name)
		ids = append(ids, id)
	}
	return ids
}

// rawGet sends a signed GET outside the SDK and returns the body.
func (e *env) rawGet(t testing.TB, path string) string {
	t.Helper()
	resp := e.signed(t, http.MethodGet, path, nil)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// signed sends a request signed with the admin key by the SDK's own signer.
func (e *env) signed(t testing.TB, method, pathAndQuery string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, e.URL+pathAndQuery, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: e.KeyID, SecretAccessKey: e.Secret}
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, req, hex.EncodeToString(sum[:]), "connect", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestUserUpdates drives each update operation to success and checks DescribeUser shows it.
func TestUserUpdates(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	id := e.createUser(t, e.userInput("update.me"))
	first := e.describeUser(t, e.inst, id)
	admin := e.spIDs(t, "Admin", "QualityAnalyst")
	tests := []struct {
		name   string
		call   func() error
		verify func(u types.User)
	}{
		{"UpdateUserIdentityInfo", func() error {
			_, err := e.c.UpdateUserIdentityInfo(ctx, &connect.UpdateUserIdentityInfoInput{InstanceId: &e.inst, UserId: &id,
				IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("Augusta"), LastName: aws.String("King"), Email: aws.String("ada@example.com")}})
			return err
		}, func(u types.User) {
			eq(t, "IdentityInfo", *u.IdentityInfo, types.UserIdentityInfo{FirstName: aws.String("Augusta"), LastName: aws.String("King"), Email: aws.String("ada@example.com")})
		}},
		{"UpdateUserPhoneConfig", func() error {
			_, err := e.c.UpdateUserPhoneConfig(ctx, &connect.UpdateUserPhoneConfigInput{InstanceId: &e.inst, UserId: &id,
				PhoneConfig: &types.UserPhoneConfig{PhoneType: types.PhoneTypeDeskPhone, DeskPhoneNumber: aws.String("+442071838750"), AfterContactWorkTimeLimit: 20, AutoAccept: true}})
			return err
		}, func(u types.User) {
			eq(t, "PhoneConfig", *u.PhoneConfig, types.UserPhoneConfig{PhoneType: types.PhoneTypeDeskPhone, DeskPhoneNumber: aws.String("+442071838750"), AfterContactWorkTimeLimit: 20, AutoAccept: true})
			eq(t, "PhoneNumberConfigs[VOICE]", u.PhoneNumberConfigs[0], types.PhoneNumberConfig{Channel: types.ChannelVoice, PhoneType: types.PhoneTypeDeskPhone, PhoneNumber: aws.String("+442071838750")})
		}},
		{"UpdateUserRoutingProfile", func() error {
			_, err := e.c.UpdateUserRoutingProfile(ctx, &connect.UpdateUserRoutingProfileInput{InstanceId: &e.inst, UserId: &id, RoutingProfileId: &e.rp})
			return err
		}, func(u types.User) { eq(t, "RoutingProfileId", aws.ToString(u.RoutingProfileId), e.rp) }},
		{"UpdateUserSecurityProfiles", func() error {
			_, err := e.c.UpdateUserSecurityProfiles(ctx, &connect.UpdateUserSecurityProfilesInput{InstanceId: &e.inst, UserId: &id, SecurityProfileIds: admin})
			return err
		}, func(u types.User) { eq(t, "SecurityProfileIds", sorted(u.SecurityProfileIds), sorted(admin)) }},
	}
	last := *first.LastModifiedTime
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			time.Sleep(5 * time.Millisecond) // LastModifiedTime has millisecond resolution
			if err := tc.call(); err != nil {
				t.Fatal(err)
			}
			u := e.describeUser(t, e.inst, id)
			tc.verify(u)
			if !u.LastModifiedTime.After(last) {
				t.Errorf("LastModifiedTime %v did not advance from %v", u.LastModifiedTime, last)
			}
			last = *u.LastModifiedTime
			eq(t, "Username", aws.ToString(u.Username), "update.me")
		})
	}

	rp := must(e.c.DescribeRoutingProfile(ctx, &connect.DescribeRoutingProfileInput{InstanceId: &e.inst, RoutingProfileId: &e.rp})).get(t).RoutingProfile
	eq(t, "NumberOfAssociatedUsers", aws.ToInt64(rp.NumberOfAssociatedUsers), 1)

	if _, err := e.c.DeleteUser(ctx, &connect.DeleteUserInput{InstanceId: &e.inst, UserId: &id}); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &e.inst, UserId: &id})
	wantErr(t, "DescribeUser after DeleteUser", err, notFound)
	if names := e.usernames(t, e.inst); slices.Contains(names, "update.me") {
		t.Errorf("ListUsers still lists the deleted user: %v", names)
	}
}

// TestUserRefusals sends each refused user call and checks the exception and that the user
// (or the list of users) did not change.
func TestUserRefusals(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	id := e.createUser(t, e.userInput("existing"))
	samlInst, samlRP, samlSP := e.samlInstance(t)
	samlID := e.createUser(t, samlUser(samlInst, samlRP, samlSP, "saml.user", "Sam", "L"))
	unknown := uuid.NewString()
	long := strings.Repeat("x", 101)
	withUser := func(fn func(*connect.CreateUserInput)) *connect.CreateUserInput {
		in := e.userInput("refused.user")
		fn(in)
		return in
	}
	create := func(in *connect.CreateUserInput) func() error {
		return func() error { _, err := e.c.CreateUser(ctx, in); return err }
	}
	identity := func(inst, user string, info types.UserIdentityInfo) func() error {
		return func() error {
			_, err := e.c.UpdateUserIdentityInfo(ctx, &connect.UpdateUserIdentityInfoInput{InstanceId: &inst, UserId: &user, IdentityInfo: &info})
			return err
		}
	}
	phone := func(user string, pc types.UserPhoneConfig) func() error {
		return func() error {
			_, err := e.c.UpdateUserPhoneConfig(ctx, &connect.UpdateUserPhoneConfigInput{InstanceId: &e.inst, UserId: &user, PhoneConfig: &pc})
			return err
		}
	}
	routing := func(user, rp string) func() error {
		return func() error {
			_, err := e.c.UpdateUserRoutingProfile(ctx, &connect.UpdateUserRoutingProfileInput{InstanceId: &e.inst, UserId: &user, RoutingProfileId: &rp})
			return err
		}
	}
	security := func(user string, ids ...string) func() error {
		return func() error {
			_, err := e.c.UpdateUserSecurityProfiles(ctx, &connect.UpdateUserSecurityProfilesInput{InstanceId: &e.inst, UserId: &user, SecurityProfileIds: ids})
			return err
		}
	}
	elevenProfiles := make([]string, 11)
	for i := range elevenProfiles {
		elevenProfiles[i] = uuid.NewString()
	}
	tests := []struct {
		name string
		call func() error
		want exc
	}{
		{"CreateUser duplicate username", create(e.userInput("existing")), duplicate},
		{"CreateUser unknown instance", create(withUser(func(in *connect.CreateUserInput) { in.InstanceId = &unknown })), notFound},
		{"CreateUser unknown routing profile", create(withUser(func(in *connect.CreateUserInput) { in.RoutingProfileId = &unknown })), notFound},
		{"CreateUser unknown security profile", create(withUser(func(in *connect.CreateUserInput) { in.SecurityProfileIds = []string{unknown} })), notFound},
		{"CreateUser routing profile of another instance", create(withUser(func(in *connect.CreateUserInput) { in.RoutingProfileId = &samlRP })), notFound},
		{"CreateUser unknown hierarchy group", create(withUser(func(in *connect.CreateUserInput) { in.HierarchyGroupId = &unknown })), notFound},
		{"CreateUser without password", create(withUser(func(in *connect.CreateUserInput) { in.Password = nil })), invalidParam},
		{"CreateUser password without digit", create(withUser(func(in *connect.CreateUserInput) { in.Password = aws.String("Password") })), invalidParam},
		{"CreateUser password too short", create(withUser(func(in *connect.CreateUserInput) { in.Password = aws.String("Pa55w") })), invalidParam},
		{"CreateUser password too long", create(withUser(func(in *connect.CreateUserInput) { in.Password = aws.String("Pa55" + strings.Repeat("w", 61)) })), invalidParam},
		{"CreateUser without FirstName", create(withUser(func(in *connect.CreateUserInput) { in.IdentityInfo.FirstName = nil })), invalidParam},
		{"CreateUser without LastName", create(withUser(func(in *connect.CreateUserInput) { in.IdentityInfo.LastName = nil })), invalidParam},
		{"CreateUser bad email", create(withUser(func(in *connect.CreateUserInput) { in.IdentityInfo.Email = aws.String("not-an-email") })), invalidParam},
		{"CreateUser username of 101 characters", create(withUser(func(in *connect.CreateUserInput) { in.Username = &long })), invalidParam},
		{"CreateUser no security profile", create(withUser(func(in *connect.CreateUserInput) { in.SecurityProfileIds = []string{} })), invalidParam},
		{"CreateUser eleven security profiles", create(withUser(func(in *connect.CreateUserInput) { in.SecurityProfileIds = elevenProfiles })), invalidParam},
		{"CreateUser desk phone without number", create(withUser(func(in *connect.CreateUserInput) {
			in.PhoneConfig = &types.UserPhoneConfig{PhoneType: types.PhoneTypeDeskPhone}
		})), invalidParam},
		{"CreateUser PhoneConfig.PhoneType with PhoneNumberConfigs", create(withUser(func(in *connect.CreateUserInput) {
			in.PhoneConfig = &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone}
			in.PhoneNumberConfigs = []types.PhoneNumberConfig{{Channel: types.ChannelVoice, PhoneType: types.PhoneTypeSoftPhone}}
		})), invalidParam},
		{"CreateUser PhoneConfig.AutoAccept with AutoAcceptConfigs", create(withUser(func(in *connect.CreateUserInput) {
			in.PhoneConfig = &types.UserPhoneConfig{AutoAccept: true}
			in.AutoAcceptConfigs = []types.AutoAcceptConfig{{Channel: types.ChannelChat, AutoAccept: true}}
		})), invalidParam},
		{"CreateUser unknown channel", create(withUser(func(in *connect.CreateUserInput) {
			in.AutoAcceptConfigs = []types.AutoAcceptConfig{{Channel: "FAX", AutoAccept: true}}
		})), invalidParam},
		{"CreateUser SAML with password", create(func() *connect.CreateUserInput {
			in := samlUser(samlInst, samlRP, samlSP, "refused.user", "A", "B")
			in.Password = aws.String("Passw0rdX")
			return in
		}()), invalidReq},
		{"CreateUser SAML with email", create(func() *connect.CreateUserInput {
			in := samlUser(samlInst, samlRP, samlSP, "refused.user", "A", "B")
			in.IdentityInfo.Email = aws.String("a@example.com")
			return in
		}()), invalidReq},
		{"CreateUser SAML without LastName", create(samlUser(samlInst, samlRP, samlSP, "refused.user", "A", "")), invalidParam},

		{"DescribeUser unknown user", func() error {
			_, err := e.c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &e.inst, UserId: &unknown})
			return err
		}, notFound},
		{"DescribeUser unknown instance", func() error {
			_, err := e.c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &unknown, UserId: &id})
			return err
		}, notFound},
		{"DescribeUser user of another instance", func() error {
			_, err := e.c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &e.inst, UserId: &samlID})
			return err
		}, notFound},
		{"DescribeUser instance id of 101 characters", func() error {
			_, err := e.c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &long, UserId: &id})
			return err
		}, invalidParam},
		{"DeleteUser unknown user", func() error {
			_, err := e.c.DeleteUser(ctx, &connect.DeleteUserInput{InstanceId: &e.inst, UserId: &unknown})
			return err
		}, notFound},
		{"DeleteUser instance id of 101 characters", func() error {
			_, err := e.c.DeleteUser(ctx, &connect.DeleteUserInput{InstanceId: &long, UserId: &id})
			return err
		}, invalidParam},
		{"UpdateUserIdentityInfo unknown user", identity(e.inst, unknown, types.UserIdentityInfo{FirstName: aws.String("A"), LastName: aws.String("B")}), notFound},
		{"UpdateUserIdentityInfo without FirstName", identity(e.inst, id, types.UserIdentityInfo{LastName: aws.String("B")}), invalidParam},
		{"UpdateUserIdentityInfo bad email", identity(e.inst, id, types.UserIdentityInfo{FirstName: aws.String("A"), LastName: aws.String("B"), Email: aws.String("nope")}), invalidParam},
		{"UpdateUserIdentityInfo SAML with email", identity(samlInst, samlID, types.UserIdentityInfo{FirstName: aws.String("A"), LastName: aws.String("B"), Email: aws.String("a@example.com")}), invalidReq},
		{"UpdateUserPhoneConfig unknown user", phone(unknown, types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone}), notFound},
		{"UpdateUserPhoneConfig desk phone without number", phone(id, types.UserPhoneConfig{PhoneType: types.PhoneTypeDeskPhone}), invalidParam},
		{"UpdateUserPhoneConfig negative ACW", phone(id, types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone, AfterContactWorkTimeLimit: -1}), invalidParam},
		{"UpdateUserPhoneConfig unknown phone type", phone(id, types.UserPhoneConfig{PhoneType: "CARRIER_PIGEON"}), invalidParam},
		{"UpdateUserRoutingProfile unknown user", routing(unknown, e.rp), notFound},
		{"UpdateUserRoutingProfile unknown profile", routing(id, unknown), notFound},
		{"UpdateUserRoutingProfile instance id of 101 characters", func() error {
			_, err := e.c.UpdateUserRoutingProfile(ctx, &connect.UpdateUserRoutingProfileInput{InstanceId: &long, UserId: &id, RoutingProfileId: &e.rp})
			return err
		}, invalidParam},
		{"UpdateUserSecurityProfiles unknown user", security(unknown, e.sp), notFound},
		{"UpdateUserSecurityProfiles unknown profile", security(id, e.sp, unknown), notFound},
		{"UpdateUserSecurityProfiles none", security(id, []string{}...), invalidParam},
		{"UpdateUserSecurityProfiles eleven", security(id, elevenProfiles...), invalidParam},
	}
	before := e.describeUser(t, e.inst, id)
	beforeSAML := e.describeUser(t, samlInst, samlID)
	users := e.usernames(t, e.inst)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.name, tc.call(), tc.want)
			eq(t, "the user after the refusal", e.describeUser(t, e.inst, id), before)
			eq(t, "the SAML user after the refusal", e.describeUser(t, samlInst, samlID), beforeSAML)
			eq(t, "the users after the refusal", e.usernames(t, e.inst), users)
		})
	}
}

// TestListUsersPaging pages users in username order and refuses bad tokens and page sizes.
func TestListUsersPaging(t *testing.T) {
	e := start(t)
	inst, rp, sp := e.samlInstance(t)
	var want []string
	for i := range 23 {
		name := fmt.Sprintf("pager%02d", i)
		e.createUser(t, samlUser(inst, rp, sp, name, "P", "Q"))
		want = append(want, name)
	}
	for _, size := range []int32{1, 5, 23, 100} {
		var got []string
		pages := 0
		p := connect.NewListUsersPaginator(e.c, &connect.ListUsersInput{InstanceId: &inst, MaxResults: aws.Int32(size)})
		for p.HasMorePages() {
			out := must(p.NextPage(t.Context())).get(t)
			if len(out.UserSummaryList) > int(size) {
				t.Errorf("MaxResults %d: page of %d", size, len(out.UserSummaryList))
			}
			pages++
			for _, u := range out.UserSummaryList {
				got = append(got, aws.ToString(u.Username))
				if u.Id == nil || u.Arn == nil || u.LastModifiedTime == nil || aws.ToString(u.LastModifiedRegion) != "us-east-1" {
					t.Errorf("summary lacks members: %s", show(u))
				}
			}
		}
		eq(t, fmt.Sprintf("usernames with MaxResults %d", size), got, want)
		if wantPages := (23 + int(size) - 1) / int(size); pages != wantPages {
			t.Errorf("MaxResults %d: %d pages, want %d", size, pages, wantPages)
		}
	}

	ctx := t.Context()
	first := must(e.c.ListUsers(ctx, &connect.ListUsersInput{InstanceId: &inst, MaxResults: aws.Int32(2)})).get(t)
	refusals := []struct {
		name string
		in   connect.ListUsersInput
		want exc
	}{
		{"garbage token", connect.ListUsersInput{InstanceId: &inst, NextToken: aws.String("not-a-token")}, invalidParam},
		{"token of another instance", connect.ListUsersInput{InstanceId: &e.inst, NextToken: first.NextToken}, invalidParam},
		{"MaxResults 0", connect.ListUsersInput{InstanceId: &inst, MaxResults: aws.Int32(0)}, invalidParam},
		{"MaxResults 1001", connect.ListUsersInput{InstanceId: &inst, MaxResults: aws.Int32(1001)}, invalidParam},
		{"unknown instance", connect.ListUsersInput{InstanceId: aws.String(uuid.NewString())}, notFound},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.c.ListUsers(ctx, &tc.in)
			wantErr(t, "ListUsers "+tc.name, err, tc.want)
		})
	}
	// A token of another operation is refused too.
	rpTokenSrc := must(e.c.ListSecurityProfiles(ctx, &connect.ListSecurityProfilesInput{InstanceId: &inst, MaxResults: aws.Int32(1)})).get(t)
	_, err := e.c.ListUsers(ctx, &connect.ListUsersInput{InstanceId: &inst, NextToken: rpTokenSrc.NextToken})
	wantErr(t, "ListUsers with a ListSecurityProfiles token", err, invalidParam)
}

// ---- profiles ----

func TestProfiles(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	rps := must(e.c.ListRoutingProfiles(ctx, &connect.ListRoutingProfilesInput{InstanceId: &e.inst})).get(t).RoutingProfileSummaryList
	if len(rps) != 1 || aws.ToString(rps[0].Name) != "Basic Routing Profile" {
		t.Fatalf("routing profiles %s, want Basic Routing Profile only", show(rps))
	}
	rp := must(e.c.DescribeRoutingProfile(ctx, &connect.DescribeRoutingProfileInput{InstanceId: &e.inst, RoutingProfileId: rps[0].Id})).get(t).RoutingProfile
	eq(t, "RoutingProfile.Name", aws.ToString(rp.Name), "Basic Routing Profile")
	eq(t, "RoutingProfile.Arn", aws.ToString(rp.RoutingProfileArn), aws.ToString(rps[0].Arn))
	eq(t, "RoutingProfile.InstanceId", aws.ToString(rp.InstanceId), e.inst)
	if len(rp.MediaConcurrencies) == 0 || rp.DefaultOutboundQueueId == nil {
		t.Errorf("routing profile lacks members: %s", show(rp))
	}

	var names []string
	p := connect.NewListSecurityProfilesPaginator(e.c, &connect.ListSecurityProfilesInput{InstanceId: &e.inst, MaxResults: aws.Int32(3)})
	for p.HasMorePages() {
		for _, sp := range must(p.NextPage(ctx)).get(t).SecurityProfileSummaryList {
			names = append(names, aws.ToString(sp.Name))
			d := must(e.c.DescribeSecurityProfile(ctx, &connect.DescribeSecurityProfileInput{InstanceId: &e.inst, SecurityProfileId: sp.Id})).get(t).SecurityProfile
			eq(t, "SecurityProfileName", aws.ToString(d.SecurityProfileName), aws.ToString(sp.Name))
			eq(t, "Arn", aws.ToString(d.Arn), aws.ToString(sp.Arn))
			if !strings.HasSuffix(aws.ToString(d.Arn), "/security-profile/"+aws.ToString(sp.Id)) {
				t.Errorf("security profile ARN %s", aws.ToString(d.Arn))
			}
		}
	}
	eq(t, "security profiles", sorted(names), []string{"Admin", "Agent", "CallCenterManager", "QualityAnalyst"})

	unknown, long := uuid.NewString(), strings.Repeat("y", 101)
	tests := []struct {
		name string
		call func() error
		want exc
	}{
		{"DescribeRoutingProfile unknown", func() error {
			_, err := e.c.DescribeRoutingProfile(ctx, &connect.DescribeRoutingProfileInput{InstanceId: &e.inst, RoutingProfileId: &unknown})
			return err
		}, notFound},
		{"DescribeRoutingProfile id too long", func() error {
			_, err := e.c.DescribeRoutingProfile(ctx, &connect.DescribeRoutingProfileInput{InstanceId: &long, RoutingProfileId: &unknown})
			return err
		}, invalidParam},
		{"DescribeSecurityProfile unknown", func() error {
			_, err := e.c.DescribeSecurityProfile(ctx, &connect.DescribeSecurityProfileInput{InstanceId: &e.inst, SecurityProfileId: &unknown})
			return err
		}, notFound},
		{"DescribeSecurityProfile id too long", func() error {
			_, err := e.c.DescribeSecurityProfile(ctx, &connect.DescribeSecurityProfileInput{InstanceId: &long, SecurityProfileId: &unknown})
			return err
		}, invalidParam},
		{"ListRoutingProfiles unknown instance", func() error {
			_, err := e.c.ListRoutingProfiles(ctx, &connect.ListRoutingProfilesInput{InstanceId: &unknown})
			return err
		}, notFound},
		{"ListRoutingProfiles bad token", func() error {
			_, err := e.c.ListRoutingProfiles(ctx, &connect.ListRoutingProfilesInput{InstanceId: &e.inst, NextToken: aws.String("bad")})
			return err
		}, invalidParam},
		{"ListSecurityProfiles unknown instance", func() error {
			_, err := e.c.ListSecurityProfiles(ctx, &connect.ListSecurityProfilesInput{InstanceId: &unknown})
			return err
		}, notFound},
		{"ListSecurityProfiles MaxResults 1001", func() error {
			_, err := e.c.ListSecurityProfiles(ctx, &connect.ListSecurityProfilesInput{InstanceId: &e.inst, MaxResults: aws.Int32(1001)})
			return err
		}, invalidParam},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.name, tc.call(), tc.want) })
	}
}

// ---- instances ----

func TestInstances(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	out := must(e.c.CreateInstance(ctx, &connect.CreateInstanceInput{IdentityManagementType: types.DirectoryTypeSaml,
		InstanceAlias: aws.String("second-instance"), InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(false),
		Tags: map[string]string{"env": "test"}})).get(t)
	id := aws.ToString(out.Id)
	inst := must(e.c.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: &id})).get(t).Instance
	eq(t, "IdentityManagementType", inst.IdentityManagementType, types.DirectoryTypeSaml)
	eq(t, "InstanceAlias", aws.ToString(inst.InstanceAlias), "second-instance")
	eq(t, "Arn", aws.ToString(inst.Arn), "arn:aws:connect:us-east-1:123456789012:instance/"+id)
	eq(t, "InboundCallsEnabled", aws.ToBool(inst.InboundCallsEnabled), true)
	eq(t, "OutboundCallsEnabled", aws.ToBool(inst.OutboundCallsEnabled), false)
	eq(t, "InstanceStatus", inst.InstanceStatus, types.InstanceStatusActive)
	eq(t, "Tags", inst.Tags, map[string]string{"env": "test"})
	rp, sp := e.Profiles(t, id, "Admin") // a new instance has the default profiles

	for range 3 {
		must(e.c.CreateInstance(ctx, &connect.CreateInstanceInput{IdentityManagementType: types.DirectoryTypeConnectManaged,
			InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true)})).get(t)
	}
	listed := func() []string {
		var ids []string
		p := connect.NewListInstancesPaginator(e.c, &connect.ListInstancesInput{MaxResults: aws.Int32(2)})
		for p.HasMorePages() {
			for _, s := range must(p.NextPage(ctx)).get(t).InstanceSummaryList {
				ids = append(ids, aws.ToString(s.Id))
			}
		}
		return ids
	}
	ids := listed()
	if len(ids) != 5 || !slices.Contains(ids, e.inst) || !slices.Contains(ids, id) {
		t.Fatalf("ListInstances gave %v, want 5 with %s and %s", ids, e.inst, id)
	}

	user := e.createUser(t, samlUser(id, rp, sp, "doomed", "D", "E"))
	if _, err := e.c.DeleteInstance(ctx, &connect.DeleteInstanceInput{InstanceId: &id}); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: &id})
	wantErr(t, "DescribeInstance after DeleteInstance", err, notFound)
	_, err = e.c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &id, UserId: &user})
	wantErr(t, "DescribeUser in a deleted instance", err, notFound)
	if got := listed(); len(got) != 4 || slices.Contains(got, id) {
		t.Errorf("ListInstances after DeleteInstance: %v", got)
	}

	refusals := []struct {
		name string
		call func() error
		want exc
	}{
		{"CreateInstance taken alias", func() error {
			_, err := e.c.CreateInstance(ctx, &connect.CreateInstanceInput{IdentityManagementType: types.DirectoryTypeSaml,
				InstanceAlias: aws.String("connectdir"), InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true)})
			return err
		}, invalidReq},
		{"CreateInstance existing directory without DirectoryId", func() error {
			_, err := e.c.CreateInstance(ctx, &connect.CreateInstanceInput{IdentityManagementType: types.DirectoryTypeExistingDirectory,
				InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true)})
			return err
		}, invalidReq},
		{"CreateInstance SAML with DirectoryId", func() error {
			_, err := e.c.CreateInstance(ctx, &connect.CreateInstanceInput{IdentityManagementType: types.DirectoryTypeSaml,
				DirectoryId: aws.String("d-1234567890"), InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true)})
			return err
		}, invalidReq},
		{"DescribeInstance unknown", func() error {
			_, err := e.c.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: aws.String(uuid.NewString())})
			return err
		}, notFound},
		{"DeleteInstance unknown", func() error {
			_, err := e.c.DeleteInstance(ctx, &connect.DeleteInstanceInput{InstanceId: aws.String(uuid.NewString())})
			return err
		}, notFound},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.name, tc.call(), tc.want)
			if got := listed(); len(got) != 4 {
				t.Errorf("instances after the refusal: %v", got)
			}
		})
	}
	// The instance operations list no InvalidParameterException: invalid input comes back as
	// InvalidRequestException, which their SDK clients can decode.
	long := strings.Repeat("i", 101)
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"ListInstances bad token", func() error {
			_, err := e.c.ListInstances(ctx, &connect.ListInstancesInput{NextToken: aws.String("bogus")})
			return err
		}},
		{"ListInstances MaxResults 11", func() error {
			_, err := e.c.ListInstances(ctx, &connect.ListInstancesInput{MaxResults: aws.Int32(11)})
			return err
		}},
		{"DescribeInstance id too long", func() error {
			_, err := e.c.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: &long})
			return err
		}},
		{"DeleteInstance id too long", func() error {
			_, err := e.c.DeleteInstance(ctx, &connect.DeleteInstanceInput{InstanceId: &long})
			return err
		}},
		{"CreateInstance unknown identity type", func() error {
			_, err := e.c.CreateInstance(ctx, &connect.CreateInstanceInput{IdentityManagementType: "LDAP", InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true)})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.name, tc.call(), invalidReq)
			if got := listed(); len(got) != 4 {
				t.Errorf("instances after the refusal: %v", got)
			}
		})
	}
}

// ---- tags ----

func TestTags(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	id := e.createUser(t, e.userInput("tagged"))
	arn := aws.ToString(e.describeUser(t, e.inst, id).Arn)
	list := func(arn string) map[string]string {
		return must(e.c.ListTagsForResource(ctx, &connect.ListTagsForResourceInput{ResourceArn: &arn})).get(t).Tags
	}
	eq(t, "tags of a new user", list(arn), map[string]string{})
	must(e.c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"a": "1", "b": "2"}})).get(t)
	must(e.c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"b": "3", "c": "4"}})).get(t)
	eq(t, "tags after TagResource", list(arn), map[string]string{"a": "1", "b": "3", "c": "4"})
	must(e.c.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"a", "c", "absent"}})).get(t)
	eq(t, "tags after UntagResource", list(arn), map[string]string{"b": "3"})
	eq(t, "DescribeUser Tags", e.describeUser(t, e.inst, id).Tags, map[string]string{"b": "3"})

	// Profiles and instances take tags too.
	rpArn := "arn:aws:connect:us-east-1:123456789012:instance/" + e.inst + "/routing-profile/" + e.rp
	must(e.c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: &rpArn, Tags: map[string]string{"k": "v"}})).get(t)
	eq(t, "routing profile tags", list(rpArn), map[string]string{"k": "v"})

	fifty := map[string]string{}
	for i := range 50 {
		fifty[fmt.Sprintf("k%02d", i)] = "v"
	}
	unknownUser := strings.TrimSuffix(arn, id) + uuid.NewString()
	otherInstance := "arn:aws:connect:us-east-1:123456789012:instance/" + uuid.NewString()
	tests := []struct {
		name string
		call func() error
		want exc
	}{
		{"TagResource unknown user", func() error {
			_, err := e.c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: &unknownUser, Tags: map[string]string{"x": "y"}})
			return err
		}, notFound},
		{"TagResource unknown instance", func() error {
			_, err := e.c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: &otherInstance, Tags: map[string]string{"x": "y"}})
			return err
		}, notFound},
		{"TagResource not an ARN", func() error {
			_, err := e.c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: aws.String("user-tagged"), Tags: map[string]string{"x": "y"}})
			return err
		}, invalidParam},
		{"TagResource beyond 50 tags", func() error {
			_, err := e.c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: &arn, Tags: fifty})
			return err
		}, invalidParam},
		{"TagResource aws: prefix", func() error {
			_, err := e.c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"aws:x": "y"}})
			return err
		}, invalidParam},
		{"TagResource no tags", func() error {
			_, err := e.c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{}})
			return err
		}, invalidParam},
		{"UntagResource unknown user", func() error {
			_, err := e.c.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: &unknownUser, TagKeys: []string{"b"}})
			return err
		}, notFound},
		{"UntagResource not an ARN", func() error {
			_, err := e.c.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: aws.String("nope"), TagKeys: []string{"b"}})
			return err
		}, invalidParam},
		{"ListTagsForResource unknown user", func() error {
			_, err := e.c.ListTagsForResource(ctx, &connect.ListTagsForResourceInput{ResourceArn: &unknownUser})
			return err
		}, notFound},
		{"ListTagsForResource not an ARN", func() error {
			_, err := e.c.ListTagsForResource(ctx, &connect.ListTagsForResourceInput{ResourceArn: aws.String("nope")})
			return err
		}, invalidParam},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.name, tc.call(), tc.want)
			eq(t, "tags after the refusal", list(arn), map[string]string{"b": "3"})
		})
	}
}

// ---- federation ----

func TestGetFederationToken(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	_, err := e.c.GetFederationToken(ctx, &connect.GetFederationTokenInput{InstanceId: &e.inst})
	wantErr(t, "GetFederationToken without an admin user", err, userNotFound)
	_, err = e.c.GetFederationToken(ctx, &connect.GetFederationTokenInput{InstanceId: aws.String(uuid.NewString())})
	wantErr(t, "GetFederationToken unknown instance", err, notFound)
	_, err = e.c.GetFederationToken(ctx, &connect.GetFederationTokenInput{InstanceId: aws.String(strings.Repeat("z", 101))})
	wantErr(t, "GetFederationToken instance id too long", err, invalidParam)

	e.createUser(t, e.userInput("Admin.Lookalike")) // not "admin": still no user
	_, err = e.c.GetFederationToken(ctx, &connect.GetFederationTokenInput{InstanceId: &e.inst})
	wantErr(t, "GetFederationToken with only a lookalike user", err, userNotFound)

	id := e.createUser(t, e.userInput("admin"))
	now := time.Now()
	seen := map[string]bool{}
	for range 2 {
		out := must(e.c.GetFederationToken(ctx, &connect.GetFederationTokenInput{InstanceId: &e.inst})).get(t)
		eq(t, "UserId", aws.ToString(out.UserId), id)
		if !strings.HasSuffix(aws.ToString(out.UserArn), "/agent/"+id) {
			t.Errorf("UserArn %s", aws.ToString(out.UserArn))
		}
		c := out.Credentials
		if len(aws.ToString(c.AccessToken)) < 32 || len(aws.ToString(c.RefreshToken)) < 32 || seen[aws.ToString(c.AccessToken)] {
			t.Errorf("tokens not long and fresh: %s", show(c))
		}
		seen[aws.ToString(c.AccessToken)] = true
		if d := c.AccessTokenExpiration.Sub(now); d < 11*time.Hour || d > 13*time.Hour {
			t.Errorf("AccessTokenExpiration in %v, want 12h", d)
		}
		if !c.RefreshTokenExpiration.After(*c.AccessTokenExpiration) {
			t.Errorf("RefreshTokenExpiration %v not after the access token's", c.RefreshTokenExpiration)
		}
	}
}

// ---- authentication ----

func TestSigV4Refusals(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	create := func(c *connect.Client) error {
		in := e.userInput("sneaky")
		_, err := c.CreateUser(ctx, in)
		return err
	}
	wantCode(t, "unknown key", create(e.ClientWith("AKIAUNKNOWNKEY000000", e.Secret)), "UnrecognizedClientException", 403)
	wantCode(t, "wrong secret", create(e.ClientWith(e.KeyID, e.Secret+"x")), "InvalidSignatureException", 403)
	wantCode(t, "wrong region", create(e.Client(func(o *connect.Options) { o.Region = "eu-west-1" })), "InvalidSignatureException", 403)
	if names := e.usernames(t, e.inst); slices.Contains(names, "sneaky") {
		t.Fatalf("a refused signature created a user: %v", names)
	}

	// Without Authorization.
	resp, err := http.Get(e.URL + "/users-summary/" + e.inst)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned request: %d %q, want 403 MissingAuthenticationTokenException", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}

	// Model constraints the SDK would have let through or that we send raw.
	long := strings.Repeat("u", 101)
	body := fmt.Sprintf(`{"Username":%q,"Password":"Passw0rdX","IdentityInfo":{"FirstName":"A","LastName":"B"},"PhoneConfig":{"PhoneType":"SOFT_PHONE"},"RoutingProfileId":%q,"SecurityProfileIds":[%q]}`, long, e.rp, e.sp)
	tests := []struct {
		name, method, path string
		body               []byte
		member             string
	}{
		{"Username of 101 characters", http.MethodPut, "/users/" + e.inst, []byte(body), "Username"},
		{"MaxResults 1001", http.MethodGet, "/users-summary/" + e.inst + "?maxResults=1001", nil, "MaxResults"},
		{"MaxResults not a number", http.MethodGet, "/users-summary/" + e.inst + "?maxResults=ten", nil, "MaxResults"},
		{"missing required Username", http.MethodPut, "/users/" + e.inst, []byte(`{"SecurityProfileIds":["x"],"RoutingProfileId":"y","PhoneConfig":{"PhoneType":"SOFT_PHONE"}}`), "Username"},
		{"SearchUsers MaxResults 501", http.MethodPost, "/search-users", []byte(`{"InstanceId":"` + e.inst + `","MaxResults":501}`), "MaxResults"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.signed(t, tc.method, tc.path, tc.body)
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "InvalidParameterException" {
				t.Fatalf("%d %q %s, want 400 InvalidParameterException", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), b)
			}
			if !strings.Contains(string(b), tc.member) || !strings.Contains(string(b), `"Message"`) {
				t.Errorf("message %s does not name %s", b, tc.member)
			}
		})
	}
	if names := e.usernames(t, e.inst); len(names) != 0 {
		t.Errorf("refused requests created users: %v", names)
	}
}

// ---- every operation: throttling, internal errors, unknown instance ----

// ids are the resources an operation call names.
type ids struct{ inst, user, userArn, rp, sp, group, groupArn string }

type opCall struct {
	name string
	call func(ctx context.Context, c *connect.Client, x ids) error
}

func allOps() []opCall {
	ignore := func(_ any, err error) error { return err }
	return append(userAPIOps(), []opCall{
		{"CreateInstance", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.CreateInstance(ctx, &connect.CreateInstanceInput{IdentityManagementType: types.DirectoryTypeSaml, InboundCallsEnabled: aws.Bool(true), OutboundCallsEnabled: aws.Bool(true)}))
		}},
		{"DescribeInstance", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: &x.inst}))
		}},
		{"ListInstances", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.ListInstances(ctx, &connect.ListInstancesInput{}))
		}},
		{"DeleteInstance", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.DeleteInstance(ctx, &connect.DeleteInstanceInput{InstanceId: &x.inst}))
		}},
		{"CreateUser", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.CreateUser(ctx, samlUser(x.inst, x.rp, x.sp, "op.user", "O", "P")))
		}},
		{"DescribeUser", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: &x.inst, UserId: &x.user}))
		}},
		{"ListUsers", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.ListUsers(ctx, &connect.ListUsersInput{InstanceId: &x.inst}))
		}},
		{"DeleteUser", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.DeleteUser(ctx, &connect.DeleteUserInput{InstanceId: &x.inst, UserId: &x.user}))
		}},
		{"UpdateUserIdentityInfo", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.UpdateUserIdentityInfo(ctx, &connect.UpdateUserIdentityInfoInput{InstanceId: &x.inst, UserId: &x.user,
				IdentityInfo: &types.UserIdentityInfo{FirstName: aws.String("F"), LastName: aws.String("L")}}))
		}},
		{"UpdateUserPhoneConfig", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.UpdateUserPhoneConfig(ctx, &connect.UpdateUserPhoneConfigInput{InstanceId: &x.inst, UserId: &x.user,
				PhoneConfig: &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone}}))
		}},
		{"UpdateUserRoutingProfile", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.UpdateUserRoutingProfile(ctx, &connect.UpdateUserRoutingProfileInput{InstanceId: &x.inst, UserId: &x.user, RoutingProfileId: &x.rp}))
		}},
		{"UpdateUserSecurityProfiles", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.UpdateUserSecurityProfiles(ctx, &connect.UpdateUserSecurityProfilesInput{InstanceId: &x.inst, UserId: &x.user, SecurityProfileIds: []string{x.sp}}))
		}},
		{"UpdateUserHierarchy", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.UpdateUserHierarchy(ctx, &connect.UpdateUserHierarchyInput{InstanceId: &x.inst, UserId: &x.user, HierarchyGroupId: &x.group}))
		}},
		{"SearchUsers", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.SearchUsers(ctx, &connect.SearchUsersInput{InstanceId: &x.inst}))
		}},
		{"ListRoutingProfiles", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.ListRoutingProfiles(ctx, &connect.ListRoutingProfilesInput{InstanceId: &x.inst}))
		}},
		{"DescribeRoutingProfile", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.DescribeRoutingProfile(ctx, &connect.DescribeRoutingProfileInput{InstanceId: &x.inst, RoutingProfileId: &x.rp}))
		}},
		{"ListSecurityProfiles", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.ListSecurityProfiles(ctx, &connect.ListSecurityProfilesInput{InstanceId: &x.inst}))
		}},
		{"DescribeSecurityProfile", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.DescribeSecurityProfile(ctx, &connect.DescribeSecurityProfileInput{InstanceId: &x.inst, SecurityProfileId: &x.sp}))
		}},
		{"GetFederationToken", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.GetFederationToken(ctx, &connect.GetFederationTokenInput{InstanceId: &x.inst}))
		}},
		{"TagResource", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.TagResource(ctx, &connect.TagResourceInput{ResourceArn: &x.userArn, Tags: map[string]string{"k": "v"}}))
		}},
		{"UntagResource", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: &x.userArn, TagKeys: []string{"k"}}))
		}},
		{"ListTagsForResource", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.ListTagsForResource(ctx, &connect.ListTagsForResourceInput{ResourceArn: &x.groupArn}))
		}},
		{"DescribeUserHierarchyStructure", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.DescribeUserHierarchyStructure(ctx, &connect.DescribeUserHierarchyStructureInput{InstanceId: &x.inst}))
		}},
		{"UpdateUserHierarchyStructure", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.UpdateUserHierarchyStructure(ctx, &connect.UpdateUserHierarchyStructureInput{InstanceId: &x.inst,
				HierarchyStructure: &types.HierarchyStructureUpdate{LevelOne: &types.HierarchyLevelUpdate{Name: aws.String("One")}, LevelTwo: &types.HierarchyLevelUpdate{Name: aws.String("Two")}}}))
		}},
		{"CreateUserHierarchyGroup", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &x.inst, Name: aws.String("child"), ParentGroupId: &x.group}))
		}},
		{"DescribeUserHierarchyGroup", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.DescribeUserHierarchyGroup(ctx, &connect.DescribeUserHierarchyGroupInput{InstanceId: &x.inst, HierarchyGroupId: &x.group}))
		}},
		{"ListUserHierarchyGroups", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.ListUserHierarchyGroups(ctx, &connect.ListUserHierarchyGroupsInput{InstanceId: &x.inst}))
		}},
		{"UpdateUserHierarchyGroupName", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.UpdateUserHierarchyGroupName(ctx, &connect.UpdateUserHierarchyGroupNameInput{InstanceId: &x.inst, HierarchyGroupId: &x.group, Name: aws.String("renamed")}))
		}},
		{"DeleteUserHierarchyGroup", func(ctx context.Context, c *connect.Client, x ids) error {
			return ignore(c.DeleteUserHierarchyGroup(ctx, &connect.DeleteUserHierarchyGroupInput{InstanceId: &x.inst, HierarchyGroupId: &x.group}))
		}},
	}...)
}

// fixture makes a SAML instance with a user and a LevelOne group and returns their ids.
func (e *env) fixture(t testing.TB) ids {
	t.Helper()
	ctx := t.Context()
	inst, rp, sp := e.samlInstance(t)
	out := must(e.c.CreateUser(ctx, samlUser(inst, rp, sp, "fixture.user", "F", "U"))).get(t)
	must(e.c.UpdateUserHierarchyStructure(ctx, &connect.UpdateUserHierarchyStructureInput{InstanceId: &inst,
		HierarchyStructure: &types.HierarchyStructureUpdate{LevelOne: &types.HierarchyLevelUpdate{Name: aws.String("One")}, LevelTwo: &types.HierarchyLevelUpdate{Name: aws.String("Two")}}})).get(t)
	g := must(e.c.CreateUserHierarchyGroup(ctx, &connect.CreateUserHierarchyGroupInput{InstanceId: &inst, Name: aws.String("top")})).get(t)
	return ids{inst: inst, user: aws.ToString(out.UserId), userArn: aws.ToString(out.UserArn), rp: rp, sp: sp,
		group: aws.ToString(g.HierarchyGroupId), groupArn: aws.ToString(g.HierarchyGroupArn)}
}

// modelErrors reads the operation's error list from the embedded model copy, to know whether
// the SDK can type an exception for it.
func modelErrors(t testing.TB) map[string][]string {
	t.Helper()
	data := must(os.ReadFile("model/connect.json")).get(t)
	var m struct {
		Operations map[string]struct{ Errors []string } `json:"operations"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for name, op := range m.Operations {
		out[name] = op.Errors
	}
	return out
}

// TestEveryOperationThrottled: past its rate, every operation is refused with
// ThrottlingException (429) and changes nothing.
func TestEveryOperationThrottled(t *testing.T) {
	s := testserver.Start(t, testserver.Options{ThrottleRPS: 0.001, ThrottleBurst: 1})
	e := &env{Server: s, c: s.Client(), inst: s.InstanceID}
	// The one request of the burst: read what the calls will name.
	users := must(e.c.ListUsers(t.Context(), &connect.ListUsersInput{InstanceId: &e.inst})).get(t)
	x := ids{inst: e.inst, user: uuid.NewString(), rp: uuid.NewString(), sp: uuid.NewString(), group: uuid.NewString()}
	x.userArn = "arn:aws:connect:us-east-1:123456789012:instance/" + e.inst + "/agent/" + x.user
	x.groupArn = "arn:aws:connect:us-east-1:123456789012:instance/" + e.inst + "/agent-group/" + x.group
	errs := modelErrors(t)
	for _, op := range allOps() {
		t.Run(op.name, func(t *testing.T) {
			err := op.call(t.Context(), e.c, x)
			if slices.Contains(errs[op.name], "ThrottlingException") {
				wantErr(t, op.name, err, throttled)
			} else {
				wantCode(t, op.name, err, "ThrottlingException", 429)
			}
			if n := s.API.Calls(op.name, "ThrottlingException"); n != 1 {
				t.Errorf("metrics count %d throttled %s calls, want 1", n, op.name)
			}
		})
	}
	// Nothing changed: the directory still has the one instance, no users, no levels.
	insts := must(s.Dir.ListInstances(t.Context(), "", 10)).get(t)
	got := must(s.Dir.ListUsers(t.Context(), e.inst, "", 10)).get(t)
	levels := must(s.Dir.DescribeHierarchyStructure(t.Context(), e.inst)).get(t)
	if len(insts) != 1 || len(got) != len(users.UserSummaryList) || len(levels) != 0 {
		t.Errorf("throttled calls changed the directory: %d instances, %d users, %d levels", len(insts), len(got), len(levels))
	}
}

// TestEveryOperationInternalError: with the database gone, every operation answers
// InternalServiceException (500) without leaking the cause.
func TestEveryOperationInternalError(t *testing.T) {
	// The server logs the cause; capture it (the server takes slog's default at start).
	var logs syncBuffer
	saved := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	e := start(t)
	slog.SetDefault(saved)
	x := e.fixture(t)
	if err := e.Dir.Store.Close(); err != nil {
		t.Fatal(err)
	}
	for _, op := range allOps() {
		t.Run(op.name, func(t *testing.T) {
			err := op.call(t.Context(), e.c, x)
			wantErr(t, op.name, err, internal)
			if strings.Contains(err.Error(), "sql") || strings.Contains(err.Error(), "closed") {
				t.Errorf("the message leaks the cause: %v", err)
			}
		})
	}
	if n := strings.Count(logs.String(), "database is closed"); n != len(allOps()) {
		t.Errorf("%d internal errors logged with their cause, want %d:\n%s", n, len(allOps()), logs.String())
	}
}

// syncBuffer is a bytes.Buffer that handlers on several goroutines may write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}
func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// TestEveryOperationUnknownInstance: every operation scoped to an instance refuses an unknown
// one with ResourceNotFoundException.
func TestEveryOperationUnknownInstance(t *testing.T) {
	e := start(t)
	x := e.fixture(t)
	x.inst = uuid.NewString()
	x.userArn = "arn:aws:connect:us-east-1:123456789012:instance/" + x.inst + "/agent/" + x.user
	x.groupArn = "arn:aws:connect:us-east-1:123456789012:instance/" + x.inst + "/agent-group/" + x.group
	for _, op := range allOps() {
		if op.name == "CreateInstance" || op.name == "ListInstances" {
			continue
		}
		t.Run(op.name, func(t *testing.T) { wantErr(t, op.name, op.call(t.Context(), e.c, x), notFound) })
	}
}
