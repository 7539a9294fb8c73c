// Package admin is the admin HTTP API of jobs: queue figures, live workers,
// the dead-letter queue and per-job inspection and repair, as JSON.
//
// New returns an http.Handler. Its routes start with /api/admin/, so it can
// share a mux with the application's own routes:
//
//	h, err := admin.New(backend, admin.WithToken(os.Getenv("JOBS_ADMIN_TOKEN")))
//	mux.Handle("/api/admin/", h)
//
// or be mounted under any prefix with http.StripPrefix:
//
//	mux.Handle("/ops/", http.StripPrefix("/ops", h)) // GET /ops/api/admin/jobs/stats
//
// The same handler serves a web dashboard under DashboardPath ("/jobs/"):
// mux.Handle(admin.DashboardPath, h) as well. Its login page exchanges the
// token for a session cookie; see dashboard.go.
//
// # Endpoints
//
//	GET    /api/admin/jobs/stats                 totals, per-queue figures, live workers
//	GET    /api/admin/jobs/failed?limit=&queue=&type=
//	                                             newest dead-letter jobs (limit 1-1000, default 20)
//	POST   /api/admin/jobs/failed/retry          requeue every matching dead-letter job
//	POST   /api/admin/jobs/failed/purge          delete every matching dead-letter job
//	GET    /api/admin/jobs/history/{type}?limit= latest finished jobs of a type
//	GET    /api/admin/jobs/{id}                  one job, with its error's stack trace
//	POST   /api/admin/jobs/{id}/retry            requeue a dead-letter job
//	POST   /api/admin/jobs/{id}/cancel           cancel a job that has not finished (see jobs.Store.Cancel)
//	DELETE /api/admin/jobs/{id}                  delete a dead-letter job
//	GET    /api/admin/queues                     per-queue figures
//	GET    /api/admin/overview?range=1h|24h      what the dashboard's overview shows: stats and
//	                                             per-minute throughput, rates and waits (see Overview)
//	GET    /api/admin/queues/{queue}/throughput?range=
//	                                             one queue's rates, waits and per-minute counts
//	GET    /api/admin/queues/{queue}/jobs?state=&limit=&cursor=
//	                                             a queue's jobs in one state, a page at a time
//	POST   /api/admin/queues/{queue}/pause       stop workers taking the queue's jobs
//	POST   /api/admin/queues/{queue}/resume      let them take them again
//
// The bulk endpoints take an optional JSON body {"queue": "...", "type":
// "..."} to narrow them; they answer with {"message": ..., "count": n}. Job
// IDs are one path segment (escape a "/" as %2F); the IDs "stats", "failed"
// and "history" cannot be addressed. Paging: a response's next_cursor, passed
// back as cursor, fetches the following page; it is "" on the last page.
//
// Every response is JSON (Content-Type: application/json). Errors are
// {"error": "..."} with status 400 (malformed ID, limit, state, cursor or
// body), 401 (not authenticated), 403 (read-only mode, or the authorizer
// refused), 404 (no such job or route), 405 (wrong method), 409 (the job is
// not in a state that allows the action), 415 (see below) or 500. A panic
// in a handler answers 500 and is logged; it never stops the process.
//
// # Security
//
// Authentication is mandatory: New fails unless WithToken or WithAuthorizer
// is given. A request is let in when it carries "Authorization: Bearer
// <token>" with the configured token (compared in constant time), or else
// when the authorizer returns nil. WithReadOnly turns every mutating
// endpoint (POST, DELETE) into 403.
//
// Before authentication, a request is refused with 421 when WithAllowedHosts
// is given and its Host header names another host (DNS rebinding), and
// with 403 when it is a mutating request a browser marks as cross-origin
// (Sec-Fetch-Site, else an Origin header naming another host; see
// http.CrossOriginProtection). Handler.Protect puts another endpoint, such
// as /metrics, behind the same checks and authentication.
//
// Cross-site request forgery: a browser that holds a session cookie can be
// made to send a plain form POST to the API, but cannot set an
// Authorization header or a JSON Content-Type without a CORS preflight,
// which this API never approves. So a mutating request must either be
// authenticated by the bearer token or have "Content-Type:
// application/json"; any other is refused with 415 before it does anything.
package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/jobsgo/jobs"
)

// Errors an authorizer returns: ErrForbidden (or an error wrapping it)
// answers 403; any other error answers 401.
var (
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
)

// Authorizer decides whether a request may use the API: nil lets it in.
type Authorizer func(r *http.Request) error

// Option configures a Handler.
type Option func(*config) error

type config struct {
	tokenHash  *[sha256.Size]byte
	authorizer Authorizer
	readOnly   bool
	log        *slog.Logger
	// allowedHosts are the normalized Host names answered; nil for any.
	allowedHosts map[string]bool
}

