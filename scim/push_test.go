package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/internal/testserver"
)

// TestPushCalls pushes users as Okta does (look up by userName, then POST; a group with members)
// to a second connectdir standing in for Amazon Connect, then pushes the same users again
// (look up, then PUT the unchanged user; PUT the unchanged group), and counts the Connect API
// requests that reach it. The re-push must make none. SCIM_PUSH_USERS sets the number of users
// (default 200, to keep go test ./... short; BENCHMARKS.md quotes a run with 1,000).
func TestPushCalls(t *testing.T) {
	n := 200
	if v := os.Getenv("SCIM_PUSH_USERS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	var calls atomic.Int64
	e := newEnvWith(t, envOptions{target: "remote", remote: testserver.Options{Wrap: func(api http.Handler, _ *connectdir.Directory) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			api.ServeHTTP(w, r)
		})
	}}})
	st := e.store

	user := func(i int) string {
		return fmt.Sprintf(`{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			"userName": "agent%04d@example.com", "externalId": "00u%04d", "active": true,
			"name": {"givenName": "Agent", "familyName": "No%04d"},
			"emails": [{"value": "agent%04d@example.com", "type": "work", "primary": true}],
			"phoneNumbers": [{"value": "+1 555 010 %04d", "type": "mobile"}],
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "Division %d", "department": "Department %d"}}`,
			i, i, i, i, i, i%3, i%20)
	}
	group := func(ids []string) string {
		var m []string
		for _, id := range ids {
			m = append(m, fmt.Sprintf(`{"value": %q}`, id))
		}
		return `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Connect Supervisors", "members": [` + strings.Join(m, ",") + `]}`
	}
	supervisors := max(n/20, 1)
	byOp := func(since int) string {
		log, err := st.SCIMLog(context.Background(), 100000)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, l := range log[:len(log)-since] {
			for _, c := range l.Calls {
				count[c]++
			}
		}
		var parts []string
		for op, k := range count {
			parts = append(parts, fmt.Sprintf("%s %d", op, k))
		}
		sort.Strings(parts)
		return strings.Join(parts, ", ")
	}

	ids := make([]string, n)
	calls.Store(0)
	for i := range n {
		e.do("GET", "/Users?filter="+filterQuery(fmt.Sprintf(`userName eq "agent%04d@example.com"`, i)), nil, 200)
		ids[i] = e.do("POST", "/Users", user(i), 201)["id"].(string)
	}
	gid := e.do("POST", "/Groups", group(ids[:supervisors]), 201)["id"].(string)
	push := calls.Load()
	requests := 2*n + 1
	t.Logf("initial push: %d users, 1 group of %d: %d SCIM requests, %d Connect calls (%.3f per user): %s",
		n, supervisors, requests, push, float64(push)/float64(n), byOp(0))

	calls.Store(0)
	for i := range n {
		e.do("GET", "/Users?filter="+filterQuery(fmt.Sprintf(`userName eq "agent%04d@example.com"`, i)), nil, 200)
		e.do("PUT", "/Users/"+ids[i], user(i), 200)
	}
	e.do("PUT", "/Groups/"+gid, group(ids[:supervisors]), 200)
	repush := calls.Load()
	t.Logf("unchanged re-push: %d SCIM requests, %d Connect calls", requests, repush)
	if repush != 0 {
		t.Fatalf("the unchanged re-push made %d Connect calls", repush)
	}
	// The fewest calls: one CreateUser per user, one UpdateUserSecurityProfiles per supervisor,
	// and a constant: 4 reads of the instance, 1 list of its groups, 1 structure update (2
	// levels), 63 groups (3 divisions, and 60 division × department pairs at most).
	if limit := int64(n + supervisors + 4 + 1 + 1 + 63); push > limit {
		t.Fatalf("initial push made %d Connect calls, more than %d", push, limit)
	}
	// Spot checks through the Connect API.
	u := e.mustUser(fmt.Sprintf("agent%04d@example.com", n-1))
	eq(t, "Mobile", u.Mobile, fmt.Sprintf("+1555010%04d", n-1))
	eq(t, "Hierarchy", fmt.Sprint(u.Hierarchy), fmt.Sprintf("[Division %d Department %d]", (n-1)%3, (n-1)%20))
	sameSet(t, "supervisor profiles", e.mustUser("agent0000@example.com").SecurityProfiles, "Agent", "CallCenterManager")
}
