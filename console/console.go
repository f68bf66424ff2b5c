// Package console provides the web console: server-rendered pages that manage users and user
// hierarchies of a connectdir or Amazon Connect instance through the Connect API.
package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/smithy-go"
)

// Prefix is the path the console is served under.
const Prefix = "/console/"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config configures the console. No credentials live here: each person signs in with their own.
type Config struct {
	// Endpoint is the Connect API endpoint used when the sign-in form leaves it empty and chooses
	// "connectdir": normally this server, e.g. http://127.0.0.1:8080.
	Endpoint string
	// Region prefills the sign-in form.
	Region string
	// Endpoints are the Connect API endpoints, besides Endpoint and AWS's own, that the sign-in
	// form may name (e.g. another connectdir); any other endpoint is refused unreached.
	Endpoints []string
	// Logger receives API failures; nil discards them. Secrets are never logged.
	Logger *slog.Logger
	// HTTPClient, if set, is used by the Connect API clients (e.g. for a custom CA).
	HTTPClient *http.Client
	// SessionIdle ends a signed-in session unused for this long (default 8h). A session not
	// signed in (the sign-in form's) lasts at most an hour.
	SessionIdle time.Duration
	// MaxSessions bounds the sessions held in memory (default 10,000): anyone can start one by
	// opening the sign-in form. When it is reached, a new session replaces the least recently
	// used one, a session not signed in first.
	MaxSessions int
}

// anonIdle ends a session that never signed in: it holds only a form token.
const anonIdle = time.Hour

// console is the handler returned by New.
type console struct {
	cfg      Config
	log      *slog.Logger
	pages    map[string]*template.Template
	mux      *http.ServeMux
	mu       sync.Mutex
	sessions map[string]*session
	swept    time.Time // when evict last ran
	signIns  *signInLimiter
}

// session is one browser's sign-in. The client holds the credentials; they never leave the server.
type session struct {
	id       string
	csrf     string
	lastUsed time.Time
	flash    *flash

	client     *connect.Client // nil until signed in
	instanceID string          // "" until one is chosen, when the sign-in named none
	region     string
	target     string // shown in the header: "connectdir", "Amazon Connect" or the custom endpoint

	groups    *groupCache               // of the instance signed in to; replaced when switching instance (under console.mu)
	profiles  *profileNames             // of the instance signed in to, as last read; under console.mu
	userPages map[string]map[int]string // by search text: page number → SearchUsers token; under console.mu
	jobs      []*job                    // bulk uploads and copies, oldest first; under console.mu
}

type flash struct {
	Error bool
	Text  string
}

// New returns the console handler; mount it at Prefix.
func New(cfg Config) http.Handler {
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 8 * time.Hour
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 10_000
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &console{cfg: cfg, log: log, pages: parsePages(), mux: http.NewServeMux(), sessions: map[string]*session{}, signIns: newSignInLimiter()}
	c.mux.Handle("GET "+Prefix+"static/", http.StripPrefix(Prefix+"static/", staticHandler()))
	c.mux.HandleFunc("GET "+Prefix+"{$}", c.home)
	c.mux.HandleFunc("GET "+Prefix+"login", c.loginForm)
	c.mux.HandleFunc("POST "+Prefix+"login", c.login)
	c.route("POST "+Prefix+"logout", 1<<20, false, c.logout)

	c.handle("GET "+Prefix+"hierarchy", c.hierarchyPage)
	c.handle("GET "+Prefix+"hierarchy/structure", c.structureForm)
	c.handle("POST "+Prefix+"hierarchy/structure", c.saveStructure)
	c.handle("POST "+Prefix+"hierarchy/refresh", c.refreshGroups)
	c.handle("POST "+Prefix+"hierarchy/groups", c.createGroup)
	c.handle("GET "+Prefix+"hierarchy/groups/{id}", c.groupJSON)
	c.handle("POST "+Prefix+"hierarchy/groups/{id}/rename", c.renameGroup)
	c.handle("GET "+Prefix+"hierarchy/groups/{id}/delete", c.deleteGroupForm)
	c.handle("POST "+Prefix+"hierarchy/groups/{id}/delete", c.deleteGroup)

	c.handle("GET "+Prefix+"users", c.userList)
	c.handle("GET "+Prefix+"users/new", c.newUserForm)
	c.handle("POST "+Prefix+"users", c.createUser)
	c.handle("GET "+Prefix+"users/{id}", c.userDetail)
	c.handle("GET "+Prefix+"users/{id}/edit", c.editUserForm)
	c.handle("POST "+Prefix+"users/{id}/edit", c.saveUser)
	c.handle("GET "+Prefix+"users/{id}/delete", c.deleteUserForm)
	c.handle("POST "+Prefix+"users/{id}/delete", c.deleteUser)
	c.handle("GET "+Prefix+"users/{id}/skills", c.skillsForm)
	c.handle("POST "+Prefix+"users/{id}/skills", c.saveSkills)

	c.handle("GET "+Prefix+"hierarchy/structure/json", c.structureJSON)
	c.handle("POST "+Prefix+"hierarchy/groups/{id}/tags", c.saveGroupTags)
	c.route("GET "+Prefix+"instances", 1<<20, false, c.instancesPage)
	c.route("POST "+Prefix+"instances", 1<<20, false, c.switchInstance)

	c.handle("GET "+Prefix+"bulk", c.bulkForm)
	c.handleLimit("POST "+Prefix+"bulk", maxUpload, c.bulkUpload)
	c.handle("GET "+Prefix+"copy", c.copyForm)
	c.handle("POST "+Prefix+"copy", c.copyStart)
	c.handle("GET "+Prefix+"jobs", c.jobList)
	c.handle("GET "+Prefix+"jobs/{id}", c.jobPage)
	c.handle("POST "+Prefix+"jobs/{id}/apply", c.applyJob)
	c.handle("POST "+Prefix+"jobs/{id}/passwords", c.jobPasswords)
	return c
}

