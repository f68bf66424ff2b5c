package awsapi_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
)

// TestPaginationUnderConcurrentWrites pages ListUsers and SearchUsers through the SDK paginators
// while other users are created and deleted: no user comes twice and every user that existed
// throughout comes once.
func TestPaginationUnderConcurrentWrites(t *testing.T) {
	const (
		seeded  = 600
		writers = 4
	)
	e := start(t)
	ctx := t.Context()
	inst, rp, sp := e.samlInstance(t)

	// Seed user%04d; churn users are named user%04d-churn..., so they sort (and, by random id,
	// search) between the seeded ones and each insert or delete lands inside pages.
	stable := map[string]bool{}
	var (
		mu    sync.Mutex
		seed  sync.WaitGroup
		slots = make(chan struct{}, 8)
	)
	for i := range seeded {
		seed.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			out, err := e.c.CreateUser(ctx, samlUser(inst, rp, sp, fmt.Sprintf("user%04d", i), "Seed", "User"))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
				return
			}
			stable[aws.ToString(out.UserId)] = true
		})
	}
	seed.Wait()
	if len(stable) != seeded {
		t.Fatalf("seeded %d users, want %d", len(stable), seeded)
	}

	churnCtx, stop := context.WithCancel(ctx)
	var created, deleted atomic.Int64
	var churn sync.WaitGroup
	churnErr := make(chan error, writers)
	for w := range writers {
		churn.Add(1)
		go func() {
			defer churn.Done()
			var live []string
			for i := 0; churnCtx.Err() == nil; i++ {
				name := fmt.Sprintf("user%04d-churn%d-%d", (i*37+w*151)%seeded, w, i)
				out, err := e.c.CreateUser(churnCtx, samlUser(inst, rp, sp, name, "Churn", "User"))
				if churnCtx.Err() != nil {
					return
				}
				if err != nil {
					churnErr <- err
					return
				}
				created.Add(1)
				live = append(live, aws.ToString(out.UserId))
				if len(live) > 3 { // bounded: each writer keeps at most a few users alive
					id := live[0]
					live = live[1:]
					if _, err := e.c.DeleteUser(churnCtx, &connect.DeleteUserInput{InstanceId: &inst, UserId: &id}); err != nil && churnCtx.Err() == nil {
						churnErr <- err
						return
					}
					deleted.Add(1)
				}
			}
		}()
	}

	check := func(t *testing.T, ids []string) {
		t.Helper()
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("user %s returned twice", id)
			}
			seen[id] = true
		}
		missing := 0
		for id := range stable {
			if !seen[id] {
				missing++
			}
		}
		if missing > 0 {
			t.Errorf("%d of %d users that existed throughout were skipped", missing, len(stable))
		}
	}
	t.Run("ListUsers MaxResults 7", func(t *testing.T) {
		before := created.Load()
		var ids []string
		p := connect.NewListUsersPaginator(e.c, &connect.ListUsersInput{InstanceId: &inst, MaxResults: aws.Int32(7)})
		for p.HasMorePages() {
			for _, u := range must(p.NextPage(ctx)).get(t).UserSummaryList {
				ids = append(ids, aws.ToString(u.Id))
			}
		}
		check(t, ids)
		if created.Load() == before {
			t.Error("no user was created while paging: the test proved nothing")
		}
	})
	t.Run("SearchUsers MaxResults 13", func(t *testing.T) {
		before := created.Load()
		var ids []string
		p := connect.NewSearchUsersPaginator(e.c, &connect.SearchUsersInput{InstanceId: &inst, MaxResults: aws.Int32(13)})
		for p.HasMorePages() {
			for _, u := range must(p.NextPage(ctx)).get(t).Users {
				ids = append(ids, aws.ToString(u.Id))
			}
		}
		check(t, ids)
		if created.Load() == before {
			t.Error("no user was created while paging: the test proved nothing")
		}
	})
	stop()
	churn.Wait()
	close(churnErr)
	for err := range churnErr {
		t.Errorf("writer: %v", err)
	}
	t.Logf("%d users created and %d deleted while paging", created.Load(), deleted.Load())
}
