package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
)

const (
	testKeyID  = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testRegion = "us-east-1"
	testHost   = "connect.us-east-1.amazonaws.com"
	// An ARN in a path must reach the signer escaped, "/" included.
	testARN     = "arn:aws:connect:us-east-1:123456789012:instance/2f9c1b7e-aaaa-bbbb-cccc-0123456789ab"
	escapedARN  = "arn%3Aaws%3Aconnect%3Aus-east-1%3A123456789012%3Ainstance%2F2f9c1b7e-aaaa-bbbb-cccc-0123456789ab"
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

var signTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var testCreds = aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}

func secrets(ctx context.Context, id string) (string, bool, error) {
	switch id {
	case testKeyID:
		return testSecret, true, nil
	case "ASIATESTSESSIONKEY01":
		return "sessionsecret", true, nil
	}
	return "", false, nil
}

func newVerifier(now time.Time) *Verifier {
	return &Verifier{Service: "connect", Region: testRegion, Secret: secrets, Now: func() time.Time { return now }}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// signed builds an in-process request signed by the Go SDK.
func signed(t testing.TB, method, target, body string, hdr map[string]string, creds aws.Credentials, region, service string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, "https://"+testHost+target, strings.NewReader(body))
	if body == "" {
		r = httptest.NewRequest(method, "https://"+testHost+target, nil)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, sha256Hex([]byte(body)), service, region, signTime); err != nil {
		t.Fatal(err)
	}
	return r
}

// presigned builds an in-process request from a URL the Go SDK presigned.
func presigned(t testing.TB, method, target string, expires int) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, "https://"+testHost+target, nil)
	if expires >= 0 {
		q := r.URL.Query()
		q.Set("X-Amz-Expires", strconv.Itoa(expires))
		r.URL.RawQuery = q.Encode()
	}
	u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), testCreds, r, emptySHA256, "connect", testRegion, signTime)
	if err != nil {
		t.Fatal(err)
	}
	out := httptest.NewRequest(method, u, nil)
	for k, vs := range hdr {
		if k != "Host" {
			out.Header[k] = vs
		}
	}
	return out
}

// served is what the handler behind a real listener saw.
type served struct {
	keyID string
	err   error
	body  string
}

// roundTrip sends a request over a real connection, so the verifier sees what
// net/http makes of the wire form: Host and Content-Length moved out of the
// header map, RequestURI as sent.
func roundTrip(t *testing.T, v *Verifier, build func(base string) *http.Request) served {
	t.Helper()
	var got served
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.keyID, got.err = v.Verify(r)
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading body after Verify: %v", err)
		}
		got.body = string(b)
	}))
	defer srv.Close()
	resp, err := http.DefaultClient.Do(build(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return got
}

func TestVerifyAcceptsSDKSignedRequests(t *testing.T) {
	session := aws.Credentials{AccessKeyID: "ASIATESTSESSIONKEY01", SecretAccessKey: "sessionsecret", SessionToken: "FQoGZXIvYXdzEBYaDEXAMPLETOKEN"}
	tests := []struct {
		name    string
		method  string
		path    string // escaped, as the SDK puts it on the wire
		body    string
		headers map[string]string
		creds   aws.Credentials
		keyID   string
	}{
		{name: "GET with query", method: "GET", path: "/users-summary/inst-1?maxResults=10&nextToken=a%2Fb%2Bc%3D%3D"},
		{name: "GET with value needing escaping", method: "GET", path: "/search?q=hello%20world&x=%E2%9C%93~_.-&empty="},
		{name: "DELETE with repeated keys", method: "DELETE", path: "/tags/" + escapedARN + "?tagKeys=zeta&tagKeys=alpha&tagKeys=a%20b&tagKeys=a%2Fb"},
		{name: "POST JSON to escaped ARN", method: "POST", path: "/tags/" + escapedARN, body: `{"tags":{"team":"blue green"}}`,
			headers: map[string]string{"Content-Type": "application/json"}},
		{name: "PUT JSON", method: "PUT", path: "/users/inst-1", body: `{"Username":"jane","RoutingProfileId":"rp","SecurityProfileIds":["sp"]}`,
			headers: map[string]string{"Content-Type": "application/json"}},
		{name: "POST JSON", method: "POST", path: "/users/inst-1/user-1/identity-info", body: `{"IdentityInfo":{"FirstName":"Jane"}}`,
			headers: map[string]string{"Content-Type": "application/json"}},
		{name: "DELETE", method: "DELETE", path: "/users/inst-1/user-1"},
		{name: "signed header with inner spaces", method: "GET", path: "/users/inst-1/user-1",
			headers: map[string]string{"X-Amz-Meta-Note": "a   b  c", "X-Amz-Target": "  padded  "}},
		{name: "session credentials", method: "GET", path: "/users/inst-1/user-1", creds: session, keyID: session.AccessKeyID},
		{name: "hex X-Amz-Content-Sha256", method: "POST", path: "/users/inst-1", body: `{"a":1}`,
			headers: map[string]string{"X-Amz-Content-Sha256": sha256Hex([]byte(`{"a":1}`))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			creds, want := testCreds, testKeyID
			if tc.keyID != "" {
				creds, want = tc.creds, tc.keyID
			}
			got := roundTrip(t, newVerifier(signTime.Add(time.Minute)), func(base string) *http.Request {
				var body io.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				}
				r, err := http.NewRequest(tc.method, base+tc.path, body)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range tc.headers {
					r.Header.Set(k, v)
				}
				if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, sha256Hex([]byte(tc.body)), "connect", testRegion, signTime); err != nil {
					t.Fatal(err)
				}
				return r
			})
			if got.err != nil || got.keyID != want {
				t.Fatalf("Verify = %q, %v; want %q, nil", got.keyID, got.err, want)
			}
			if got.body != tc.body {
				t.Fatalf("body after Verify = %q, want %q", got.body, tc.body)
			}
		})
	}
}

