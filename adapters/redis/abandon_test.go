package redis

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

// TestPoolAbandonsHandlerThatIgnoresItsContext runs, on a one-worker pool,
// a job whose handler ignores its context past its timeout, then a quick
// job: the stuck handler is abandoned after its timeout plus the grace, its
// attempt is stored as a timeout to retry, its lease is no longer renewed
// and the slot runs the quick job.
func TestPoolAbandonsHandlerThatIgnoresItsContext(t *testing.T) {
	b := newTestBackend(t, nil)
	started := make(chan string, 2)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	stuckHandler := func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		started <- j.ID
		<-release
		return nil, nil
	}
	quick := func(ctx context.Context, j jobs.Job) (json.RawMessage, error) { return nil, nil }
	p := startPool(t, b, map[string]runtime.Handler{"stuck": stuckHandler, "quick": quick}, runtime.PoolConfig{
		Queues:       map[string]int{jobs.DefaultQueue: 1},
		JobTimeout:   200 * time.Millisecond,
		TimeoutGrace: 200 * time.Millisecond,
		Lease:        300 * time.Millisecond,
		Retry:        jobs.RetryPolicy{Backoff: jobs.BackoffConstant, InitialDelay: time.Hour, MaxDelay: time.Hour, Jitter: jobs.NoJitter},
	})
	ctx := t.Context()
	client := runtime.NewClient(b)
	stuck, err := client.Enqueue(ctx, "stuck", nil)
	must(t, err)
	<-started
	begin := time.Now()
	next, err := client.Enqueue(ctx, "quick", nil)
	must(t, err)
	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := client.Wait(waitCtx, next.ID); err != nil {
		t.Fatalf("the job after the stuck one: %v", err)
	}
	if took := time.Since(begin); took > time.Second {
		t.Errorf("the next job completed %s after the stuck one started, want within 1s", took)
	}
	got, err := b.Job(ctx, stuck.ID)
	must(t, err)
	if got.State != jobs.StateRetrying || got.Error == nil || got.Error.Type != jobs.ErrorTypeTimeout {
		t.Fatalf("stuck job is %s with error %+v, want retrying after a timeout", got.State, got.Error)
	}
	if n := p.AbandonedHandlers(); n != 1 {
		t.Errorf("AbandonedHandlers() = %d, want 1", n)
	}
	time.Sleep(3 * 100 * time.Millisecond) // three heartbeats
	after, err := b.Job(ctx, stuck.ID)
	must(t, err)
	if after.State != got.State || !after.LeaseUntil.Equal(got.LeaseUntil) || after.Attempt != got.Attempt {
		t.Errorf("stuck job changed after abandonment: %s lease %s attempt %d, was %s lease %s attempt %d",
			after.State, after.LeaseUntil, after.Attempt, got.State, got.LeaseUntil, got.Attempt)
	}
	st, err := b.Stats(ctx)
	must(t, err)
	for _, w := range st.Workers {
		if w.JobID == stuck.ID {
			t.Errorf("worker %s still reports the abandoned job", w.ID)
		}
	}
}
