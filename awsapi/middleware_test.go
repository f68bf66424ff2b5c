package awsapi_test

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/awsapi"
	"github.com/connectdir/connectdir/internal/testserver"
	"github.com/google/uuid"
)

// startWith starts a server whose API is made with opt (its own logger, CORS origins, throttle).
func startWith(t *testing.T, opt awsapi.Options) *testserver.Server {
	t.Helper()
	return testserver.Start(t, testserver.Options{Wrap: func(_ http.Handler, dir *connectdir.Directory) http.Handler {
		return awsapi.New(dir, opt)
	}})
}

// TestEveryResponseCarriesRequestID: success, refusal, unknown route, throttled and preflight
// answers all carry a fresh UUID in x-amzn-RequestId, the SDK reports it, and the server's log
// line for a refused request names it.
func TestEveryResponseCarriesRequestID(t *testing.T) {
	var logs syncBuffer
	s := startWith(t, awsapi.Options{ThrottleRPS: 0.001, ThrottleBurst: 3,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	c := s.Client()
	ctx := t.Context()
	seen := map[string]bool{}
	check := func(what, id string) {
		t.Helper()
		if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
			t.Fatalf("%s: request id %q is not a UUID", what, id)
		}
		if seen[id] {
			t.Fatalf("%s: request id %s repeated", what, id)
		}
		seen[id] = true
	}
	// The SDK's own reading of the header, on success and on error.
	out, err := c.ListUsers(ctx, &connect.ListUsersInput{InstanceId: aws.String(s.InstanceID)})
	if err != nil {
		t.Fatal(err)
	}
	id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	if !ok {
		t.Fatal("success: the SDK found no request id")
	}
	check("success", id)
	_, err = c.DescribeUser(ctx, &connect.DescribeUserInput{InstanceId: aws.String(s.InstanceID), UserId: aws.String(uuid.NewString())})
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.ServiceRequestID() == "" {
		t.Fatalf("refusal: no request id in %v", err)
	}
	check("refusal", re.ServiceRequestID())
	if !strings.Contains(logs.String(), "request_id="+re.ServiceRequestID()) {
		t.Fatalf("the log has no line with the refused request's id %s:\n%s", re.ServiceRequestID(), logs.String())
	}

	raw := func(what, method, path string, hdr map[string]string, wantStatus int) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, s.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != wantStatus {
			t.Fatalf("%s: status %d, want %d", what, resp.StatusCode, wantStatus)
		}
		check(what, resp.Header.Get("x-amzn-RequestId"))
	}
	raw("unsigned", "GET", "/users-summary/"+s.InstanceID, nil, http.StatusForbidden)
	raw("unknown route", "GET", "/no/such/route", nil, http.StatusNotFound)
	raw("preflight", "OPTIONS", "/users-summary/"+s.InstanceID, map[string]string{"Origin": "http://example.test", "Access-Control-Request-Method": "GET"}, http.StatusOK)
	raw("health", "GET", "/healthz", nil, http.StatusOK)

	// Burst 3 is spent by the two signed calls above and this one; the next is throttled.
	for i := 0; ; i++ {
		_, err := c.ListUsers(ctx, &connect.ListUsersInput{InstanceId: aws.String(s.InstanceID)})
		if err == nil {
			if i > 3 {
				t.Fatal("never throttled")
			}
			continue
		}
		wantErr(t, "throttled", err, throttled)
		if !errors.As(err, &re) {
			t.Fatal(err)
		}
		check("throttled", re.ServiceRequestID())
		break
	}
}

// TestCORS: preflights for every served route and method are answered without a signature;
// unknown routes are not; actual responses expose the headers the SDKs read; the console's
// routes are not the API's business; --cors-origins narrows the origins.
func TestCORS(t *testing.T) {
	s := testserver.Start(t, testserver.Options{})
	ctx := t.Context()
	preflight := func(url, origin, method, headers string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodOptions, url, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", method)
		if headers != "" {
			req.Header.Set("Access-Control-Request-Headers", headers)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	sdkHeaders := "amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,x-amz-content-sha256,x-amz-date,x-amz-security-token,x-amz-user-agent"
	inst := s.InstanceID
	for _, route := range []struct{ method, path string }{
		{"PUT", "/users/" + inst}, {"GET", "/users-summary/" + inst}, {"POST", "/users/" + inst + "/u1/identity-info"},
		{"DELETE", "/user-hierarchy-groups/" + inst + "/g1"}, {"POST", "/user-hierarchy-structure/" + inst},
		{"GET", "/tags/" + "arn%3Aaws%3Aconnect%3Aus-east-1%3A123456789012%3Ainstance%2F" + inst},
		{"POST", "/search-users"}, {"PUT", "/instance"}, {"POST", "/"}, // "/" is STS
	} {
		resp := preflight(s.URL+route.path, "http://page.example:8000", route.method, sdkHeaders)
		h := resp.Header
		if resp.StatusCode != http.StatusOK || h.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("preflight %s %s: %d, Allow-Origin %q", route.method, route.path, resp.StatusCode, h.Get("Access-Control-Allow-Origin"))
		}
		if !strings.Contains(h.Get("Access-Control-Allow-Methods"), route.method) {
			t.Errorf("preflight %s %s: Allow-Methods %q", route.method, route.path, h.Get("Access-Control-Allow-Methods"))
		}
		for _, want := range strings.Split(sdkHeaders, ",") {
			if !strings.Contains(h.Get("Access-Control-Allow-Headers"), want) {
				t.Errorf("preflight %s %s: Allow-Headers %q lacks %s", route.method, route.path, h.Get("Access-Control-Allow-Headers"), want)
			}
		}
		if h.Get("Access-Control-Max-Age") == "" {
			t.Errorf("preflight %s %s: no Max-Age", route.method, route.path)
		}
	}
	if resp := preflight(s.URL+"/users/"+inst, "http://page.example", "PATCH", ""); resp.StatusCode != http.StatusNotFound || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight for a method the route does not serve: %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	if resp := preflight(s.URL+"/no/such/route", "http://page.example", "GET", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("preflight for an unknown route: %d", resp.StatusCode)
	}

	// An actual cross-origin response, refused: the page may read its type and id.
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/users-summary/"+inst, nil)
	req.Header.Set("Origin", "http://page.example:8000")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("actual response: Allow-Origin %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
	exposed := strings.ToLower(resp.Header.Get("Access-Control-Expose-Headers"))
	for _, want := range []string{"x-amzn-requestid", "x-amzn-errortype", "date"} {
		if !strings.Contains(exposed, want) {
			t.Errorf("Expose-Headers %q lacks %s", exposed, want)
		}
	}

	// Narrowed to one origin.
	r := startWith(t, awsapi.Options{CORSOrigins: []string{"http://allowed.example:8000"}})
	if got := preflight(r.URL+"/users-summary/"+r.InstanceID, "http://allowed.example:8000", "GET", "").Header.Get("Access-Control-Allow-Origin"); got != "http://allowed.example:8000" {
		t.Errorf("allowed origin: Allow-Origin %q", got)
	}
	if got := preflight(r.URL+"/users-summary/"+r.InstanceID, "http://other.example", "GET", "").Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("other origin: Allow-Origin %q, want none", got)
	}
}