// WithToken lets in requests that carry "Authorization: Bearer <token>".
// The token must not be empty.
func WithToken(token string) Option {
	return func(c *config) error {
		if strings.TrimSpace(token) == "" {
			return errors.New("admin: the bearer token is empty")
		}
		h := sha256.Sum256([]byte(token))
		c.tokenHash = &h
		return nil
	}
}

// WithAuthorizer lets in the requests fn accepts (for example by the
// application's session cookie); it is asked when a request carries no
// valid bearer token.
func WithAuthorizer(fn Authorizer) Option {
	return func(c *config) error {
		if fn == nil {
			return errors.New("admin: the authorizer is nil")
		}
		c.authorizer = fn
		return nil
	}
}

// WithReadOnly refuses every mutating endpoint with 403.
func WithReadOnly() Option {
	return func(c *config) error {
		c.readOnly = true
		return nil
	}
}

// WithLogger sends the handler's logs (server errors, recovered panics)
// to l instead of slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l != nil {
			c.log = l
		}
		return nil
	}
}

// Handler serves the admin API. Create it with New.
type Handler struct {
	backend     jobs.Backend
	cfg         config
	mux         *http.ServeMux
	crossOrigin *http.CrossOriginProtection
	sessions    sessions
	logins      loginLimiter
}

var _ http.Handler = (*Handler)(nil)

// New returns the admin API over backend. At least one of WithToken and
// WithAuthorizer is required.
func New(backend jobs.Backend, opts ...Option) (*Handler, error) {
	if backend == nil {
		return nil, errors.New("admin: backend is nil")
	}
	cfg := config{log: slog.Default()}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.tokenHash == nil && cfg.authorizer == nil {
		return nil, errors.New("admin: authentication is required: give WithToken or WithAuthorizer")
	}
	h := &Handler{backend: backend, cfg: cfg, mux: http.NewServeMux(), crossOrigin: http.NewCrossOriginProtection()}
	h.routes()
	return h, nil
}

// ServeHTTP authenticates the request and routes it. Unknown paths and
// methods answer 404 and 405 in JSON; a panic answers 500.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := &responseWriter{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.cfg.log.Error("jobs admin: handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v)
			if !rw.wrote {
				writeError(rw, http.StatusInternalServerError, "Internal server error")
			}
		}
	}()
	hdr := rw.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	if h.guard(rw, r) {
		return
	}
	if h.dashboard(rw, r) {
		return
	}
	byToken, status := h.authenticate(r)
	if status != 0 {
		h.refuse(rw, status)
		return
	}
	if _, pattern := h.mux.Handler(r); pattern == "" {
		h.noRoute(rw, r)
		return
	}
	if isMutating(r.Method) {
		if h.cfg.readOnly {
			writeError(rw, http.StatusForbidden, "The admin API is read-only")
			return
		}
		if !byToken && !isJSON(r) {
			writeError(rw, http.StatusUnsupportedMediaType, "Mutating requests need Content-Type: application/json or a bearer token")
			return
		}
	}
	h.mux.ServeHTTP(rw, r)
}

// authenticate reports whether r carries the bearer token, or the status
// to refuse it with (0 to let it in).
func (h *Handler) authenticate(r *http.Request) (byToken bool, status int) {
	if h.cfg.tokenHash != nil {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if strings.EqualFold(scheme, "Bearer") {
			sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
			if subtle.ConstantTimeCompare(sum[:], h.cfg.tokenHash[:]) == 1 {
				return true, 0
			}
		}
	}
	if h.cfg.authorizer == nil {
		return false, http.StatusUnauthorized
	}
	switch err := h.cfg.authorizer(r); {
	case err == nil:
		return false, 0
	case errors.Is(err, ErrForbidden):
		return false, http.StatusForbidden
	default:
		return false, http.StatusUnauthorized
	}
}

// refuse answers an unauthenticated (401) or forbidden (403) request.
func (h *Handler) refuse(w http.ResponseWriter, status int) {
	if status == http.StatusUnauthorized && h.cfg.tokenHash != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="jobs admin"`)
	}
	writeError(w, status, http.StatusText(status))
}

// noRoute answers a request that matches no route: 405 with an Allow
// header when the path exists for other methods, else 404.
func (h *Handler) noRoute(w http.ResponseWriter, r *http.Request) {
	probe := &statusRecorder{header: http.Header{}}
	handler, _ := h.mux.Handler(r)
	handler.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	writeError(w, http.StatusNotFound, "Not found")
}

func isMutating(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// isJSON reports whether r declares a JSON body.
func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// responseWriter remembers whether anything was written, so that a panic
// after a response began does not write a second one.
type responseWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *responseWriter) WriteHeader(status int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusRecorder captures the status and headers the mux's own not-found
// and method-not-allowed handlers would send, and discards their text body.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header { return s.header }

func (s *statusRecorder) WriteHeader(status int) {
	if s.status == 0 {
		s.status = status
	}
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	return len(b), nil
}
