package runtime_test

// Tests of the pool's lifecycle: lease renewal, worker reports, shutdown
// and configuration checks.

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime"
)

func TestPoolRenewsLeasesOfLongJobs(t *testing.T) {
	h := newHarness(t)
	h.register("long", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		select {
		case <-time.After(400 * time.Millisecond):
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	// The lease is far shorter than the job, and expired leases are
	// recovered every 5 ms: only the heartbeat keeps the job.
	h.start(runtime.PoolConfig{Lease: 90 * time.Millisecond})
	got := h.waitState(h.enqueue("long").ID, jobs.StateCompleted)
	if got.Attempt != 1 {
		t.Fatalf("attempt %d: the lease expired while the job ran", got.Attempt)
	}
}

// TestPoolShutdownKeepsLeasesOfRunningJobs checks the order in which
// Shutdown stops the pool's services: the heartbeat goes on renewing the
// lease of a job that runs through the shutdown wait, so that another
// process's scheduler, recovering expired leases every 5 ms, does not take
// the job back while its handler still runs.
func TestPoolShutdownKeepsLeasesOfRunningJobs(t *testing.T) {
	h := newHarness(t)
	started := make(chan struct{})
	h.register("long", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		close(started)
		select {
		case <-time.After(400 * time.Millisecond): // several leases
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	h.start(runtime.PoolConfig{Lease: 60 * time.Millisecond, DisableScheduler: true, ShutdownTimeout: 5 * time.Second})
	other, stopOther := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.NewScheduler(h.backend, 5*time.Millisecond, quietLogger()).Run(other)
	}()
	defer func() { stopOther(); <-done }()
	job := h.enqueue("long")
	<-started
	if err := h.pool.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := h.backend.Job(context.Background(), job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != jobs.StateCompleted || got.Attempt != 1 {
		t.Fatalf("job is %s attempt %d after shutdown, want completed attempt 1: its lease expired during the shutdown wait", got.State, got.Attempt)
	}
}

func TestPoolReportsWorkers(t *testing.T) {
	h := newHarness(t)
	release := make(chan struct{})
	h.register("block", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		<-release
		return nil, nil
	})
	h.start(runtime.PoolConfig{Queues: map[string]int{jobs.DefaultQueue: 2}, Lease: 60 * time.Millisecond})
	defer close(release)
	job := h.enqueue("block")
	h.waitState(job.ID, jobs.StateRunning)
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := h.backend.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var running, idle int
		for _, w := range st.Workers {
			if w.Status == jobs.WorkerRunning && w.JobID == job.ID && w.JobType == "block" {
				running++
			}
			if w.Status == jobs.WorkerIdle {
				idle++
			}
		}
		if running == 1 && idle == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("workers %+v, want one running %s and one idle", st.Workers, job.ID)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPoolGracefulShutdown(t *testing.T) {
	h := newHarness(t)
	started := make(chan struct{}, 1)
	h.register("slow", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		started <- struct{}{}
		time.Sleep(100 * time.Millisecond)
		return nil, nil
	})
	h.start(runtime.PoolConfig{Queues: map[string]int{jobs.DefaultQueue: 1}})
	first := h.enqueue("slow")
	<-started
	queued := []jobs.Job{h.enqueue("slow"), h.enqueue("slow")}
	if err := h.pool.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if j, _ := h.backend.Job(context.Background(), first.ID); j.State != jobs.StateCompleted {
		t.Fatalf("running job ended %s, want completed before shutdown returned", j.State)
	}
	for _, q := range queued {
		if j, _ := h.backend.Job(context.Background(), q.ID); j.State != jobs.StatePending || j.Attempt != 0 {
			t.Fatalf("unstarted job is %s attempt %d, want pending attempt 0", j.State, j.Attempt)
		}
	}
}

func TestPoolShutdownTimeoutHandsJobsBack(t *testing.T) {
	h := newHarness(t)
	started := make(chan struct{})
	h.register("stuck", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	h.start(runtime.PoolConfig{ShutdownTimeout: 50 * time.Millisecond})
	job := h.enqueue("stuck")
	<-started
	if err := h.pool.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := h.backend.Job(context.Background(), job.ID)
	if got.State != jobs.StatePending || got.Attempt != 0 {
		t.Fatalf("interrupted job is %s attempt %d, want pending with the attempt given back", got.State, got.Attempt)
	}
}

func TestNewPoolRefusesBadConfig(t *testing.T) {
	withHandler := runtime.NewRegistry()
	if err := withHandler.Register("a", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	withTenant := runtime.NewRegistry()
	if err := withTenant.RegisterTenant("t", func(ctx context.Context, tx *sql.Tx, j jobs.Job) (json.RawMessage, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		reg  *runtime.Registry
		cfg  runtime.PoolConfig
		want string
	}{
		{"no handlers", runtime.NewRegistry(), runtime.PoolConfig{}, "new pool: no handlers registered"},
		{"zero workers", withHandler, runtime.PoolConfig{Queues: map[string]int{"q": 0}}, `new pool: queue "q": 0 workers; want at least 1`},
		{"bad queue", withHandler, runtime.PoolConfig{Queues: map[string]int{"a b": 1}}, `new pool: invalid job: queue name "a b" contains white space or a control character`},
		{"bad retry", withHandler, runtime.PoolConfig{Retry: jobs.RetryPolicy{Backoff: "x"}}, `new pool: unknown backoff "x" (want exponential, linear or constant)`},
		{"tenant without executor", withTenant, runtime.PoolConfig{}, "new pool: the registry has tenant handlers but PoolConfig.Tenants is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runtime.NewPool(memory.New(), tt.reg, tt.cfg)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
