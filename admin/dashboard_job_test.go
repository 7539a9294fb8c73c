package admin_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jobsgo/jobs"
)

// TestDashboardJobPage checks, without a browser, the job page's answers
// (404 for an unknown job, the login for a stranger) and that its
// actions change nothing without the session's CSRF token.
func TestDashboardJobPage(t *testing.T) {
	b, serve := seededDashboard(t)
	cookie := logIn(t, serve)

	pages := []struct {
		name, path string
		cookie     *http.Cookie
		want       int
		has        string
	}{
		{"unknown job", "/jobs/job/no-such-job", cookie, http.StatusNotFound, "Job not found"},
		{"invalid job ID", "/jobs/job/a%20b", cookie, http.StatusBadRequest, "Invalid job ID"},
		{"dead letter", "/jobs/job/x-xss", cookie, http.StatusOK, `href="../static/app.css?v=`},
		{"stranger", "/jobs/job/x-xss", nil, http.StatusSeeOther, ""},
	}
	for _, tc := range pages {
		w := serve(http.MethodGet, tc.path, nil, tc.cookie)
		if w.Code != tc.want || !strings.Contains(w.Body.String(), tc.has) {
			t.Errorf("%s: GET %s = %d, want %d with %q in\n%s", tc.name, tc.path, w.Code, tc.want, tc.has, w.Body)
		}
		if tc.cookie == nil && w.Header().Get("Location") != "../login" {
			t.Errorf("%s: redirected to %q, want ../login", tc.name, w.Header().Get("Location"))
		}
	}
	page := serve(http.MethodGet, "/jobs/job/e-1", nil, cookie).Body.String()
	if strings.Contains(page, "<script>alert") {
		t.Fatal("the job page holds the XSS payload unescaped")
	}
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if token == nil || !strings.Contains(page, `action="../cancel"`) {
		t.Fatalf("the pending job's page has no cancel form with a CSRF token:\n%s", page)
	}

	actions := []struct {
		action, id, csrf string
		want             int
		state            jobs.State // the job's state afterwards; "" for deleted
	}{
		{"cancel", "e-1", "", http.StatusForbidden, jobs.StatePending},
		{"cancel", "e-1", "forged", http.StatusForbidden, jobs.StatePending},
		{"retry", "x-xss", "", http.StatusForbidden, jobs.StateFailed},
		{"delete", "x-xss", "forged", http.StatusForbidden, jobs.StateFailed},
		{"cancel", "e-1", token[1], http.StatusSeeOther, jobs.StateCancelled},
		{"retry", "x-xss", token[1], http.StatusSeeOther, jobs.StatePending},
		{"delete", "x-xss", token[1], http.StatusConflict, jobs.StatePending},
		{"delete", "r-dead-1", token[1], http.StatusSeeOther, ""},
	}
	for _, tc := range actions {
		w := serve(http.MethodPost, "/jobs/"+tc.action, url.Values{"id": {tc.id}, "csrf": {tc.csrf}, "from": {"job"}}, cookie)
		if w.Code != tc.want {
			t.Fatalf("%s %s with CSRF %q: %d, want %d", tc.action, tc.id, tc.csrf, w.Code, tc.want)
		}
		if back := map[string]string{"cancel": "job/e-1", "retry": "job/x-xss", "delete": "dead"}[tc.action]; w.Code == http.StatusSeeOther && w.Header().Get("Location") != back {
			t.Errorf("%s %s went back to %q, want %q", tc.action, tc.id, w.Header().Get("Location"), back)
		}
		j, err := b.Job(t.Context(), tc.id)
		if tc.state == "" && err == nil || tc.state != "" && (err != nil || j.State != tc.state) {
			t.Fatalf("%s %s with CSRF %q: job %v, %v; want %q", tc.action, tc.id, tc.csrf, j.State, err, tc.state)
		}
	}
}
