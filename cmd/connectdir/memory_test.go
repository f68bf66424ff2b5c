package main

import (
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"
	"github.com/connectdir/connectdir/internal/testserver"
)

// 200 concurrent CreateUser calls for one username on a CONNECT_MANAGED instance: one is
// created, 199 are refused as duplicates, and the server process stays far below 512 MiB: the
// password is hashed (argon2id, 19 MiB each) only after the duplicate check, and never more
// hashes at once than CPUs. Before, every call hashed at once: 3.8 GiB.
//
// The figure in BENCHMARKS.md comes from:
//
//	go test ./cmd/connectdir -run TestConcurrentDuplicateCreateUserMemory -count=1 -v
func TestConcurrentDuplicateCreateUserMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts a server process")
	}
	p := startProcess(t)
	rp, sp := testserver.ProfileIDs(t, p.client, p.instance, "Agent")
	before := p.peakRSS(t)
	const callers = 200
	var (
		wg                    sync.WaitGroup
		mu                    sync.Mutex
		created, dup, failure int
		firstErr              error
	)
	start := make(chan struct{})
	for range callers {
		wg.Go(func() {
			<-start
			_, err := p.client.CreateUser(t.Context(), &connect.CreateUserInput{
				InstanceId: &p.instance, Username: aws.String("same.name"), Password: aws.String("Passw0rdX"),
				IdentityInfo:     &types.UserIdentityInfo{FirstName: aws.String("Same"), LastName: aws.String("Name")},
				PhoneConfig:      &types.UserPhoneConfig{PhoneType: types.PhoneTypeSoftPhone},
				RoutingProfileId: &rp, SecurityProfileIds: []string{sp},
			})
			mu.Lock()
			defer mu.Unlock()
			var d *types.DuplicateResourceException
			switch {
			case err == nil:
				created++
			case errors.As(err, &d):
				dup++
			default:
				failure++
				firstErr = err
			}
		})
	}
	close(start)
	wg.Wait()
	peak := p.peakRSS(t)
	t.Logf("peak RSS %.1f MiB (%.1f MiB before the burst); %d created, %d duplicates", float64(peak)/(1<<20), float64(before)/(1<<20), created, dup)
	if created != 1 || dup != callers-1 || failure != 0 {
		t.Fatalf("%d created, %d duplicates, %d other failures (%v); want 1 and %d", created, dup, failure, firstErr, callers-1)
	}
	if peak > 512<<20 {
		t.Errorf("peak RSS %d MiB, want under 512 MiB", peak>>20)
	}
}