func TestVerifyAcceptsPresignedURLs(t *testing.T) {
	tests := []struct {
		name, method, path string
		expires            int
	}{
		{"GET with query", "GET", "/users-summary/inst-1?maxResults=10&nextToken=a%2Fb", 300},
		{"DELETE escaped ARN repeated keys", "DELETE", "/tags/" + escapedARN + "?tagKeys=b&tagKeys=a", 60},
		{"no X-Amz-Expires", "GET", "/users/inst-1/user-1", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := roundTrip(t, newVerifier(signTime.Add(30*time.Second)), func(base string) *http.Request {
				r, err := http.NewRequest(tc.method, base+tc.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				if tc.expires >= 0 {
					r.URL.RawQuery += "&X-Amz-Expires=" + strconv.Itoa(tc.expires)
				}
				u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), testCreds, r, emptySHA256, "connect", testRegion, signTime)
				if err != nil {
					t.Fatal(err)
				}
				out, err := http.NewRequest(tc.method, u, nil)
				if err != nil {
					t.Fatal(err)
				}
				for k, vs := range hdr {
					if k != "Host" {
						out.Header[k] = vs
					}
				}
				return out
			})
			if got.err != nil || got.keyID != testKeyID {
				t.Fatalf("Verify = %q, %v; want %q, nil", got.keyID, got.err, testKeyID)
			}
		})
	}
}

// TestVerifyInProcess covers requests that never crossed a socket, as a
// handler test or an in-process client would hand them over.
func TestVerifyInProcess(t *testing.T) {
	body := `{"Username":"jane"}`
	r := signed(t, "PUT", "/users/inst-1", body, map[string]string{"Content-Type": "application/json"}, testCreds, testRegion, "connect")
	id, err := newVerifier(signTime).Verify(r)
	if err != nil || id != testKeyID {
		t.Fatalf("Verify = %q, %v", id, err)
	}
	b, _ := io.ReadAll(r.Body)
	if string(b) != body {
		t.Fatalf("body after Verify = %q, want %q", b, body)
	}
	// A second pass must see the same bytes, as a retrying middleware would.
	if id, err := newVerifier(signTime).Verify(signed(t, "PUT", "/users/inst-1", body, map[string]string{"Content-Type": "application/json"}, testCreds, testRegion, "connect")); err != nil || id != testKeyID {
		t.Fatalf("second Verify = %q, %v", id, err)
	}
}

// TestVerifyAcceptsEquivalentForms covers wire forms that differ from what the
// signer saw but that SigV4 canonicalises to the same request.
func TestVerifyAcceptsEquivalentForms(t *testing.T) {
	tests := []struct {
		name   string
		target string
		mutate func(r *http.Request)
	}{
		{"query pairs reordered", "/tags/" + escapedARN + "?tagKeys=alpha&tagKeys=beta&tagKeys=a%20b&x=1",
			func(r *http.Request) { r.URL.RawQuery = "x=1&tagKeys=beta&tagKeys=a%20b&tagKeys=alpha" }},
		{"path with dot and empty segments, as botocore normalises before signing", "/users/inst-1/user-1",
			func(r *http.Request) { r.URL.Path, r.URL.RawPath = "/users//inst-1/./user-1", "" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := signed(t, "DELETE", tc.target, "", nil, testCreds, testRegion, "connect")
			tc.mutate(r)
			if id, err := newVerifier(signTime).Verify(r); err != nil || id != testKeyID {
				t.Fatalf("Verify = %q, %v", id, err)
			}
		})
	}
}

