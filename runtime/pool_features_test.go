package runtime_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime"
)

// fakeTenants runs tenant functions without a database and records them.
type fakeTenants struct {
	mu    sync.Mutex
	known map[string]bool
	ran   []string
}

func (f *fakeTenants) RunInTenant(ctx context.Context, tenantID string, fn func(context.Context, *sql.Tx) error) error {
	f.mu.Lock()
	f.ran = append(f.ran, tenantID)
	known := f.known[tenantID]
	f.mu.Unlock()
	if !known {
		return fmt.Errorf("tenant %q: %w", tenantID, jobs.ErrTenantNotFound)
	}
	return fn(ctx, nil)
}

func TestPoolTenantJobs(t *testing.T) {
	tests := []struct {
		name        string
		tenant      string
		retryTenant bool
		wantState   jobs.State
		wantErrType string
	}{
		{"known tenant runs in its scope", "acme", false, jobs.StateCompleted, ""},
		{"unknown tenant goes to the DLQ", "nobody", false, jobs.StateFailed, jobs.ErrorTypeTenant},
		{"unknown tenant retries when asked", "nobody", true, jobs.StateRetrying, jobs.ErrorTypeTenant},
		{"tenant job without tenant fails", "", false, jobs.StateFailed, jobs.ErrorTypeTenant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			var seen atomic.Value
			if err := h.reg.RegisterTenant("notify", func(ctx context.Context, tx *sql.Tx, j jobs.Job) (json.RawMessage, error) {
				id, _ := jobs.TenantIDFromContext(ctx)
				seen.Store(id)
				return nil, nil
			}); err != nil {
				t.Fatal(err)
			}
			tenants := &fakeTenants{known: map[string]bool{"acme": true}}
			retry := jobs.RetryPolicy{Backoff: jobs.BackoffConstant, InitialDelay: time.Hour, Jitter: jobs.NoJitter, MaxDelay: time.Hour}
			h.start(runtime.PoolConfig{Tenants: tenants, RetryUnknownTenant: tt.retryTenant, Retry: retry})
			job := h.enqueue("notify", jobs.ForTenant(tt.tenant))
			got := h.waitState(job.ID, tt.wantState)
			if tt.wantErrType == "" {
				if seen.Load() != tt.tenant {
					t.Fatalf("handler saw tenant %v, want %s", seen.Load(), tt.tenant)
				}
				return
			}
			if got.Error == nil || got.Error.Type != tt.wantErrType {
				t.Fatalf("error %+v, want type %s", got.Error, tt.wantErrType)
			}
			if seen.Load() != nil {
				t.Fatal("the handler ran for a job whose tenant is unknown")
			}
		})
	}
}

func TestPoolRunsSchedulesWithHooks(t *testing.T) {
	h := newHarness(t)
	ran := make(chan jobs.Job, 10)
	h.register("tick", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		ran <- j
		return nil, nil
	})
	hook := func(ctx context.Context, j *jobs.Job) error {
		j.Metadata = map[string]string{"via": "hook"}
		return nil
	}
	h.start(runtime.PoolConfig{
		Schedules:    []runtime.Schedule{{Name: "every-second", Spec: "@every 1s", JobType: "tick"}},
		EnqueueHooks: []runtime.EnqueueHook{hook},
	})
	select {
	case j := <-ran:
		if !strings.HasPrefix(j.ID, "periodic:every-second:") || j.Metadata["via"] != "hook" {
			t.Fatalf("periodic job %s with metadata %v, want a periodic ID and the hook's metadata", j.ID, j.Metadata)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no periodic job ran within 3s of an @every 1s schedule")
	}
}

func TestPoolCancelsRunningJob(t *testing.T) {
	h := newHarness(t)
	started := make(chan struct{})
	stopped := make(chan error, 1)
	var calls atomic.Int32
	h.register("long", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		calls.Add(1)
		close(started)
		<-ctx.Done()
		stopped <- context.Cause(ctx)
		return nil, ctx.Err()
	})
	h.start(runtime.PoolConfig{})
	job := h.enqueue("long")
	<-started
	begin := time.Now()
	if _, err := h.client.Cancel(context.Background(), job.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case cause := <-stopped:
		if !errors.Is(cause, jobs.ErrJobCancelled) {
			t.Fatalf("handler stopped with cause %v, want ErrJobCancelled", cause)
		}
	case <-time.After(time.Second):
		t.Fatal("handler still running 1s after its job was cancelled")
	}
	t.Logf("handler stopped %s after the cancel", time.Since(begin))
	time.Sleep(50 * time.Millisecond) // a retry would have started by now
	got := h.waitState(job.ID, jobs.StateCancelled)
	if calls.Load() != 1 || got.Attempt != 1 {
		t.Fatalf("handler ran %d times, attempt %d: a cancelled job must not be retried", calls.Load(), got.Attempt)
	}
}

