package runtime_test

import (
	"context"
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
