package awsapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Every response carries a request id, as the real service's do, so that a client's error
// (the SDKs report the id) can be matched to the server's log line for the same request.

type requestIDKey struct{}

// RequestID returns the id the server gave the request served with ctx ("" outside a request),
// for log lines written below the API handler (e.g. a recovered panic).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestIDHeader is the header the rest-json SDKs read the request id from.
const requestIDHeader = "X-Amzn-Requestid"

// statusWriter remembers the status written, for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withRequestID gives every request an id: in the context, in the x-amzn-RequestId response
// header (set before anything else runs, so refusals, unknown routes and throttled requests carry
// it too) and in the request's log line.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := uuid.NewString()
		w.Header().Set(requestIDHeader, id)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
		// Refusals are what a user comes to match against the log; successes only at debug level,
		// so that a busy server's log is not one line per call.
		level := slog.LevelDebug
		switch {
		case sw.status >= 500:
			level = slog.LevelError
		case sw.status >= 400:
			level = slog.LevelInfo
		}
		s.log.LogAttrs(r.Context(), level, "request", slog.String("request_id", id), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.String("error_type", w.Header().Get(errorTypeHeader)),
			slog.Duration("duration", time.Since(start)))
	})
}

// CORS: browser pages call the API cross-origin with the AWS SDK for JavaScript, as the web UI
// of the user hierarchy blog post does. Requests are authorized by their SigV4 signature, never
// by a cookie or other ambient credential, so allowing any origin exposes nothing a page could
// not already do with the keys it holds; Options.CORSOrigins narrows it when wanted.

// corsMethods are the methods the Connect and STS routes use.
const corsMethods = "GET, POST, PUT, DELETE"

// corsMaxAge lets a browser cache a preflight for a day (Chromium caps it at two hours).
const corsMaxAge = "86400"

// corsExposed are the response headers a page's SDK must read: without x-amzn-ErrorType the
// JavaScript SDKs report an UnknownError instead of the exception's name.
const corsExposed = "x-amzn-RequestId, x-amzn-ErrorType, x-amz-request-id, Date"

// corsAllowedHeader reports whether a request header the SDKs send may cross origins.
func corsAllowedHeader(h string) bool {
	h = strings.ToLower(strings.TrimSpace(h))
	switch h {
	case "authorization", "content-type", "content-length", "accept", "cache-control", "x-requested-with":
		return true
	}
	return strings.HasPrefix(h, "x-amz-") || strings.HasPrefix(h, "amz-sdk-") || strings.HasPrefix(h, "x-amzn-")
}

// corsAllowedHeaders are named when a preflight asks for none (Allow-Headers takes no patterns).
const corsAllowedHeaders = "authorization, content-type, x-amz-date, x-amz-user-agent, x-amz-security-token, x-amz-content-sha256, x-amz-target, amz-sdk-invocation-id, amz-sdk-request"

// allowOrigin returns the Access-Control-Allow-Origin value for origin, or "" when it is not
// allowed.
func (s *Server) allowOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	if len(s.corsOrigins) == 0 || slices.Contains(s.corsOrigins, "*") {
		return "*"
	}
	if slices.Contains(s.corsOrigins, strings.TrimRight(origin, "/")) {
		return origin
	}
	return ""
}

// withCORS answers preflights for the routes the API serves, without a signature (browsers send
// none with them), and marks actual responses readable by the page.
func (s *Server) withCORS(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allow := s.allowOrigin(origin)
		h := w.Header()
		if s.corsOrigins != nil && origin != "" {
			h.Add("Vary", "Origin") // the answer depends on the origin only when a list is set
		}
		wantMethod := r.Header.Get("Access-Control-Request-Method")
		if r.Method == http.MethodOptions && wantMethod != "" {
			// A preflight: answered here for any route and method the API serves.
			probe := r.Clone(r.Context())
			probe.Method = wantMethod
			if _, pattern := mux.Handler(probe); pattern == "" || pattern == "/" {
				next.ServeHTTP(w, r) // not a route: the unknown-operation answer
				return
			}
			if allow != "" {
				h.Set("Access-Control-Allow-Origin", allow)
				h.Set("Access-Control-Allow-Methods", corsMethods)
				h.Set("Access-Control-Allow-Headers", preflightHeaders(r.Header.Get("Access-Control-Request-Headers")))
				h.Set("Access-Control-Max-Age", corsMaxAge)
				h.Set("Access-Control-Expose-Headers", corsExposed)
			}
			h.Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
		if allow != "" {
			h.Set("Access-Control-Allow-Origin", allow)
			h.Set("Access-Control-Expose-Headers", corsExposed)
		}
		next.ServeHTTP(w, r)
	})
}

// preflightHeaders answers Access-Control-Request-Headers: the requested headers the SDKs may
// send, echoed (Allow-Headers takes no wildcard patterns such as x-amz-*), or the usual list.
func preflightHeaders(requested string) string {
	var allowed []string
	for _, h := range strings.Split(requested, ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" && corsAllowedHeader(h) {
			allowed = append(allowed, h)
		}
	}
	if len(allowed) == 0 {
		return corsAllowedHeaders
	}
	return strings.Join(allowed, ", ")
}