func TestVerifyClockEdges(t *testing.T) {
	for _, d := range []time.Duration{-5 * time.Minute, 5 * time.Minute} {
		r := signed(t, "GET", "/users/inst-1/user-1", "", nil, testCreds, testRegion, "connect")
		if _, err := newVerifier(signTime.Add(d)).Verify(r); err != nil {
			t.Errorf("at now%+v: %v, want accepted at the edge of the window", d, err)
		}
	}
	r := signed(t, "GET", "/users/inst-1/user-1", "", nil, testCreds, testRegion, "connect")
	v := newVerifier(signTime.Add(9 * time.Minute))
	v.MaxSkew = 10 * time.Minute
	if _, err := v.Verify(r); err != nil {
		t.Errorf("MaxSkew 10m at +9m: %v", err)
	}
}

func TestVerifyUnsignedPayload(t *testing.T) {
	// S3 alone accepts a signature that leaves the body out; with it, any body could follow.
	for _, body := range []string{`{"any":"body"}`, ""} {
		r := httptest.NewRequest("POST", "https://"+testHost+"/users/inst-1", strings.NewReader(body))
		r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, r, "UNSIGNED-PAYLOAD", "connect", testRegion, signTime); err != nil {
			t.Fatal(err)
		}
		_, err := newVerifier(signTime).Verify(r)
		var e *Error
		if !errors.As(err, &e) || e.Code != "InvalidSignatureException" || e.Status != http.StatusForbidden {
			t.Fatalf("body %q signed UNSIGNED-PAYLOAD: %v, want InvalidSignatureException", body, err)
		}
	}
}

func TestVerifyDateHeader(t *testing.T) {
	// botocore signs with Date instead of X-Amz-Date when the request has one;
	// the string to sign still carries the ISO form. No SDK here produces that
	// shape, so sign by hand.
	r := httptest.NewRequest("GET", "https://"+testHost+"/users/inst-1/user-1", nil)
	r.Header.Set("Date", signTime.Format(http.TimeFormat))
	r.Header.Set("Authorization", handSign(t, r, "date;host", emptySHA256, signTime))
	if id, err := newVerifier(signTime).Verify(r); err != nil || id != testKeyID {
		t.Fatalf("Verify = %q, %v", id, err)
	}
	r.Header.Set("Date", signTime.Add(time.Second).Format(http.TimeFormat))
	if _, err := newVerifier(signTime).Verify(r); err == nil {
		t.Fatal("a changed Date header was accepted")
	}
}

// handSign signs r with an independent implementation of the algorithm, for
// shapes no SDK produces.
func handSign(t *testing.T, r *http.Request, signedHeaders, payloadHash string, at time.Time) string {
	t.Helper()
	var canon strings.Builder
	canon.WriteString(r.Method + "\n" + strings.ReplaceAll(url.PathEscape(r.URL.EscapedPath()), "%2F", "/") + "\n" + r.URL.RawQuery + "\n")
	for _, h := range strings.Split(signedHeaders, ";") {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canon.WriteString(h + ":" + v + "\n")
	}
	canon.WriteString("\n" + signedHeaders + "\n" + payloadHash)
	day := at.Format("20060102")
	scope := day + "/" + testRegion + "/connect/aws4_request"
	sts := "AWS4-HMAC-SHA256\n" + at.Format(amzDateFormat) + "\n" + scope + "\n" + sha256Hex([]byte(canon.String()))
	k := hmacSum([]byte("AWS4"+testSecret), day)
	k = hmacSum(k[:], testRegion)
	k = hmacSum(k[:], "connect")
	k = hmacSum(k[:], "aws4_request")
	sig := hmacSum(k[:], sts)
	return "AWS4-HMAC-SHA256 Credential=" + testKeyID + "/" + scope + ", SignedHeaders=" + signedHeaders + ", Signature=" + hex.EncodeToString(sig[:])
}

