package admin_test

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/admin"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// getJSON sends an authenticated GET for path to h and decodes a 200
// answer into v; it returns the status.
func getJSON(t *testing.T, h http.Handler, path string, v any) int {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("Authorization", "Bearer "+browserToken)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code == http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
			t.Fatalf("GET %s: %v in %s", path, err, w.Body)
		}
	}
	return w.Code
}

// TestOverviewAPI checks GET /api/admin/overview and
// /api/admin/queues/{queue}/throughput against an hour of seeded jobs.
func TestOverviewAPI(t *testing.T) {
	clock := backendtest.NewClock(hourStart)
	b := memory.New(memory.WithClock(clock))
	seed := seedHour(t, b, clock)
	h, err := admin.New(b, admin.WithToken(browserToken))
	if err != nil {
		t.Fatal(err)
	}

	var o admin.Overview
	if code := getJSON(t, h, "/api/admin/overview", &o); code != http.StatusOK || o.Throughput == nil {
		t.Fatalf("GET overview: %d, throughput %v", code, o.Throughput)
	}
	tp := o.Throughput
	if tp.Range != "1h" || !tp.Now.Equal(clock.Now()) || len(tp.Minutes) != 61 {
		t.Fatalf("range %q now %v, %d minutes; want 1h, %v, 61", tp.Range, tp.Now, len(tp.Minutes), clock.Now())
	}
	for i, m := range tp.Minutes {
		if want := seed.minutes[i]; !m.Minute.Equal(want.Minute) || m.Processed != want.Processed || m.Failed != want.Failed {
			t.Errorf("minute %d: %+v, want %+v", i, m, want)
		}
	}
	if len(o.Stats.Queues) != 2 || len(tp.Queues) != 2 || tp.Queues[0].Queue != "emails" {
		t.Fatalf("queues: stats %+v, throughput %+v", o.Stats.Queues, tp.Queues)
	}
	emails := tp.Queues[0]
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-9 }
	if !near(emails.ProcessedPerMinute, float64(seed.processed)/5.5) || !near(emails.FailedPerMinute, float64(seed.failed)/5.5) {
		t.Errorf("emails rates %v, %v per minute; want %d and %d over 5.5 minutes", emails.ProcessedPerMinute, emails.FailedPerMinute, seed.processed, seed.failed)
	}
	if emails.Started != int64(len(seed.waits)) {
		t.Errorf("emails started %d in the wait window, want %d", emails.Started, len(seed.waits))
	}
	for _, q := range []struct {
		q   float64
		got float64
	}{{0.5, emails.WaitP50MS}, {0.95, emails.WaitP95MS}} {
		lo, hi := seed.quantileBounds(q.q)
		if got := time.Duration(q.got * float64(time.Millisecond)); got < lo || got > hi {
			t.Errorf("emails wait p%v = %v, want in [%v, %v]", q.q*100, got, lo, hi)
		}
	}

	if code := getJSON(t, h, "/api/admin/overview?range=24h", &o); code != http.StatusOK || len(o.Throughput.Minutes) != 24*60+1 {
		t.Fatalf("range=24h: %d, %d minutes", code, len(o.Throughput.Minutes))
	}
	var q admin.QueueThroughput
	if code := getJSON(t, h, "/api/admin/queues/reports/throughput", &q); code != http.StatusOK ||
		q.Queue != "reports" || len(q.Minutes) != 61 || q.Minutes[57].Processed != 1 || q.Minutes[58].Processed != 0 {
		t.Fatalf("reports throughput: %d %+v", code, q)
	}
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/api/admin/overview?range=2h", http.StatusBadRequest},
		{"/api/admin/queues/emails/throughput?range=1d", http.StatusBadRequest},
		{"/api/admin/queues/nope/throughput", http.StatusNotFound},
	} {
		if code := getJSON(t, h, tc.path, &q); code != tc.want {
			t.Errorf("GET %s: %d, want %d", tc.path, code, tc.want)
		}
	}
}

// noCounters is a backend without jobs.ThroughputReader.
type noCounters struct{ jobs.Backend }

// TestOverviewWithoutCounters: a backend that keeps no per-minute counters
// gets a null throughput, a 404 per queue and a note on the page.
func TestOverviewWithoutCounters(t *testing.T) {
	b := noCounters{memory.New()}
	if err := b.Enqueue(context.Background(), mustJob(t, "q-1")); err != nil {
		t.Fatal(err)
	}
	h, err := admin.New(b, admin.WithToken(browserToken))
	if err != nil {
		t.Fatal(err)
	}
	var o map[string]json.RawMessage
	if code := getJSON(t, h, "/api/admin/overview", &o); code != http.StatusOK || string(o["throughput"]) != "null" {
		t.Fatalf("GET overview: %d, throughput %s", code, o["throughput"])
	}
	if code := getJSON(t, h, "/api/admin/queues/default/throughput", &o); code != http.StatusNotFound {
		t.Fatalf("queue throughput: %d, want 404", code)
	}
	r := httptest.NewRequest(http.MethodGet, "/jobs/", nil)
	r.Header.Set("Authorization", "Bearer "+browserToken)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, `id="no-counters"`) || strings.Contains(body, "<svg") || strings.Contains(body, "Wait p50") {
		t.Fatalf("overview page: %d; want the no-counters note, no chart and no rate columns:\n%s", w.Code, body)
	}
}

// mustJob makes a pending job with the given ID in the default queue.
func mustJob(t *testing.T, id string) jobs.Job {
	t.Helper()
	j, err := jobs.NewJob("t", []byte(`{}`), jobs.ResolveEnqueueOptions(jobs.WithJobID(id)), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return j
}
