package sqlstore

import "time"

// TraceSQL makes every statement of every store go to f until the returned function is called.
func TraceSQL(f func(query string, args []any)) (stop func()) {
	traceSQL = f
	return func() { traceSQL = nil }
}

// SlowUserReads makes every coalesced user read of PostgreSQL (userreads.go) hold its answer for
// d after the query has answered, until the returned function is called.
func SlowUserReads(d time.Duration) (stop func()) {
	slowUserReads.Store(int64(d))
	return func() { slowUserReads.Store(0) }
}

// DecodeTags is decodeTags, which reads the tags object of a user row.
var DecodeTags = decodeTags
