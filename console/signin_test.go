package console_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connectdir/connectdir/console"
)

// listener accepts connections on a loopback port and counts them, answering nothing useful.
func listener(t *testing.T) (addr string, accepted *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = &atomic.Int32{}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conn.Write([]byte("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 27\r\n\r\n{\"Message\":\"secret banner\"}"))
			conn.Close()
		}
	}()
	return ln.Addr().String(), accepted
}

// The anonymous sign-in form reaches no endpoint it was not configured for: not a loopback or
// private address given as the endpoint, not one smuggled in through the region; and what a
// configured endpoint answers is never shown verbatim.
func TestSignInReachesOnlyKnownEndpoints(t *testing.T) {
	addr, accepted := listener(t)
	allowedAddr, allowedAccepted := listener(t)
	ts, _ := startConsoleWith(t, console.Config{Endpoints: []string{"http://" + allowedAddr}})
	b := newBrowser(t, ts)
	b.get("/console/login")
	_, port, _ := net.SplitHostPort(addr)
	for _, c := range []struct{ target, region, endpoint string }{
		{"aws", "us-east-1", "http://" + addr},
		{"connectdir", "us-east-1", "http://" + addr},
		{"aws", "us-east-1", "http://localhost:" + port},
		{"aws", "us-east-1", "http://[::1]:" + port},
		{"aws", "us-east-1", "http://10.0.0.1:" + port},
		{"aws", "us-east-1", "http://169.254.169.254"},
		{"aws", "us-east-1", "https://connect.us-east-1.amazonaws.com.evil.example"},
		{"aws", "127.0.0.1:" + port + "/#", ""},
		{"aws", "x@127.0.0.1:" + port, ""},
		{"aws", "us-east-1.127.0.0.1.nip.io:" + port, ""},
		{"aws", "us-west-2", "https://connect.us-east-1.amazonaws.com"}, // another region's endpoint
	} {
		status, body := b.post("/console/login", url.Values{"access_key_id": {ts.KeyID}, "secret_access_key": {ts.Secret},
			"region": {c.region}, "instance_id": {ts.InstanceID}, "target": {c.target}, "endpoint": {c.endpoint}})
		if status != http.StatusUnauthorized {
			t.Errorf("%+v: status %d, want 401", c, status)
		}
		if strings.Contains(body, "User hierarchy") {
			t.Errorf("%+v: signed in", c)
		}
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("the sign-in form connected %d times to an address it was not configured for", n)
	}

	// An endpoint the operator listed is reached, and its answer's text is not shown.
	status, body := b.post("/console/login", url.Values{"access_key_id": {ts.KeyID}, "secret_access_key": {ts.Secret},
		"region": {ts.Region}, "instance_id": {ts.InstanceID}, "target": {"connectdir"}, "endpoint": {"http://" + allowedAddr}})
	if allowedAccepted.Load() == 0 {
		t.Fatalf("the listed endpoint was not reached: %d\n%s", status, body)
	}
	if status != http.StatusUnauthorized || strings.Contains(body, "secret banner") || !strings.Contains(body, "did not answer as Amazon Connect does") {
		t.Errorf("a listed endpoint's failure: %d, the page shows the remote text or not our own:\n%s", status, body)
	}
}

// After a few failures, sign-in attempts from one address, or for one access key id, wait,
// longer after each further failure, and are refused without calling the API meanwhile; a
// burst of concurrent attempts is held to the same count.
func TestSignInThrottled(t *testing.T) {
	ts, _ := startConsoleWith(t, console.Config{})
	b := newBrowser(t, ts)
	b.get("/console/login")
	try := func(secret string) int {
		status, _ := b.post("/console/login", url.Values{"access_key_id": {ts.KeyID}, "secret_access_key": {secret},
			"region": {ts.Region}, "instance_id": {ts.InstanceID}, "target": {"connectdir"}})
		return status
	}
	for i := range 5 {
		if status := try("wrong-secret"); status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, status)
		}
	}
	time.Sleep(100 * time.Millisecond) // the API counts a call just after answering it
	before := ts.API.Calls("DescribeInstance", "")
	for i := range 10 {
		if status := try("wrong-secret"); status != http.StatusTooManyRequests {
			t.Fatalf("attempt %d after 5 failures: status %d, want 429", i+6, status)
		}
	}
	// Even the right secret waits: the form cannot tell a guess from the owner.
	if status := try(ts.Secret); status != http.StatusTooManyRequests {
		t.Fatalf("the right secret during the back-off: %d, want 429", status)
	}
	if n := ts.API.Calls("DescribeInstance", "") - before; n != 0 {
		t.Errorf("%d API calls while throttled, want none", n)
	}

	// A burst from a fresh address (another key id, so the first key's count does not apply)
	// passes no more attempts than the free failures.
	ts2, _ := startConsoleWith(t, console.Config{})
	b2 := newBrowser(t, ts2)
	b2.get("/console/login")
	var wg sync.WaitGroup
	var throttled atomic.Int32
	for range 40 {
		wg.Go(func() {
			form := url.Values{"csrf": {b2.csrf}, "access_key_id": {ts2.KeyID}, "secret_access_key": {"wrong"},
				"region": {ts2.Region}, "instance_id": {ts2.InstanceID}, "target": {"connectdir"}}
			req, _ := http.NewRequest(http.MethodPost, ts2.URL+"/console/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := b2.c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				throttled.Add(1)
			}
		})
	}
	wg.Wait()
	time.Sleep(100 * time.Millisecond)
	if n := ts2.API.Calls("DescribeInstance", ""); n > 5 || throttled.Load() < 35 {
		t.Errorf("a burst of 40: %d reached the API and %d were throttled; want at most 5 and at least 35", n, throttled.Load())
	}
}
