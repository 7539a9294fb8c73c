package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
)

// DashboardPath is where the handler serves the web dashboard, relative to
// where it is mounted: mount the handler on "/jobs/" (or on a prefix with
// http.StripPrefix) to serve it. Its pages use relative URLs only, so it
// works under any prefix a proxy adds.
const DashboardPath = "/jobs/"

// deadLetterPageSize is how many dead letters the dashboard lists.
const deadLetterPageSize = 100

// contentSecurityPolicy allows the dashboard's own files only: no inline
// script or style, no framing, forms posting back to the dashboard.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

//go:embed web/templates/*.html
var templateFS embed.FS

//go:embed web/static
var staticFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{"pathEscape": url.PathEscape, "asset": asset}).
	ParseFS(templateFS, "web/templates/*.html"))

// page is what a dashboard template renders.
type page struct {
	Title string
	Nav   string // the nav entry to mark as current
	// Root is the relative URL of the dashboard's root from the page:
	// empty, or "../" for the pages one level down (job/{id}).
	Root     string
	CSRF     string
	ReadOnly bool
	LoggedIn bool // by a session, so the page offers to log out
	Error    string
	Stats    Stats
	Dead     []Job
	Filter   Filter
	Job      *jobView
	Procs    []process
	// Live marks the pages that refresh themselves: app.js fetches the
	// page again at the interval the visitor picks and swaps in its main.
	Live      bool
	Schedules []scheduleView
	History   *historyView
	// Throughput is the overview's chart and rates; nil on other pages
	// and when the backend keeps no per-minute counters (NoCounters).
	Throughput *overviewThroughput
	NoCounters bool
}

// dashboard routes the web dashboard's requests; it reports false for
// paths outside DashboardPath.
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	if p == strings.TrimSuffix(DashboardPath, "/") {
		w.Header().Set("Location", DashboardPath[1:])
		w.WriteHeader(http.StatusMovedPermanently)
		return true
	}
	rest, ok := strings.CutPrefix(p, DashboardPath)
	if !ok {
		return false
	}
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "no-referrer")
	if static, ok := strings.CutPrefix(rest, "static/"); ok && r.Method == http.MethodGet {
		sub, _ := fs.Sub(staticFS, "web/static")
		hdr.Set("Cache-Control", staticCacheControl(r))
		http.ServeFileFS(w, r, sub, static)
		return true
	}
	// A job ID may hold "/": the job page's path carries it escaped.
	if id, ok := strings.CutPrefix(r.URL.EscapedPath(), DashboardPath+"job/"); ok && r.Method == http.MethodGet {
		h.showJob(w, r, id)
		return true
	}
	switch r.Method + " " + rest {
	case "GET login":
		h.render(w, http.StatusOK, "login", page{Title: "Log in"})
	case "POST login":
		h.login(w, r)
	case "POST logout":
		h.sessions.end(w, r)
		redirect(w, "login")
	case "GET ", "GET dead", "GET workers":
		h.showPage(w, r, rest)
	case "GET periodic":
		h.showPeriodic(w, r)
	case "GET history":
		h.showHistory(w, r)
	case "POST pause", "POST resume", "POST retry", "POST cancel", "POST delete":
		h.act(w, r, rest)
	default:
		root := strings.Repeat("../", strings.Count(rest, "/"))
		h.render(w, http.StatusNotFound, "error", page{Title: "Not found", Error: "No such page", Root: root})
	}
	return true
}

// redirect answers 303 See Other to a URL relative to the dashboard.
func redirect(w http.ResponseWriter, to string) {
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusSeeOther)
}

// render writes the template name with data and status.
func (h *Handler) render(w http.ResponseWriter, status int, name string, data page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		h.cfg.log.Error("jobs admin: rendering the dashboard failed", "page", name, "err", err)
	}
}

// login exchanges the API token for a session. Failed logins are limited
// per client address and in all (see loginLimiter).
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if h.cfg.tokenHash == nil {
		h.render(w, http.StatusForbidden, "login", page{Title: "Log in", Error: "This dashboard has no token to log in with: your own authorizer decides who gets in"})
		return
	}
	ip := clientIP(r)
	if wait, ok := h.logins.begin(ip); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
		h.render(w, http.StatusTooManyRequests, "login", page{Title: "Log in", Error: "Too many failed logins: try again in " + wait.String()})
		return
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(r.PostFormValue("token"))))
	if subtle.ConstantTimeCompare(sum[:], h.cfg.tokenHash[:]) != 1 {
		h.render(w, http.StatusUnauthorized, "login", page{Title: "Log in", Error: "Wrong token"})
		return
	}
	h.logins.succeeded(ip)
	h.sessions.start(w, r)
	redirect(w, "./")
}

