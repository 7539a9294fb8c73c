package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

func TestMiddlewareOutcomes(t *testing.T) {
	now := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	job := func(attempt, maxRetries int) jobs.Job {
		return jobs.Job{ID: "j", Type: "mail", Queue: "q", Attempt: attempt, MaxRetries: maxRetries,
			ExecuteAt: now, StartedAt: now.Add(1500 * time.Millisecond)}
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	timedOut, cancelTimeout := context.WithDeadline(context.Background(), now)
	defer cancelTimeout()
	boom := errors.New("boom")
	cases := []struct {
		name  string
		ctx   context.Context
		job   jobs.Job
		err   error
		panic bool
		want  string
	}{
		{"success", context.Background(), job(1, 3), nil, false, "succeeded"},
		{"success on the last attempt", context.Background(), job(4, 3), nil, false, "succeeded"},
		{"error with retries left", context.Background(), job(1, 3), boom, false, "retried"},
		{"error on the last attempt", context.Background(), job(4, 3), boom, false, "failed"},
		{"error with no retries", context.Background(), job(1, 0), boom, false, "failed"},
		{"skip retry", context.Background(), job(1, 3), jobs.SkipRetry(boom), false, "failed"},
		{"unknown tenant", context.Background(), job(1, 3), fmt.Errorf("acme: %w", jobs.ErrTenantNotFound), false, "failed"},
		{"timeout with retries left", timedOut, job(1, 3), context.DeadlineExceeded, false, "retried"},
		{"cancelled by shutdown", cancelled, job(4, 3), context.Canceled, false, "interrupted"},
		{"panic with retries left", context.Background(), job(1, 3), nil, true, "retried"},
		{"panic on the last attempt", context.Background(), job(4, 3), nil, true, "failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := New()
			h := m.Middleware(func(context.Context, jobs.Job) (json.RawMessage, error) {
				if c.panic {
					panic("handler bug")
				}
				return nil, c.err
			})
			func() {
				defer func() {
					if v := recover(); (v != nil) != c.panic {
						t.Fatalf("recovered %v; want a panic passed on: %v", v, c.panic)
					}
				}()
				if _, err := h(c.ctx, c.job); err != c.err {
					t.Fatalf("middleware returned %v, want the handler's %v", err, c.err)
				}
			}()
			counters := map[string]*prometheus.CounterVec{
				"succeeded": m.succeeded, "retried": m.retried, "failed": m.failed, "interrupted": m.interrupted, "processed": m.processed,
			}
			for name, vec := range counters {
				want := 0.0
				if name == c.want || name == "processed" {
					want = 1
				}
				if got := testutil.ToFloat64(vec.WithLabelValues("q", "mail")); got != want {
					t.Errorf("%s = %v, want %v", name, got, want)
				}
			}
			if n, _ := histogram(t, m.duration); n != 1 {
				t.Errorf("duration histogram counted %d attempts, want 1", n)
			}
			if n, sum := histogram(t, m.latency); n != 1 || sum != 1.5 {
				t.Errorf("latency histogram: %d observations summing to %v s, want 1 of 1.5 s", n, sum)
			}
		})
	}
}

// histogram returns the observation count and sum of every series of c.
func histogram(t *testing.T, c prometheus.Collector) (uint64, float64) {
	t.Helper()
	ch := make(chan prometheus.Metric, 16)
	c.Collect(ch)
	close(ch)
	var n uint64
	var sum float64
	for m := range ch {
		var d dto.Metric
		if err := m.Write(&d); err != nil {
			t.Fatal(err)
		}
		n += d.GetHistogram().GetSampleCount()
		sum += d.GetHistogram().GetSampleSum()
	}
	return n, sum
}