func TestVerifyRefusals(t *testing.T) {
	get := func(t *testing.T) *http.Request {
		return signed(t, "GET", "/users/inst-1/user-1", "", nil, testCreds, testRegion, "connect")
	}
	withAuth := func(f func(string) string) func(*testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			r := get(t)
			r.Header.Set("Authorization", f(r.Header.Get("Authorization")))
			return r
		}
	}
	const incompleteStatus, forbidden = 400, 403
	tests := []struct {
		name    string
		req     func(t *testing.T) *http.Request
		now     time.Time
		code    string
		status  int
		message string // exact when it has no "…" suffix marker, else prefix
	}{
		{
			name: "no authentication",
			req: func(t *testing.T) *http.Request {
				return httptest.NewRequest("GET", "https://"+testHost+"/users/inst-1/user-1", nil)
			},
			code:    "MissingAuthenticationTokenException",
			status:  forbidden,
			message: "Missing Authentication Token",
		},
		{
			name: "header and query both",
			req: func(t *testing.T) *http.Request {
				r := get(t)
				r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
				return r
			},
			code: "InvalidSignatureException", status: forbidden,
			message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
		},
		{
			name: "missing SignedHeaders and Signature",
			req: withAuth(func(string) string {
				return "AWS4-HMAC-SHA256 Credential=" + testKeyID + "/20260101/us-east-1/connect/aws4_request"
			}),
			code: "IncompleteSignatureException", status: incompleteStatus,
			message: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. (Hashed with SHA-256 and encoded with Base64) Authorization=…",
		},
		{
			name: "missing Credential",
			req:  withAuth(func(a string) string { return strings.Replace(a, "Credential=", "Cred=", 1) }),
			code: "IncompleteSignatureException", status: incompleteStatus,
			message: "Authorization header requires 'Credential' parameter. (Hashed with SHA-256 and encoded with Base64) Authorization=…",
		},
		{
			name: "missing X-Amz-Date",
			req: func(t *testing.T) *http.Request {
				r := get(t)
				r.Header.Del("X-Amz-Date")
				return r
			},
			code: "IncompleteSignatureException", status: incompleteStatus,
			message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. (Hashed with SHA-256 and encoded with Base64) Authorization=…",
		},
		{
			name: "not SigV4",
			req:  withAuth(func(string) string { return "Bearer eyJhbGciOiJIUzI1NiJ9" }),
			code: "IncompleteSignatureException", status: incompleteStatus,
			message: "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '…",
		},
		{
			name: "space after Credential=",
			req:  withAuth(func(a string) string { return strings.Replace(a, "Credential=", "Credential= ", 1) }),
			code: "IncompleteSignatureException", status: incompleteStatus,
			message: "Invalid key=value pair (missing equal-sign) in Authorization header…",
		},
		{
			name: "malformed X-Amz-Date",
			req: func(t *testing.T) *http.Request {
				r := get(t)
				r.Header.Set("X-Amz-Date", "2026-01-01T00:00:00Z")
				return r
			},
			code: "IncompleteSignatureException", status: incompleteStatus,
			message: "Date must be in ISO-8601 'basic format'. Got '2026-01-01T00:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
		},
		{
			name: "unsupported algorithm",
			req:  withAuth(func(a string) string { return strings.Replace(a, "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1) }),
			code: "IncompleteSignatureException", status: incompleteStatus,
			message: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ",
		},
		{
			name: "credential with four elements",
			req:  withAuth(func(a string) string { return strings.Replace(a, "/aws4_request", "", 1) }),
			code: "IncompleteSignatureException", status: incompleteStatus,
			message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + testKeyID + "/20260101/us-east-1/connect'",
		},
		{
			name: "host not signed",
			req:  withAuth(func(a string) string { return strings.Replace(a, "SignedHeaders=host;", "SignedHeaders=", 1) }),
			code: "InvalidSignatureException", status: forbidden,
			message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
		},
		{
			name: "unknown access key",
			req: func(t *testing.T) *http.Request {
				return signed(t, "GET", "/users/inst-1/user-1", "", nil, aws.Credentials{AccessKeyID: "AKIAUNKNOWNKEY000000", SecretAccessKey: testSecret}, testRegion, "connect")
			},
			code: "UnrecognizedClientException", status: forbidden,
			message: "The security token included in the request is invalid.",
		},
		{
			name: "wrong secret",
			req: func(t *testing.T) *http.Request {
				return signed(t, "GET", "/users/inst-1/user-1", "", nil, aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: "not-the-secret"}, testRegion, "connect")
			},
			code: "InvalidSignatureException", status: forbidden, message: msgMismatch,
		},
		{
			name: "scoped to another region",
			req: func(t *testing.T) *http.Request {
				return signed(t, "GET", "/users/inst-1/user-1", "", nil, testCreds, "eu-west-2", "connect")
			},
			code: "InvalidSignatureException", status: forbidden,
			message: "Credential should be scoped to a valid region. ",
		},
		{
			name: "scoped to another service",
			req: func(t *testing.T) *http.Request {
				return signed(t, "GET", "/users/inst-1/user-1", "", nil, testCreds, testRegion, "execute-api")
			},
			code: "InvalidSignatureException", status: forbidden,
			message: "Credential should be scoped to correct service: 'connect'. ",
		},
		{
			name: "scoped to another region and service",
			req: func(t *testing.T) *http.Request {
				return signed(t, "GET", "/users/inst-1/user-1", "", nil, testCreds, "eu-west-2", "s3")
			},
			code: "InvalidSignatureException", status: forbidden,
			message: "Credential should be scoped to a valid region. Credential should be scoped to correct service: 'connect'. ",
		},
		{
			name: "wrong terminator",
			req:  withAuth(func(a string) string { return strings.Replace(a, "/aws4_request", "/aws4_reqest", 1) }),
			code: "InvalidSignatureException", status: forbidden,
			message: "Credential should be scoped with a valid terminator: 'aws4_request'. ",
		},
		{
			name: "scope date not the request date",
			req:  withAuth(func(a string) string { return strings.Replace(a, "/20260101/", "/20251231/", 1) }),
			code: "InvalidSignatureException", status: forbidden,
			message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20251231' != '20260101', from '20260101T000000Z'.",
		},
		{
			name: "signed too long ago", req: get, now: signTime.Add(5*time.Minute + time.Second),
			code: "InvalidSignatureException", status: forbidden,
			message: "Signature expired: 20260101T000000Z is now earlier than 20260101T000001Z (20260101T000501Z - 5 min.)",
		},
		{
			name: "signed in the future", req: get, now: signTime.Add(-6 * time.Minute),
			code: "InvalidSignatureException", status: forbidden,
			message: "Signature not yet current: 20260101T000000Z is still later than 20251231T235900Z (20251231T235400Z + 5 min.)",
		},
		{
			name: "body tampered after signing",
			req: func(t *testing.T) *http.Request {
				r := signed(t, "POST", "/tags/"+escapedARN, `{"tags":{"a":"1"}}`, map[string]string{"Content-Type": "application/json"}, testCreds, testRegion, "connect")
				r.Body = io.NopCloser(strings.NewReader(`{"tags":{"a":"2"}}`))
				return r
			},
			code: "InvalidSignatureException", status: forbidden, message: msgMismatch,
		},
		{
			name: "body tampered under the signed body's X-Amz-Content-Sha256",
			req: func(t *testing.T) *http.Request {
				body := `{"tags":{"a":"1"}}`
				r := signed(t, "POST", "/tags/"+escapedARN, body, map[string]string{"X-Amz-Content-Sha256": sha256Hex([]byte(body))}, testCreds, testRegion, "connect")
				r.Body = io.NopCloser(strings.NewReader(`{"tags":{"a":"2"}}`))
				return r
			},
			code: "InvalidSignatureException", status: forbidden, message: msgMismatch,
		},
		{
			name: "signed header changed",
			req: func(t *testing.T) *http.Request {
				r := signed(t, "PUT", "/users/inst-1", `{}`, map[string]string{"Content-Type": "application/json"}, testCreds, testRegion, "connect")
				r.Header.Set("Content-Type", "text/plain")
				return r
			},
			code: "InvalidSignatureException", status: forbidden, message: msgMismatch,
		},
		{
			name: "query changed",
			req: func(t *testing.T) *http.Request {
				r := signed(t, "DELETE", "/tags/"+escapedARN+"?tagKeys=a&tagKeys=b", "", nil, testCreds, testRegion, "connect")
				r.URL.RawQuery = "tagKeys=a&tagKeys=c"
				return r
			},
			code: "InvalidSignatureException", status: forbidden, message: msgMismatch,
		},
		{
			name: "path changed",
			req: func(t *testing.T) *http.Request {
				r := signed(t, "DELETE", "/users/inst-1/user-1", "", nil, testCreds, testRegion, "connect")
				r.URL.Path, r.URL.RawPath = "/users/inst-1/user-2", ""
				return r
			},
			code: "InvalidSignatureException", status: forbidden, message: msgMismatch,
		},
		{
			name: "ARN slash unescaped",
			req: func(t *testing.T) *http.Request {
				r := signed(t, "POST", "/tags/"+escapedARN, `{}`, nil, testCreds, testRegion, "connect")
				r.URL.RawPath = strings.Replace(r.URL.RawPath, "%2F", "/", 1)
				return r
			},
			code: "InvalidSignatureException", status: forbidden, message: msgMismatch,
		},
		{
			name: "method changed",
			req: func(t *testing.T) *http.Request {
				r := signed(t, "GET", "/users/inst-1/user-1", "", nil, testCreds, testRegion, "connect")
				r.Method = "DELETE"
				return r
			},
			code: "InvalidSignatureException", status: forbidden, message: msgMismatch,
		},
		{
			name: "host changed",
			req: func(t *testing.T) *http.Request {
				r := signed(t, "GET", "/users/inst-1/user-1", "", nil, testCreds, testRegion, "connect")
				r.Host = "evil.example.com"
				return r
			},
			code: "InvalidSignatureException", status: forbidden, message: msgMismatch,
		},
		{
			name: "signature not hex",
			req:  withAuth(func(a string) string { return a[:len(a)-64] + strings.Repeat("z", 64) }),
			code: "InvalidSignatureException", status: forbidden, message: msgMismatch,
		},
		{
			name: "session token added unsigned",
			req: func(t *testing.T) *http.Request {
				r := get(t)
				r.Header.Set("X-Amz-Security-Token", "injected")
				return r
			},
			code: "IncompleteSignatureException", status: incompleteStatus,
			message: "The request signature does not conform to AWS standards. Header(s) not signed: x-amz-security-token.",
		},
		{
			name: "presigned URL past X-Amz-Expires", now: signTime.Add(61 * time.Second),
			req:  func(t *testing.T) *http.Request { return presigned(t, "GET", "/users/inst-1/user-1", 60) },
			code: "InvalidSignatureException", status: forbidden,
			message: "Signature expired: 20260101T000000Z is now earlier than 20260101T000001Z (20260101T000101Z - 1 min.)",
		},
		{
			name: "presigned URL past the clock window", now: signTime.Add(6 * time.Minute),
			req:  func(t *testing.T) *http.Request { return presigned(t, "GET", "/users/inst-1/user-1", 3600) },
			code: "InvalidSignatureException", status: forbidden,
			message: "Signature expired: 20260101T000000Z is now earlier than 20260101T000100Z (20260101T000600Z - 5 min.)",
		},
		{
			name: "presigned URL without SignedHeaders",
			req: func(t *testing.T) *http.Request {
				r := presigned(t, "GET", "/users/inst-1/user-1", 60)
				q := r.URL.Query()
				q.Del("X-Amz-SignedHeaders")
				r.URL.RawQuery = q.Encode()
				return r
			},
			code: "IncompleteSignatureException", status: incompleteStatus,
			message: "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
		},
		{
			name: "presigned URL with its query changed",
			req: func(t *testing.T) *http.Request {
				r := presigned(t, "GET", "/users-summary/inst-1?maxResults=10", 60)
				r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "maxResults=10", "maxResults=11", 1)
				return r
			},
			code: "InvalidSignatureException", status: forbidden, message: msgMismatch,
		},
		{
			name: "presigned X-Amz-Expires not a number",
			req: func(t *testing.T) *http.Request {
				r := presigned(t, "GET", "/users/inst-1/user-1", 60)
				r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=60", "X-Amz-Expires=soon", 1)
				return r
			},
			code: "IncompleteSignatureException", status: incompleteStatus, message: "X-Amz-Expires should be a number",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			if now.IsZero() {
				now = signTime
			}
			_, err := newVerifier(now).Verify(tc.req(t))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Verify error = %v, want *Error %s", err, tc.code)
			}
			if e.Code != tc.code || e.Status != tc.status {
				t.Fatalf("refusal = %s %d (%q), want %s %d", e.Code, e.Status, e.Message, tc.code, tc.status)
			}
			if prefix, ok := strings.CutSuffix(tc.message, "…"); ok {
				if !strings.HasPrefix(e.Message, prefix) {
					t.Fatalf("message = %q, want prefix %q", e.Message, prefix)
				}
			} else if e.Message != tc.message {
				t.Fatalf("message = %q, want %q", e.Message, tc.message)
			}
		})
	}
}