func (c *console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// No scripts at all: every page works with plain forms and links.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	c.mux.ServeHTTP(w, r)
}

// ---- sessions ----

const cookieName = "connectdir_console"

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather than return short)
	return base64.RawURLEncoding.EncodeToString(b)
}

// session returns the request's live session, or nil.
func (c *console) session(r *http.Request) *session {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sessions[ck.Value]
	if s == nil {
		return nil
	}
	if c.expired(s, time.Now()) {
		delete(c.sessions, s.id)
		return nil
	}
	s.lastUsed = time.Now()
	return s
}

// expired says whether a session has been idle too long; under c.mu.
func (c *console) expired(s *session, now time.Time) bool {
	idle := c.cfg.SessionIdle
	if s.client == nil {
		idle = min(idle, anonIdle)
	}
	return now.Sub(s.lastUsed) > idle
}

// startSession registers s (filled in by the caller: it is reachable from here on) and sets its
// cookie. Sign-in starts a fresh session, so an id that existed before sign-in (and might have
// been planted) never carries credentials.
func (c *console) startSession(w http.ResponseWriter, r *http.Request, s *session) {
	s.id, s.csrf, s.lastUsed = randomToken(), randomToken(), time.Now()
	c.mu.Lock()
	// Sweep now and then, so that abandoned sessions (and their credentials) do not linger, and
	// whenever full.
	if len(c.sessions) >= c.cfg.MaxSessions || s.lastUsed.Sub(c.swept) > time.Minute {
		c.evict(s.lastUsed)
	}
	c.sessions[s.id] = s
	c.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: s.id, Path: Prefix, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: overTLS(r)})
}

// evict drops the expired sessions and, if that leaves no room for one more, the least recently
// used session, preferring one not signed in. Under c.mu. Sessions cost memory and
// anyone can make them, so their number is bounded rather than only their age.
func (c *console) evict(now time.Time) {
	c.swept = now
	var oldest, oldestAnon *session
	for id, s := range c.sessions {
		if c.expired(s, now) {
			endJobs(s)
			delete(c.sessions, id)
			continue
		}
		if oldest == nil || s.lastUsed.Before(oldest.lastUsed) {
			oldest = s
		}
		if s.client == nil && (oldestAnon == nil || s.lastUsed.Before(oldestAnon.lastUsed)) {
			oldestAnon = s
		}
	}
	if len(c.sessions) < c.cfg.MaxSessions {
		return
	}
	if oldestAnon != nil {
		oldest = oldestAnon
	}
	delete(c.sessions, oldest.id)
}

func (c *console) endSession(w http.ResponseWriter, r *http.Request, s *session) {
	c.mu.Lock()
	delete(c.sessions, s.id)
	endJobs(s)
	c.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: overTLS(r)})
}

func (c *console) setFlash(s *session, isErr bool, text string) {
	c.mu.Lock()
	s.flash = &flash{Error: isErr, Text: text}
	c.mu.Unlock()
}

func (c *console) takeFlash(s *session) *flash {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := s.flash
	s.flash = nil
	return f
}

// csrfOK reports whether a POST carries the session's token.
func csrfOK(r *http.Request, s *session) bool {
	got := r.PostFormValue("csrf")
	return s != nil && got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}

// ---- requests ----

// req is one signed-in request, with per-request caches of what several parts of a page need
// (the group tree itself lives in the session).
type req struct {
	c    *console
	w    http.ResponseWriter
	r    *http.Request
	ctx  context.Context
	s    *session
	api  *connect.Client
	inst string  // the instance id
	in   *string // the same, as the SDK wants it
	gc   *groupCache

	tree     *groupTree
	profiles *profileNames
	lvls     *[]level
}

