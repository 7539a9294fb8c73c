package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

// lockedBuffer is a log sink the pool's goroutines may write concurrently.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the logged lines that contain every one of words.
func (b *lockedBuffer) lines(words ...string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for line := range strings.Lines(b.buf.String()) {
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(line, w) }) {
			out = append(out, line)
		}
	}
	return out
}

// ignoresContext is a handler that never looks at its context: it returns
// only when release is closed (at the end of the test).
func ignoresContext(started chan<- string, release <-chan struct{}) runtime.Handler {
	return func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		started <- j.ID
		<-release
		return nil, nil
	}
}

// TestPoolAbandonsHandlerThatIgnoresItsContext runs, on a one-worker pool,
// a job whose handler ignores its context and then a quick job: once the
// context ends (timeout, cancellation) and the grace runs out, the stuck
// handler is abandoned (logged and counted), its job gets its outcome, its
// lease is no longer renewed and the slot runs the next job.
func TestPoolAbandonsHandlerThatIgnoresItsContext(t *testing.T) {
	const timeout, grace = 200 * time.Millisecond, 200 * time.Millisecond
	tests := []struct {
		name string
		// interrupt acts on the stuck job once its handler has started.
		interrupt func(h *harness, id string)
		wantState jobs.State
		wantError string // the error type of the stuck job
		wantLog   string
	}{
		{name: "timeout fails the attempt",
			interrupt: func(*harness, string) {},
			wantState: jobs.StateRetrying, wantError: jobs.ErrorTypeTimeout,
			wantLog: "handler did not return 200ms after its timeout of 200ms; abandoned its goroutine, which may still be running"},
		{name: "cancellation",
			interrupt: func(h *harness, id string) {
				if _, err := h.client.Cancel(context.Background(), id); err != nil {
					h.t.Fatal(err)
				}
			},
			wantState: jobs.StateCancelled,
			wantLog:   "handler did not return 200ms after its context was cancelled (job cancelled); abandoned its goroutine, which may still be running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			started := make(chan string, 2)
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			h.register("stuck", ignoresContext(started, release))
			h.register("quick", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) { return nil, nil })
			var logs lockedBuffer
			h.start(runtime.PoolConfig{
				Queues:       map[string]int{jobs.DefaultQueue: 1},
				JobTimeout:   timeout,
				TimeoutGrace: grace,
				Lease:        150 * time.Millisecond,
				Retry:        jobs.RetryPolicy{Backoff: jobs.BackoffConstant, InitialDelay: time.Hour, MaxDelay: time.Hour, Jitter: jobs.NoJitter},
				Logger:       slog.New(slog.NewTextHandler(&logs, nil)),
			})
			stuck := h.enqueue("stuck")
			<-started
			begin := time.Now()
			tt.interrupt(h, stuck.ID)
			next := h.enqueue("quick")
			h.waitState(next.ID, jobs.StateCompleted)
			took := time.Since(begin)
			if took > time.Second {
				t.Errorf("the next job completed %s after the stuck one started, want within 1s", took)
			}
			got := h.waitState(stuck.ID, tt.wantState)
			if tt.wantError != "" && (got.Error == nil || got.Error.Type != tt.wantError) {
				t.Errorf("stuck job error %+v, want type %s", got.Error, tt.wantError)
			}
			if n := h.pool.AbandonedHandlers(); n != 1 {
				t.Errorf("AbandonedHandlers() = %d, want 1", n)
			}
			if lines := logs.lines("level=ERROR", tt.wantLog, "job_id="+stuck.ID, "job_type=stuck"); len(lines) != 1 {
				t.Errorf("%d error lines about the abandoned handler, want 1; log:\n%s", len(lines), logs.lines(""))
			}
			// Three heartbeats later the stuck job's record has not moved
			// and no worker reports it.
			time.Sleep(3 * 50 * time.Millisecond)
			after, err := h.backend.Job(context.Background(), stuck.ID)
			if err != nil || after.State != got.State || !after.LeaseUntil.Equal(got.LeaseUntil) {
				t.Errorf("stuck job changed after abandonment: %+v (err %v), was %+v", after, err, got)
			}
			st, err := h.backend.Stats(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range st.Workers {
				if w.JobID == stuck.ID {
					t.Errorf("worker %s still reports the abandoned job", w.ID)
				}
			}
		})
	}
}

// TestPoolShutdownAbandonsHandlerThatIgnoresItsContext shuts a pool down
// while a handler ignores its cancelled context: Shutdown returns once the
// grace has run out, having handed the job back to its queue, instead of
// leaving it to the expiry of its lease.
func TestPoolShutdownAbandonsHandlerThatIgnoresItsContext(t *testing.T) {
	h := newHarness(t)
	started := make(chan string, 1)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	h.register("stuck", ignoresContext(started, release))
	h.start(runtime.PoolConfig{ShutdownTimeout: 50 * time.Millisecond, TimeoutGrace: 100 * time.Millisecond})
	job := h.enqueue("stuck")
	<-started
	begin := time.Now()
	if err := h.pool.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown = %v, want nil: the stuck handler is abandoned and its job handed back", err)
	}
	if took := time.Since(begin); took > time.Second {
		t.Errorf("Shutdown took %s, want the shutdown timeout plus the grace", took)
	}
	got, _ := h.backend.Job(context.Background(), job.ID)
	if got.State != jobs.StatePending || got.Attempt != 0 {
		t.Errorf("abandoned job is %s attempt %d, want pending with the attempt given back", got.State, got.Attempt)
	}
	if n := h.pool.AbandonedHandlers(); n != 1 {
		t.Errorf("AbandonedHandlers() = %d, want 1", n)
	}
}

// TestPoolWaitsOutTheGrace runs, on one worker, a quick job with a short
// timeout (which sets the slot's watchdog early) and then a job whose
// handler ignores its context but returns within the grace after its
// timeout: nothing is abandoned and the second job's result is stored.
func TestPoolWaitsOutTheGrace(t *testing.T) {
	const timeout, grace = 300 * time.Millisecond, 300 * time.Millisecond
	h := newHarness(t)
	h.register("quick", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) { return nil, nil })
	h.register("late", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		time.Sleep(timeout + grace/2)
		return json.RawMessage(`"late"`), nil
	})
	h.start(runtime.PoolConfig{Queues: map[string]int{jobs.DefaultQueue: 1}, TimeoutGrace: grace})
	h.waitState(h.enqueue("quick", jobs.WithTimeout(10*time.Millisecond)).ID, jobs.StateCompleted)
	got := h.waitState(h.enqueue("late", jobs.WithTimeout(timeout)).ID, jobs.StateCompleted)
	if string(got.Result) != `"late"` {
		t.Errorf("result %s, want the late handler's", got.Result)
	}
	if n := h.pool.AbandonedHandlers(); n != 0 {
		t.Errorf("AbandonedHandlers() = %d, want 0", n)
	}
}