func TestVerifyReturnsSecretFailureAsIs(t *testing.T) {
	boom := errors.New("key store down")
	v := newVerifier(signTime)
	v.Secret = func(context.Context, string) (string, bool, error) { return "", false, boom }
	_, err := v.Verify(signed(t, "GET", "/users/inst-1/user-1", "", nil, testCreds, testRegion, "connect"))
	if err != boom {
		t.Fatalf("Verify error = %v, want %v unwrapped", err, boom)
	}
}

func TestVerifyNoticesSecretRotation(t *testing.T) {
	secret := testSecret
	v := newVerifier(signTime)
	v.Secret = func(context.Context, string) (string, bool, error) { return secret, true, nil }
	if _, err := v.Verify(signed(t, "GET", "/users/inst-1/user-1", "", nil, testCreds, testRegion, "connect")); err != nil {
		t.Fatal(err)
	}
	secret = "rotated"
	if _, err := v.Verify(signed(t, "GET", "/users/inst-1/user-1", "", nil, testCreds, testRegion, "connect")); err == nil {
		t.Fatal("a request signed with the old secret was accepted after rotation")
	}
}

func TestHMACMatchesStdlib(t *testing.T) {
	for _, kl := range []int{0, 20, 32, 64, 65, 200} {
		for _, ml := range []int{0, 1, 63, 64, 511, 512, 513, 4000} {
			key := bytes.Repeat([]byte{byte(kl + 1)}, kl)
			msg := bytes.Repeat([]byte{byte(ml + 7)}, ml)
			mac := hmac.New(sha256.New, key)
			mac.Write(msg)
			got := hmacSHA256(key, msg)
			if !bytes.Equal(got[:], mac.Sum(nil)) {
				t.Errorf("hmacSHA256 with key %d bytes, message %d bytes differs from crypto/hmac", kl, ml)
			}
		}
	}
}