// handle registers a handler that needs a signed-in session; POSTs must carry the CSRF token.
func (c *console) handle(pattern string, fn func(*req)) { c.handleLimit(pattern, 1<<20, fn) }

// handleLimit is handle with a bound on the size of a POST's body other than 1 MiB.
func (c *console) handleLimit(pattern string, limit int64, fn func(*req)) {
	c.route(pattern, limit, true, fn)
}

// route registers a handler of a signed-in session; one that needsInstance sends a session that
// has not chosen an instance yet to the instance picker.
func (c *console) route(pattern string, limit int64, needsInstance bool, fn func(*req)) {
	c.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s := c.session(r)
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			if !csrfOK(r, s) {
				http.Error(w, "Forbidden: missing or wrong form token. Reload the page and try again.", http.StatusForbidden)
				return
			}
		}
		if s == nil || s.client == nil {
			http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		c.mu.Lock()
		if s.groups == nil {
			s.groups = &groupCache{}
		}
		q := &req{c: c, w: w, r: r, ctx: r.Context(), s: s, api: s.client, inst: s.instanceID, gc: s.groups}
		c.mu.Unlock()
		if needsInstance && q.inst == "" {
			http.Redirect(w, r, Prefix+"instances", http.StatusSeeOther)
			return
		}
		q.in = aws.String(q.inst)
		fn(q)
	})
}

// view is what every page template receives.
type view struct {
	Title   string
	Nav     string
	CSRF    string
	Session *session
	Flash   *flash
	Data    any
	Refresh int // seconds after which the page reloads itself (a running job's progress), 0 never
}

func (s *session) Instance() string { return s.instanceID }
func (s *session) Region() string   { return s.region }
func (s *session) Target() string   { return s.target }

