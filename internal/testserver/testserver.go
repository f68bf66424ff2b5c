// Package testserver starts a real connectdir API server on loopback for tests: a real store,
// real HTTP, SigV4 on, and aws-sdk-go-v2 Connect clients configured for it.
package testserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/awsapi"
	"github.com/connectdir/connectdir/sqlstore"
)

// Server is a running test server.
type Server struct {
	URL        string // endpoint, e.g. http://127.0.0.1:PORT
	Region     string
	KeyID      string
	Secret     string
	InstanceID string // the bootstrapped default instance (CONNECT_MANAGED)
	Dir        *connectdir.Directory
	API        *awsapi.Server
	HTTP       *httptest.Server

	inFlight atomic.Int64 // handlers running now
}

// Options tune Start.
type Options struct {
	Store         connectdir.Store // nil: a fresh SQLite store in t.TempDir()
	ThrottleRPS   float64
	ThrottleBurst int
	Quotas        connectdir.Quotas
	// Wrap, when set, wraps the API handler (e.g. to mount a console beside it).
	Wrap func(api http.Handler, dir *connectdir.Directory) http.Handler
}

// Start starts a server that lives until the test ends.
func Start(t testing.TB, opt Options) *Server {
	t.Helper()
	ctx := context.Background()
	store := opt.Store
	if store == nil {
		var err error
		store, err = sqlstore.OpenSQLite(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
	}
	sealer, err := connectdir.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	dir := &connectdir.Directory{Store: store, Region: "us-east-1", AccountID: "123456789012", Sealer: sealer, Quotas: opt.Quotas}
	inst, err := dir.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key, secret, err := dir.CreateAccessKey(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	api := awsapi.New(dir, awsapi.Options{ThrottleRPS: opt.ThrottleRPS, ThrottleBurst: opt.ThrottleBurst})
	var h http.Handler = api
	if opt.Wrap != nil {
		h = opt.Wrap(api, dir)
	}
	s := &Server{Region: dir.Region, KeyID: key.ID, Secret: secret, InstanceID: inst.ID, Dir: dir, API: api}
	hs := httptest.NewServer(s.count(h))
	s.URL, s.HTTP = hs.URL, hs
	t.Cleanup(func() {
		hs.Close()
		store.Close()
	})
	return s
}

func (s *Server) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		h.ServeHTTP(w, r)
	})
}

// WaitIdle returns once no request has been running for 200 ms. A client that gives up on a
// request (a cancelled context) does not stop the server from finishing it, as with AWS; a test
// that reads right after cancelling waits here so that what it reads includes those late writes.
func (s *Server) WaitIdle(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for idleSince := time.Now(); time.Since(idleSince) < 200*time.Millisecond; time.Sleep(10 * time.Millisecond) {
		if s.inFlight.Load() != 0 {
			idleSince = time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatal("the server never became idle")
		}
	}
}

// Client returns an aws-sdk-go-v2 Connect client for the server, signing with the admin key.
// Refusals are not retried, so that tests see every one as it is; see connectionRetries for
// the one kind of failure that is.
func (s *Server) Client(optFns ...func(*connect.Options)) *connect.Client {
	return s.ClientWith(s.KeyID, s.Secret, optFns...)
}

// ClientWith returns a client signing with the given key pair.
func (s *Server) ClientWith(keyID, secret string, optFns ...func(*connect.Options)) *connect.Client {
	cfg := aws.Config{
		Region:      s.Region,
		Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, ""),
	}
	fns := append([]func(*connect.Options){func(o *connect.Options) {
		o.BaseEndpoint = aws.String(s.URL)
		o.Retryer = connectionRetries()
	}}, optFns...)
	return connect.NewFromConfig(cfg, fns...)
}

// connectionRetries retries only what the SDK's default retryer retries as a broken connection
// ("use of closed network connection", "connection reset": a race between net/http's
// transport and a connection closed as idle, aws/aws-sdk-go-v2#2737, which the SDK answers by
// retrying, PR #2949). Tests that turned every retry off failed now and then under load on
// exactly that, a failure no SDK user sees. Exceptions (throttling, 5xx, validation) are never
// retried here.
func connectionRetries() aws.Retryer {
	return retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = 3
		so.Retryables = []retry.IsErrorRetryable{retry.NoRetryCanceledError{}, retry.RetryableConnectionError{}}
		so.RateLimiter = ratelimit.None
	})
}

// Profiles returns the ids of the default routing profile and of the security profile named name.
func (s *Server) Profiles(t testing.TB, instanceID, securityProfile string) (routingProfileID, securityProfileID string) {
	t.Helper()
	return ProfileIDs(t, s.Client(), instanceID, securityProfile)
}

// ProfileIDs returns, through c, the ids of an instance's default routing profile and of its
// security profile named securityProfile.
func ProfileIDs(t testing.TB, c *connect.Client, instanceID, securityProfile string) (routingProfileID, securityProfileID string) {
	t.Helper()
	ctx := context.Background()
	rps, err := c.ListRoutingProfiles(ctx, &connect.ListRoutingProfilesInput{InstanceId: &instanceID})
	if err != nil {
		t.Fatal(err)
	}
	sps, err := c.ListSecurityProfiles(ctx, &connect.ListSecurityProfilesInput{InstanceId: &instanceID})
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range sps.SecurityProfileSummaryList {
		if aws.ToString(sp.Name) == securityProfile {
			securityProfileID = aws.ToString(sp.Id)
		}
	}
	if len(rps.RoutingProfileSummaryList) == 0 || securityProfileID == "" {
		t.Fatalf("instance %s lacks the default profiles", instanceID)
	}
	return aws.ToString(rps.RoutingProfileSummaryList[0].Id), securityProfileID
}
