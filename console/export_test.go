package console

import (
	"net/http"
	"time"
)

// TreeTTL is how long a session keeps its group tree.
const TreeTTL = treeTTL

// AdvanceClock moves the clock the group cache ages by; the returned func puts it back.
func AdvanceClock(d time.Duration) (restore func()) {
	skew.Add(int64(d))
	return func() { skew.Add(-int64(d)) }
}

// Sessions is how many sessions the console handler holds.
func Sessions(h http.Handler) int {
	c := h.(*console)
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sessions)
}
