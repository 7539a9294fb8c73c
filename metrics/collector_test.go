package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/metrics"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fixedStats is a jobs.StatsReader with canned answers.
type fixedStats struct {
	stats jobs.Stats
	err   error
}

func (f fixedStats) Stats(context.Context) (jobs.Stats, error) { return f.stats, f.err }

func (fixedStats) History(context.Context, string, int) ([]jobs.Job, error) { return nil, nil }

func TestStatsCollector(t *testing.T) {
	stats := jobs.Stats{
		Queues: []jobs.QueueStats{
			{Name: "emails", Paused: true, Pending: 7, Scheduled: 2, Retrying: 1, Running: 3, DeadLetters: 4},
		},
		Workers: []jobs.WorkerInfo{
			{ID: "p/emails/000", Queue: "emails", Status: jobs.WorkerRunning},
			{ID: "p/emails/001", Queue: "emails", Status: jobs.WorkerRunning},
			{ID: "p/emails/002", Queue: "emails", Status: jobs.WorkerIdle},
			{ID: "p/reports/000", Queue: "reports", Status: jobs.WorkerIdle},
		},
	}
	cases := []struct {
		name   string
		reader fixedStats
		want   string
		log    string
	}{
		{"figures", fixedStats{stats: stats}, `
# HELP jobs_backend_up 1 when the backend's stats could be read, else 0.
# TYPE jobs_backend_up gauge
jobs_backend_up 1
# HELP jobs_queue_dead_letters Jobs of the queue in the dead-letter queue.
# TYPE jobs_queue_dead_letters gauge
jobs_queue_dead_letters{queue="emails"} 4
# HELP jobs_queue_paused 1 when the queue is paused, else 0.
# TYPE jobs_queue_paused gauge
jobs_queue_paused{queue="emails"} 1
# HELP jobs_queue_retrying Jobs of the queue waiting for a retry.
# TYPE jobs_queue_retrying gauge
jobs_queue_retrying{queue="emails"} 1
# HELP jobs_queue_running Running jobs of the queue.
# TYPE jobs_queue_running gauge
jobs_queue_running{queue="emails"} 3
# HELP jobs_queue_scheduled Scheduled jobs of the queue.
# TYPE jobs_queue_scheduled gauge
jobs_queue_scheduled{queue="emails"} 2
# HELP jobs_queue_size Pending jobs of the queue.
# TYPE jobs_queue_size gauge
jobs_queue_size{queue="emails"} 7
# HELP jobs_workers Live workers by queue and status (idle or running).
# TYPE jobs_workers gauge
jobs_workers{queue="emails",status="idle"} 1
jobs_workers{queue="emails",status="running"} 2
jobs_workers{queue="reports",status="idle"} 1
`, ""},
		{"backend down", fixedStats{err: errors.New("dial tcp: connection refused")}, `
# HELP jobs_backend_up 1 when the backend's stats could be read, else 0.
# TYPE jobs_backend_up gauge
jobs_backend_up 0
`, "connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			col := metrics.NewStatsCollector(c.reader, metrics.WithStatsTimeout(time.Second), metrics.WithCollectorLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			if err := testutil.CollectAndCompare(col, strings.NewReader(c.want)); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(logs.String(), c.log) || (c.log == "") != (logs.Len() == 0) {
				t.Fatalf("logs %q, want them to mention %q", logs.String(), c.log)
			}
		})
	}
}

func TestMetricNamesLint(t *testing.T) {
	m := metrics.New()
	h := m.Middleware(func(context.Context, jobs.Job) (json.RawMessage, error) { return nil, errors.New("x") })
	now := time.Now()
	if _, err := h(t.Context(), jobs.Job{Queue: "q", Type: "t", Attempt: 1, ExecuteAt: now, StartedAt: now}); err == nil {
		t.Fatal("the handler's error was lost")
	}
	if n := testutil.CollectAndCount(m); n != 4 {
		t.Fatalf("one failed attempt produced %d series, want 4: processed, retried and the two histograms", n)
	}
	problems, err := testutil.CollectAndLint(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}
