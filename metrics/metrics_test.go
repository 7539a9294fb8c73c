package metrics_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/adapters/redis/redistest"
	"github.com/jobsgo/jobs/metrics"
	"github.com/jobsgo/jobs/runtime"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestPoolMetrics runs a pool with the middleware on a few jobs and
// scrapes /metrics, on each backend.
func TestPoolMetrics(t *testing.T) {
	backends := []struct {
		name string
		new  func(t *testing.T) jobs.Backend
	}{
		{"memory", func(*testing.T) jobs.Backend { return memory.New() }},
		{"redis", newRedisBackend},
	}
	for _, bc := range backends {
		t.Run(bc.name, func(t *testing.T) {
			testPoolMetrics(t, bc.new(t))
		})
	}
}

// newRedisBackend returns a backend on the test Redis under a fresh key
// prefix, whose keys are deleted when the test ends.
func newRedisBackend(t *testing.T) jobs.Backend {
	b, _ := redistest.New(t)
	return b
}

func testPoolMetrics(t *testing.T, backend jobs.Backend) {
	ctx := t.Context()
	reg := runtime.NewRegistry()
	handlers := map[string]runtime.Handler{
		"ok": func(context.Context, jobs.Job) (json.RawMessage, error) {
			return json.RawMessage(`{"done":true}`), nil
		},
		"flaky": func(context.Context, jobs.Job) (json.RawMessage, error) { return nil, errors.New("flaky") },
		"skip": func(context.Context, jobs.Job) (json.RawMessage, error) {
			return nil, jobs.SkipRetry(errors.New("bad input"))
		},
		"boom": func(context.Context, jobs.Job) (json.RawMessage, error) { panic("handler bug") },
	}
	for name, h := range handlers {
		if err := reg.Register(name, h); err != nil {
			t.Fatal(err)
		}
	}
	m := metrics.New()
	prom := prometheus.NewRegistry()
	prom.MustRegister(m, metrics.NewStatsCollector(backend))
	server := httptest.NewServer(metrics.Handler(prom))
	defer server.Close()

	pool, err := runtime.NewPool(backend, reg, runtime.PoolConfig{
		Queues:            map[string]int{jobs.DefaultQueue: 2},
		Retry:             jobs.RetryPolicy{InitialDelay: time.Millisecond, MaxDelay: time.Millisecond, Jitter: jobs.NoJitter},
		SchedulerInterval: 10 * time.Millisecond,
		Middleware:        []runtime.Middleware{m.Middleware},
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	client := runtime.NewClient(backend)
	var ids []string
	for _, e := range []struct {
		jobType string
		opts    []jobs.EnqueueOption
	}{
		{"ok", nil},
		{"ok", nil},
		{"flaky", []jobs.EnqueueOption{jobs.WithMaxRetries(1)}},
		{"skip", nil},
		{"boom", []jobs.EnqueueOption{jobs.WithMaxRetries(0)}},
	} {
		j, err := client.Enqueue(ctx, e.jobType, nil, e.opts...)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	if _, err := client.Enqueue(ctx, "ok", nil, jobs.RunIn(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := backend.PauseQueue(ctx, "reports"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Enqueue(ctx, "ok", nil, jobs.WithQueue("reports")); err != nil {
		t.Fatal(err)
	}
	if err := pool.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer pool.Shutdown(context.Background())
	waitTerminal(t, backend, ids)

	expected := `
# HELP jobs_processed_total Attempts whose handler returned or panicked.
# TYPE jobs_processed_total counter
jobs_processed_total{queue="default",type="boom"} 1
jobs_processed_total{queue="default",type="flaky"} 2
jobs_processed_total{queue="default",type="ok"} 2
jobs_processed_total{queue="default",type="skip"} 1
# HELP jobs_succeeded_total Attempts whose handler returned no error.
# TYPE jobs_succeeded_total counter
jobs_succeeded_total{queue="default",type="ok"} 2
# HELP jobs_retried_total Failed attempts after which the job is retried.
# TYPE jobs_retried_total counter
jobs_retried_total{queue="default",type="flaky"} 1
# HELP jobs_failed_total Failed attempts that sent the job to the dead-letter queue.
# TYPE jobs_failed_total counter
jobs_failed_total{queue="default",type="boom"} 1
jobs_failed_total{queue="default",type="flaky"} 1
jobs_failed_total{queue="default",type="skip"} 1
# HELP jobs_queue_size Pending jobs of the queue.
# TYPE jobs_queue_size gauge
jobs_queue_size{queue="default"} 0
jobs_queue_size{queue="reports"} 1
# HELP jobs_queue_scheduled Scheduled jobs of the queue.
# TYPE jobs_queue_scheduled gauge
jobs_queue_scheduled{queue="default"} 1
jobs_queue_scheduled{queue="reports"} 0
# HELP jobs_queue_retrying Jobs of the queue waiting for a retry.
# TYPE jobs_queue_retrying gauge
jobs_queue_retrying{queue="default"} 0
jobs_queue_retrying{queue="reports"} 0
# HELP jobs_queue_running Running jobs of the queue.
# TYPE jobs_queue_running gauge
jobs_queue_running{queue="default"} 0
jobs_queue_running{queue="reports"} 0
# HELP jobs_queue_dead_letters Jobs of the queue in the dead-letter queue.
# TYPE jobs_queue_dead_letters gauge
jobs_queue_dead_letters{queue="default"} 3
jobs_queue_dead_letters{queue="reports"} 0
# HELP jobs_queue_paused 1 when the queue is paused, else 0.
# TYPE jobs_queue_paused gauge
jobs_queue_paused{queue="default"} 0
jobs_queue_paused{queue="reports"} 1
# HELP jobs_backend_up 1 when the backend's stats could be read, else 0.
# TYPE jobs_backend_up gauge
jobs_backend_up 1
`
	names := []string{
		"jobs_processed_total", "jobs_succeeded_total", "jobs_retried_total", "jobs_failed_total", "jobs_interrupted_total",
		"jobs_queue_size", "jobs_queue_scheduled", "jobs_queue_retrying", "jobs_queue_running", "jobs_queue_dead_letters",
		"jobs_queue_paused", "jobs_backend_up",
	}
	if err := testutil.ScrapeAndCompare(server.URL, strings.NewReader(expected), names...); err != nil {
		t.Fatal(err)
	}

	body := scrape(t, server.URL)
	for _, line := range []string{
		`jobs_handler_duration_seconds_count{queue="default",type="ok"} 2`,
		`jobs_handler_duration_seconds_count{queue="default",type="flaky"} 2`,
		`jobs_handler_duration_seconds_count{queue="default",type="boom"} 1`,
		`jobs_start_latency_seconds_count{queue="default",type="flaky"} 2`,
		`jobs_start_latency_seconds_count{queue="default",type="skip"} 1`,
		`jobs_workers{queue="default",status=`,
	} {
		if !strings.Contains(body, line) {
			t.Errorf("/metrics lacks %q", line)
		}
	}
}

// waitTerminal waits until every job in ids is completed, failed or
// cancelled.
func waitTerminal(t *testing.T, b jobs.Backend, ids []string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, id := range ids {
		for {
			j, err := b.Job(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if j.State.Terminal() {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s (%s) is still %s", id, j.Type, j.State)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// scrape returns the body of GET url.
func scrape(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, %v", url, res.StatusCode, err)
	}
	return string(b)
}
