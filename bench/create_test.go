package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir/internal/testserver"
	"github.com/connectdir/connectdir/sqlstore"
)

// BenchmarkCreateUser measures CreateUser alone (issue 13, item 3) on a server holding only the
// bootstrapped instance: the figures of the reference run without its hour of seeding, and the
// benchmark to profile the write path with (-cpuprofile):
//
//	go test ./bench -run '^$' -bench CreateUser -benchtime 1x -v -cpuprofile cpu.out
func BenchmarkCreateUser(b *testing.B) {
	for _, sk := range stores() {
		b.Run(sk.name, func(b *testing.B) {
			srv := testserver.Start(b, testserver.Options{Store: sk.open(b)})
			createFigures(b, sk.name, srv, (&env{srv: srv}).sdkClient())
		})
	}
}

// createFor is how long each CreateUser load runs.
const createFor = 10 * time.Second

// createClients is how many goroutines send CreateUser at once.
const createClients = 32

// createFigures runs CreateUser with createClients concurrent signing clients into a new SAML
// instance (no password, so no hashing is measured) with two load generators, each first against
// a bare handler that answers what CreateUser answers, then against the server, and logs the
// four rates. The generators:
//   - sdk: the aws-sdk-go-v2 Connect client, as real clients call; its middleware stack costs
//     the client more CPU than the server spends on the call.
//   - signer: the same SDK's SigV4 signer (aws/signer/v4) on a plain net/http client: every
//     request still signed, the body hashed, the answer read, at a fraction of the client CPU,
//     so that on a small machine the figure says more about the server.
func createFigures(b *testing.B, store string, srv *testserver.Server, c *connect.Client) {
	inst := testserver.NewSAMLInstance(b, c)
	rp, sp := testserver.ProfileIDs(b, c, inst, "Agent")
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"UserId":"8f6c1c0e-2f5e-4d8e-9a8e-2a3b4c5d6e7f","UserArn":"arn:aws:connect:us-east-1:123456789012:instance/x/agent/8f6c1c0e-2f5e-4d8e-9a8e-2a3b4c5d6e7f"}`))
	}))
	defer bare.Close()
	bareSDK := (&env{srv: &testserver.Server{URL: bare.URL, Region: srv.Region, KeyID: srv.KeyID, Secret: srv.Secret}}).sdkClient()

	sdkCall := func(c *connect.Client) func(string) error {
		return func(username string) error {
			_, err := c.CreateUser(context.Background(), &connect.CreateUserInput{InstanceId: &inst, Username: &username,
				IdentityInfo:       &types.UserIdentityInfo{FirstName: aws.String("Zoë"), LastName: aws.String("O'Brien")},
				PhoneConfig:        &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone},
				RoutingProfileId:   &rp,
				SecurityProfileIds: []string{sp},
				Tags:               map[string]string{"team": "load", "cost-centre": "CC-1"}})
			return err
		}
	}
	type figure struct{ bare, server float64 }
	var sdkFig, signerFig figure
	var sdkFailed, signerFailed int64
	sdkFig.bare, _ = createLoad(b, "sdk, bare handler", sdkCall(bareSDK), "b")
	sdkFig.server, sdkFailed = serverLoad(b, srv, "sdk", sdkCall(c), "u")
	signerFig.bare, _ = createLoad(b, "signer, bare handler", signedCreate(srv, bare.URL, inst, rp, sp), "sb")
	signerFig.server, signerFailed = serverLoad(b, srv, "signer", signedCreate(srv, srv.URL, inst, rp, sp), "su")
	b.Logf("%s: CreateUser, %d signing clients, %v each, SDK client: bare handler %.0f/s; server %.0f/s, %d non-2xx; ratio %.2f",
		store, createClients, createFor, sdkFig.bare, sdkFig.server, sdkFailed, sdkFig.server/sdkFig.bare)
	b.Logf("%s: CreateUser, %d signing clients, %v each, SigV4 signer on net/http: bare handler %.0f/s; server %.0f/s, %d non-2xx; ratio %.2f",
		store, createClients, createFor, signerFig.bare, signerFig.server, signerFailed, signerFig.server/signerFig.bare)
}

// serverLoad is createLoad against the server, logging the mean batch of group commit (SQLite).
func serverLoad(b *testing.B, srv *testserver.Server, generator string, create func(string) error, prefix string) (perSecond float64, failed int64) {
	store, _ := srv.Dir.Store.(*sqlstore.Store)
	var tx0, calls0 int64
	if store != nil {
		tx0, calls0 = store.GroupCommitStats()
	}
	perSecond, failed = createLoad(b, generator+", server", create, prefix)
	if store != nil {
		if tx, calls := store.GroupCommitStats(); tx > tx0 {
			b.Logf("%s, server: %d write transactions, %.1f calls each", generator, tx-tx0, float64(calls-calls0)/float64(tx-tx0))
		}
	}
	return perSecond, failed
}

// signedCreate returns a CreateUser call that builds the request itself and signs it with
// aws-sdk-go-v2's SigV4 signer, as the SDK would sign it, sent to url with a plain http.Client.
func signedCreate(srv *testserver.Server, url, inst, rp, sp string) func(string) error {
	client := &http.Client{Transport: transport()}
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: srv.KeyID, SecretAccessKey: srv.Secret}
	return func(username string) error {
		body, err := json.Marshal(map[string]any{
			"Username":           username,
			"IdentityInfo":       map[string]string{"FirstName": "Zoë", "LastName": "O'Brien"},
			"PhoneConfig":        map[string]string{"PhoneType": "SOFT_PHONE"},
			"RoutingProfileId":   rp,
			"SecurityProfileIds": []string{sp},
			"Tags":               map[string]string{"team": "load", "cost-centre": "CC-1"},
		})
		if err != nil {
			return err
		}
		req, err := http.NewRequest(http.MethodPut, url+"/users/"+inst, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		sum := sha256.Sum256(body)
		if err := signer.SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "connect", srv.Region, time.Now()); err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("CreateUser %s: %s %s", username, resp.Status, answer)
		}
		return nil
	}
}

// createLoad runs createClients goroutines calling create with fresh usernames for createFor and
// returns the rate of successes and the number of failures.
func createLoad(b *testing.B, what string, create func(username string) error, prefix string) (perSecond float64, failed int64) {
	var ok, bad, seq atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(createFor)
	var wg sync.WaitGroup
	start := time.Now()
	for range createClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := create(fmt.Sprintf("%s%07d", prefix, seq.Add(1))); err != nil {
					bad.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		b.Logf("%s: first CreateUser failure: %v", what, e)
	}
	return float64(ok.Load()) / time.Since(start).Seconds(), bad.Load()
}