// visitor authenticates a dashboard request: by its session, else by the
// bearer token or the authorizer (then a session is started to carry the
// CSRF token). It answers the request itself and reports false when it
// is not let in; root is the dashboard's root relative to the page.
func (h *Handler) visitor(w http.ResponseWriter, r *http.Request, root string) (session, bool, bool) {
	if sess, ok := h.sessions.get(r); ok {
		return sess, true, true
	}
	switch _, status := h.authenticate(r); status {
	case 0:
		return h.sessions.start(w, r), false, true
	case http.StatusForbidden:
		h.render(w, status, "error", page{Title: "Forbidden", Error: "You may not use this dashboard", Root: root})
	default:
		redirect(w, root+"login")
	}
	return session{}, false, false
}

// showPage renders the overview (""), the dead letters ("dead") or the
// workers ("workers").
func (h *Handler) showPage(w http.ResponseWriter, r *http.Request, name string) {
	sess, byCookie, ok := h.visitor(w, r, "")
	if !ok {
		return
	}
	data := page{CSRF: sess.csrf, ReadOnly: h.cfg.readOnly, LoggedIn: byCookie && h.cfg.tokenHash != nil, Live: true}
	var err error
	var tmpl string
	switch name {
	case "":
		data.Title, data.Nav, tmpl = "Overview", "overview", "overviewpage"
		var s jobs.Stats
		if s, err = h.backend.Stats(r.Context()); err == nil {
			data.Stats = StatsOf(s)
			data.Throughput, data.NoCounters, err = h.overviewThroughput(r)
		}
	case "workers":
		data.Title, data.Nav, tmpl = "Workers", "workers", "workerspage"
		var s jobs.Stats
		if s, err = h.backend.Stats(r.Context()); err == nil {
			data.Procs = processesOf(StatsOf(s).Workers, time.Now())
		}
	default:
		data.Title, data.Nav, tmpl = "Dead letters", "dead", "deadpage"
		var q jobs.DeadLetterQuery
		if q, err = filter(r.URL.Query().Get("queue"), r.URL.Query().Get("type")); err == nil {
			data.Filter = Filter{Queue: q.Queue, Type: q.Type}
			q.Limit = deadLetterPageSize
			var batch []jobs.Job
			batch, err = h.backend.DeadLetters(r.Context(), q)
			data.Dead = JobsOf(batch)
		}
	}
	h.renderOrFail(w, r, tmpl, data, err)
}

// renderOrFail renders tmpl with data, or the error page for err.
func (h *Handler) renderOrFail(w http.ResponseWriter, r *http.Request, tmpl string, data page, err error) {
	if err != nil {
		status, msg := h.errStatus(r, err)
		h.render(w, status, "error", page{Title: "Error", Error: msg, LoggedIn: data.LoggedIn, CSRF: data.CSRF, Root: data.Root})
		return
	}
	h.render(w, http.StatusOK, tmpl, data)
}

// act performs a dashboard form's action and goes back to its page.
func (h *Handler) act(w http.ResponseWriter, r *http.Request, action string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	sess, byCookie, ok := h.visitor(w, r, "")
	if !ok {
		return
	}
	fail := func(status int, msg string) {
		h.render(w, status, "error", page{Title: "Error", Error: msg, LoggedIn: byCookie && h.cfg.tokenHash != nil, CSRF: sess.csrf})
	}
	if h.cfg.readOnly {
		fail(http.StatusForbidden, "The dashboard is read-only")
		return
	}
	if !csrfValid(r, sess) {
		fail(http.StatusForbidden, "Missing or stale form token: reload the page and try again")
		return
	}
	back, err := h.perform(r, action)
	if err != nil {
		status, msg := h.errStatus(r, err)
		fail(status, msg)
		return
	}
	redirect(w, back)
}

// perform runs action on the form's queue or job and returns the page to
// go back to.
func (h *Handler) perform(r *http.Request, action string) (string, error) {
	ctx := r.Context()
	switch action {
	case "pause", "resume":
		q := r.PostFormValue("queue")
		if err := jobs.ValidateQueueName(q); err != nil {
			return "", badRequest("Invalid queue name: %v", err)
		}
		if action == "pause" {
			return "./", h.backend.PauseQueue(ctx, q)
		}
		return "./", h.backend.ResumeQueue(ctx, q)
	}
	id := r.PostFormValue("id")
	if err := jobs.ValidateJobID(id); err != nil {
		return "", badRequest("Invalid job ID: %v", err)
	}
	var err error
	switch action {
	case "retry":
		_, err = h.backend.RetryDeadLetter(ctx, id)
	case "cancel":
		_, err = h.backend.Cancel(ctx, id)
	default:
		err = h.deleteDeadLetter(ctx, id)
	}
	if r.PostFormValue("from") == "job" && action != "delete" {
		return "job/" + url.PathEscape(id), err
	}
	return "dead", err
}
