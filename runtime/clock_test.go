package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// TestBackendClock checks that a client and a pool given no clock of their
// own tell time by their backend's (jobs.TimeSource), not the host's:
// jobs are stamped, finished, retried and reported at the backend's time.
func TestBackendClock(t *testing.T) {
	start := backendtest.Start
	b := memory.New(memory.WithClock(backendtest.NewClock(start)))
	client := runtime.NewClient(b)
	ctx := t.Context()
	later, err := client.Enqueue(ctx, "ok", nil, jobs.RunIn(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !later.CreatedAt.Equal(start) || !later.ExecuteAt.Equal(start.Add(time.Minute)) {
		t.Errorf("RunIn(1m) job created at %s to run at %s; want %s and a minute later (the backend's clock)", later.CreatedAt, later.ExecuteAt, start)
	}

	reg := runtime.NewRegistry()
	ok := func(context.Context, jobs.Job) (json.RawMessage, error) { return nil, nil }
	flaky := func(context.Context, jobs.Job) (json.RawMessage, error) { return nil, errors.New("try later") }
	for jobType, h := range map[string]runtime.Handler{"ok": ok, "flaky": flaky} {
		if err := reg.Register(jobType, h); err != nil {
			t.Fatal(err)
		}
	}
	pool, err := runtime.NewPool(b, reg, runtime.PoolConfig{Queues: map[string]int{jobs.DefaultQueue: 1}, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pool.Shutdown(context.Background()) })
	hourly := jobs.RetryPolicy{Backoff: jobs.BackoffConstant, InitialDelay: time.Hour, MaxDelay: time.Hour, Jitter: jobs.NoJitter}
	done, err := client.Enqueue(ctx, "ok", nil)
	if err != nil {
		t.Fatal(err)
	}
	retried, err := client.Enqueue(ctx, "flaky", nil, jobs.WithRetryPolicy(hourly), jobs.WithMaxRetries(3))
	if err != nil {
		t.Fatal(err)
	}
	done = waitForState(t, b, done.ID, jobs.StateCompleted)
	retried = waitForState(t, b, retried.ID, jobs.StateRetrying)
	if !done.StartedAt.Equal(start) || !done.FinishedAt.Equal(start) {
		t.Errorf("job ran from %s to %s; want both at %s (the backend's clock)", done.StartedAt, done.FinishedAt, start)
	}
	if !retried.ExecuteAt.Equal(start.Add(time.Hour)) {
		t.Errorf("failed job retries at %s; want an hour after %s (the backend's clock)", retried.ExecuteAt, start)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		stats, err := b.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(stats.Workers) == 1 {
			if hb := stats.Workers[0].LastHeartbeat; !hb.Equal(start) {
				t.Errorf("worker's last heartbeat at %s; want %s (the backend's clock)", hb, start)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("workers %+v after 5 s; want the pool's one", stats.Workers)
		}
	}
}

// waitForState polls b until job id is in state, for up to 5 s.
func waitForState(t *testing.T, b jobs.Backend, id string, state jobs.State) jobs.Job {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		j, err := b.Job(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == state {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is %s after 5 s; want %s", id, j.State, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
