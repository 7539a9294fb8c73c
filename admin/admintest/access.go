package admintest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/admin"
)

func testQueueJobs(e *env) {
	cases := []struct {
		queue, query string
		want         []string
	}{
		{"emails", "", []string{"e-pend-1", "e-pend-2"}},
		{"emails", "?state=pending&limit=5", []string{"e-pend-1", "e-pend-2"}},
		{"emails", "?state=scheduled", []string{"e-sched"}},
		{"emails", "?state=running", []string{"e-run"}},
		{"emails", "?state=retrying", []string{"e-retry"}},
		{"emails", "?state=completed", []string{"e-done"}},
		{"emails", "?state=failed", []string{"e-dead"}},
		{"emails", "?state=cancelled", []string{}},
		{"reports", "?state=failed", []string{"r-dead-2", "r-dead-1"}},
		{"nowhere", "?state=failed", []string{}},
	}
	for _, c := range cases {
		path := "/api/admin/queues/" + c.queue + "/jobs" + c.query
		got := decode[admin.JobPage](e, path, e.do(req{path: path}))
		if !slices.Equal(ids(got.Jobs), c.want) || got.NextCursor != "" || got.Queue != c.queue {
			e.t.Errorf("%s = %s %s %v, next %q; want %v and no next page", path, got.Queue, got.State, ids(got.Jobs), got.NextCursor, c.want)
		}
	}

	var pages [][]string
	cursor := ""
	for range 5 {
		path := "/api/admin/queues/reports/jobs?state=failed&limit=1&cursor=" + url.QueryEscape(cursor)
		got := decode[admin.JobPage](e, path, e.do(req{path: path}))
		pages = append(pages, ids(got.Jobs))
		if cursor = got.NextCursor; cursor == "" {
			break
		}
	}
	if want := [][]string{{"r-dead-2"}, {"r-dead-1"}}; !slices.EqualFunc(pages, want, slices.Equal) {
		e.t.Fatalf("paged failed jobs of reports = %v, want %v", pages, want)
	}

	first := decode[admin.JobPage](e, "first page", e.do(req{path: "/api/admin/queues/reports/jobs?state=failed&limit=1"}))
	for _, bad := range []struct{ path, msg string }{
		{"/api/admin/queues/emails/jobs?state=bogus", "Invalid state"},
		{"/api/admin/queues/emails/jobs?limit=0", "limit"},
		{"/api/admin/queues/emails/jobs?limit=5000", "limit"},
		{"/api/admin/queues/emails/jobs?cursor=garbage", "Invalid cursor"},
		{"/api/admin/queues/emails/jobs?state=failed&cursor=" + url.QueryEscape(first.NextCursor), "Invalid cursor"},
		{"/api/admin/queues/a%7Bb%7D/jobs", "Invalid queue name"},
	} {
		e.expectError(bad.path, e.do(req{path: bad.path}), http.StatusBadRequest, bad.msg)
	}
}

func testHistory(e *env) {
	cases := []struct {
		path string
		want []string
	}{
		{"/api/admin/jobs/history/email.send", []string{"r-dead-2", "e-dead", "e-done"}},
		{"/api/admin/jobs/history/email.send?limit=1", []string{"r-dead-2"}},
		{"/api/admin/jobs/history/report.build", []string{"r-dead-1"}},
		{"/api/admin/jobs/history/unknown.type", []string{}},
	}
	for _, c := range cases {
		got := decode[admin.JobList](e, c.path, e.do(req{path: c.path}))
		if !slices.Equal(ids(got.Jobs), c.want) {
			e.t.Errorf("%s = %v, want %v", c.path, ids(got.Jobs), c.want)
		}
	}
	e.expectError("bad limit", e.do(req{path: "/api/admin/jobs/history/email.send?limit=x"}), http.StatusBadRequest, "limit")
	e.expectError("bad type", e.do(req{path: "/api/admin/jobs/history/a%20b"}), http.StatusBadRequest, "Invalid job type")
}

