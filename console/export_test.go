package console

import (
	"net/http"
)

// Sessions is how many sessions the console handler holds.
func Sessions(h http.Handler) int {
	c := h.(*console)
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sessions)
}
