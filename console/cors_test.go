package console_test

import (
	"net/http"
	"testing"
)

// TestConsoleHasNoCORS: the API beside it answers browser pages of any origin, but the console's
// own routes keep same-origin rules: a preflight gets no Access-Control-* header.
func TestConsoleHasNoCORS(t *testing.T) {
	ts := startConsole(t)
	allowOrigin := func(path, method string) string {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodOptions, ts.URL+path, nil)
		req.Header.Set("Origin", "http://elsewhere.example")
		req.Header.Set("Access-Control-Request-Method", method)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("Access-Control-Allow-Origin")
	}
	for _, path := range []string{"/console/", "/console/login"} {
		if v := allowOrigin(path, "POST"); v != "" {
			t.Errorf("preflight to %s: Access-Control-Allow-Origin %q, want none", path, v)
		}
	}
	// The API's preflight on the same server is answered.
	if v := allowOrigin("/users-summary/"+ts.InstanceID, "GET"); v != "*" {
		t.Errorf("API preflight beside the console: Allow-Origin %q", v)
	}
}