// paused reports whether Stats shows queue paused.
func (e *env) paused(queue string) bool {
	e.t.Helper()
	st, err := e.b.Stats(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, q := range st.Queues {
		if q.Name == queue {
			return q.Paused
		}
	}
	e.t.Fatalf("no queue %s in stats", queue)
	return false
}

func testPauseResume(e *env) {
	got := decode[admin.Message](e, "pause", e.do(req{method: http.MethodPost, path: "/api/admin/queues/emails/pause"}))
	if got.Message != "Queue paused" || got.Queue != "emails" || !e.paused("emails") {
		e.t.Fatalf("pause = %+v, paused %v", got, e.paused("emails"))
	}
	ctx, cancel := context.WithTimeout(e.ctx, 50*time.Millisecond)
	defer cancel()
	if batch, err := e.b.Dequeue(ctx, "emails", 1, time.Minute); len(batch) > 0 || !errors.Is(err, context.DeadlineExceeded) {
		e.t.Fatalf("Dequeue of a paused queue = %v, %v", len(batch), err)
	}
	stats := decode[admin.Stats](e, "stats", e.do(req{path: "/api/admin/jobs/stats"}))
	if !stats.Queues[0].Paused || stats.Queues[1].Paused {
		e.t.Fatalf("stats queues = %+v; want emails paused only", stats.Queues)
	}
	got = decode[admin.Message](e, "resume", e.do(req{method: http.MethodPost, path: "/api/admin/queues/emails/resume"}))
	if got.Message != "Queue resumed" || e.paused("emails") {
		e.t.Fatalf("resume = %+v, paused %v", got, e.paused("emails"))
	}
	decode[admin.Message](e, "pause a new queue", e.do(req{method: http.MethodPost, path: "/api/admin/queues/fresh/pause"}))
	if !e.paused("fresh") {
		e.t.Fatal("a queue paused before its first job does not show paused")
	}
	e.expectError("bad queue", e.do(req{method: http.MethodPost, path: "/api/admin/queues/a%7Bb%7D/pause"}), http.StatusBadRequest, "Invalid queue name")
}

// cookieAuth lets in session=ok, forbids session=guest and refuses others.
func cookieAuth(r *http.Request) error {
	c, err := r.Cookie("session")
	switch {
	case err != nil:
		return admin.ErrUnauthorized
	case c.Value == "ok":
		return nil
	case c.Value == "guest":
		return admin.ErrForbidden
	}
	return errors.New("unknown session")
}

// newHandler builds another handler over the test's backend.
func (e *env) newHandler(opts ...admin.Option) http.Handler {
	e.t.Helper()
	h, err := admin.New(e.b, opts...)
	if err != nil {
		e.t.Fatalf("admin.New: %v", err)
	}
	return h
}

func testAuth(e *env) {
	tokenOnly := e.h
	cookieOnly := e.newHandler(admin.WithAuthorizer(cookieAuth))
	both := e.newHandler(admin.WithToken(Token), admin.WithAuthorizer(cookieAuth))
	stats := "/api/admin/jobs/stats"
	cases := []struct {
		name      string
		h         http.Handler
		r         req
		status    int
		challenge bool // WWW-Authenticate expected
	}{
		{"token", tokenOnly, req{path: stats}, http.StatusOK, false},
		{"lower-case scheme", tokenOnly, req{path: stats, noAuth: true, headers: map[string]string{"Authorization": "bearer " + Token}}, http.StatusOK, false},
		{"no credentials", tokenOnly, req{path: stats, noAuth: true}, http.StatusUnauthorized, true},
		{"wrong token", tokenOnly, req{path: stats, noAuth: true, headers: map[string]string{"Authorization": "Bearer " + Token + "x"}}, http.StatusUnauthorized, true},
		{"token prefix", tokenOnly, req{path: stats, noAuth: true, headers: map[string]string{"Authorization": "Bearer " + Token[:5]}}, http.StatusUnauthorized, true},
		{"basic scheme", tokenOnly, req{path: stats, noAuth: true, headers: map[string]string{"Authorization": "Basic " + Token}}, http.StatusUnauthorized, true},
		{"unknown route unauthenticated", tokenOnly, req{path: "/api/admin/nope", noAuth: true}, http.StatusUnauthorized, true},
		{"mutation unauthenticated", tokenOnly, req{method: http.MethodPost, path: "/api/admin/queues/emails/pause", noAuth: true, body: "{}"}, http.StatusUnauthorized, true},
		{"cookie", cookieOnly, req{path: stats, noAuth: true, headers: map[string]string{"Cookie": "session=ok"}}, http.StatusOK, false},
		{"cookie forbidden", cookieOnly, req{path: stats, noAuth: true, headers: map[string]string{"Cookie": "session=guest"}}, http.StatusForbidden, false},
		{"cookie unknown", cookieOnly, req{path: stats, noAuth: true, headers: map[string]string{"Cookie": "session=zzz"}}, http.StatusUnauthorized, false},
		{"no cookie", cookieOnly, req{path: stats, noAuth: true}, http.StatusUnauthorized, false},
		{"token where only cookies count", cookieOnly, req{path: stats}, http.StatusUnauthorized, false},
		{"both: token", both, req{path: stats}, http.StatusOK, false},
		{"both: cookie", both, req{path: stats, noAuth: true, headers: map[string]string{"Cookie": "session=ok"}}, http.StatusOK, false},
		{"both: wrong token, good cookie", both, req{path: stats, noAuth: true, headers: map[string]string{"Cookie": "session=ok", "Authorization": "Bearer nope"}}, http.StatusOK, false},
		{"both: neither", both, req{path: stats, noAuth: true}, http.StatusUnauthorized, true},
	}
	for _, c := range cases {
		res := e.serve(c.h, c.r)
		e.expectStatus(c.name, res, c.status)
		if got := res.header.Get("WWW-Authenticate") != ""; got != c.challenge {
			e.t.Errorf("%s: WWW-Authenticate %q, want one: %v", c.name, res.header.Get("WWW-Authenticate"), c.challenge)
		}
	}
	if e.paused("emails") {
		e.t.Fatal("an unauthenticated request paused a queue")
	}
}

func testRouting(e *env) {
	cases := []struct {
		method, path string
		status       int
		allow        []string
	}{
		{http.MethodGet, "/api/admin/nope", http.StatusNotFound, nil},
		{http.MethodGet, "/api/admin/jobs/e-dead/nope", http.StatusNotFound, nil},
		{http.MethodGet, "/", http.StatusNotFound, nil},
		{http.MethodPut, "/api/admin/jobs/stats", http.StatusMethodNotAllowed, []string{"GET"}},
		{http.MethodGet, "/api/admin/jobs/e-dead/retry", http.StatusMethodNotAllowed, []string{"POST"}},
		{http.MethodPatch, "/api/admin/jobs/e-dead", http.StatusMethodNotAllowed, []string{"GET", "DELETE"}},
		{http.MethodGet, "/api/admin/queues/emails/pause", http.StatusMethodNotAllowed, []string{"POST"}},
	}
	for _, c := range cases {
		res := e.do(req{method: c.method, path: c.path, headers: map[string]string{"Content-Type": "application/json"}})
		e.expectError(c.method+" "+c.path, res, c.status, "")
		for _, m := range c.allow {
			if !strings.Contains(res.header.Get("Allow"), m) {
				e.t.Errorf("%s %s: Allow %q, want it to contain %s", c.method, c.path, res.header.Get("Allow"), m)
			}
		}
	}
}

// mutations lists one request of each mutating endpoint.
var mutations = []req{
	{method: http.MethodPost, path: "/api/admin/jobs/e-dead/retry"},
	{method: http.MethodPost, path: "/api/admin/jobs/e-pend-1/cancel"},
	{method: http.MethodDelete, path: "/api/admin/jobs/e-dead"},
	{method: http.MethodPost, path: "/api/admin/jobs/failed/retry", body: "{}"},
	{method: http.MethodPost, path: "/api/admin/jobs/failed/purge", body: "{}"},
	{method: http.MethodPost, path: "/api/admin/queues/emails/pause"},
	{method: http.MethodPost, path: "/api/admin/queues/emails/resume"},
	{method: http.MethodPost, path: "/api/admin/queues/emails/repair?fix=1"},
}

func testReadOnly(e *env) {
	h := e.newHandler(admin.WithToken(Token), admin.WithReadOnly())
	for _, r := range mutations {
		e.expectError("read-only "+r.method+" "+r.path, e.serve(h, r), http.StatusForbidden, "read-only")
	}
	e.expectStatus("read-only GET", e.serve(h, req{path: "/api/admin/jobs/failed"}), http.StatusOK)
	if e.stored("e-dead").State != jobs.StateFailed || e.stored("e-pend-1").State != jobs.StatePending || e.paused("emails") {
		e.t.Fatal("a read-only request changed a job or a queue")
	}
}

func testCrossSite(e *env) {
	h := e.newHandler(admin.WithToken(Token), admin.WithAuthorizer(cookieAuth))
	cookie := map[string]string{"Cookie": "session=ok"}
	withType := func(ct string) map[string]string {
		return map[string]string{"Cookie": "session=ok", "Content-Type": ct}
	}
	pause := "/api/admin/queues/emails/pause"
	cases := []struct {
		name   string
		r      req
		status int
	}{
		{"form post", req{method: http.MethodPost, path: pause, noAuth: true, headers: withType("application/x-www-form-urlencoded")}, http.StatusUnsupportedMediaType},
		{"multipart post", req{method: http.MethodPost, path: pause, noAuth: true, headers: withType("multipart/form-data; boundary=x")}, http.StatusUnsupportedMediaType},
		{"text post", req{method: http.MethodPost, path: pause, noAuth: true, headers: withType("text/plain")}, http.StatusUnsupportedMediaType},
		{"no content type", req{method: http.MethodPost, path: pause, noAuth: true, headers: cookie}, http.StatusUnsupportedMediaType},
		{"delete without JSON", req{method: http.MethodDelete, path: "/api/admin/jobs/e-dead", noAuth: true, headers: cookie}, http.StatusUnsupportedMediaType},
	}
	for _, c := range cases {
		e.expectError(c.name, e.serve(h, c.r), c.status, "Content-Type")
	}
	if e.paused("emails") || e.stored("e-dead").State != jobs.StateFailed {
		e.t.Fatal("a request without JSON content type changed something")
	}
	e.expectStatus("cookie with JSON", e.serve(h, req{method: http.MethodPost, path: pause, noAuth: true, headers: withType("application/json; charset=utf-8")}), http.StatusOK)
	e.expectStatus("token without content type", e.serve(h, req{method: http.MethodPost, path: "/api/admin/queues/emails/resume"}), http.StatusOK)
}

func testPrefix(e *env) {
	mux := http.NewServeMux()
	mux.Handle("/ops/", http.StripPrefix("/ops", e.h))
	e.expectStatus("mounted stats", e.serve(mux, req{path: "/ops/api/admin/jobs/stats"}), http.StatusOK)
	e.expectStatus("mounted retry", e.serve(mux, req{method: http.MethodPost, path: "/ops/api/admin/jobs/e-dead/retry"}), http.StatusOK)
	e.expectError("mounted unknown", e.serve(mux, req{path: "/ops/api/admin/nope"}), http.StatusNotFound, "Not found")
}
