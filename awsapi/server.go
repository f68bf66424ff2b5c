// Package awsapi serves the Amazon Connect REST-JSON API over a connectdir.Directory: routes
// from the service model, SigV4 authentication, input validation against the model, error
// mapping and pagination tokens. Handlers are thin: decode, call the Directory, encode.
package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/connectdir/connectdir"
	"github.com/connectdir/connectdir/awsapi/model"
	"github.com/connectdir/connectdir/sigv4"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"golang.org/x/time/rate"
)

// Server is the Connect API over a Directory.
type Server struct {
	dir      *connectdir.Directory
	log      *slog.Logger
	verifier *sigv4.Verifier
	// stsVerifier checks the STS requests served on the same endpoint, signed for service "sts".
	stsVerifier *sigv4.Verifier

	keys     sync.Map // access key id → *cachedKey, read again from the store after KeyRecheck
	sessions sync.Map // temporary access key id → cachedSession: rows never change; expiry is checked on use

	// throttle, when set, is the request rate of the whole account: the real service limits an
	// account per region, whichever of its keys signs.
	throttle *rate.Limiter

	// corsOrigins are the origins browser pages may call from; empty means any.
	corsOrigins []string

	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	handler  http.Handler
}

// cachedKey is what the server last read of a key. A key's secret never changes in place, but
// the key may be disabled or deleted by `connectdir keys` on any machine: an entry older than
// connectdir.KeyRecheck is read again, so a revoked key stops working on every replica within
// it, at the cost of one primary-key read per key per KeyRecheck.
type cachedKey struct {
	secret, userName string
	checked          time.Time
	// usedWritten is when this server last recorded a use of the key in the store: at most
	// once per keyUseInterval, so that accepted requests cost no write.
	usedWritten atomic.Int64 // unix nanoseconds
}

// keyUseInterval is how often, at most, a server records in the store that a key was used.
const keyUseInterval = time.Minute

// Options configures a Server.
type Options struct {
	Logger *slog.Logger
	// ThrottleRPS and ThrottleBurst, when RPS > 0, refuse requests beyond that rate with
	// ThrottlingException, as the real service does at its (low) limits. Burst 0 means RPS.
	ThrottleRPS   float64
	ThrottleBurst int
	// Registerer receives the request metrics; nil means a private registry.
	Registerer prometheus.Registerer
	// CORSOrigins, when set, are the only origins (scheme://host[:port]) whose pages may call the
	// API from a browser; empty allows any, which is safe because requests are authorized by
	// signature, never by cookie.
	CORSOrigins []string
}

// New makes a Server for dir.
func New(dir *connectdir.Directory, opt Options) *Server {
	s := &Server{dir: dir, log: opt.Logger, corsOrigins: opt.CORSOrigins}
	if s.log == nil {
		s.log = slog.Default()
	}
	if opt.ThrottleRPS > 0 {
		burst := opt.ThrottleBurst
		if burst <= 0 {
			burst = max(1, int(opt.ThrottleRPS))
		}
		s.throttle = rate.NewLimiter(rate.Limit(opt.ThrottleRPS), burst)
	}
	s.verifier = &sigv4.Verifier{Service: "connect", Region: dir.Region, Secret: s.secret}
	s.stsVerifier = &sigv4.Verifier{Service: "sts", Region: dir.Region, Secret: s.secret}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "connectdir_api_requests_total", Help: "Connect API requests by operation and outcome (exception name or OK).",
	}, []string{"operation", "outcome"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "connectdir_api_request_seconds", Help: "Connect API request latency by operation.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
	}, []string{"operation"})
	reg := opt.Registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	reg.MustRegister(s.requests, s.latency)
	mux := s.routes()
	// Panics are recovered inside the request-id middleware, so the 500 they become carries the
	// id and is logged by it like any other answer.
	s.handler = s.withRequestID(s.recoverPanics(s.withCORS(mux, mux)))
	return s
}

