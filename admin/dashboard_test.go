package admin_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/admin"
)

// TestDashboardSessionAndCSRF checks, without a browser, what a browser
// relies on: the CSP and cookie attributes, and that a form post without
// the session's CSRF token changes nothing.
func TestDashboardSessionAndCSRF(t *testing.T) {
	b, serve := seededDashboard(t)
	post := func(path string, form url.Values, cookie *http.Cookie) *httptest.ResponseRecorder {
		return serve(http.MethodPost, path, form, cookie)
	}
	w := post("/jobs/login", url.Values{"token": {browserToken}}, nil)
	cookies := w.Result().Cookies()
	if w.Code != http.StatusSeeOther || len(cookies) != 1 {
		t.Fatalf("login: %d, cookies %v", w.Code, cookies)
	}
	c := cookies[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "" || c.Secure {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, no Path, not Secure without TLS", c)
	}
	page := serve(http.MethodGet, "/jobs/", nil, c)
	csp := page.Header().Get("Content-Security-Policy")
	if page.Code != http.StatusOK || !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("overview: %d, CSP %q", page.Code, csp)
	}
	if strings.Contains(page.Body.String(), "<script>") || strings.Contains(page.Body.String(), " style=") {
		t.Fatal("the overview has inline script or style")
	}
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page.Body.String())
	if token == nil {
		t.Fatal("the overview has no CSRF token in its forms")
	}
	cases := []struct {
		name string
		csrf string
		want int
	}{
		{"no CSRF token", "", http.StatusForbidden},
		{"wrong CSRF token", "forged", http.StatusForbidden},
		{"session's CSRF token", token[1], http.StatusSeeOther},
	}
	for _, tc := range cases {
		w := post("/jobs/pause", url.Values{"queue": {"emails"}, "csrf": {tc.csrf}}, c)
		if w.Code != tc.want {
			t.Fatalf("%s: %d, want %d", tc.name, w.Code, tc.want)
		}
		if paused := queuePaused(t, b, "emails"); paused != (tc.want == http.StatusSeeOther) {
			t.Fatalf("%s: emails paused = %v", tc.name, paused)
		}
	}
}

// seededDashboard returns a memory backend seeded as the browser test seeds
// it, and a function that sends a request to the admin handler in front of
// it (a form body when form is set, with the session cookie when set).
func seededDashboard(t *testing.T) (jobs.Backend, func(method, path string, form url.Values, cookie *http.Cookie) *httptest.ResponseRecorder) {
	t.Helper()
	b := memory.New()
	seedDashboard(t, b)
	h, err := admin.New(b, admin.WithToken(browserToken))
	if err != nil {
		t.Fatal(err)
	}
	return b, func(method, path string, form url.Values, cookie *http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != nil {
			r.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
}

// logIn logs in to the dashboard served by serve (see seededDashboard)
// with the token and returns the session cookie.
func logIn(t *testing.T, serve func(method, path string, form url.Values, cookie *http.Cookie) *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	w := serve(http.MethodPost, "/jobs/login", url.Values{"token": {browserToken}}, nil)
	if w.Code != http.StatusSeeOther || len(w.Result().Cookies()) != 1 {
		t.Fatalf("login: %d, cookies %v", w.Code, w.Result().Cookies())
	}
	return w.Result().Cookies()[0]
}

// TestLivePages: the pages that list what changes refresh themselves
// (data-live, which app.js's interval picker acts on), the queue page
// among them.
func TestLivePages(t *testing.T) {
	_, serve := seededDashboard(t)
	cookie := logIn(t, serve)
	tests := []struct {
		path string
		live bool
	}{
		{"/jobs/", true},
		{"/jobs/queue?name=emails&state=pending", true},
		{"/jobs/dead", true},
		{"/jobs/workers", true},
		{"/jobs/periodic", true},
	}
	for _, tt := range tests {
		w := serve(http.MethodGet, tt.path, nil, cookie)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", tt.path, w.Code)
		}
		if got := strings.Contains(w.Body.String(), "<main data-live>"); got != tt.live {
			t.Errorf("GET %s: live refresh %v, want %v", tt.path, got, tt.live)
		}
	}
}