func (c *console) render(w http.ResponseWriter, s *session, status int, page, title, nav string, data any) {
	v := view{Title: title, Nav: nav, Data: data}
	if r, ok := data.(interface{ Refresh() int }); ok {
		v.Refresh = r.Refresh()
	}
	if s != nil {
		v.CSRF = s.csrf
		v.Flash = c.takeFlash(s)
		if s.client != nil {
			v.Session = s
		}
	}
	var b strings.Builder
	if err := c.pages[page].ExecuteTemplate(&b, "layout", v); err != nil {
		c.log.Error("console: render", "page", page, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (q *req) render(c *console, page, title, nav string, data any) {
	c.render(q.w, q.s, http.StatusOK, page, title, nav, data)
}

// redirect sends the browser to a console path after a POST, with a message for the next page.
func (q *req) redirect(c *console, path string, isErr bool, msg string) {
	if msg != "" {
		c.setFlash(q.s, isErr, msg)
	}
	http.Redirect(q.w, q.r, path, http.StatusSeeOther)
}

// fail shows an API failure: a page of its own for reads (there is nothing else to show).
func (q *req) fail(c *console, err error) {
	c.log.Warn("console: API call failed", "path", q.r.URL.Path, "err", err)
	status := http.StatusBadGateway
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() >= 400 && re.HTTPStatusCode() < 500 {
		status = re.HTTPStatusCode()
	}
	c.render(q.w, q.s, status, "error.html", "Error", "", apiMessage(err))
}

// apiMessage is the text shown for a failed API call: the exception name and its message.
func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if msg := ae.ErrorMessage(); msg != "" {
			return ae.ErrorCode() + ": " + msg
		}
		return ae.ErrorCode()
	}
	return err.Error()
}

// ---- pages outside the session ----

func (c *console) home(w http.ResponseWriter, r *http.Request) {
	if s := c.session(r); s != nil && s.client != nil {
		http.Redirect(w, r, Prefix+"hierarchy", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
}

type loginData struct {
	KeyID, Region, InstanceID, Target, Endpoint string
	DefaultEndpoint                             string
	Error                                       string
}

func (c *console) loginForm(w http.ResponseWriter, r *http.Request) {
	s := c.session(r)
	if s == nil {
		s = &session{}
		c.startSession(w, r, s)
	}
	w.Header().Set("Cache-Control", "no-store")
	c.render(w, s, http.StatusOK, "login.html", "Sign in", "", loginData{Region: c.cfg.Region, Target: "connectdir", DefaultEndpoint: c.cfg.Endpoint})
}

func (c *console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	s := c.session(r)
	if !csrfOK(r, s) {
		http.Error(w, "Forbidden: missing or wrong form token. Reload the page and try again.", http.StatusForbidden)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	d := loginData{
		KeyID:      strings.TrimSpace(r.PostFormValue("access_key_id")),
		Region:     strings.TrimSpace(r.PostFormValue("region")),
		InstanceID: strings.TrimSpace(r.PostFormValue("instance_id")),
		Target:     r.PostFormValue("target"),
		Endpoint:   strings.TrimSpace(r.PostFormValue("endpoint")),
		// The secret is deliberately not echoed back into the form.
		DefaultEndpoint: c.cfg.Endpoint,
	}
	secret := r.PostFormValue("secret_access_key")
	fail := func(msg string) {
		d.Error = msg
		c.render(w, s, http.StatusUnauthorized, "login.html", "Sign in", "", d)
	}
	if d.KeyID == "" || secret == "" || d.Region == "" {
		fail("Access key id, secret access key and region are required; the instance id is optional.")
		return
	}
	if d.Endpoint != "" {
		if msg := validEndpointURL(d.Endpoint); msg != "" {
			fail(msg)
			return
		}
	}
	endpoint, target, msg := c.signInEndpoint(d.Target, d.Region, d.Endpoint)
	if msg != "" {
		fail(msg)
		return
	}
	limited := signInKeys(r, d.KeyID)
	if wait := c.signIns.attempt(limited); wait > 0 {
		d.Error = tooMany(wait)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)+1))
		c.render(w, s, http.StatusTooManyRequests, "login.html", "Sign in", "", d)
		return
	}
	cfg := aws.Config{Region: d.Region, Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(d.KeyID, secret, ""))}
	if c.cfg.HTTPClient != nil {
		cfg.HTTPClient = c.cfg.HTTPClient
	}
	client := connect.NewFromConfig(cfg, func(o *connect.Options) { o.BaseEndpoint = aws.String(endpoint) })
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	// The credentials are checked by describing the instance named, or else by listing the
	// instances they reach: one is signed in to at once, several are offered to choose from.
	instance := d.InstanceID
	var err error
	if instance != "" {
		_, err = client.DescribeInstance(ctx, &connect.DescribeInstanceInput{InstanceId: aws.String(instance)})
	} else {
		var out *connect.ListInstancesOutput
		out, err = client.ListInstances(ctx, &connect.ListInstancesInput{MaxResults: aws.Int32(2)})
		if err == nil && len(out.InstanceSummaryList) == 1 && aws.ToString(out.NextToken) == "" {
			instance = aws.ToString(out.InstanceSummaryList[0].Id)
		}
		if err == nil && len(out.InstanceSummaryList) == 0 {
			c.signIns.succeeded(limited) // the credentials are good
			fail("These credentials reach no instance in " + d.Region + ".")
			return
		}
	}
	if err != nil {
		c.log.Info("console: sign-in refused", "key", d.KeyID, "instance", d.InstanceID, "endpoint", endpoint, "err", err)
		fail(signInFailure(err, d.InstanceID != ""))
		return
	}
	c.signIns.succeeded(limited)
	if s != nil {
		c.endSession(w, r, s)
	}
	c.startSession(w, r, &session{client: client, instanceID: instance, region: d.Region, target: target})
	c.log.Info("console: signed in", "key", d.KeyID, "instance", instance, "target", target)
	if instance == "" {
		http.Redirect(w, r, Prefix+"instances", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, Prefix+"hierarchy", http.StatusSeeOther)
}

func (c *console) logout(q *req) {
	c.endSession(q.w, q.r, q.s)
	http.Redirect(q.w, q.r, Prefix+"login", http.StatusSeeOther)
}

// ---- static files ----

// staticHashes holds each static file's content hash, by name: pages link to
// name?v=hash, so that a browser keeps the file for good and never asks again (embedded files
// have no modification time, so without this a browser fetched the stylesheet on every page).
var staticHashes = func() map[string]string {
	m := map[string]string{}
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		m[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:8])
		return nil
	})
	return m
}()

// staticURL is the URL of a static file that browsers may cache for good.
func staticURL(name string) string { return Prefix + "static/" + name + "?v=" + staticHashes[name] }

// staticHandler serves the static files: those asked for by their current hash are immutable;
// any other request gets the hash as ETag, so a revalidation costs no body.
func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hash, ok := staticHashes[r.URL.Path]; ok {
			w.Header().Set("ETag", `"`+hash+`"`)
			if r.URL.Query().Get("v") == hash {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				w.Header().Set("Cache-Control", "no-cache")
			}
		}
		files.ServeHTTP(w, r)
	})
}

// ---- templates ----

var funcs = template.FuncMap{
	"static": staticURL,
	"add":    func(a, b int) int { return a + b },
	// dict passes several values to a sub-template.
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"has": func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	},
}

func parsePages() map[string]*template.Template {
	entries, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, e := range entries {
		name := strings.TrimPrefix(e, "templates/")
		if name == "layout.html" || name == "parts.html" {
			continue
		}
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", e))
	}
	return pages
}

// overTLS reports whether the browser reached the console over TLS: directly, or through a proxy
// that terminated it and says so. Trusting the header is safe here: a Secure cookie on a plain
// connection only stops that browser from sending it back.
func overTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}
