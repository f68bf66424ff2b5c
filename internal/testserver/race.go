package testserver

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// RaceReadsWithWrites checks that reads never go back past an acknowledged write: write(i) is
// called for i = 1…writes in turn, while readers goroutines call read in a loop, each read giving
// the number of the last write it shows. A read must show at least the last write that had
// returned before the read began. Readers pause up to jitter between reads, so that they arrive
// at any moment of a write or of another read. It fails t on the first violation or error and
// returns how many reads raced the writes.
func RaceReadsWithWrites(t testing.TB, readers, writes int, jitter time.Duration, write func(i int64) error, read func() (int64, error)) int64 {
	t.Helper()
	var acked, reads atomic.Int64
	done := make(chan struct{})
	errs := make(chan error, readers)
	var wg sync.WaitGroup
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				before := acked.Load()
				got, err := read()
				if err == nil && got < before {
					err = fmt.Errorf("a read showed write %d after write %d had returned", got, before)
				}
				if err != nil {
					errs <- err
					return
				}
				reads.Add(1)
				if jitter > 0 {
					time.Sleep(rand.N(jitter))
				}
			}
		}()
	}
	for i := int64(1); i <= int64(writes) && len(errs) == 0; i++ {
		if err := write(i); err != nil {
			close(done)
			wg.Wait()
			t.Fatalf("write %d: %v", i, err)
		}
		acked.Store(i)
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return reads.Load()
}
