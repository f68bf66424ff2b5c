package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/connect"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/internal/testserver"
	"github.com/connectdir/connectdir/scim"
)

// On a SAML instance Email is left out (Connect refuses it there), and with deactivate: strip an
// inactive user keeps its Connect user with only the inactive security profiles.
func TestSAMLInstanceAndStrip(t *testing.T) {
	m, err := scim.ParseMapping([]byte("deactivate: strip\ninactive_security_profiles: [QualityAnalyst]\n"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, envOptions{target: "remote", saml: true, mapping: m})
	id := e.do("POST", "/Users", newUser("saml.agent@example.com"), 201)["id"].(string)
	u := e.mustUser("saml.agent@example.com")
	eq(t, "Email on a SAML instance", u.Email, "")
	sameSet(t, "SecurityProfiles", u.SecurityProfiles, "Agent")

	e.do("PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "replace", "path": "active", "value": false}]}`, 200)
	stripped := e.mustUser("saml.agent@example.com")
	eq(t, "Connect id kept", stripped.ID, u.ID)
	sameSet(t, "SecurityProfiles when inactive", stripped.SecurityProfiles, "QualityAnalyst")
	e.do("PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "replace", "path": "active", "value": true}]}`, 200)
	sameSet(t, "SecurityProfiles when active again", e.mustUser("saml.agent@example.com").SecurityProfiles, "Agent")
}

// Against a target that throttles (as Amazon Connect does beyond about 2 requests a second),
// every SCIM request still succeeds: the client backs off and retries; and with --rps pacing it
// is not throttled at all.
func TestThrottledTarget(t *testing.T) {
	for _, c := range []struct {
		rps       float64
		throttled bool
	}{{0, true}, {1.5, false}} {
		t.Run(fmt.Sprintf("rps=%g", c.rps), func(t *testing.T) {
			var refused atomic.Int64
			e := newEnvWith(t, envOptions{target: "remote", rps: c.rps, remote: testserver.Options{ThrottleRPS: 2, ThrottleBurst: 1,
				Wrap: func(api http.Handler, _ *connectdir.Directory) http.Handler {
					return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						sw := &statusRecorder{ResponseWriter: w}
						api.ServeHTTP(sw, r)
						if sw.status == http.StatusTooManyRequests || sw.status == http.StatusBadRequest && w.Header().Get("X-Amzn-ErrorType") == "ThrottlingException" {
							refused.Add(1)
						}
					})
				}}})
			for i := range 4 {
				e.do("POST", "/Users", newUser(fmt.Sprintf("paced%d@example.com", i)), 201)
			}
			if got := refused.Load() > 0; got != c.throttled {
				t.Fatalf("throttled %d times; want throttling: %v", refused.Load(), c.throttled)
			}
			time.Sleep(time.Second) // the check below is throttled too, and does not retry
			users, err := e.connect.ListUsers(context.Background(), &connect.ListUsersInput{InstanceId: &e.instance})
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "users in Connect", len(users.UserSummaryList), 4)
			log, err := e.store.SCIMLog(context.Background(), 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range log {
				eq(t, "status of "+l.Path, l.Status, 201)
			}
		})
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