// recoverPanics answers a request whose handler panicked with InternalServiceException, as
// every other internal failure is answered, instead of net/http's dropped connection; the
// panic and its stack are logged with the request id, so the answer the client saw can be
// found in the log.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &statusWriter{ResponseWriter: w}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler { //nolint:errorlint // the sentinel is compared, as net/http does
				panic(p) // a deliberate abort, which net/http handles quietly
			}
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path,
				"request_id", w.Header().Get(requestIDHeader), "panic", p, "stack", string(debug.Stack()))
			if rw.status != 0 {
				return // the status line is gone; the client sees a cut answer
			}
			writeError(w, r, s.log, connectdir.Errorf(connectdir.KindInternal, "An internal error occurred."))
		}()
		next.ServeHTTP(rw, r)
	})
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Calls returns how many requests of an operation were answered with outcome ("OK" or an
// exception name); "" counts every outcome.
func (s *Server) Calls(op, outcome string) int {
	ch := make(chan prometheus.Metric, 64)
	go func() { s.requests.Collect(ch); close(ch) }()
	total := 0
	for m := range ch {
		var d dto.Metric
		if err := m.Write(&d); err != nil {
			continue
		}
		labels := map[string]string{}
		for _, l := range d.Label {
			labels[l.GetName()] = l.GetValue()
		}
		if (op == "" || labels["operation"] == op) && (outcome == "" || labels["outcome"] == outcome) {
			total += int(d.GetCounter().GetValue())
		}
	}
	return total
}

// keyUsed records, at most once per keyUseInterval, that key id signed an accepted request, for
// `connectdir keys list`. A failure to record is logged, not the request's.
func (s *Server) keyUsed(ctx context.Context, id string) {
	v, ok := s.keys.Load(id)
	if !ok {
		return
	}
	k := v.(*cachedKey)
	now := time.Now()
	last := k.usedWritten.Load()
	if now.UnixNano()-last < int64(keyUseInterval) || !k.usedWritten.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	if err := s.dir.RecordAccessKeyUse(ctx, id, now); err != nil {
		s.log.Warn("recording an access key's use", "access_key_id", id, "err", err)
	}
}

// handlerFunc is one operation: it gets the validated request and returns the output shape
// (nil for none).
type handlerFunc func(ctx context.Context, rq *request) (any, error)

// request is a decoded API request.
type request struct {
	r      *http.Request
	body   []byte
	input  map[string]any // the input members as validated, for rules about which were given
	caller string         // identity name of the access key that signed the request
}

func (rq *request) path(name string) string  { return rq.r.PathValue(name) }
func (rq *request) query(name string) string { return rq.r.URL.Query().Get(name) }

// decode reads the JSON body into v; validation already ran on the same bytes.
func (rq *request) decode(v any) error {
	if len(rq.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(rq.body, v); err != nil {
		return connectdir.Errorf(connectdir.KindInvalidParameter, "The request body is not valid: %v", err)
	}
	return nil
}

// maxBody bounds request bodies; the largest inputs served (CreateUser with every member) are a
// few kilobytes.
const maxBody = 1 << 20

// maxJSONDepth bounds the nesting of a request body (objects and arrays): the deepest fixed
// shape served nests about six levels; SearchUsers criteria two per level of AND/OR.
const maxJSONDepth = 64

// jsonDepth returns the deepest nesting of objects and arrays in a JSON text, without
// recursion; brackets inside strings do not count.
func jsonDepth(b []byte) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// unreadBody is the refusal of a body that did not arrive whole: too large, cut by the server's
// read deadline or abandoned by the client. Each is the client's doing, answered (when anyone is
// still listening) and not logged as an error.
func unreadBody(err error) error {
	if e := (*http.MaxBytesError)(nil); errors.As(err, &e) {
		return connectdir.Errorf(connectdir.KindInvalidRequest, "The request body exceeds %d bytes", maxBody)
	}
	return connectdir.Errorf(connectdir.KindInvalidRequest, "The request body could not be read")
}

// baseURL is the scheme and host the client reached this server at: the root of the links the
// API hands out (the console's sign-in page), as the real service hands out its own.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// bindings are where an operation's members travel outside the body, from the model: path
// wildcard and query-string names by member. Read once per route, not per request.
type bindings struct {
	uri, query map[string]string // location name → member
	listQuery  map[string]bool   // query members that are lists
}

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok\n")
	})
	// STS shares the endpoint: its Query protocol posts forms to the root, where Connect has no route.
	mux.HandleFunc("POST /{$}", s.sts)
	for name, h := range s.operations() {
		op, ok := model.Lookup(name)
		if !ok {
			panic("awsapi: operation not in the model: " + name)
		}
		var b bindings
		b.uri, b.query, b.listQuery = model.URIMembers(name)
		mux.Handle(op.Method+" "+op.RequestURI, s.operation(name, h, b))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// Unknown paths answer as API Gateway does for an unrouted, unsigned request.
		writeError(w, r, s.log, &wireError{exception{"UnknownOperationException", http.StatusNotFound}, "Unknown operation " + r.Method + " " + r.URL.Path})
	})
	return mux
}

func (s *Server) operation(name string, h handlerFunc, b bindings) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		outcome := s.serve(w, r, name, h, b)
		s.requests.WithLabelValues(name, outcome).Inc()
		s.latency.WithLabelValues(name).Observe(time.Since(start).Seconds())
	})
}

