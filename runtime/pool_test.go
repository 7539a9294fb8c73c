package runtime_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime"
)

// fastRetry retries at once so that tests do not wait for backoff.
var fastRetry = jobs.RetryPolicy{Backoff: jobs.BackoffConstant, InitialDelay: time.Millisecond, MaxDelay: time.Millisecond, Jitter: jobs.NoJitter}

type harness struct {
	t       *testing.T
	backend *memory.Backend
	client  *runtime.Client
	reg     *runtime.Registry
	pool    *runtime.Pool
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	b := memory.New()
	return &harness{t: t, backend: b, client: runtime.NewClient(b), reg: runtime.NewRegistry()}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func (h *harness) start(cfg runtime.PoolConfig) {
	h.t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	if cfg.SchedulerInterval == 0 {
		cfg.SchedulerInterval = 5 * time.Millisecond
	}
	if cfg.Retry == (jobs.RetryPolicy{}) {
		cfg.Retry = fastRetry
	}
	p, err := runtime.NewPool(h.backend, h.reg, cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	h.pool = p
	h.t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
}

func (h *harness) register(jobType string, fn runtime.Handler, opts ...runtime.HandlerOption) {
	h.t.Helper()
	if err := h.reg.Register(jobType, fn, opts...); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) enqueue(jobType string, opts ...jobs.EnqueueOption) jobs.Job {
	h.t.Helper()
	j, err := h.client.Enqueue(context.Background(), jobType, json.RawMessage(`{"n":1}`), opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	return j
}

// waitState polls until job id is in state want and returns it.
func (h *harness) waitState(id string, want jobs.State) jobs.Job {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		j, err := h.backend.Job(context.Background(), id)
		if err == nil && j.State == want {
			return j
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("job %s: state %s (err %v) after 5s, want %s", id, j.State, err, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestPoolOutcomes(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name        string
		handler     runtime.Handler
		opts        []jobs.EnqueueOption
		wantState   jobs.State
		wantAttempt int
		wantErrType string
		wantErrMsg  string
		wantResult  string
	}{
		{name: "success stores the result",
			handler: func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
				return json.RawMessage(`{"ok":true}`), nil
			},
			wantState: jobs.StateCompleted, wantAttempt: 1, wantResult: `{"ok":true}`},
		{name: "error exhausts retries into the DLQ",
			handler:   func(ctx context.Context, j jobs.Job) (json.RawMessage, error) { return nil, errBoom },
			opts:      []jobs.EnqueueOption{jobs.WithMaxRetries(2)},
			wantState: jobs.StateFailed, wantAttempt: 3, wantErrType: "error", wantErrMsg: "boom"},
		{name: "skip retry fails at once",
			handler: func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
				return nil, jobs.SkipRetry(errBoom)
			},
			wantState: jobs.StateFailed, wantAttempt: 1, wantErrType: "error", wantErrMsg: "boom"},
		{name: "panic is a failed attempt with a stack trace",
			handler:   func(ctx context.Context, j jobs.Job) (json.RawMessage, error) { panic("kaboom") },
			opts:      []jobs.EnqueueOption{jobs.WithMaxRetries(0)},
			wantState: jobs.StateFailed, wantAttempt: 1, wantErrType: jobs.ErrorTypePanic, wantErrMsg: "handler panicked: kaboom"},
		{name: "timeout",
			handler: func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			},
			opts:      []jobs.EnqueueOption{jobs.WithMaxRetries(0), jobs.WithTimeout(20 * time.Millisecond)},
			wantState: jobs.StateFailed, wantAttempt: 1, wantErrType: jobs.ErrorTypeTimeout,
			wantErrMsg: "attempt timed out after 20ms: context deadline exceeded"},
		{name: "typed error names its type",
			handler: func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
				return nil, fmt.Errorf("wrapped: %w", &json.SyntaxError{})
			},
			opts:      []jobs.EnqueueOption{jobs.WithMaxRetries(0)},
			wantState: jobs.StateFailed, wantAttempt: 1, wantErrType: "*json.SyntaxError", wantErrMsg: "wrapped: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.register("work", tt.handler)
			h.start(runtime.PoolConfig{})
			job := h.enqueue("work", tt.opts...)
			got := h.waitState(job.ID, tt.wantState)
			if got.Attempt != tt.wantAttempt {
				t.Errorf("attempt %d, want %d", got.Attempt, tt.wantAttempt)
			}
			if string(got.Result) != tt.wantResult {
				t.Errorf("result %s, want %s", got.Result, tt.wantResult)
			}
			if tt.wantErrType == "" {
				if got.Error != nil {
					t.Errorf("error %+v, want none", got.Error)
				}
				return
			}
			if got.Error == nil || got.Error.Type != tt.wantErrType || got.Error.Message != tt.wantErrMsg {
				t.Fatalf("error %+v, want type %q message %q", got.Error, tt.wantErrType, tt.wantErrMsg)
			}
			if tt.wantErrType == jobs.ErrorTypePanic && !strings.Contains(got.Error.Stacktrace, "pool_test.go") {
				t.Errorf("panic stack trace does not show the handler:\n%s", got.Error.Stacktrace)
			}
			dead, err := h.backend.DeadLetters(context.Background(), jobs.DeadLetterQuery{})
			if err != nil || len(dead) != 1 || dead[0].ID != job.ID {
				t.Fatalf("dead letters %v (err %v), want [%s]", ids(dead), err, job.ID)
			}
		})
	}
}

