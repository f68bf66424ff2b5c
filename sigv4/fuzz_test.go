package sigv4

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Verify never panics and never accepts a request it cannot check, whatever the client sends.
func FuzzVerify(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/connect/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc", "20260101T000000Z", "/users/x", "a=b&a=c", "{}")
	f.Add("AWS4-HMAC-SHA256 Credential=/, SignedHeaders=, Signature=", "", "/tags/arn%3Aaws%3A", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb", "")
	f.Add("", "", "/%zz", "X-Amz-Expires=-1&X-Amz-Date=1", "\x00")
	v := &Verifier{Service: "connect", Region: "us-east-1", Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
		Secret: func(_ context.Context, id string) (string, bool, error) { return "secret", id == "AKIDEXAMPLE", nil }}
	f.Fuzz(func(t *testing.T, authz, date, path, query, body string) {
		r := httptest.NewRequest(http.MethodPost, "http://example.com/", strings.NewReader(body))
		r.URL.RawPath, r.URL.Path, r.URL.RawQuery, r.RequestURI = path, path, query, path+"?"+query
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		if date != "" {
			r.Header.Set("X-Amz-Date", date)
		}
		id, err := v.Verify(r)
		var e *Error
		if err == nil {
			t.Fatalf("accepted a request signed by nobody (key %q)", id)
		}
		if !errors.As(err, &e) {
			t.Fatalf("refusal of another type: %v", err)
		}
	})
}