// flakyAcks fails the first n Acks, as a backend briefly unreachable would.
type flakyAcks struct {
	*memory.Backend
	failures atomic.Int32
}

func (f *flakyAcks) Ack(ctx context.Context, job jobs.Job) error {
	if f.failures.Add(-1) >= 0 {
		return errors.New("connection refused")
	}
	return f.Backend.Ack(ctx, job)
}

// AckDequeue fails as Ack does: the pool stores outcomes through it.
func (f *flakyAcks) AckDequeue(ctx context.Context, job jobs.Job, lease time.Duration) ([]jobs.Job, error) {
	if f.failures.Add(-1) >= 0 {
		return nil, errors.New("connection refused")
	}
	return f.Backend.AckDequeue(ctx, job, lease)
}

func TestPoolRetriesAcks(t *testing.T) {
	tests := []struct {
		name      string
		failures  int32
		wantState jobs.State
	}{
		{"two failed acks are retried", 2, jobs.StateCompleted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &flakyAcks{Backend: memory.New()}
			b.failures.Store(tt.failures)
			reg := runtime.NewRegistry()
			if err := reg.Register("t", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) { return nil, nil }); err != nil {
				t.Fatal(err)
			}
			p, err := runtime.NewPool(b, reg, runtime.PoolConfig{Logger: quietLogger(), DisableScheduler: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown(context.Background())
			job, err := runtime.NewClient(b).Enqueue(context.Background(), "t", nil)
			if err != nil {
				t.Fatal(err)
			}
			// Wait until the pool has made every try it will make: the
			// failed ones and the one that stores the outcome (see
			// TestAckRetriedUntilLeaseRunsOut for failures past the lease).
			final := int32(-1)
			deadline := time.Now().Add(5 * time.Second)
			for b.failures.Load() > final && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond)
			got, _ := b.Job(context.Background(), job.ID)
			if got.State != tt.wantState {
				t.Fatalf("job %s, want %s", got.State, tt.wantState)
			}
		})
	}
}

// gatedAckDequeue holds AckDequeue until proceed is closed, and keeps the
// context of the pool's scheduler, which ends when the pool stops taking
// jobs.
type gatedAckDequeue struct {
	*memory.Backend
	entered, proceed chan struct{}
	once             sync.Once
	taking           chan context.Context
}

func (g *gatedAckDequeue) PromoteDue(ctx context.Context) (int, error) {
	select {
	case g.taking <- ctx:
	default:
	}
	return g.Backend.PromoteDue(ctx)
}

func (g *gatedAckDequeue) AckDequeue(ctx context.Context, job jobs.Job, lease time.Duration) ([]jobs.Job, error) {
	g.once.Do(func() { close(g.entered) })
	<-g.proceed
	return g.Backend.AckDequeue(ctx, job, lease)
}

// TestPoolHandsBackJobTakenAtShutdown: a job that a worker's AckDequeue
// leases while Shutdown begins is handed back to its queue, not run.
func TestPoolHandsBackJobTakenAtShutdown(t *testing.T) {
	b := &gatedAckDequeue{Backend: memory.New(), entered: make(chan struct{}), proceed: make(chan struct{}),
		taking: make(chan context.Context, 1)}
	var runs sync.Map
	reg := runtime.NewRegistry()
	if err := reg.Register("t", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		runs.Store(j.ID, true)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	p, err := runtime.NewPool(b, reg, runtime.PoolConfig{Logger: quietLogger(), Queues: map[string]int{jobs.DefaultQueue: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	taking := <-b.taking
	c := runtime.NewClient(b)
	first, err := c.Enqueue(context.Background(), "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	<-b.entered // first ran; its worker stores the outcome
	second, err := c.Enqueue(context.Background(), "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error)
	go func() { stopped <- p.Shutdown(context.Background()) }()
	<-taking.Done()
	close(b.proceed) // AckDequeue leases second now
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		id      string
		state   jobs.State
		attempt int
	}{
		{first.ID, jobs.StateCompleted, 1},
		{second.ID, jobs.StatePending, 0}, // back in the queue, attempt uncounted
	} {
		j, err := b.Job(context.Background(), want.id)
		if err != nil || j.State != want.state || j.Attempt != want.attempt {
			t.Errorf("job %s: %s attempt %d (%v), want %s attempt %d", want.id, j.State, j.Attempt, err, want.state, want.attempt)
		}
	}
	if _, ran := runs.Load(second.ID); ran {
		t.Error("the job taken during shutdown ran")
	}
}