// serve authenticates, throttles, validates and runs one operation; it returns the outcome.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, name string, h handlerFunc, b bindings) string {
	if r.Body != nil {
		// Verification reads the whole body to hash it: bound it first.
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	}
	caller, err := s.authenticate(r, s.verifier)
	if err != nil {
		if re := (*sigv4.ReadError)(nil); errors.As(err, &re) {
			// A client error, not an internal one: every operation lists InvalidRequestException.
			err = unreadBody(err)
		} else if r.ContentLength != 0 {
			// Refused before the body was read (bad or missing signature headers, unknown key):
			// answer now and drop the connection, instead of net/http first reading a body
			// nobody will use, which a client could send as slowly as the read timeout allows.
			w.Header().Set("Connection", "close")
		}
		return writeError(w, r, s.log, err)
	}
	if s.throttle != nil && !s.throttle.Allow() {
		return writeError(w, r, s.log, connectdir.Errorf(connectdir.KindThrottled, "Rate exceeded"))
	}
	rq := &request{r: r, caller: caller.userName}
	if !caller.session {
		s.keyUsed(r.Context(), caller.keyID)
	}
	if r.Body != nil {
		if rq.body, err = io.ReadAll(r.Body); err != nil {
			return writeError(w, r, s.log, unreadBody(err))
		}
	}
	input, body, err := s.input(r, name, rq.body, b)
	if err != nil {
		return writeError(w, r, s.log, asModelled(name, err))
	}
	rq.body = body
	if v := model.Validate(name, input); v != nil {
		return writeError(w, r, s.log, asModelled(name, v))
	}
	rq.input = input
	out, err := h(r.Context(), rq)
	if err != nil {
		return writeError(w, r, s.log, asModelled(name, err))
	}
	w.Header().Set("Content-Type", "application/json")
	if out == nil {
		w.WriteHeader(http.StatusOK)
		return "OK"
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(out); err != nil {
		return writeError(w, r, s.log, err)
	}
	_, _ = w.Write(buf.Bytes())
	return "OK"
}

// asModelled turns an invalid-parameter refusal into InvalidRequestException for the operations
// whose model lists only the latter (the instance operations): the SDKs decode only the
// exceptions an operation lists, so another name would reach callers as an untyped error.
func asModelled(op string, err error) error {
	var v *model.Violation
	if !errors.As(err, &v) && connectdir.KindOf(err) != connectdir.KindInvalidParameter {
		return err
	}
	if o, ok := model.Lookup(op); ok && !slices.Contains(o.Errors, "InvalidParameterException") && slices.Contains(o.Errors, "InvalidRequestException") {
		return connectdir.Errorf(connectdir.KindInvalidRequest, "%s", err.Error())
	}
	return err
}

// input gathers an operation's input members by name, from the body, the path and the query,
// in the shape model.Validate reads. It also returns the body as the handlers may decode it:
// only the members the model names exactly, so encoding/json's case-insensitive matching
// finds nothing to match but the members Validate checked.
func (s *Server) input(r *http.Request, op string, raw []byte, b bindings) (map[string]any, []byte, error) {
	in := map[string]any{}
	var body []byte
	if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 {
		if trimmed[0] != '{' {
			return nil, nil, serializationError("The request body must be a JSON object.")
		}
		// Refuse deep nesting before anything walks the document recursively (the decoder, the
		// model check, the search compiler): only SearchUsers criteria nest without bound in the
		// model, and no sensible input comes near this depth.
		if jsonDepth(raw) > maxJSONDepth {
			return nil, nil, connectdir.Errorf(connectdir.KindInvalidParameter, "The request body nests deeper than %d levels", maxJSONDepth)
		}
		var err error
		if in, err = decodeObject(raw); err != nil {
			return nil, nil, err
		}
		model.Prune(op, in)
		if body, err = json.Marshal(in); err != nil {
			return nil, nil, err
		}
	}
	for loc, member := range b.uri {
		if v := r.PathValue(loc); v != "" {
			in[member] = v
		}
	}
	for loc, vals := range r.URL.Query() {
		member, ok := b.query[loc]
		if !ok || len(vals) == 0 {
			continue
		}
		if b.listQuery[member] {
			list := make([]any, len(vals))
			for i, v := range vals {
				list[i] = v
			}
			in[member] = list
		} else {
			in[member] = vals[0] // the model check takes numbers and booleans in their string form
		}
	}
	return in, body, nil
}

// Operations lists the Connect operations served, by model name.
func (s *Server) Operations() []string {
	return slices.Sorted(maps.Keys(s.operations()))
}
