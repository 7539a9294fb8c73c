package admin_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jobsgo/jobs"
)

// TestDashboardQueueAndBulkForms checks, without a browser, the queue
// page's answers to bad input and the bulk dead-letter forms: a clear
// error and nothing changed for a bad or forged form, the change and the
// filters kept for a good one.
func TestDashboardQueueAndBulkForms(t *testing.T) {
	b, serve := seededDashboard(t)
	cookie := logIn(t, serve)

	pages := []struct {
		name, path string
		want       int
		has        string
	}{
		{"queue page", "/jobs/queue?name=emails", http.StatusOK, `data-job="e-1"`},
		{"running tab", "/jobs/queue?name=emails&state=running", http.StatusOK, `data-job="e-run"`},
		{"filtered", "/jobs/queue?name=reports&state=failed&q=%3Cscript%3E", http.StatusOK, "Scanned 2 of 2 failed jobs: 1 matched."},
		{"no queue", "/jobs/queue", http.StatusBadRequest, "Invalid queue name"},
		{"invalid queue", "/jobs/queue?name=a%7Bb%7D", http.StatusBadRequest, "Invalid queue name"},
		{"unknown state", "/jobs/queue?name=emails&state=lost", http.StatusBadRequest, "Unknown state"},
		{"invalid type", "/jobs/queue?name=emails&type=a%20b", http.StatusBadRequest, "Invalid job type"},
		{"forged cursor", "/jobs/queue?name=emails&cursor=garbage", http.StatusBadRequest, "Invalid cursor"},
		{"job search", "/jobs/job?id=a%2Fb", http.StatusSeeOther, ""},
		{"dead, error filter", "/jobs/dead?error=NO+DATA", http.StatusOK, "1 of the 2 newest dead letters match."},
		{"dead, invalid queue", "/jobs/dead?queue=a%7Bb%7D", http.StatusBadRequest, "Invalid queue name"},
	}
	for _, tc := range pages {
		w := serve(http.MethodGet, tc.path, nil, cookie)
		if w.Code != tc.want || !strings.Contains(w.Body.String(), tc.has) {
			t.Errorf("%s: GET %s = %d, want %d with %q in\n%s", tc.name, tc.path, w.Code, tc.want, tc.has, w.Body)
		}
	}
	if loc := serve(http.MethodGet, "/jobs/job?id=a%2Fb", nil, cookie).Header().Get("Location"); loc != "job/a%2Fb" {
		t.Errorf("job search for a/b went to %q, want job/a%%2Fb", loc)
	}
	if body := serve(http.MethodGet, "/jobs/queue?name=reports&state=failed", nil, cookie).Body.String(); strings.Contains(body, "<script>alert") {
		t.Fatal("the queue page holds the XSS payload unescaped")
	}

	page := serve(http.MethodGet, "/jobs/dead", nil, cookie).Body.String()
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if token == nil || !strings.Contains(page, `id="bulk"`) {
		t.Fatalf("the dead-letter page has no bulk form with a CSRF token:\n%s", page)
	}
	csrf := token[1]
	posts := []struct {
		name, path string
		form       url.Values
		want       int
		has, loc   string
		dead       []string // the dead letters left
	}{
		{"bulk without CSRF token", "/jobs/bulk", url.Values{"action": {"retry"}, "id": {"x-xss"}}, http.StatusForbidden, "form token", "", []string{"x-xss", "r-dead-1"}},
		{"retry-matching without CSRF token", "/jobs/retry-matching", url.Values{}, http.StatusForbidden, "form token", "", []string{"x-xss", "r-dead-1"}},
		{"nothing selected", "/jobs/bulk", url.Values{"csrf": {csrf}, "action": {"retry"}}, http.StatusBadRequest, "Select at least one", "", []string{"x-xss", "r-dead-1"}},
		{"unknown action", "/jobs/bulk", url.Values{"csrf": {csrf}, "action": {"burn"}, "id": {"x-xss"}}, http.StatusBadRequest, "Unknown bulk action", "", []string{"x-xss", "r-dead-1"}},
		{"invalid ID", "/jobs/bulk", url.Values{"csrf": {csrf}, "action": {"delete"}, "id": {"x-xss", "a b"}}, http.StatusBadRequest, "Invalid job ID", "", []string{"x-xss", "r-dead-1"}},
		{"too many", "/jobs/bulk", url.Values{"csrf": {csrf}, "action": {"delete"}, "id": manyIDs(1001)}, http.StatusBadRequest, "At most 1000", "", []string{"x-xss", "r-dead-1"}},
		{"retry matching an error", "/jobs/retry-matching", url.Values{"csrf": {csrf}, "queue": {"reports"}, "error": {"no data"}}, http.StatusSeeOther, "", "dead?error=no+data&queue=reports&retried=1", []string{"x-xss"}},
		{"delete selected, one gone meanwhile", "/jobs/bulk", url.Values{"csrf": {csrf}, "action": {"delete"}, "id": {"r-dead-1", "x-xss"}}, http.StatusSeeOther, "", "dead?deleted=1", []string{}},
	}
	for _, tc := range posts {
		w := serve(http.MethodPost, tc.path, tc.form, cookie)
		if w.Code != tc.want || !strings.Contains(w.Body.String(), tc.has) || w.Header().Get("Location") != tc.loc {
			t.Errorf("%s: POST %s = %d to %q, want %d to %q with %q in\n%s", tc.name, tc.path, w.Code, w.Header().Get("Location"), tc.want, tc.loc, tc.has, w.Body)
		}
		dead, err := b.DeadLetters(t.Context(), jobs.DeadLetterQuery{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var left []string
		for _, j := range dead {
			left = append(left, j.ID)
		}
		if strings.Join(left, ",") != strings.Join(tc.dead, ",") {
			t.Fatalf("%s: dead letters left %v, want %v", tc.name, left, tc.dead)
		}
	}
}

// manyIDs returns n valid job IDs.
func manyIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "id-" + strings.Repeat("x", i%7) + string(rune('a'+i%26))
	}
	return out
}
