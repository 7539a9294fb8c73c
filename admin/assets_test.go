package admin_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/admin"
)

// TestStaticCaching: pages link the static files with a version that lets
// the browser keep them (no revalidation request before the first paint);
// other URLs of them are revalidated.
func TestStaticCaching(t *testing.T) {
	h, err := admin.New(memory.New(), admin.WithToken(browserToken))
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Authorization", "Bearer "+browserToken)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	links := map[string]*regexp.Regexp{
		"/jobs/":      regexp.MustCompile(`href="(static/app\.css\?v=[0-9a-f]+)".*\n.*src="(static/app\.js\?v=[0-9a-f]+)"`),
		"/jobs/login": regexp.MustCompile(`href="(static/app\.css\?v=[0-9a-f]+)"`),
	}
	for page, re := range links {
		w := get(page)
		m := re.FindStringSubmatch(w.Body.String())
		if w.Code != http.StatusOK || m == nil {
			t.Fatalf("%s: %d, no versioned static links in\n%s", page, w.Code, w.Body)
		}
		for _, link := range m[1:] {
			if w := get("/jobs/" + link); w.Code != http.StatusOK || w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
				t.Errorf("%s: %d, Cache-Control %q; want 200, immutable", link, w.Code, w.Header().Get("Cache-Control"))
			}
		}
	}
	for _, path := range []string{"/jobs/static/app.css", "/jobs/static/app.js?v=old"} {
		if w := get(path); w.Code != http.StatusOK || w.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: %d, Cache-Control %q; want 200, no-cache", path, w.Code, w.Header().Get("Cache-Control"))
		}
	}
}
