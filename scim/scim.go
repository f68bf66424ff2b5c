// Package scim provides a SCIM 2.0 service provider (RFC 7643/7644) for identity providers such as
// Okta and Microsoft Entra ID, which provisions Connect users as a client of the Connect API: of
// this server's instance or of any Amazon Connect instance, one per bearer token.
package scim

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/connectdir/connectdir"
	"github.com/google/uuid"
)

// Prefix is the path SCIM is served under; it is the URL to give the identity provider.
const Prefix = "/scim/v2/"

// Config configures the SCIM handler.
type Config struct {
	Store Store
	// Local reaches this server's own Connect API, for tokens made without a target endpoint.
	Local  *LocalTarget
	Logger *slog.Logger
	// LogRetention is how long the request log keeps an entry (default 30 days): an identity
	// provider's full push logs two requests a user, every time.
	LogRetention time.Duration
}

// LocalTarget is this server's API as a client sees it, with the key SCIM signs its calls with.
type LocalTarget struct {
	Endpoint    string
	Region      string
	Credentials aws.CredentialsProvider
}

// Server is the SCIM handler; New returns it.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	mu      sync.Mutex
	targets map[string]*target
	pruned  time.Time // when the log was last pruned; under mu
}

// New returns the SCIM handler; mount it at Prefix.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), targets: map[string]*target{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.cfg.LogRetention <= 0 {
		s.cfg.LogRetention = 30 * 24 * time.Hour
	}
	s.mux.HandleFunc("GET "+Prefix+"ServiceProviderConfig", s.serviceProviderConfig)
	s.mux.HandleFunc("GET "+Prefix+"ResourceTypes", s.resourceTypes)
	s.mux.HandleFunc("GET "+Prefix+"ResourceTypes/{name}", s.resourceTypes)
	s.mux.HandleFunc("GET "+Prefix+"Schemas", s.schemas)
	s.mux.HandleFunc("GET "+Prefix+"Schemas/{urn}", s.schemas)
	for _, kind := range []string{KindUser, KindGroup} {
		base := Prefix + kind + "s"
		s.mux.Handle("GET "+base, s.authed(kind, s.list))
		s.mux.Handle("POST "+base+"/.search", s.authed(kind, s.search))
		s.mux.Handle("POST "+base, s.authed(kind, s.create))
		s.mux.Handle("GET "+base+"/{id}", s.authed(kind, s.get))
		s.mux.Handle("PUT "+base+"/{id}", s.authed(kind, s.replace))
		s.mux.Handle("PATCH "+base+"/{id}", s.authed(kind, s.patch))
		s.mux.Handle("DELETE "+base+"/{id}", s.authed(kind, s.delete))
	}
	s.mux.Handle("POST "+Prefix+".search", s.authed("", s.search))
	// A known path with a method it does not take answers 405 in SCIM's error format (a GET
	// pattern alone would make net/http answer in plain text).
	for _, p := range []string{"ServiceProviderConfig", "ResourceTypes", "ResourceTypes/{name}", "Schemas", "Schemas/{urn}", "Users", "Users/{id}", "Groups", "Groups/{id}"} {
		s.mux.HandleFunc(Prefix+p, func(w http.ResponseWriter, r *http.Request) {
			writeError(w, &Error{Status: 405, Detail: r.Method + " is not supported on " + r.URL.Path})
		})
	}
	s.mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &Error{Status: 404, Detail: "no such endpoint: " + r.Method + " " + r.URL.Path})
	})
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Error is a SCIM error response (RFC 7644 §3.12).
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.ScimType, e.Detail) }