func ids(batch []jobs.Job) []string {
	out := make([]string, len(batch))
	for i, j := range batch {
		out[i] = j.ID
	}
	return out
}

func TestPoolRetriesThenSucceeds(t *testing.T) {
	h := newHarness(t)
	var calls atomic.Int32
	h.register("flaky", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		if calls.Add(1) <= 2 {
			return nil, fmt.Errorf("attempt %d: gateway unavailable", j.Attempt)
		}
		return nil, nil
	})
	h.start(runtime.PoolConfig{})
	job := h.enqueue("flaky")
	got := h.waitState(job.ID, jobs.StateCompleted)
	if got.Attempt != 3 || calls.Load() != 3 {
		t.Fatalf("attempt %d after %d calls, want 3", got.Attempt, calls.Load())
	}
	if got.Error == nil || got.Error.Message != "attempt 2: gateway unavailable" {
		t.Fatalf("last error %+v, want the second attempt's", got.Error)
	}
}

func TestPoolBackoffFollowsPolicy(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	var starts []time.Time
	h.register("slow_retry", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		return nil, errors.New("no")
	}, runtime.WithHandlerRetry(jobs.RetryPolicy{InitialDelay: 40 * time.Millisecond, Jitter: jobs.NoJitter}))
	h.start(runtime.PoolConfig{})
	job := h.enqueue("slow_retry", jobs.WithMaxRetries(2))
	h.waitState(job.ID, jobs.StateFailed)
	mu.Lock()
	defer mu.Unlock()
	if len(starts) != 3 {
		t.Fatalf("%d attempts, want 3", len(starts))
	}
	// Exponential from the handler's 40 ms: 40 ms, then 80 ms.
	for i, want := range []time.Duration{40 * time.Millisecond, 80 * time.Millisecond} {
		if gap := starts[i+1].Sub(starts[i]); gap < want || gap > want+200*time.Millisecond {
			t.Errorf("gap before retry %d: %s, want about %s", i+1, gap, want)
		}
	}
}

func TestPoolUnknownJobTypeGoesToDLQ(t *testing.T) {
	h := newHarness(t)
	h.register("known", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) { return nil, nil })
	h.start(runtime.PoolConfig{})
	job := h.enqueue("unknown")
	got := h.waitState(job.ID, jobs.StateFailed)
	want := `no handler is registered for job type "unknown" (registered: [known])`
	if got.Attempt != 1 || got.Error.Type != jobs.ErrorTypeUnknownJobType || got.Error.Message != want {
		t.Fatalf("attempt %d error %+v, want one attempt failing with %q", got.Attempt, got.Error, want)
	}
}

func TestPoolRetryFromDeadLetterQueue(t *testing.T) {
	h := newHarness(t)
	var fail atomic.Bool
	fail.Store(true)
	h.register("fixable", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		if fail.Load() {
			return nil, errors.New("bug")
		}
		return nil, nil
	})
	h.start(runtime.PoolConfig{})
	job := h.enqueue("fixable", jobs.WithMaxRetries(0))
	h.waitState(job.ID, jobs.StateFailed)
	fail.Store(false)
	if _, err := h.client.RetryDeadLetter(context.Background(), job.ID); err != nil {
		t.Fatal(err)
	}
	got := h.waitState(job.ID, jobs.StateCompleted)
	if got.Attempt != 1 {
		t.Fatalf("attempt %d after retry from the DLQ, want a fresh count of 1", got.Attempt)
	}
}

func TestPoolRunsByPriority(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	var order []string
	h.register("p", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		mu.Lock()
		order = append(order, j.Metadata["name"])
		mu.Unlock()
		return nil, nil
	})
	for i, p := range []jobs.Priority{jobs.PriorityLow, jobs.PriorityNormal, jobs.PriorityHigh, jobs.PriorityCritical, jobs.PriorityLow} {
		h.enqueue("p", jobs.WithPriority(p), jobs.WithMetadata("name", fmt.Sprintf("%s%d", p, i)))
	}
	h.start(runtime.PoolConfig{Queues: map[string]int{jobs.DefaultQueue: 1}})
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(order)
		mu.Unlock()
		if n == 5 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"critical3", "high2", "normal1", "low0", "low4"}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("ran %v, want %v", order, want)
	}
}

func TestPoolMiddlewareOrder(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	var trace []string
	mark := func(name string) runtime.Middleware {
		return func(next runtime.Handler) runtime.Handler {
			return func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
				mu.Lock()
				trace = append(trace, name)
				mu.Unlock()
				return next(ctx, j)
			}
		}
	}
	h.register("m", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		mu.Lock()
		trace = append(trace, "handler")
		mu.Unlock()
		return nil, nil
	}, runtime.WithHandlerMiddleware(mark("type")))
	h.start(runtime.PoolConfig{Middleware: []runtime.Middleware{mark("global1"), mark("global2")}})
	h.waitState(h.enqueue("m").ID, jobs.StateCompleted)
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(trace, ","); got != "global1,global2,type,handler" {
		t.Fatalf("middleware ran %s", got)
	}
}

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
