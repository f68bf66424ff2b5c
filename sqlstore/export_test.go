package sqlstore

// TraceSQL makes every statement of every store go to f until the returned function is called.
func TraceSQL(f func(query string, args []any)) (stop func()) {
	traceSQL = f
	return func() { traceSQL = nil }
}