func TestDecodeSignature(t *testing.T) {
	want := bytes.Repeat([]byte{0xab}, 32)
	for _, s := range []string{strings.Repeat("ab", 32), strings.Repeat("AB", 32), strings.Repeat("aB", 32)} {
		got, ok := decodeSignature(s)
		if !ok || !bytes.Equal(got[:], want) {
			t.Errorf("decodeSignature(%q) = %x, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", strings.Repeat("ab", 31), strings.Repeat("ab", 33), strings.Repeat("ag", 32)} {
		if _, ok := decodeSignature(s); ok {
			t.Errorf("decodeSignature(%q) accepted", s)
		}
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Code: "InvalidSignatureException", Status: 403, Message: "m"}
	if got := e.Error(); got != "InvalidSignatureException: m" {
		t.Fatalf("Error() = %q", got)
	}
}

// TestVerifyConnectClient drives the generated Connect client itself, so the
// serializer's own path and query escaping is what gets verified.
func TestVerifyConnectClient(t *testing.T) {
	v := &Verifier{Service: "connect", Region: testRegion, Secret: secrets}
	var mu sync.Mutex
	var verified []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := v.Verify(r); err != nil {
			var e *Error
			if errors.As(err, &e) {
				w.Header().Set("X-Amzn-ErrorType", e.Code)
				w.WriteHeader(e.Status)
				fmt.Fprintf(w, `{"message":%q}`, e.Message)
				return
			}
			http.Error(w, err.Error(), 500)
			return
		}
		mu.Lock()
		verified = append(verified, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	}))
	defer srv.Close()

	client := connect.New(connect.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return testCreds, nil
		}),
		RetryMaxAttempts: 1,
	})
	ctx := context.Background()
	calls := []struct {
		name string
		call func() error
	}{
		{"TagResource", func() error {
			_, err := client.TagResource(ctx, &connect.TagResourceInput{ResourceArn: aws.String(testARN), Tags: map[string]string{"team": "blue green"}})
			return err
		}},
		{"UntagResource", func() error {
			_, err := client.UntagResource(ctx, &connect.UntagResourceInput{ResourceArn: aws.String(testARN), TagKeys: []string{"zeta", "alpha", "a b", "a/b", "ü"}})
			return err
		}},
		{"ListUsers", func() error {
			_, err := client.ListUsers(ctx, &connect.ListUsersInput{InstanceId: aws.String("inst-1"), MaxResults: aws.Int32(10), NextToken: aws.String("a/b+c==")})
			return err
		}},
		{"CreateUser", func() error {
			_, err := client.CreateUser(ctx, &connect.CreateUserInput{
				InstanceId: aws.String("inst-1"), Username: aws.String("jane"), RoutingProfileId: aws.String("rp"),
				SecurityProfileIds: []string{"sp"}, PhoneConfig: &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone},
			})
			return err
		}},
		{"DescribeUser", func() error {
			_, err := client.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: aws.String("inst-1"), UserId: aws.String("user 1")})
			return err
		}},
		{"DeleteUser", func() error {
			_, err := client.DeleteUser(ctx, &connect.DeleteUserInput{InstanceId: aws.String("inst-1"), UserId: aws.String("user-1")})
			return err
		}},
	}
	for _, c := range calls {
		if err := c.call(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if len(verified) != len(calls) {
		t.Fatalf("verified %d requests, want %d: %v", len(verified), len(calls), verified)
	}
}

// botocoreScript signs with botocore as the AWS CLI does: the Connect client
// for the calls, SigV4QueryAuth for a presigned URL.
const botocoreScript = `
import datetime, sys, urllib.request
import botocore.auth, botocore.session
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

endpoint = sys.argv[1]
arn = "arn:aws:connect:us-east-1:123456789012:instance/2f9c1b7e-aaaa-bbbb-cccc-0123456789ab"
s = botocore.session.get_session()
c = s.create_client("connect", region_name="us-east-1", endpoint_url=endpoint,
    aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
    aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
c.tag_resource(resourceArn=arn, tags={"team": "blue green"})
c.untag_resource(resourceArn=arn, tagKeys=["zeta", "alpha", "a b", "a/b", "\u00fc"])
c.list_users(InstanceId="inst-1", MaxResults=10, NextToken="a/b+c==")
c.create_user(InstanceId="inst-1", Username="jane", RoutingProfileId="rp",
    SecurityProfileIds=["sp"], PhoneConfig={"PhoneType": "SOFT_PHONE"})
c.describe_user(InstanceId="inst-1", UserId="user 1")
c.delete_user(InstanceId="inst-1", UserId="user-1")

req = AWSRequest(method="GET", url=endpoint + "/users-summary/inst-1?maxResults=5&nextToken=x%2Fy")
botocore.auth.SigV4QueryAuth(Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    "connect", "us-east-1", expires=300).add_auth(req)
urllib.request.urlopen(urllib.request.Request(req.url, method="GET")).read()
print("ok")
`

func TestVerifyBotocore(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(python, "-c", "import botocore").Run()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with botocore is needed in CI: %v", err)
		}
		t.Skipf("python3 with botocore not available: %v", err)
	}

	v := &Verifier{Service: "connect", Region: testRegion, Secret: secrets}
	var mu sync.Mutex
	var verified []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := v.Verify(r); err != nil {
			t.Errorf("%s %s: %v", r.Method, r.RequestURI, err)
			w.Header().Set("X-Amzn-ErrorType", "InvalidSignatureException")
			w.WriteHeader(403)
			io.WriteString(w, `{"message":"refused"}`)
			return
		}
		mu.Lock()
		verified = append(verified, r.Method+" "+r.RequestURI)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	}))
	defer srv.Close()

	out, err := exec.Command(python, "-c", botocoreScript, srv.URL).CombinedOutput()
	if err != nil {
		t.Fatalf("botocore client: %v\n%s", err, out)
	}
	if len(verified) != 7 {
		t.Fatalf("verified %d requests, want 7: %v", len(verified), verified)
	}
	// Guard against the script silently sending something other than what
	// the test is about.
	if !strings.Contains(strings.Join(verified, "\n"), "/tags/arn%3Aaws%3Aconnect%3Aus-east-1%3A123456789012%3Ainstance%2F") {
		t.Fatalf("botocore did not send the ARN escaped: %v", verified)
	}
}

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"/":           "/",
		"":            "/",
		"/a//b/":      "/a/b/",
		"/a/./b/../c": "/a/c",
		"/..":         "/",
		"/a%2Fb":      "/a%2Fb",
	} {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	body := []byte(`{"Username":"jane","RoutingProfileId":"rp-1","SecurityProfileIds":["sp-1"],"PhoneConfig":{"PhoneType":"SOFT_PHONE"}}`)
	r := signed(b, "POST", "/tags/"+escapedARN+"?tagKeys=b&tagKeys=a", string(body), map[string]string{
		"Content-Type":          "application/json",
		"User-Agent":            "aws-sdk-go-v2/1.0",
		"Amz-Sdk-Invocation-Id": "6f3c2a7e-1d1b-4b5e-9c1e-0b1c2d3e4f50",
		"Amz-Sdk-Request":       "attempt=1; max=3",
	}, testCreds, testRegion, "connect")
	v := newVerifier(signTime)
	b.ReportAllocs()
	for b.Loop() {
		r.Body = io.NopCloser(bytes.NewReader(body))
		if _, err := v.Verify(r); err != nil {
			b.Fatal(err)
		}
	}
}