func badRequest(scimType, format string, args ...any) *Error {
	return &Error{Status: 400, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

func notFound(kind, id string) *Error {
	return &Error{Status: 404, Detail: fmt.Sprintf("%s %s not found", kind, id)}
}

const errorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"

func writeError(w http.ResponseWriter, e *Error) {
	if e.Status == 429 {
		w.Header().Set("Retry-After", "5")
	}
	body := map[string]any{"schemas": []string{errorSchema}, "status": fmt.Sprint(e.Status), "detail": e.Detail}
	if e.ScimType != "" {
		body["scimType"] = e.ScimType
	}
	writeJSON(w, e.Status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// call is one authenticated request: the token's target and mapping, and what the log records.
type call struct {
	token   Token
	cfg     TokenConfig
	t       *target
	kind    string
	base    string // absolute URL of Prefix, for locations
	rec     *recorder
	detail  string
	written bool
}

// HashToken is how tokens are stored: they are long and random, so SHA-256 suffices.
func HashToken(token string) string { return hex.EncodeToString(connectdir.TokenHash(token)) }

// CreateToken makes a bearer token bound to cfg, stores its hash, and returns it: the only time
// it is seen.
func CreateToken(ctx context.Context, st Store, cfg TokenConfig) (id, token string, err error) {
	if cfg.InstanceID == "" {
		return "", "", errors.New("a token needs an instance id")
	}
	if cfg.Mapping == nil {
		if cfg.Mapping, err = ParseMapping(nil); err != nil {
			return "", "", err
		}
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", "", err
	}
	token = "scim-" + connectdir.RandomToken(32)
	id = uuid.NewString()
	return id, token, st.InsertSCIMToken(ctx, Token{ID: id, Hash: HashToken(token), Target: cfg.TargetKey(), Config: string(b), Created: time.Now().UTC()})
}

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
		w.status = 200
	}
	return w.ResponseWriter.Write(b)
}

// authed checks the bearer token, runs h, and logs the request with the Connect calls it made.
func (s *Server) authed(kind string, h func(*call, http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || tok == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="connectdir SCIM"`)
			writeError(w, &Error{Status: 401, Detail: "a bearer token is required"})
			return
		}
		ctx := r.Context()
		t, err := s.cfg.Store.SCIMTokenByHash(ctx, HashToken(strings.TrimSpace(tok)))
		if errors.Is(err, connectdir.ErrNoRows) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="connectdir SCIM", error="invalid_token"`)
			writeError(w, &Error{Status: 401, Detail: "the bearer token is not valid"})
			return
		}
		if err != nil {
			s.log.Error("scim: token lookup", "err", err)
			writeError(w, &Error{Status: 500, Detail: "internal error"})
			return
		}
		c := &call{token: t, kind: kind, rec: &recorder{}, base: baseURL(r)}
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		herr := json.Unmarshal([]byte(t.Config), &c.cfg)
		if herr == nil && c.cfg.Mapping == nil {
			c.cfg.Mapping, herr = ParseMapping(nil)
		}
		if herr == nil {
			c.t, herr = s.target(ctx, c.cfg)
		}
		if herr == nil {
			r = r.WithContext(withRecorder(ctx, c.rec))
			r.Body = http.MaxBytesReader(w, r.Body, 4<<20)
			herr = h(c, sw, r)
		}
		if herr != nil {
			se := connectError(herr)
			if se.Status >= 500 && se.Status != 502 {
				s.log.Error("scim", "method", r.Method, "path", r.URL.Path, "err", herr)
				se.Detail = "internal error"
			}
			if se.Status == 502 && c.t != nil {
				c.t.mu.Lock()
				c.t.forget()
				c.t.mu.Unlock()
			}
			writeError(sw, se)
			c.detail = se.Detail
		}
		c.rec.mu.Lock()
		calls := append([]string(nil), c.rec.calls...)
		c.rec.mu.Unlock()
		path := r.URL.Path
		if r.URL.RawQuery != "" {
			path += "?" + r.URL.RawQuery
		}
		e := LogEntry{ID: uuid.NewString(), At: start.UTC(), TokenID: t.ID, Target: t.Target, Method: r.Method, Path: path, Status: sw.status, Detail: c.detail, Calls: calls}
		// The log outlives the request: the identity provider hanging up must not lose it.
		if err := s.cfg.Store.AppendSCIMLog(context.WithoutCancel(ctx), e); err != nil {
			s.log.Error("scim: log", "err", err)
		}
		s.pruneLog(context.WithoutCancel(ctx), start)
	})
}

// pruneLog drops log entries past the retention, at most once an hour.
func (s *Server) pruneLog(ctx context.Context, now time.Time) {
	s.mu.Lock()
	due := now.Sub(s.pruned) >= time.Hour
	if due {
		s.pruned = now
	}
	s.mu.Unlock()
	if due {
		if err := s.cfg.Store.PruneSCIMLog(ctx, now.Add(-s.cfg.LogRetention)); err != nil {
			s.log.Error("scim: pruning the log", "err", err)
		}
	}
}

// target returns the shared state of a token's target, making its client on first use.
func (s *Server) target(ctx context.Context, tc TokenConfig) (*target, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := tc.TargetKey()
	if t, ok := s.targets[key]; ok {
		return t, nil
	}
	client, err := s.newClient(ctx, tc)
	if err != nil {
		return nil, err
	}
	t := &target{key: key, instanceID: tc.InstanceID, client: client}
	s.targets[key] = t
	return t, nil
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host + strings.TrimSuffix(Prefix, "/")
}
